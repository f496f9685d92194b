/*
** arrow_in.c — host data registered through the Arrow C Data and C Stream
** Interfaces (tir_arrow.h): record batches become chunks of a registered
** table. Fixed-width values and bitmaps are used in place when their
** offset and alignment allow; booleans, narrower numbers and strings are
** converted once, at registration, so scans never branch on the source.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tir_arrow.h"
#include "arrow.h"
#include "decimal.h"

/* The arrays a registered table reads, released when it is freed. */
typedef struct kept_arrays {
    struct ArrowArray *v;
    size_t n, cap;
} kept_arrays;

static void release_kept(void *ctx)
{
    kept_arrays *k = ctx;
    for (size_t i = 0; i < k->n; i++)
        if (k->v[i].release)
            k->v[i].release(&k->v[i]);
    free(k->v);
    free(k);
}

typedef struct importer {
    tir_engine *e;
    const char *name;
    vm_hosttab *t;
    char err[1024];
} importer;

static tir_status fail(importer *im, tir_status st, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(im->err, sizeof im->err, "registering \"%s\": %s", im->name, msg);
    return st;
}

/* The time zone of an Arrow timestamp "ts?:ZONE" ("" for none), NULL when
** f is not a timestamp. */
static const char *timestamp_zone(const char *f)
{
    return f && f[0] == 't' && f[1] == 's' && f[2] && strchr("smun", f[2]) && f[3] == ':' ? f + 4 : NULL;
}

/* An Arrow timestamp without a time zone or in UTC: its unit, 's', 'm',
** 'u' or 'n', or 0 when f is something else. */
char vm_arrow_timestamp(const char *f)
{
    const char *z = timestamp_zone(f);
    return z && (!*z || !strcmp(z, "UTC") || !strcmp(z, "+00:00") || !strcmp(z, "Etc/UTC")) ? f[2] : 0;
}

/* An Arrow decimal128 "d:P,S" (or "d:P,S,128") that tir holds: P <= 18
** read into an i64 of the value times 10^S, P <= 38 as it is (16 bytes). */
bool vm_arrow_decimal(const char *f, int *prec, int *scale)
{
    int p, s, bits = 128, used = 0, more = 0;
    if (!f || (sscanf(f, "d:%d,%d%n", &p, &s, &used) != 2))
        return false;
    if (f[used] == ',') {   /* the bit width, counted from the comma */
        if (sscanf(f + used, ",%d%n", &bits, &more) != 1)
            return false;
        used += more;
    }
    if (f[used] || bits != 128 || vm_dec_check(p, s))
        return false;
    *prec = p, *scale = s;
    return true;
}

/* tir's type for an Arrow format string; false when tir has none. */
static bool arrow_type(const char *f, tir_type *t)
{
    int p, s;
    if (vm_arrow_decimal(f, &p, &s)) {
        /* held as its scaled i64 or, past 18 digits, as it is; hosttab.c gives the schema decimal(p, s) */
        *t = p > VM_DEC_MAXPREC ? TIR_DECIMAL128 : TIR_I64;
        return true;
    }
    if (vm_arrow_timestamp(f)) {
        *t = TIR_I64;   /* held as its i64; hosttab.c gives the schema timestamp */
        return true;
    }
    static const struct {
        const char *f;
        tir_type t;
    } map[] = {{"b", TIR_BOOL},   {"c", TIR_I32}, {"C", TIR_I32}, {"s", TIR_I32},    {"S", TIR_I32},
               {"i", TIR_I32},    {"I", TIR_I64}, {"l", TIR_I64}, {"f", TIR_F64},    {"g", TIR_F64},
               {"tdD", TIR_DATE}, {"u", TIR_STRING}, {"U", TIR_STRING}, {"vu", TIR_STRING},
               {"tin", TIR_INTERVAL}};
    for (size_t i = 0; f && i < sizeof map / sizeof *map; i++)
        if (!strcmp(f, map[i].f)) {
            *t = map[i].t;
            return true;
        }
    return false;
}

/* The table's columns from the schema of a record batch; *schema released. */
static tir_status import_schema(importer *im, struct ArrowSchema *schema)
{
    tir_status st = TIR_OK;
    int64_t n = schema->n_children;
    if (!schema->format || strcmp(schema->format, "+s"))
        st = fail(im, TIR_ERR_DATA, "the schema is of type '%s', not a struct of columns ('+s')",
                  schema->format ? schema->format : "(none)");
    else if (n < 0 || n > TIR_MAX_COLUMNS)
        st = fail(im, TIR_ERR_DATA, "%lld columns (at most %d)", (long long)n, TIR_MAX_COLUMNS);
    char **names = st ? NULL : calloc((size_t)(n ? n : 1), sizeof *names);
    const char **formats = st ? NULL : calloc((size_t)(n ? n : 1), sizeof *formats);
    tir_type *types = st ? NULL : calloc((size_t)(n ? n : 1), sizeof *types);
    if (!st && (!names || !formats || !types))
        st = fail(im, TIR_ERR_NOMEM, "out of memory");
    for (int64_t c = 0; !st && c < n; c++) {
        const struct ArrowSchema *ch = schema->children[c];
        char unnamed[32];
        snprintf(unnamed, sizeof unnamed, "c%lld", (long long)c + 1);
        names[c] = strdup(ch->name && ch->name[0] ? ch->name : unnamed);
        formats[c] = ch->format ? ch->format : "";
        if (!names[c])
            st = fail(im, TIR_ERR_NOMEM, "out of memory");
        else if (timestamp_zone(formats[c]) && !vm_arrow_timestamp(formats[c]))
            st = fail(im, TIR_ERR_DATA,
                      "column '%s' has Arrow type '%s', timestamps in time zone %s; tir's timestamps have none: "
                      "only timestamps without a time zone or in UTC are read (convert them to UTC first)",
                      names[c], formats[c], timestamp_zone(formats[c]));
        else if (ch->dictionary || !arrow_type(ch->format, &types[c]))
            st = fail(im, TIR_ERR_DATA,
                      "column '%s' has Arrow type '%s'%s, which tir cannot read (supported: b, c, C, s, S, i, I, "
                      "l, f, g, tdD, tss: tsm: tsu: tsn: (none or UTC), tin, u, U, vu, d:P,S with P <= 38)",
                      names[c], formats[c], ch->dictionary ? " (dictionary-encoded)" : "");
    }
    if (!st && !(im->t = vm_hosttab_new((int)n, (const char *const *)names, types, formats)))
        st = fail(im, TIR_ERR_NOMEM, "out of memory");
    for (int64_t c = 0; names && c < n; c++)
        free(names[c]);
    free(names);
    free(formats);
    free(types);
    schema->release(schema);
    return st;
}

/* A buffer the table owns, or NULL (then im->err says so). */
static void *owned(importer *im, size_t bytes)
{
    void *p = vm_hosttab_alloc(im->t, bytes);
    if (!p)
        fail(im, TIR_ERR_NOMEM, "out of memory");
    return p;
}

static bool bit(const uint8_t *b, uint64_t i)
{
    return (b[i >> 3] >> (i & 7)) & 1;
}

/* Bits [o, o + n) of b into whole words from bit 0, reading no byte past
** bit o + n - 1: eight (nine when o is not on a byte) bytes at a time. */
static void copy_bits(uint64_t *v, const uint8_t *b, uint64_t o, uint64_t n)
{
    const uint8_t *src = b + o / 8;
    unsigned sh = (unsigned)(o % 8);
    uint64_t avail = (sh + n + 7) / 8, words = (n + 63) / 64;
    for (uint64_t w = 0; w < words; w++) {
        uint8_t t[16] = {0};
        uint64_t at = 8 * w, k = avail - at < 9 ? avail - at : 9;
        memcpy(t, src + at, (size_t)k);
        uint64_t x;
        memcpy(&x, t, 8);
        v[w] = sh ? x >> sh | (uint64_t)t[8] << (64 - sh) : x;
    }
}

/* Rows [o, o + n) of a validity bitmap as tir reads one: whole 64-bit
** words from row 0. The host's bitmap serves when it starts on a word and
** covers whole words (tir reads the last word whole); else a copy. *nulls
** says whether a row is NULL; none gives NULL (all valid), so scans take
** their no-NULL paths. Bit order is Arrow's, least significant first, as
** tir's on the little-endian machines it runs on. */
static tir_status import_validity(importer *im, const struct ArrowArray *a, uint64_t o, uint64_t n,
                                  uint64_t **out, bool *nulls)
{
    const uint8_t *b = a->n_buffers > 0 ? a->buffers[0] : NULL;
    *out = NULL;
    *nulls = false;
    if (!b || a->null_count == 0 || n == 0)
        return TIR_OK;
    uint64_t words = (n + 63) / 64;
    if (o % 64 == 0 && n % 64 == 0 && ((uintptr_t)(b + o / 8) & 7) == 0) {
        const uint64_t *w = (const uint64_t *)(const void *)(b + o / 8);
        for (uint64_t i = 0; i < words && !*nulls; i++)
            *nulls = w[i] != UINT64_MAX;
        *out = *nulls ? (uint64_t *)w : NULL;
        return TIR_OK;
    }
    uint64_t *v = owned(im, words * 8);
    if (!v)
        return TIR_ERR_NOMEM;
    copy_bits(v, b, o, n);
    if (n % 64)   /* rows past the end read as valid */
        v[words - 1] |= ~(uint64_t)0 << (n % 64);
    for (uint64_t i = 0; i < words && !*nulls; i++)
        *nulls = v[i] != UINT64_MAX;
    if (n % 64)
        v[words - 1] &= ~(~(uint64_t)0 << (n % 64));
    if (!*nulls)
        *out = NULL;
    else
        *out = v;
    return TIR_OK;
}

/* A string's header; bytes up to end may be read (12 from p when they
** exist, so a short string costs two loads and masks, not a memset and a
** memcpy of its length). Long strings point at the host's bytes. */
static void make_str(tir_str *s, const char *p, uint32_t len, const char *end)
{
    char *d = (char *)s;
    memcpy(d, &len, 4);
    if (len > TIR_STR_INLINE) {
        memcpy(d + 4, p, 4);
        s->u.ptr = p;   /* kept alive with the array */
        return;
    }
    uint64_t a = 0;
    uint32_t b = 0;
    if (len && end && end - p >= 12) {
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 4);
        if (len < 8) {
            a &= len ? ~(uint64_t)0 >> (64 - 8 * len) : 0;
            b = 0;
        } else if (len < 12) {
            b &= len > 8 ? ~(uint32_t)0 >> (32 - 8 * (len - 8)) : 0;
        }
    } else {
        char t[12] = {0};
        if (len)
            memcpy(t, p, len);
        memcpy(&a, t, 8);
        memcpy(&b, t + 8, 4);
    }
    memcpy(d + 4, &a, 8);
    memcpy(d + 12, &b, 4);
}

/* Strings: a tir_str per row, long ones pointing into the host's bytes. */
static tir_status import_strings(importer *im, const char *col, const char *f, const struct ArrowArray *a,
                                 uint64_t o, uint64_t n, const uint64_t *valid, tir_str *out)
{
    bool view = !strcmp(f, "vu"), large = !strcmp(f, "U");
    if (a->n_buffers < 3 || !a->buffers[1])
        return n ? fail(im, TIR_ERR_DATA, "column '%s' (%s) lacks its buffers", col, f) : TIR_OK;
    /* the end of the bytes the rows use: short strings may read up to it */
    int64_t last = view || !n ? 0 : large ? ((const int64_t *)a->buffers[1])[o + n] : ((const int32_t *)a->buffers[1])[o + n];
    const char *end = last > 0 && a->buffers[2] ? (const char *)a->buffers[2] + last : NULL;
    for (uint64_t i = 0; i < n; i++) {
        if (!vm_bit_get(valid, i)) {
            memset(&out[i], 0, sizeof out[i]);
            continue;
        }
        if (view) {
            const uint8_t *v = (const uint8_t *)a->buffers[1] + (o + i) * 16;
            int32_t len, idx, off;
            memcpy(&len, v, 4);
            if (len <= TIR_STR_INLINE && len >= 0) {
                make_str(&out[i], (const char *)v + 4, (uint32_t)len, (const char *)v + 16);
                continue;
            }
            memcpy(&idx, v + 8, 4);
            memcpy(&off, v + 12, 4);
            if (len < 0 || idx < 0 || off < 0 || idx >= a->n_buffers - 3)
                return fail(im, TIR_ERR_DATA, "column '%s' (vu): row %llu has a bad view", col,
                            (unsigned long long)i);
            make_str(&out[i], (const char *)a->buffers[2 + idx] + off, (uint32_t)len, NULL);
            continue;
        }
        int64_t from, to;
        if (large) {
            from = ((const int64_t *)a->buffers[1])[o + i];
            to = ((const int64_t *)a->buffers[1])[o + i + 1];
        } else {
            from = ((const int32_t *)a->buffers[1])[o + i];
            to = ((const int32_t *)a->buffers[1])[o + i + 1];
        }
        if (to < from || from < 0 || to > last || to - from > (int64_t)UINT32_MAX)
            return fail(im, TIR_ERR_DATA, "column '%s' (%s): row %llu has offsets %lld..%lld", col, f,
                        (unsigned long long)i, (long long)from, (long long)to);
        if (to > from && !a->buffers[2])
            return fail(im, TIR_ERR_DATA, "column '%s' (%s) has no data buffer", col, f);
        make_str(&out[i], to > from ? (const char *)a->buffers[2] + from : "", (uint32_t)(to - from), end);
    }
    return TIR_OK;
}

/* Values converted to tir's storage of their type (narrower numbers widened, bits to bytes). */
static void widen(const char *f, const void *src, uint64_t o, uint64_t n, void *out)
{
    switch (f[0]) {
    case 'b':
        for (uint64_t i = 0; i < n; i++)
            ((uint8_t *)out)[i] = bit(src, o + i);
        break;
    case 'c':
        for (uint64_t i = 0; i < n; i++)
            ((int32_t *)out)[i] = ((const int8_t *)src)[o + i];
        break;
    case 'C':
        for (uint64_t i = 0; i < n; i++)
            ((int32_t *)out)[i] = ((const uint8_t *)src)[o + i];
        break;
    case 's':
        for (uint64_t i = 0; i < n; i++)
            ((int32_t *)out)[i] = ((const int16_t *)src)[o + i];
        break;
    case 'S':
        for (uint64_t i = 0; i < n; i++)
            ((int32_t *)out)[i] = ((const uint16_t *)src)[o + i];
        break;
    case 'I':
        for (uint64_t i = 0; i < n; i++)
            ((int64_t *)out)[i] = ((const uint32_t *)src)[o + i];
        break;
    case 'f':
        for (uint64_t i = 0; i < n; i++)
            ((double *)out)[i] = ((const float *)src)[o + i];
        break;
    case 'd':   /* decimal128, little-endian: its low half (decimal_fits checked the high one) */
        for (uint64_t i = 0; i < n; i++)
            memcpy((int64_t *)out + i, (const char *)src + 16 * (o + i), 8);
        break;
    }
}

/* Every valid decimal128 of rows [o, o + n) has at most prec digits. */
static bool decimal_fits(const void *src, const uint64_t *valid, uint64_t o, uint64_t n, int prec)
{
    __int128 lim = vm_pow10_128(prec);
    for (uint64_t i = 0; i < n; i++) {
        __int128 v;
        memcpy(&v, (const char *)src + 16 * (o + i), 16);
        bool ok = v < lim && v > -lim;
        if (!ok && (!valid || ((valid[i >> 6] >> (i & 63)) & 1)))
            return false;
    }
    return true;
}

/* Timestamps in seconds, milliseconds or nanoseconds as tir's microseconds
** (out is the column's data): nanoseconds round down, to the microsecond
** that holds them; seconds and milliseconds outside tir's range are an
** error naming the row. */
static tir_status timestamps_to_micros(importer *im, const char *col, const char *f, const void *src,
                                       const uint64_t *valid, uint64_t o, uint64_t n, int64_t *out)
{
    const int64_t *in = (const int64_t *)src + o;
    int64_t by = f[2] == 's' ? 1000000 : 1000;
    for (uint64_t i = 0; i < n; i++) {
        int64_t x;
        memcpy(&x, in + i, sizeof x);   /* an offset array need not be aligned */
        if (f[2] == 'n') {
            out[i] = x / 1000 - (x % 1000 < 0);
        } else if (__builtin_mul_overflow(x, by, &out[i])) {
            if (vm_bit_get(valid, i))
                return fail(im, TIR_ERR_DATA, "column '%s' (%s): row %llu, %lld, is outside tir's timestamps "
                            "(microseconds in an i64)", col, f, (unsigned long long)i, (long long)x);
            out[i] = 0;
        }
    }
    return TIR_OK;
}

/* Arrow's month_day_nano intervals as tir's (out is the column's data):
** the nanoseconds toward zero to microseconds, as DuckDB reads them. */
static void intervals_to_micros(const void *src, uint64_t o, uint64_t n, tir_interval *out)
{
    const tir_interval *in = (const tir_interval *)src + o;   /* the same layout, but for the unit */
    for (uint64_t i = 0; i < n; i++) {
        memcpy(&out[i], in + i, sizeof out[i]);   /* an offset array need not be aligned */
        out[i].micros /= 1000;
    }
}

/* Column c of a record batch: rows [o, o + n) of its child array. */
static tir_status import_column(importer *im, int c, const struct ArrowArray *a, uint64_t o, uint64_t n,
                                vm_column *out)
{
    vm_hosttab *t = im->t;
    const char *f = t->formats[c], *col = t->names[c];
    if (a->dictionary || a->n_children)
        return fail(im, TIR_ERR_DATA, "column '%s' (%s) has children or a dictionary", col, f);
    bool nulls;
    tir_status st = import_validity(im, a, o, n, &out->validity, &nulls);
    if (st)
        return st;
    if (nulls)
        t->nullable[c] = true;
    tir_type ty = t->types[c];
    size_t w = vm_type_width(ty);
    if (ty == TIR_STRING) {
        tir_str *s = owned(im, n * sizeof *s);
        out->data = s;
        return s ? import_strings(im, col, f, a, o, n, out->validity, s) : TIR_ERR_NOMEM;
    }
    const void *src = a->n_buffers > 1 ? a->buffers[1] : NULL;
    if (!src) {
        if (n)
            return fail(im, TIR_ERR_DATA, "column '%s' (%s) has no values buffer", col, f);
        out->data = NULL;
        return TIR_OK;
    }
    char unit = vm_arrow_timestamp(f);
    bool same = !strcmp(f, "i") || !strcmp(f, "l") || !strcmp(f, "g") || !strcmp(f, "tdD") || unit == 'u' ||
                ty == TIR_DECIMAL128;
    const char *at = (const char *)src + o * w;
    int prec, scale;
    if (vm_arrow_decimal(f, &prec, &scale) && !decimal_fits(src, out->validity, o, n, prec))
        return fail(im, TIR_ERR_DATA, "column '%s' (%s) has a value of more than %d digits", col, f, prec);
    if (same && ((uintptr_t)at & (w - 1)) == 0) {
        out->data = (void *)at;   /* read in place, never written */
        return TIR_OK;
    }
    void *v = owned(im, n * w);
    if (!v)
        return TIR_ERR_NOMEM;
    if (same)
        memcpy(v, at, n * w);
    else if (unit && (st = timestamps_to_micros(im, col, f, src, out->validity, o, n, v)))
        return st;
    else if (ty == TIR_INTERVAL)
        intervals_to_micros(src, o, n, v);
    else if (!unit)
        widen(f, src, o, n, v);
    out->data = v;
    return TIR_OK;
}

/* One record batch; kept (and released with the table) whatever happens. */
static tir_status import_batch(importer *im, kept_arrays *k, struct ArrowArray *in)
{
    if (!vm_grow(&k->v, k->n, &k->cap, sizeof *k->v)) {
        in->release(in);
        return fail(im, TIR_ERR_NOMEM, "out of memory");
    }
    struct ArrowArray *a = &k->v[k->n++];
    *a = *in;
    in->release = NULL;
    vm_hosttab *t = im->t;
    if (a->n_children != t->ncols)
        return fail(im, TIR_ERR_DATA, "a batch has %lld columns, the schema %d", (long long)a->n_children,
                    t->ncols);
    if (a->length < 0 || a->offset < 0)
        return fail(im, TIR_ERR_DATA, "a batch has a negative length or offset");
    if (a->null_count != 0 && a->n_buffers > 0 && a->buffers[0])
        return fail(im, TIR_ERR_DATA, "a batch has NULL rows (a struct array with a validity bitmap)");
    uint64_t n = (uint64_t)a->length;
    vm_table *ch = vm_hosttab_add_chunk(t, n);
    if (!ch)
        return fail(im, TIR_ERR_NOMEM, "out of memory");
    for (int c = 0; c < t->ncols; c++) {
        const struct ArrowArray *col = a->children[c];
        if (col->length < a->offset + a->length)
            return fail(im, TIR_ERR_DATA, "column '%s' has %lld rows, its batch %lld", t->names[c],
                        (long long)col->length, (long long)(a->offset + a->length));
        tir_status st = import_column(im, c, col, (uint64_t)(col->offset + a->offset), n, &ch->cols[c]);
        if (st)
            return st;
    }
    return TIR_OK;
}

/* Hands the finished table to the registry, or reports what went wrong. */
static tir_status finish(importer *im, tir_status st)
{
    if (!st && im->t->nchunks == 0 && !vm_hosttab_add_chunk(im->t, 0))
        st = fail(im, TIR_ERR_NOMEM, "out of memory");
    if (!st && !vm_hostreg_put(vm_engine_hosts(im->e), im->name, im->t))
        st = fail(im, TIR_ERR_NOMEM, "out of memory");
    else if (st)
        vm_hosttab_unref(im->t);
    vm_engine_set_error(im->e, st ? im->err : "");
    return st;
}

static kept_arrays *keep_in(vm_hosttab *t)
{
    kept_arrays *k = calloc(1, sizeof *k);
    if (k) {
        t->release = release_kept;
        t->release_ctx = k;
    }
    return k;
}

tir_status tir_engine_register_arrow_stream(tir_engine *e, const char *name, struct ArrowArrayStream *stream)
{
    if (!stream || !stream->release)
        return TIR_ERR_ARG;
    struct ArrowArrayStream s = *stream;
    stream->release = NULL;
    if (!e || !name) {
        s.release(&s);
        return TIR_ERR_ARG;
    }
    importer im = {.e = e, .name = name};
    struct ArrowSchema schema;
    memset(&schema, 0, sizeof schema);
    int rc = s.get_schema(&s, &schema);
    tir_status st = TIR_OK;
    if (rc || !schema.release) {
        const char *why = s.get_last_error ? s.get_last_error(&s) : NULL;
        st = fail(&im, rc == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_DATA, "get_schema failed (%d): %s", rc,
                  why ? why : rc == ENOMEM ? "out of memory" : "no message");
    } else {
        st = import_schema(&im, &schema);
    }
    kept_arrays *k = !st ? keep_in(im.t) : NULL;
    if (!st && !k)
        st = fail(&im, TIR_ERR_NOMEM, "out of memory");
    while (!st) {
        struct ArrowArray a;
        memset(&a, 0, sizeof a);
        if ((rc = s.get_next(&s, &a))) {
            const char *why = s.get_last_error ? s.get_last_error(&s) : NULL;
            /* a producer out of memory is not bad data */
            st = fail(&im, rc == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_DATA, "get_next failed (%d): %s", rc,
                      why ? why : rc == ENOMEM ? "out of memory" : "no message");
            break;
        }
        if (!a.release)
            break;
        st = import_batch(&im, k, &a);
    }
    s.release(&s);
    return finish(&im, st);
}

tir_status tir_engine_register_arrow(tir_engine *e, const char *name, struct ArrowSchema *schema,
                                     struct ArrowArray *array)
{
    struct ArrowSchema sc = {0};
    struct ArrowArray a = {0};
    if (schema && schema->release) {
        sc = *schema;
        schema->release = NULL;
    }
    if (array && array->release) {
        a = *array;
        array->release = NULL;
    }
    if (!e || !name || !sc.release || !a.release) {
        if (sc.release)
            sc.release(&sc);
        if (a.release)
            a.release(&a);
        return TIR_ERR_ARG;
    }
    importer im = {.e = e, .name = name};
    tir_status st = import_schema(&im, &sc);
    kept_arrays *k = !st ? keep_in(im.t) : NULL;
    if (!st && !k)
        st = fail(&im, TIR_ERR_NOMEM, "out of memory");
    if (!st)
        st = import_batch(&im, k, &a);
    else
        a.release(&a);
    return finish(&im, st);
}

tir_status tir_engine_unregister(tir_engine *e, const char *name)
{
    if (!e || !name)
        return TIR_ERR_ARG;
    if (vm_hostreg_drop(vm_engine_hosts(e), name)) {
        vm_engine_set_error(e, "");
        return TIR_OK;
    }
    char msg[300];
    snprintf(msg, sizeof msg, "no table is registered as \"%s\"", name);
    vm_engine_set_error(e, msg);
    return TIR_ERR_ARG;
}
