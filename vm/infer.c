/*
** infer.c — guesses the schema of a CSV file: per column the narrowest
** type that every non-NULL field parses as, and whether any field is NULL.
**
** One pass over the file. Each column keeps the set of candidate types
** still possible; a field removes those it does not parse as, and a
** column left with none is a string (the parsing stops for it). Fields
** are split with the loader's rules (csv.c: RFC 4180 quotes, CR LF or LF
** line ends, a lone CR is data) and the same values parse the same way,
** so a file whose schema was inferred always loads with that schema.
*/
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Candidate types, narrowest first. */
enum { C_BOOL = 1, C_I32 = 2, C_I64 = 4, C_F64 = 8, C_DATE = 16, C_ALL = 31 };

typedef struct infer_col {
    unsigned alive;           /* C_* still possible */
    bool has_value, has_null;
} infer_col;

typedef struct inferrer {
    const char *path;
    char *buf;                /* file bytes, '\n' sentinel, zero padding */
    const char *end;          /* the sentinel */
    char delim;
    const char *null_s;
    size_t null_len;
    char *err;
    size_t errlen;
} inferrer;

/* The sentinel LF plus the bytes find_stop may read past it. */
enum { PAD = 16 };

static tir_status fail_at(const inferrer *I, tir_status st, const char *at, const char *fmt, ...)
{
    if (!I->err || !I->errlen)
        return st;
    long line = 1;
    const char *ls = I->buf;
    for (const char *q = I->buf; q < at; q++)
        if (*q == '\n') {
            line++;
            ls = q + 1;
        }
    int n = snprintf(I->err, I->errlen, "%s:%ld:%ld: error: ", I->path, line, (long)(at - ls) + 1);
    if (n >= 0 && (size_t)n < I->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(I->err + n, I->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return st;
}

static tir_status fail_nomem(const inferrer *I)
{
    if (I->err && I->errlen)
        snprintf(I->err, I->errlen, "%s: error: out of memory while inferring the schema", I->path);
    return TIR_ERR_NOMEM;
}

static tir_status read_all(inferrer *I)
{
    int fd = open(I->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (I->err && I->errlen)
            snprintf(I->err, I->errlen, "cannot open '%s': %s", I->path, strerror(errno));
        return TIR_ERR_IO;
    }
    struct stat st;
    size_t cap = 64 * 1024, n = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size + PAD + 1 > cap)
        cap = (size_t)st.st_size + PAD + 1;
    char *b = malloc(cap);
    for (;;) {
        if (!b) {
            close(fd);
            return fail_nomem(I);
        }
        if (n + PAD == cap) {
            char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(b, cap * 2);
            if (!nb)
                free(b);
            b = nb;
            cap *= 2;
            continue;
        }
        ssize_t r = read(fd, b + n, cap - PAD - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(b);
            close(fd);
            if (I->err && I->errlen)
                snprintf(I->err, I->errlen, "cannot read '%s': %s", I->path, strerror(e));
            return TIR_ERR_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    memset(b + n, 0, PAD);
    b[n] = '\n';
    I->buf = b;
    I->end = b + n;
    return TIR_OK;
}

/* 0x80 in each byte of w equal to c. */
static inline uint64_t bytes_eq(uint64_t w, uint64_t c)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t x = w ^ (c * 0x0101010101010101ULL);
    return ~(((x & low7) + low7) | x | low7);
}

/* The first delimiter, LF or CR at or after p; may read seven bytes past
** it (the buffer is padded after its sentinel). */
static inline const char *find_stop(const char *p, char delim)
{
    for (;;) {
        uint64_t w;
        memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        uint64_t m = bytes_eq(w, (unsigned char)delim) | bytes_eq(w, '\n') | bytes_eq(w, '\r');
        if (m)
            return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
}

typedef struct field {
    const char *start;        /* the field's first byte (its quote, if quoted) */
    const char *p;            /* content */
    size_t len;
    bool quoted, escaped;     /* escaped: content holds "" pairs */
} field;

/* Splits the next field at *pp. Returns 1 when more fields follow on the
** line, 0 at the end of the line (*pp then starts the next one), -1 after
** reporting a malformed quote. */
static int next_field(const inferrer *I, const char **pp, field *f, tir_status *st)
{
    const char *p = *pp;
    f->start = p;
    f->escaped = false;
    if (*p == '"') {
        f->quoted = true;
        f->p = p + 1;
        const char *q = p + 1;
        for (;;) {
            const char *e = memchr(q, '"', (size_t)(I->end - q));
            if (!e) {
                *st = fail_at(I, TIR_ERR_DATA, p, "unterminated quoted field");
                return -1;
            }
            if (e[1] == '"') {
                f->escaped = true;
                q = e + 2;
                continue;
            }
            f->len = (size_t)(e - f->p);
            p = e + 1;
            break;
        }
        if (*p != I->delim && *p != '\n' && !(*p == '\r' && p[1] == '\n')) {
            *st = fail_at(I, TIR_ERR_DATA, p, "unexpected character after the closing quote of a field");
            return -1;
        }
    } else {
        f->quoted = false;
        f->p = p;
        for (;;) {
            p = find_stop(p, I->delim);
            if (*p == '\r' && p[1] != '\n') {   /* a lone CR is data */
                p++;
                continue;
            }
            break;
        }
        f->len = (size_t)(p - f->p);
    }
    if (*p == I->delim) {
        *pp = p + 1;
        return 1;
    }
    *pp = p + (*p == '\r' ? 2 : 1);
    return 0;
}

/* Narrows c by one field. */
static void observe(const inferrer *I, infer_col *c, const field *f)
{
    if (!f->quoted && f->len == I->null_len && memcmp(f->p, I->null_s, f->len) == 0) {
        c->has_null = true;
        return;
    }
    c->has_value = true;
    unsigned m = c->alive;
    if (!m)
        return;
    const char *s = f->p;
    size_t len = f->len;
    bool b;
    /* 1 and 0 also read as bool, but a column of them is numbers */
    if ((m & C_BOOL) && (len == 1 || !vm_parse_bool(s, len, &b)))
        m &= ~C_BOOL;
    bool is_int = false;
    if (m & (C_I32 | C_I64)) {
        int64_t v;
        if (vm_parse_i64(s, len, &v)) {
            is_int = true;
            if (v < INT32_MIN || v > INT32_MAX)
                m &= ~C_I32;
        } else {
            m &= ~(C_I32 | C_I64);
        }
    }
    double d;
    if ((m & C_F64) && !is_int && !vm_parse_f64(s, len, &d))   /* every i64 is a valid f64 */
        m &= ~C_F64;
    int32_t days;
    if ((m & C_DATE) && !vm_parse_date(s, len, &days))
        m &= ~C_DATE;
    c->alive = m;
}

static tir_type pick(const infer_col *c)
{
    if (!c->has_value)
        return TIR_STRING;    /* nothing to go by: the type that holds anything */
    if (c->alive & C_BOOL) return TIR_BOOL;
    if (c->alive & C_I32) return TIR_I32;
    if (c->alive & C_I64) return TIR_I64;
    if (c->alive & C_F64) return TIR_F64;
    if (c->alive & C_DATE) return TIR_DATE;
    return TIR_STRING;
}

void vm_csv_cols_free(int ncols, vm_csv_col *cols)
{
    for (int i = 0; cols && i < ncols; i++)
        free((char *)cols[i].name);
    free(cols);
}

/* Column names from the header (quotes removed, "" collapsed). Empty and
** duplicate names are errors: the loader finds a table's columns in the
** header by name. */
static tir_status header_names(const inferrer *I, const char **pp, int *ncols, vm_csv_col **out)
{
    tir_status st = TIR_OK;
    int n = 0, cap = 16;
    vm_csv_col *cols = calloc((size_t)cap, sizeof *cols);
    if (!cols)
        return fail_nomem(I);
    int more = 1;
    while (more) {
        field f;
        if ((more = next_field(I, pp, &f, &st)) < 0)
            goto fail;
        if (n == cap) {
            vm_csv_col *nc = cap > INT_MAX / 2 ? NULL : realloc(cols, sizeof *cols * (size_t)cap * 2);
            if (!nc) {
                st = fail_nomem(I);
                goto fail;
            }
            memset(nc + cap, 0, sizeof *cols * (size_t)cap);
            cols = nc;
            cap *= 2;
        }
        char *name = malloc(f.len + 1);
        if (!name) {
            st = fail_nomem(I);
            goto fail;
        }
        size_t k = 0;
        for (size_t i = 0; i < f.len; i++) {
            name[k++] = f.p[i];
            i += f.escaped && f.p[i] == '"';
        }
        name[k] = '\0';
        cols[n++].name = name;
        if (k == 0) {
            st = fail_at(I, TIR_ERR_DATA, f.start, "column %d of the header has an empty name", n);
            goto fail;
        }
        if (memchr(name, '\0', k)) {
            st = fail_at(I, TIR_ERR_DATA, f.start, "column %d of the header has a NUL byte in its name", n);
            goto fail;
        }
        for (int j = 0; j < n - 1; j++)
            if (!strcmp(cols[j].name, name)) {
                st = fail_at(I, TIR_ERR_DATA, f.start, "duplicate column name '%s' in the header (columns %d and %d)",
                             name, j + 1, n);
                goto fail;
            }
    }
    *ncols = n;
    *out = cols;
    return TIR_OK;
fail:
    vm_csv_cols_free(n, cols);
    return st;
}

static tir_status infer(inferrer *I, const vm_csv_opts *o, int *ncols_out, vm_csv_col **cols_out)
{
    tir_status st = read_all(I);
    if (st != TIR_OK)
        return st;
    const char *p = I->buf;
    if (I->end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;                   /* UTF-8 byte order mark */
    if (p >= I->end)
        return fail_at(I, TIR_ERR_DATA, p, o->header ? "the file is empty: expected a header line"
                                                     : "the file is empty: no columns to infer");
    int ncols = 0;
    vm_csv_col *cols = NULL;
    if (o->header) {
        if ((st = header_names(I, &p, &ncols, &cols)) != TIR_OK)
            return st;
    } else {
        const char *q = p;        /* count the first row's fields */
        field f;
        int more = 1;
        while (more) {
            if ((more = next_field(I, &q, &f, &st)) < 0)
                return st;
            if (ncols == INT_MAX - 1)
                return fail_at(I, TIR_ERR_DATA, p, "too many fields on one line");
            ncols++;
        }
        cols = calloc((size_t)ncols, sizeof *cols);
        if (!cols)
            return fail_nomem(I);
        for (int c = 0; c < ncols; c++) {
            char *name = malloc(16);
            if (!name) {
                vm_csv_cols_free(c, cols);
                return fail_nomem(I);
            }
            sprintf(name, "c%d", c + 1);
            cols[c].name = name;
        }
    }

    infer_col *ic = malloc(sizeof *ic * (size_t)ncols);
    if (!ic) {
        vm_csv_cols_free(ncols, cols);
        return fail_nomem(I);
    }
    for (int c = 0; c < ncols; c++)
        ic[c] = (infer_col){C_ALL, false, false};
    while (p < I->end) {
        const char *row = p;
        int n = 0, more = 1;
        field f;
        while (more) {
            if ((more = next_field(I, &p, &f, &st)) < 0)
                goto fail;
            if (n < ncols)
                observe(I, &ic[n], &f);
            if (n < INT_MAX - 1)
                n++;
        }
        if (n != ncols) {
            st = fail_at(I, TIR_ERR_DATA, row, "expected %d field%s, found %d", ncols, ncols == 1 ? "" : "s", n);
            goto fail;
        }
    }
    for (int c = 0; c < ncols; c++) {
        cols[c].type = pick(&ic[c]);
        cols[c].nullable = ic[c].has_null;
        cols[c].order = 0;
        cols[c].unique = false;
    }
    free(ic);
    *ncols_out = ncols;
    *cols_out = cols;
    return TIR_OK;
fail:
    free(ic);
    vm_csv_cols_free(ncols, cols);
    return st;
}

tir_status vm_csv_infer(const char *path, const vm_csv_opts *o, int *ncols, vm_csv_col **cols,
                        char *err, size_t errlen)
{
    static const vm_csv_opts defaults = { ',', true, "" };
    if (!o)
        o = &defaults;
    if (err && errlen)
        err[0] = '\0';
    if (ncols)
        *ncols = 0;
    if (cols)
        *cols = NULL;
    char delim = o->delimiter ? o->delimiter : ',';
    if (!path || !ncols || !cols || delim == '"' || delim == '\n' || delim == '\r') {
        if (err && errlen)
            snprintf(err, errlen, "bad CSV inference arguments");
        return TIR_ERR_ARG;
    }
    inferrer I;
    memset(&I, 0, sizeof I);
    I.path = path;
    I.delim = delim;
    I.null_s = o->null_string ? o->null_string : "";
    I.null_len = strlen(I.null_s);
    I.err = err;
    I.errlen = errlen;
    tir_status st = infer(&I, o, ncols, cols);
    free(I.buf);
    return st;
}
