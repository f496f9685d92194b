/*
** strfn.c — the string functions of expressions (substring, length,
** upper/lower, trim, starts_with..., replace, lpad/rpad, concat), one
** instruction each over the rows of a selection. Strings are UTF-8 and
** counted in characters where SQL counts characters; bytes that are not
** valid UTF-8 count as one character each and pass through unchanged. A
** result is a slice of its input where it can be (trim, substring), else
** made in the pipeline's batch heap.
*/
#define _GNU_SOURCE /* newlocale */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "kernels.h"
#include "strfn.h"

/* The longest string lpad and rpad make, in characters. */
#define VM_PAD_MAX (1u << 24)

uint32_t vm_utf8_skip(const char *p, uint32_t len, uint32_t pos, int64_t n)
{
    /* a few characters with 8 bytes to read: n characters are n bytes when
    ** none of the bytes after pos up to pos + n continues a character */
    if (n > 0 && n < 8 && (uint64_t)pos + 8 <= len) {
        uint64_t w;
        memcpy(&w, p + pos, 8);
        uint64_t cont = w & ~(w << 1) & 0x8080808080808080ULL;   /* 10xxxxxx bytes */
        if (!(cont & (~0ULL >> (64 - 8 * n)) << 8))
            return pos + (uint32_t)n;
    }
    while (n > 0 && pos < len) {
        pos++;
        while (pos < len && ((unsigned char)p[pos] & 0xC0) == 0x80)
            pos++;
        n--;
    }
    return pos;
}

static uint32_t utf8_count(const char *p, uint32_t len)
{
    uint32_t chars = 0;
    for (uint32_t b = 0; b < len; b++)
        chars += ((unsigned char)p[b] & 0xC0) != 0x80;
    return chars;
}

/* The code point at p[0..len) and its byte count; -1 and 1 for a byte that
** does not start a valid, shortest-form sequence. */
static int32_t utf8_decode(const unsigned char *p, uint32_t len, uint32_t *used)
{
    *used = 1;
    if (p[0] < 0x80)
        return p[0];
    int n = p[0] >= 0xF0 && p[0] < 0xF5 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 && p[0] < 0xE0 ? 2 : 0;
    if (!n || (uint32_t)n > len)
        return -1;
    int32_t c = p[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c < 0xE000))
        return -1;
    *used = (uint32_t)n;
    return c;
}

static uint32_t utf8_encode(int32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

bool vm_sbuf_room(vm_sbuf *b, size_t more)
{
    if (b->n + more <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->nomem = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void vm_sbuf_put(vm_sbuf *b, const char *s, size_t n)
{
    if (n && vm_sbuf_room(b, n)) {
        memcpy(b->p + b->n, s, n);
        b->n += n;
    }
}

bool vm_sbuf_take(xpipe *x, vm_sbuf *b, tir_str *out)
{
    bool ok = !b->nomem && b->n <= UINT32_MAX && vm_str_make(&x->batch_heap, b->p, (uint32_t)b->n, out);
    b->n = 0;
    return ok;
}

tir_str vm_str_slice(const char *p, uint32_t len)
{
    tir_str o;
    memset(&o, 0, sizeof o);
    o.len = len;
    if (len <= TIR_STR_INLINE) {
        memcpy(o.prefix, p, len);
    } else {
        memcpy(o.prefix, p, 4);
        o.u.ptr = p;
    }
    return o;
}

static tir_status nomem(xpipe *x, const vm_ins *in)
{
    return vm_x_fail(x, TIR_ERR_NOMEM, in->span, "out of memory making a string");
}

uint64_t *vm_str_valid3(xpipe *x, int frame, int out, int a, int b, int e)
{
    uint32_t n = x->f[frame].n;
    const vm_vec *vb = b >= 0 ? &x->r[b] : NULL;
    uint64_t *v = vm_x_valid2(x, out, &x->r[a], vb, n);
    if (e >= 0 && x->r[e].validity) {
        if (!v)
            v = vm_x_valid2_owned(x, out, &x->r[a], vb, n);
        k_valid_and(v, x->r[e].validity, n, v);
    }
    return v;
}

static uint64_t *valid3(xpipe *x, const vm_ins *in)
{
    return vm_str_valid3(x, in->frame, in->c, in->a, in->b, in->e);
}

void vm_op_substr(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_vec *s = &x->r[in->a], *st = &x->r[in->b];
    const vm_vec *ln = in->e >= 0 ? &x->r[in->e] : NULL;
    tir_str *out = x->rbuf[in->c];
    x->r[in->c].validity = valid3(x, in);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        const tir_str *str = &((const tir_str *)s->data)[r];
        int64_t start = ((const int64_t *)st->data)[r];
        int64_t from = start > INT64_MIN ? start - 1 : INT64_MIN;
        int64_t len = ln ? ((const int64_t *)ln->data)[r] : INT64_MAX;
        /* SQL: characters are 1-based and a start before 1 eats into the length */
        if (len < 0)
            len = 0;
        if (from < 0) {
            len = len + from < 0 ? 0 : len + from;
            from = 0;
        }
        const char *p = tir_str_ptr(str);
        uint32_t bfrom = vm_utf8_skip(p, str->len, 0, from);
        uint32_t bto = vm_utf8_skip(p, str->len, bfrom, len);
        out[r] = vm_str_slice(p + bfrom, bto - bfrom);
    }
}

void vm_op_length(xpipe *x, const vm_ins *in, bool bytes)
{
    SEL(x, in->d, in->frame, sel, n);
    const tir_str *a = x->r[in->a].data;
    int64_t *out = x->rbuf[in->c];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = bytes ? a[r].len : utf8_count(tir_str_ptr(&a[r]), a[r].len);
    }
    x->r[in->c].validity = x->r[in->a].validity;
}

/* Case mapping: ASCII directly, other characters through the C.UTF-8
** locale's tables (made once per pipeline copy; without that locale only
** ASCII letters change). */
bool vm_case_map(xpipe *x, const char *s, uint32_t len, bool upper, vm_sbuf *b)
{
    const unsigned char *p = (const unsigned char *)s;
    if (!vm_sbuf_room(b, (size_t)len + 8))
        return false;
    for (uint32_t k = 0; k < len;) {
        if (p[k] < 0x80) {
            char ch = (char)p[k++];
            if (upper && ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 32);
            else if (!upper && ch >= 'A' && ch <= 'Z')
                ch = (char)(ch + 32);
            b->p[b->n++] = ch;
            continue;
        }
        uint32_t used;
        int32_t c = utf8_decode(p + k, len - k, &used);
        if (c >= 0 && !x->ctype && !x->ctype_failed) {
            x->ctype = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
            x->ctype_failed = !x->ctype;
        }
        if (c >= 0 && x->ctype) {
            int32_t m = (int32_t)(upper ? towupper_l((wint_t)c, x->ctype) : towlower_l((wint_t)c, x->ctype));
            char enc[4];
            uint32_t w = utf8_encode(m, enc);
            if (!vm_sbuf_room(b, w + (len - k)))
                return false;
            memcpy(b->p + b->n, enc, w);
            b->n += w;
        } else {
            memcpy(b->p + b->n, p + k, used);
            b->n += used;
        }
        k += used;
    }
    return true;
}

tir_status vm_op_case(xpipe *x, const vm_ins *in, bool upper)
{
    SEL(x, in->d, in->frame, sel, n);
    const tir_str *a = x->r[in->a].data;
    tir_str *out = x->rbuf[in->c];
    x->r[in->c].validity = x->r[in->a].validity;
    vm_sbuf b = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!vm_case_map(x, tir_str_ptr(&a[r]), a[r].len, upper, &b) || !vm_sbuf_take(x, &b, &out[r])) {
            free(b.p);
            return nomem(x, in);
        }
    }
    free(b.p);
    return TIR_OK;
}

/* True when the character at p[k..] (of `used` bytes) is one of set's. */
static bool in_set(const char *p, uint32_t used, const char *set, uint32_t setlen)
{
    for (uint32_t k = 0; k < setlen;) {
        uint32_t w;
        utf8_decode((const unsigned char *)set + k, setlen - k, &w);
        if (w == used && !memcmp(set + k, p, used))
            return true;
        k += w;
    }
    return false;
}

void vm_op_trim(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const tir_str *a = x->r[in->a].data;
    const tir_str *chars = in->b >= 0 ? x->r[in->b].data : NULL;
    tir_str *out = x->rbuf[in->c];
    /* e is the ends to trim, not a register */
    x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], in->b >= 0 ? &x->r[in->b] : NULL, x->f[in->frame].n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        const char *p = tir_str_ptr(&a[r]);
        const char *set = chars ? tir_str_ptr(&chars[r]) : " ";
        uint32_t setlen = chars ? chars[r].len : 1, lo = 0, hi = a[r].len;
        if (in->e & 1)
            while (lo < hi) {
                uint32_t w;
                utf8_decode((const unsigned char *)p + lo, hi - lo, &w);
                if (!in_set(p + lo, w, set, setlen))
                    break;
                lo += w;
            }
        if (in->e & 2)
            while (hi > lo) {
                uint32_t start = hi - 1;
                while (start > lo && ((unsigned char)p[start] & 0xC0) == 0x80 && hi - start < 4)
                    start--;
                if (!in_set(p + start, hi - start, set, setlen))
                    break;
                hi = start;
            }
        out[r] = vm_str_slice(p + lo, hi - lo);
    }
}

/* One loop per function, the row's string s (sl bytes) against p (pl). */
#define MATCH_ROWS(out, expr)                                                                                  \
    for (uint32_t i = 0; i < n; i++) {                                                                         \
        uint32_t r = sel ? sel[i] : i;                                                                         \
        const char *s = tir_str_ptr(&a[r]), *p = tir_str_ptr(&b[r]);                                           \
        uint32_t sl = a[r].len, pl = b[r].len;                                                                 \
        out[r] = (expr);                                                                                       \
    }

static int64_t position_of(const char *s, uint32_t sl, const char *p, uint32_t pl)
{
    const char *at = pl ? k_find(s, sl, p, pl) : s;
    return at ? 1 + (int64_t)utf8_count(s, (uint32_t)(at - s)) : 0;
}

void vm_op_match(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const tir_str *a = x->r[in->a].data, *b = x->r[in->b].data;
    x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);
    uint8_t *flag = x->rbuf[in->c];
    int64_t *pos = x->rbuf[in->c];
    switch (in->op) {
    case VM_OP_STARTS_WITH: MATCH_ROWS(flag, pl <= sl && !memcmp(s, p, pl)); break;
    case VM_OP_ENDS_WITH: MATCH_ROWS(flag, pl <= sl && !memcmp(s + sl - pl, p, pl)); break;
    case VM_OP_CONTAINS: MATCH_ROWS(flag, !pl || k_find(s, sl, p, pl) != NULL); break;
    default: MATCH_ROWS(pos, position_of(s, sl, p, pl)); break;
    }
}

tir_status vm_op_replace(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const tir_str *a = x->r[in->a].data, *from = x->r[in->b].data, *to = x->r[in->e].data;
    tir_str *out = x->rbuf[in->c];
    x->r[in->c].validity = valid3(x, in);
    vm_sbuf b = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        const char *s = tir_str_ptr(&a[r]), *f = tir_str_ptr(&from[r]);
        uint32_t sl = a[r].len, fl = from[r].len;
        if (!fl) { /* nothing to replace: SQL returns the string */
            out[r] = a[r];
            continue;
        }
        const char *end = s + sl, *at;
        while ((at = k_find(s, (uint32_t)(end - s), f, fl))) {
            vm_sbuf_put(&b, s, (size_t)(at - s));
            vm_sbuf_put(&b, tir_str_ptr(&to[r]), to[r].len);
            s = at + fl;
        }
        vm_sbuf_put(&b, s, (size_t)(end - s));
        if (!vm_sbuf_take(x, &b, &out[r])) {
            free(b.p);
            return nomem(x, in);
        }
    }
    free(b.p);
    return TIR_OK;
}

/* lpad / rpad: to len characters, cut when longer; an empty fill leaves a
** shorter string as it is. */
tir_status vm_op_pad(xpipe *x, const vm_ins *in, bool left)
{
    SEL(x, in->d, in->frame, sel, n);
    const tir_str *a = x->r[in->a].data, *fill = x->r[in->e].data;
    const int64_t *want = x->r[in->b].data;
    tir_str *out = x->rbuf[in->c];
    uint64_t *v = valid3(x, in);
    x->r[in->c].validity = v;
    vm_sbuf b = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!K_VALID(v, r)) {
            out[r] = a[r];
            continue;
        }
        const char *s = tir_str_ptr(&a[r]), *f = tir_str_ptr(&fill[r]);
        uint32_t sl = a[r].len, fl = fill[r].len, have = utf8_count(s, sl);
        int64_t len = want[r] < 0 ? 0 : want[r];
        if (len > VM_PAD_MAX) {
            free(b.p);
            return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "%s to %lld characters: the longest string it makes is %u",
                             left ? "lpad" : "rpad", (long long)len, VM_PAD_MAX);
        }
        if ((uint64_t)len <= have || !fl) {
            out[r] = vm_str_slice(s, vm_utf8_skip(s, sl, 0, len));
            continue;
        }
        uint32_t fchars = utf8_count(f, fl), need = (uint32_t)len - have;
        if (!left)
            vm_sbuf_put(&b, s, sl);
        for (uint32_t put = 0; put < need && !b.nomem; put += fchars) {
            uint32_t take = need - put < fchars ? need - put : fchars;
            vm_sbuf_put(&b, f, vm_utf8_skip(f, fl, 0, take));
        }
        if (left)
            vm_sbuf_put(&b, s, sl);
        if (!vm_sbuf_take(x, &b, &out[r])) {
            free(b.p);
            return nomem(x, in);
        }
    }
    free(b.p);
    return TIR_OK;
}

tir_status vm_op_concat(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_vec *a = &x->r[in->a], *b = in->b >= 0 ? &x->r[in->b] : NULL;
    tir_str *out = x->rbuf[in->c];
    x->r[in->c].validity = NULL;
    vm_sbuf s = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        bool va = K_VALID(a->validity, r), vb = b && K_VALID(b->validity, r);
        const tir_str *sa = &((const tir_str *)a->data)[r], *sb = b ? &((const tir_str *)b->data)[r] : NULL;
        if (!vb || !sb->len) {
            out[r] = va ? *sa : vm_str_slice("", 0);
            continue;
        }
        if (!va || !sa->len) {
            out[r] = *sb;
            continue;
        }
        vm_sbuf_put(&s, tir_str_ptr(sa), sa->len);
        vm_sbuf_put(&s, tir_str_ptr(sb), sb->len);
        if (!vm_sbuf_take(x, &s, &out[r])) {
            free(s.p);
            return nomem(x, in);
        }
    }
    free(s.p);
    return TIR_OK;
}
