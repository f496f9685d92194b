/*
** csv.c — loads a CSV file into a vm_table with a declared schema; the
** value parsers shared with literal handling; the reading and splitting
** shared with schema inference (infer.c).
**
** The whole file is read into one buffer with a '\n' sentinel after the
** last byte, so scanning loops need no bounds checks and a last line
** without a newline needs no special case. Each row is split into field
** spans (pointers into the buffer; quoted fields are not copied unless they
** hold "" escapes) and the declared fields are converted straight into the
** column arrays, which are sized up front from the newline count (an upper
** bound on the row count). The buffer is never modified, so an error's
** line and column are found afterwards by counting newlines up to it.
*/
#include "csv.h"
#include "decimal.h"
#include "dates.h"
#include "timestamp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------
** Value parsers. The internal forms tell a syntax error from an
** out-of-range value so the loader can say which.
*/

enum { P_OK = 0, P_BAD, P_RANGE };

static int parse_int(const char *s, size_t len, int64_t *out)
{
    const char *p = s, *e = s + len;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    if (p == e)
        return P_BAD;
    if (e - p <= 18) {             /* 18 digits cannot overflow: no checks */
        uint64_t v = 0;
        for (; p < e; p++) {
            unsigned d = (unsigned char)*p - '0';
            if (d > 9)
                return P_BAD;
            v = v * 10 + d;
        }
        *out = neg ? -(int64_t)v : (int64_t)v;
        return P_OK;
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    bool range = false;
    for (; p < e; p++) {
        unsigned d = (unsigned char)*p - '0';
        if (d > 9)
            return P_BAD;
        if (v > (limit - d) / 10)
            range = true;          /* keep going: a later non-digit is a syntax error */
        else
            v = v * 10 + d;
    }
    if (range)
        return P_RANGE;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return P_OK;
}

bool vm_parse_i64(const char *s, size_t len, int64_t *out)
{
    return parse_int(s, len, out) == P_OK;
}

/* Powers of ten that are exact doubles. */
static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* strtod on a validated decimal, for the values the fast path cannot round
** exactly. The copy is NUL-terminated and carries the locale's decimal
** point, since strtod follows LC_NUMERIC and an embedding program may have
** called setlocale. */
static int parse_f64_slow(const char *s, size_t len, double *out)
{
    const char *dp = localeconv()->decimal_point;
    size_t dplen = strlen(dp);
    char small[128];
    size_t need = len + dplen + 1;
    char *b = need <= sizeof small ? small : malloc(need);
    if (!b)
        return P_BAD;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            memcpy(b + n, dp, dplen);
            n += dplen;
        } else {
            b[n++] = s[i];
        }
    }
    b[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(b, &end);
    int r = P_OK;
    if (end != b + n)
        r = P_BAD;
    else if (errno == ERANGE && isinf(v))
        r = P_RANGE;              /* underflow to zero or a subnormal is kept */
    if (b != small)
        free(b);
    *out = v;
    return r;
}

/* Accepts [+-] digits [. digits] [(e|E) [+-] digits] with at least one
** mantissa digit; no spaces, hex, inf or nan. Up to 19 significant digits
** with a decimal exponent within ±22 are exact integers scaled by an exact
** power of ten, so one multiply or divide rounds correctly (Clinger's fast
** path); everything else goes to strtod. */
static inline int parse_float(const char *s, size_t len, double *out)
{
    const char *p = s, *e = s + len;
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    uint64_t m = 0;
    int nd = 0;
    int64_t exp10 = 0;            /* wide: a field may hold any number of zeros */
    bool digits = false, exact = true;
    for (; p < e; p++) {
        unsigned d = (unsigned char)*p - '0';
        if (d > 9)
            break;
        digits = true;
        if (nd < 19) {
            m = m * 10 + d;
            nd += m != 0;
        } else {
            exact = false;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e; p++) {
            unsigned d = (unsigned char)*p - '0';
            if (d > 9)
                break;
            digits = true;
            if (nd < 19) {
                m = m * 10 + d;
                nd += m != 0;
                exp10--;
            } else {
                exact = false;
            }
        }
    }
    if (!digits)
        return P_BAD;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p == e)
            return P_BAD;
        int64_t ev = 0;
        for (; p < e; p++) {
            unsigned d = (unsigned char)*p - '0';
            if (d > 9)
                return P_BAD;
            if (ev < 100000)
                ev = ev * 10 + d;
        }
        exp10 += eneg ? -ev : ev;
    }
    if (p != e)
        return P_BAD;
    if (exact && m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)m;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return P_OK;
    }
    if (m == 0 && exact) {
        *out = neg ? -0.0 : 0.0;
        return P_OK;
    }
    return parse_f64_slow(s, len, out);
}

bool vm_parse_f64(const char *s, size_t len, double *out)
{
    return parse_float(s, len, out) == P_OK;
}

bool vm_parse_date(const char *s, size_t len, int32_t *days)
{
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[8];
    static const unsigned char at[8] = { 0, 1, 2, 3, 5, 6, 8, 9 };
    for (int i = 0; i < 8; i++) {
        v[i] = (unsigned char)s[at[i]] - '0';
        if ((unsigned)v[i] > 9)
            return false;
    }
    int32_t y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (m < 1 || m > 12 || d < 1 || d > vm_days_in_month(y, m))
        return false;
    *days = vm_days_from_civil(y, m, d);
    return true;
}

static bool word_is(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != w[i])
            return false;
    return true;
}

bool vm_parse_bool(const char *s, size_t len, bool *out)
{
    if ((len == 1 && s[0] == '1') || word_is(s, len, "true")) {
        *out = true;
        return true;
    }
    if ((len == 1 && s[0] == '0') || word_is(s, len, "false")) {
        *out = false;
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------
** Loader state.
*/

/* Rows already in a unique column, keyed by a 32-bit hash; row + 1 so 0
** marks an empty slot. Open addressing, linear probing, at most half full. */
typedef struct uniq_slot {
    uint32_t row1, hash;
} uniq_slot;

typedef struct uniq_set {
    uniq_slot *slots;
    uint32_t mask, count;
} uniq_set;

typedef struct csv_colstate {
    const vm_csv_col *decl;
    vm_column *col;
    int field;                /* index of its field in a row */
    bool check_uniq;          /* unique and not already implied by a strict order */
    uniq_set uniq;
} csv_colstate;

/* ---------------------------------------------------------------------
** Messages, shared with infer.c.
*/

/* Line and column (1-based, in bytes) of a position in the buffer. */
static void pos_of(const vm_csv_reader *L, const char *at, long *line, long *col)
{
    long ln = 1;
    const char *ls = L->buf, *q = L->buf, *nl;
    while (q < at && (nl = memchr(q, '\n', (size_t)(at - q))) != NULL) {
        ln++;
        ls = q = nl + 1;
    }
    *line = ln;
    *col = (long)(at - ls) + 1;
}

tir_status vm_csv_fail_at(const vm_csv_reader *L, tir_status st, const char *at, const char *fmt, ...)
{
    if (!L->err || !L->errlen)
        return st;
    long line, col;
    pos_of(L, at, &line, &col);
    int n = snprintf(L->err, L->errlen, "%s:%ld:%ld: error: ", L->path, line, col);
    if (n >= 0 && (size_t)n < L->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* The memory limit would be passed: "need" bytes for "what". */
static tir_status over_budget(const vm_csv_reader *L, uint64_t need, const char *what)
{
    if (L->err && L->errlen)
        snprintf(L->err, L->errlen,
                 "%s: error: %s needs %" PRIu64 " bytes, more than the memory limit leaves (%" PRIu64 " bytes)",
                 L->path, what, need, L->budget);
    return TIR_ERR_NOMEM;
}

tir_status vm_csv_fail_nomem(const vm_csv_reader *L)
{
    if (L->err && L->errlen)
        snprintf(L->err, L->errlen, "%s: error: out of memory while %s", L->path, L->job);
    return TIR_ERR_NOMEM;
}

/* Control and non-ASCII bytes as \xNN so binary garbage stays readable. */
const char *vm_csv_show(const char *s, size_t len, size_t max, const char *esc, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (n + 8 >= cap || i == max) {
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f && !strchr(esc, c)) {
            out[n++] = (char)c;
        } else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
    return out;
}

/* Field text for messages. */
static const char *show(const char *s, size_t len, char *out, size_t cap)
{
    return vm_csv_show(s, len, 40, "", out, cap);
}

/* A column's value at a row, as text for messages. */
static const char *show_value(const vm_column *c, uint64_t row, char *out, size_t cap)
{
    switch (c->type) {
    case TIR_BOOL: snprintf(out, cap, "%s", ((uint8_t *)c->data)[row] ? "true" : "false"); break;
    case TIR_I32: snprintf(out, cap, "%d", (int)((int32_t *)c->data)[row]); break;
    case TIR_I64: snprintf(out, cap, "%lld", (long long)((int64_t *)c->data)[row]); break;
    case TIR_F64: snprintf(out, cap, "%.17g", ((double *)c->data)[row]); break;
    case TIR_DATE: vm_date_text(((int32_t *)c->data)[row], out); break;   /* cap >= TIR_DATE_TEXT_SIZE */
    case TIR_DECIMAL128: vm_dec128_format(((__int128 *)c->data)[row], 0, out); break;   /* scaled, as an i64's; cap >= 42 */
    case TIR_INTERVAL: vm_interval_format(&((vm_interval *)c->data)[row], out); break;  /* cap >= 80 */
    case TIR_STRING: {
        const tir_str *s = &((tir_str *)c->data)[row];
        show(tir_str_ptr(s), s->len, out, cap);
        break;
    }
    default: out[0] = '\0'; break;
    }
    return out;
}

/* ---------------------------------------------------------------------
** Reading and splitting.
*/

/* The sentinel LF plus the bytes find_stop may read past it. */
enum { PAD = 16 };

static tir_status read_file(vm_csv_reader *L)
{
    int fd = open(L->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (L->err && L->errlen)
            snprintf(L->err, L->errlen, "cannot open '%s': %s", L->path, strerror(errno));
        return TIR_ERR_IO;
    }
    struct stat st;
    size_t cap = 64 * 1024;
    /* one spare byte lets the read that sees EOF happen without growing */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size + PAD + 1 > cap)
        cap = (size_t)st.st_size + PAD + 1;
    /* the whole file is held while loading: a file (or a stream, as it
    ** grows) larger than the memory limit allows fails before it is read */
    if (L->budget && cap > L->budget) {
        close(fd);
        return over_budget(L, cap, "reading the file");
    }
    size_t n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (!b) {
            close(fd);
            return vm_csv_fail_nomem(L);
        }
        if (n + PAD == cap) {     /* keep room for the sentinel and padding */
            if (L->budget && cap * 2 > L->budget) {
                free(b);
                close(fd);
                return over_budget(L, cap * 2, "reading the file (a stream, read so far)");
            }
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
            if (L->err && L->errlen)
                snprintf(L->err, L->errlen, "cannot read '%s': %s", L->path, strerror(e));
            return TIR_ERR_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    memset(b + n, 0, PAD);
    b[n] = '\n';
    L->buf = b;
    L->end = b + n;
    L->data = b;
    if (n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
        L->data += 3;             /* UTF-8 byte order mark */
    return TIR_OK;
}

tir_status vm_csv_read(vm_csv_reader *L, const char *path, const vm_csv_opts *o, const char *job,
                       char *err, size_t errlen)
{
    memset(L, 0, sizeof *L);
    L->path = path;
    L->job = job;
    L->delim = o->delimiter ? o->delimiter : ',';
    L->null_s = o->null_string ? o->null_string : "";
    L->null_len = strlen(L->null_s);
    L->err = err;
    L->errlen = errlen;
    L->budget = o->mem_budget;
    return read_file(L);
}

void vm_csv_reader_free(vm_csv_reader *L)
{
    free(L->fields);
    free(L->scratch);
    free(L->buf);
}

/* Bytes of each 8-byte word equal to c: 0x80 in each such byte. Exact
** (no false positives from borrows), so any set bit may be trusted. */
static inline uint64_t bytes_eq(uint64_t w, uint64_t c)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t x = w ^ (c * 0x0101010101010101ULL);
    return ~(((x & low7) + low7) | x | low7);
}

/* The first delimiter, LF or CR at or after p, eight bytes at a time
** (fields are short, so one word usually settles it). Reads up to seven
** bytes past the match: the buffer is padded after its sentinel. */
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

static bool grow_fields(vm_csv_reader *L)
{
    int ncap = L->fcap ? L->fcap * 2 : 16;
    vm_csv_field *f = realloc(L->fields, (size_t)ncap * sizeof *f);
    if (!f)
        return false;
    L->fields = f;
    L->fcap = ncap;
    return true;
}

/* Splits the row at *pp into L->fields, storing at most max spans (or all,
** growing the array, when grow is set) but counting all. Leaves *pp at the
** start of the next row. Returns the field count, or -1 after reporting a
** malformed quote. Static so the loader's row loop can inline it. */
static inline int split_row(vm_csv_reader *L, const char **pp, int max, bool grow, tir_status *st)
{
    const char *p = *pp;
    const char delim = L->delim;
    int n = 0;
    for (;;) {
        vm_csv_field f;
        f.start = p;
        f.escaped = false;
        if (*p == '"') {
            f.quoted = true;
            f.p = p + 1;
            const char *q = p + 1;
            for (;;) {
                const char *e = memchr(q, '"', (size_t)(L->end - q));
                if (!e) {
                    *st = vm_csv_fail_at(L, TIR_ERR_DATA, p, "unterminated quoted field");
                    return -1;
                }
                if (e[1] == '"') {     /* e < end, so e[1] is at worst the sentinel */
                    f.escaped = true;
                    q = e + 2;
                    continue;
                }
                f.len = (size_t)(e - f.p);
                p = e + 1;
                break;
            }
            if (*p != delim && *p != '\n' && !(*p == '\r' && p[1] == '\n')) {
                char shown[48];
                *st = vm_csv_fail_at(L, TIR_ERR_DATA, p, "unexpected '%s' after the closing quote of a field",
                                     show(p, 1, shown, sizeof shown));
                return -1;
            }
        } else {
            f.quoted = false;
            f.p = p;
            for (;;) {
                p = find_stop(p, L->delim);
                /* a lone CR is data; CR LF ends the line */
                if (*p == '\r' && p[1] != '\n') {
                    p++;
                    continue;
                }
                break;
            }
            f.len = (size_t)(p - f.p);
        }
        if (grow && n >= L->fcap && !grow_fields(L)) {
            *st = vm_csv_fail_nomem(L);
            return -1;
        }
        if (n < (grow ? L->fcap : max))
            L->fields[n] = f;
        if (n == INT_MAX - 1) {
            *st = vm_csv_fail_at(L, TIR_ERR_DATA, *pp, "too many fields on one line");
            return -1;
        }
        n++;
        if (*p == delim) {
            p++;
            continue;
        }
        p += *p == '\r' ? 2 : 1;
        break;
    }
    *pp = p;
    return n;
}

/* vm_csv_split_data_row, for a fields array already big enough. */
static inline tir_status split_data_row(vm_csv_reader *L, const char **pp, int nf)
{
    const char *rs = *pp;
    tir_status st = TIR_OK;
    int n = split_row(L, pp, nf + 1, false, &st);
    if (n >= 0 && n != nf)
        st = vm_csv_fail_at(L, TIR_ERR_DATA, rs, "expected %d field%s, found %d", nf, nf == 1 ? "" : "s", n);
    return st;
}

int vm_csv_split_row(vm_csv_reader *L, const char **pp, tir_status *st)
{
    return split_row(L, pp, 0, true, st);
}

tir_status vm_csv_split_data_row(vm_csv_reader *L, const char **pp, int nf)
{
    while (L->fcap < nf + 1)
        if (!grow_fields(L))
            return vm_csv_fail_nomem(L);
    return split_data_row(L, pp, nf);
}

bool vm_csv_unescape(vm_csv_reader *L, const vm_csv_field *f, const char **s, size_t *len)
{
    if (f->len > L->scratch_cap) {
        char *b = realloc(L->scratch, f->len);
        if (!b)
            return false;
        L->scratch = b;
        L->scratch_cap = f->len;
    }
    size_t n = 0;
    for (size_t i = 0; i < f->len; i++) {
        L->scratch[n++] = f->p[i];
        i += f->p[i] == '"';
    }
    *s = L->scratch;
    *len = n;
    return true;
}

/* ---------------------------------------------------------------------
** Unique and order checks.
*/

static inline uint32_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (uint32_t)x;
}

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, len);
    return hash_u64(h ^ w);
}

static uint32_t hash_row(const vm_column *c, uint64_t row)
{
    switch (c->type) {
    case TIR_BOOL: return hash_u64(((uint8_t *)c->data)[row]);
    case TIR_I32: case TIR_DATE: return hash_u64((uint32_t)((int32_t *)c->data)[row]);
    case TIR_I64: return hash_u64((uint64_t)((int64_t *)c->data)[row]);
    case TIR_F64: {
        double d = ((double *)c->data)[row];
        uint64_t bits;
        if (d == 0)
            d = 0;                 /* -0.0 equals 0.0 */
        memcpy(&bits, &d, 8);
        return hash_u64(bits);
    }
    case TIR_STRING: {
        const tir_str *s = &((tir_str *)c->data)[row];
        return hash_bytes(tir_str_ptr(s), s->len);
    }
    case TIR_DECIMAL128: return hash_bytes((const char *)c->data + row * 16, 16);
    case TIR_INTERVAL: {   /* of the normalized parts, so values vm_iv_cmp finds equal hash alike */
        vm_interval v = ((vm_interval *)c->data)[row];
        int64_t carry = v.micros / VM_US_PER_DAY, days = v.days + carry, months = days / 30;
        int64_t k[3] = {v.months + months, days - months * 30, v.micros - carry * VM_US_PER_DAY};
        return hash_bytes((const char *)k, sizeof k);
    }
    default: return 0;
    }
}

/* Compares the values of two rows of a column: <0, 0, >0. Strings compare
** as bytes, a prefix first. */
static int cmp_rows(const vm_column *c, uint64_t a, uint64_t b)
{
    switch (c->type) {
    case TIR_BOOL: {
        uint8_t x = ((uint8_t *)c->data)[a], y = ((uint8_t *)c->data)[b];
        return (x > y) - (x < y);
    }
    case TIR_I32: case TIR_DATE: {
        int32_t x = ((int32_t *)c->data)[a], y = ((int32_t *)c->data)[b];
        return (x > y) - (x < y);
    }
    case TIR_I64: {
        int64_t x = ((int64_t *)c->data)[a], y = ((int64_t *)c->data)[b];
        return (x > y) - (x < y);
    }
    case TIR_F64: {
        double x = ((double *)c->data)[a], y = ((double *)c->data)[b];
        return (x > y) - (x < y);
    }
    case TIR_DECIMAL128: {
        __int128 x = ((__int128 *)c->data)[a], y = ((__int128 *)c->data)[b];
        return (x > y) - (x < y);
    }
    case TIR_INTERVAL: return vm_iv_cmp(((vm_interval *)c->data)[a], ((vm_interval *)c->data)[b]);
    case TIR_STRING: {
        const tir_str *x = &((tir_str *)c->data)[a], *y = &((tir_str *)c->data)[b];
        uint32_t n = x->len < y->len ? x->len : y->len;
        int r = memcmp(tir_str_ptr(x), tir_str_ptr(y), n);
        if (r)
            return r;
        return (x->len > y->len) - (x->len < y->len);
    }
    default: return 0;
    }
}

static bool uniq_grow(uniq_set *u)
{
    uint32_t ncap = u->slots ? (u->mask + 1) * 2 : 1024;
    if (ncap == 0)
        return false;
    uniq_slot *s = calloc(ncap, sizeof *s);
    if (!s)
        return false;
    for (uint32_t i = 0; u->slots && i <= u->mask; i++) {
        if (!u->slots[i].row1)
            continue;
        uint32_t j = u->slots[i].hash & (ncap - 1);
        while (s[j].row1)
            j = (j + 1) & (ncap - 1);
        s[j] = u->slots[i];
    }
    free(u->slots);
    u->slots = s;
    u->mask = ncap - 1;
    return true;
}

enum { UNIQ_NEW = -1, UNIQ_NOMEM = -2, UNIQ_TOO_MANY = -3 };

/* Adds row to the set. Returns the earlier row holding the same value, or
** one of the negative UNIQ_ codes. */
static int64_t uniq_add(uniq_set *u, const vm_column *c, uint64_t row)
{
    if (row >= UINT32_MAX)
        return UNIQ_TOO_MANY;
    if ((!u->slots || (uint64_t)(u->count + 1) * 2 > (uint64_t)u->mask + 1) && !uniq_grow(u))
        return UNIQ_NOMEM;
    uint32_t h = hash_row(c, row);
    uint32_t j = h & u->mask;
    while (u->slots[j].row1) {
        if (u->slots[j].hash == h && cmp_rows(c, u->slots[j].row1 - 1, row) == 0)
            return u->slots[j].row1 - 1;
        j = (j + 1) & u->mask;
    }
    u->slots[j].row1 = (uint32_t)row + 1;
    u->slots[j].hash = h;
    u->count++;
    return UNIQ_NEW;
}

/* ---------------------------------------------------------------------
** Conversion of one row.
*/

static bool set_null(vm_column *c, uint64_t row)
{
    if (!c->validity) {
        size_t words = c->cap / 64 + 1;
        c->validity = malloc(words * 8);
        if (!c->validity)
            return false;
        memset(c->validity, 0xff, words * 8);
    }
    vm_bit_set(c->validity, row, false);
    return true;
}

static tir_status bad_value(vm_csv_reader *L, const vm_csv_field *f, const vm_csv_col *d, int r)
{
    char shown[200];
    show(f->p, f->len, shown, sizeof shown);
    if (r == P_RANGE)
        return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "'%s' is out of range for %s (column %s)",
                              shown, tir_type_name(d->type), d->name);
    return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "'%s' is not a valid %s (column %s)",
                          shown, tir_type_name(d->type), d->name);
}

static tir_status convert_field(vm_csv_reader *L, csv_colstate *cs, const vm_csv_field *f, vm_table *t, uint64_t row)
{
    const vm_csv_col *d = cs->decl;
    vm_column *c = cs->col;
    if (vm_csv_is_null(L, f)) {
        if (!d->nullable)
            return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "NULL in non-nullable column %s", d->name);
        if (d->order)
            return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "NULL in ordered column %s", d->name);
        if (!set_null(c, row))
            return vm_csv_fail_nomem(L);
        memset((char *)c->data + row * vm_type_width(c->type), 0, vm_type_width(c->type));
        return TIR_OK;
    }
    const char *s = f->p;
    size_t len = f->len;
    int r = P_OK;
    if (d->type == TIR_DECIMAL || d->type == TIR_DECIMAL128) {
        vm_dec_err de = d->type == TIR_DECIMAL
                            ? vm_dec_parse(s, len, d->prec, d->scale, &((int64_t *)c->data)[row])
                            : vm_dec128_parse(s, len, d->prec, d->scale, &((__int128 *)c->data)[row]);
        if (de != VM_DEC_OK) {
            char shown[200];
            show(f->p, f->len, shown, sizeof shown);
            return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "'%s' %s decimal(%d,%d) (column %s)", shown,
                                  de == VM_DEC_OVERFLOW ? "has too many digits for" : "is not a valid", d->prec,
                                  d->scale, d->name);
        }
    }
    if (d->type == TIR_TIMESTAMP && !vm_parse_timestamp(s, len, &((int64_t *)c->data)[row]))
        return bad_value(L, f, d, P_BAD);
    if (d->type == TIR_INTERVAL && !vm_parse_interval(s, len, &((vm_interval *)c->data)[row]))
        return bad_value(L, f, d, P_BAD);
    switch (d->type == TIR_DECIMAL || d->type == TIR_DECIMAL128 || d->type == TIR_TIMESTAMP ||
            d->type == TIR_INTERVAL ? TIR_NTYPES : c->type) {
    case TIR_NTYPES:
        break;
    case TIR_BOOL: {
        bool b;
        if (!vm_parse_bool(s, len, &b))
            return bad_value(L, f, d, P_BAD);
        ((uint8_t *)c->data)[row] = b;
        break;
    }
    case TIR_I32: {
        int64_t v;
        r = parse_int(s, len, &v);
        if (r == P_OK && (v < INT32_MIN || v > INT32_MAX))
            r = P_RANGE;
        if (r != P_OK)
            return bad_value(L, f, d, r);
        ((int32_t *)c->data)[row] = (int32_t)v;
        break;
    }
    case TIR_I64:
        if ((r = parse_int(s, len, &((int64_t *)c->data)[row])) != P_OK)
            return bad_value(L, f, d, r);
        break;
    case TIR_F64:
        if ((r = parse_float(s, len, &((double *)c->data)[row])) != P_OK)
            return bad_value(L, f, d, r);
        break;
    case TIR_DATE:
        if (!vm_parse_date(s, len, &((int32_t *)c->data)[row]))
            return bad_value(L, f, d, P_BAD);
        break;
    case TIR_STRING:
        if (f->escaped && !vm_csv_unescape(L, f, &s, &len))
            return vm_csv_fail_nomem(L);
        if (len > UINT32_MAX)
            return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "string of %zu bytes is too long (column %s)", len, d->name);
        if (!vm_str_make(&t->heap, s, (uint32_t)len, &((tir_str *)c->data)[row]))
            return vm_csv_fail_nomem(L);
        break;
    default:
        return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "column %s has a type CSV cannot hold", d->name);
    }
    if (d->order && row > 0) {
        int cmp = cmp_rows(c, row - 1, row);
        if (d->order == 2)
            cmp = -cmp;
        if (cmp > 0 || (cmp == 0 && d->unique)) {
            char cur[200], prev[200];
            show_value(c, row, cur, sizeof cur);
            show_value(c, row - 1, prev, sizeof prev);
            if (cmp == 0)
                return vm_csv_fail_at(L, TIR_ERR_DATA, f->start,
                                      "duplicate value '%s' in unique column %s (also in data row %llu)",
                                      cur, d->name, (unsigned long long)row);
            return vm_csv_fail_at(L, TIR_ERR_DATA, f->start,
                                  "'%s' breaks the %s order of column %s (previous row has '%s')",
                                  cur, d->order == 1 ? "ascending" : "descending", d->name, prev);
        }
    }
    if (cs->check_uniq) {
        int64_t dup = uniq_add(&cs->uniq, c, row);
        if (dup == UNIQ_NOMEM)
            return vm_csv_fail_nomem(L);
        if (dup == UNIQ_TOO_MANY)
            return vm_csv_fail_at(L, TIR_ERR_DATA, f->start, "too many rows to check unique column %s", d->name);
        if (dup >= 0) {
            char cur[200];
            return vm_csv_fail_at(L, TIR_ERR_DATA, f->start,
                                  "duplicate value '%s' in unique column %s (also in data row %llu)",
                                  show_value(c, row, cur, sizeof cur), d->name, (unsigned long long)dup + 1);
        }
    }
    return TIR_OK;
}

/* ---------------------------------------------------------------------
** The load.
*/

static tir_status make_table(vm_csv_reader *L, int ncols, const vm_csv_col *cols, uint64_t maxrows, vm_table **out)
{
    vm_table *t = calloc(1, sizeof *t);
    if (!t)
        return vm_csv_fail_nomem(L);
    vm_strheap_init(&t->heap);
    t->names = calloc((size_t)ncols, sizeof *t->names);
    t->types = calloc((size_t)ncols, sizeof *t->types);
    t->cols = calloc((size_t)ncols, sizeof *t->cols);
    if (!t->names || !t->types || !t->cols) {
        vm_table_free(t);
        return vm_csv_fail_nomem(L);
    }
    t->ncols = ncols;
    for (int i = 0; i < ncols; i++) {
        /* a decimal is held as its scaled int64_t */
        tir_type phys = vm_phys(cols[i].type);
        vm_column_init(&t->cols[i], phys);
        t->types[i] = phys;
        t->names[i] = strdup(cols[i].name);
        /* exact size: the newline count bounds the rows, so no regrowth */
        uint64_t cap = maxrows ? maxrows : 1;
        size_t w = vm_type_width(phys);
        t->cols[i].data = cap > SIZE_MAX / w ? NULL : vm_big_realloc(NULL, 0, cap * w);
        t->cols[i].cap = cap;
        if (!t->names[i] || !t->cols[i].data) {
            vm_table_free(t);
            return vm_csv_fail_nomem(L);
        }
    }
    *out = t;
    return TIR_OK;
}

static uint64_t count_newlines(const char *p, const char *end)
{
    uint64_t n = 0;
    for (; p < end; p++)
        n += *p == '\n';
    return n;
}

/* Matches declared columns to header fields; returns the field count of
** a row, or -1 after reporting. */
static int read_header(vm_csv_reader *L, const char **pp, int ncols, csv_colstate *cs, tir_status *st)
{
    if (*pp >= L->end) {
        *st = vm_csv_fail_at(L, TIR_ERR_DATA, *pp, "the file is empty: expected a header line");
        return -1;
    }
    int nf = split_row(L, pp, 0, true, st);
    if (nf < 0)
        return -1;
    for (int c = 0; c < ncols; c++) {
        const char *name = cs[c].decl->name;
        size_t nlen = strlen(name);
        cs[c].field = -1;
        for (int i = 0; i < nf && cs[c].field < 0; i++) {
            const vm_csv_field *f = &L->fields[i];
            const char *s = f->p;
            size_t len = f->len;
            if (f->escaped && !vm_csv_unescape(L, f, &s, &len)) {
                *st = vm_csv_fail_nomem(L);
                return -1;
            }
            if (len == nlen && memcmp(s, name, nlen) == 0)
                cs[c].field = i;
        }
        if (cs[c].field < 0) {
            *st = vm_csv_fail_at(L, TIR_ERR_DATA, L->buf, "column '%s' not found in header", name);
            return -1;
        }
    }
    return nf;
}

static tir_status load(vm_csv_reader *L, const vm_csv_opts *o, int ncols, const vm_csv_col *cols,
                       csv_colstate *cs, vm_table **out)
{
    tir_status st = TIR_OK;
    const char *p = L->data;
    int nf = ncols;
    for (int c = 0; c < ncols; c++) {
        cs[c].decl = &cols[c];
        cs[c].field = c;
        cs[c].check_uniq = cols[c].unique && !cols[c].order;
    }
    if (o->header && (nf = read_header(L, &p, ncols, cs, &st)) < 0)
        return st;
    while (L->fcap < nf + 1)
        if (!grow_fields(L))
            return vm_csv_fail_nomem(L);

    uint64_t maxrows = count_newlines(p, L->end) + 1;
    /* the columns are allocated at their final size (rows bounded by the
    ** newlines): with the file they must fit before anything is converted */
    uint64_t file_bytes = (uint64_t)(L->end - L->buf) + PAD, need = file_bytes;
    for (int c = 0; c < ncols; c++)
        need += maxrows * (vm_type_width(cols[c].type) + (cols[c].nullable ? 1 : 0));
    if (L->budget && need > L->budget) {
        char what[128];
        snprintf(what, sizeof what, "loading %" PRIu64 " rows of %d columns", maxrows, ncols);
        return over_budget(L, need, what);
    }
    vm_table *t = NULL;
    if ((st = make_table(L, ncols, cols, maxrows, &t)) != TIR_OK)
        return st;
    for (int c = 0; c < ncols; c++)
        cs[c].col = &t->cols[c];

    uint64_t row = 0;
    while (p < L->end) {
        if ((st = split_data_row(L, &p, nf)) != TIR_OK)
            goto fail;
        for (int c = 0; c < ncols; c++)
            if ((st = convert_field(L, &cs[c], &L->fields[cs[c].field], t, row)) != TIR_OK)
                goto fail;
        row++;
        /* long strings are copied out as they come: recount now and then */
        if (L->budget && (row & 0xffff) == 0 && file_bytes + vm_table_bytes(t) > L->budget) {
            char what[128];
            snprintf(what, sizeof what, "loading (with its strings, at row %" PRIu64 ")", row);
            st = over_budget(L, file_bytes + vm_table_bytes(t), what);
            goto fail;
        }
    }
    for (int c = 0; c < ncols; c++)
        t->cols[c].len = row;
    t->nrows = row;
    *out = t;
    return TIR_OK;
fail:
    vm_table_free(t);
    return st;
}

tir_status vm_csv_load(const char *path, const vm_csv_opts *o, int ncols, const vm_csv_col *cols,
                       vm_table **out, char *err, size_t errlen)
{
    static const vm_csv_opts defaults = {',', true, "", 0};
    if (!o)
        o = &defaults;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    char delim = o->delimiter ? o->delimiter : ',';
    if (!path || ncols <= 0 || !cols || delim == '"' || delim == '\n' || delim == '\r') {
        if (err && errlen)
            snprintf(err, errlen, "bad CSV load arguments");
        return TIR_ERR_ARG;
    }
    vm_csv_reader L;
    csv_colstate *cs = NULL;
    tir_status st = vm_csv_read(&L, path, o, "loading", err, errlen);
    if (st == TIR_OK)
        st = (cs = calloc((size_t)ncols, sizeof *cs)) ? load(&L, o, ncols, cols, cs, out) : vm_csv_fail_nomem(&L);
    for (int c = 0; cs && c < ncols; c++)
        free(cs[c].uniq.slots);
    free(cs);
    vm_csv_reader_free(&L);
    return st;
}
