/*
** strings.c — string ordering/equality and LIKE.
**
** LIKE is case-sensitive and reads strings as UTF-8: '_' matches one
** character (a lead byte and its continuation bytes) and '%' absorbs whole
** characters; literal bytes compare bytewise. k_like_classify spots the shapes that need no pattern
** machine: 'abc' (exact), 'abc%' (prefix), '%abc' (suffix) and '%abc%'
** (contains); several '%'-separated literals without '_' ('%special%requests%')
** are substring searches in turn (memmem); the rest goes to an iterative
** matcher that backtracks only to the last '%' seen, which is O(len *
** patlen) at worst.
*/
#define _GNU_SOURCE /* memmem */
#include "kstr.h"

int k_str_cmp(const tir_str *a, const tir_str *b)
{
    return k_str_cmp_inl(a, b);
}

bool k_str_eq(const tir_str *a, const tir_str *b)
{
    return k_str_eq_inl(a, b);
}

static bool has_wild(const char *p, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++)
        if (p[i] == '%' || p[i] == '_')
            return true;
    return false;
}

k_like_shape k_like_classify(const char *pat, uint32_t patlen, const char **lit, uint32_t *litlen)
{
    *lit = pat;
    *litlen = patlen;
    if (patlen >= 2 && pat[0] == '%' && pat[patlen - 1] == '%' && !has_wild(pat, 1, patlen - 1)) {
        *lit = pat + 1;
        *litlen = patlen - 2;
        return K_LIKE_CONTAINS;
    }
    if (patlen >= 1 && pat[patlen - 1] == '%' && !has_wild(pat, 0, patlen - 1)) {
        *litlen = patlen - 1;
        return K_LIKE_PREFIX;
    }
    if (patlen >= 1 && pat[0] == '%' && !has_wild(pat, 1, patlen)) {
        *lit = pat + 1;
        *litlen = patlen - 1;
        return K_LIKE_SUFFIX;
    }
    if (!has_wild(pat, 0, patlen))
        return K_LIKE_EXACT;
    for (uint32_t i = 0; i < patlen; i++)
        if (pat[i] == '_')
            return K_LIKE_GENERAL;
    return K_LIKE_SEGMENTS;
}

/* Literal segments separated by '%' (at least one, no '_'): the first is
** anchored at the start, the last at the end, and those between are found
** leftmost in turn; greedy is exact when only '%' separates them. */
static bool like_segments(const char *s, uint32_t sl, const char *p, uint32_t pl)
{
    uint32_t first = 0, b = pl;
    while (p[first] != '%')
        first++;
    while (p[b - 1] != '%')
        b--;
    uint32_t last = pl - b;
    if (sl < first + last || memcmp(s, p, first) || memcmp(s + sl - last, p + b, last))
        return false;
    uint32_t lo = first, hi = sl - last;
    for (uint32_t i = first + 1; i < b;) {
        uint32_t j = i;
        while (p[j] != '%')
            j++;
        if (j > i) {
            const char *at = memmem(s + lo, hi - lo, p + i, j - i);
            if (!at)
                return false;
            lo = (uint32_t)(at - s) + (j - i);
        }
        i = j + 1;
    }
    return true;
}

/* Index after the UTF-8 character that starts at i. */
static uint32_t utf8_next(const char *s, uint32_t sl, uint32_t i)
{
    i++;
    while (i < sl && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

static bool like_general(const char *s, uint32_t sl, const char *p, uint32_t pl)
{
    uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
    while (si < sl) {
        if (pi < pl && p[pi] == '%') {
            star_p = ++pi;
            star_s = si;
        } else if (pi < pl && p[pi] == '_') {
            pi++;
            si = utf8_next(s, sl, si);
        } else if (pi < pl && p[pi] == s[si]) {
            pi++;
            si++;
        } else if (star_p != UINT32_MAX) {
            /* let the last % absorb one more character and retry from there */
            pi = star_p;
            si = star_s = utf8_next(s, sl, star_s);
        } else {
            return false;
        }
    }
    while (pi < pl && p[pi] == '%')
        pi++;
    return pi == pl;
}

/* Prefix test that decides on the 4-byte prefix in the header before
** touching the string's bytes. */
K_INLINE bool starts_with(const tir_str *s, const char *lit, uint32_t ll, uint32_t litpfx, uint32_t pfxmask)
{
    if (s->len < ll || ((k_ld32(s->prefix) ^ litpfx) & pfxmask))
        return false;
    return ll <= 4 || memcmp(tir_str_ptr(s) + 4, lit + 4, ll - 4) == 0;
}

void k_like(k_like_shape shape, const char *pat, uint32_t patlen, const tir_str *a,
            const uint32_t *sel, uint32_t n, uint8_t *out)
{
    const char *lit = pat;
    uint32_t ll = patlen;
    switch (shape) {
    case K_LIKE_EXACT: {
        /* A header for the literal, so rows compare by len+prefix word first. */
        tir_str c;
        memset(&c, 0, sizeof c);
        c.len = ll;
        memcpy(c.prefix, lit, ll < 4 ? ll : 4);
        if (ll <= TIR_STR_INLINE) {
            if (ll > 4)
                memcpy(c.u.inl, lit + 4, ll - 4);
        } else {
            c.u.ptr = lit;
        }
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            out[i] = k_str_eq_inl(&a[i], &c);
        }
        return;
    }
    case K_LIKE_PREFIX: {
        ll--;
        uint32_t litpfx = 0, m = ll < 4 ? ll : 4;
        memcpy(&litpfx, lit, m);
        uint32_t pfxmask = (uint32_t)k_bytemask(m);
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            out[i] = starts_with(&a[i], lit, ll, litpfx, pfxmask);
        }
        return;
    }
    case K_LIKE_SUFFIX:
        lit++;
        ll--;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            uint32_t len = a[i].len;
            out[i] = len >= ll && memcmp(tir_str_ptr(&a[i]) + len - ll, lit, ll) == 0;
        }
        return;
    case K_LIKE_CONTAINS:
        lit++;
        ll -= 2;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            out[i] = memmem(tir_str_ptr(&a[i]), a[i].len, lit, ll) != NULL;
        }
        return;
    case K_LIKE_SEGMENTS:
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            out[i] = like_segments(tir_str_ptr(&a[i]), a[i].len, pat, patlen);
        }
        return;
    case K_LIKE_GENERAL:
        break;
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        out[i] = like_general(tir_str_ptr(&a[i]), a[i].len, pat, patlen);
    }
}

/* Reference: the recursive definition of LIKE, exponential in the number
** of '%' and meant only as a test oracle. */
static bool like_rec(const char *s, uint32_t sl, const char *p, uint32_t pl)
{
    if (pl == 0)
        return sl == 0;
    if (p[0] == '%') {
        for (uint32_t k = 0; k <= sl; k = k < sl ? utf8_next(s, sl, k) : k + 1)
            if (like_rec(s + k, sl - k, p + 1, pl - 1))
                return true;
        return false;
    }
    if (sl == 0 || (p[0] != '_' && p[0] != s[0]))
        return false;
    uint32_t k = p[0] == '_' ? utf8_next(s, sl, 0) : 1;
    return like_rec(s + k, sl - k, p + 1, pl - 1);
}

void k_like_ref(const char *pat, uint32_t patlen, const tir_str *a, const uint32_t *sel, uint32_t n, uint8_t *out)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        out[i] = like_rec(tir_str_ptr(&a[i]), a[i].len, pat, patlen);
    }
}
