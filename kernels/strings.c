/*
** strings.c — string ordering/equality and LIKE.
**
** LIKE is case-sensitive and reads strings as UTF-8: '_' matches one
** character (a lead byte and its continuation bytes) and '%' absorbs whole
** characters; literal bytes compare bytewise. k_like_classify spots the shapes that need no pattern
** machine: 'abc' (exact), 'abc%' (prefix), '%abc' (suffix) and '%abc%'
** (contains); several '%'-separated literals without '_' ('%special%requests%')
** are substring searches in turn (find: SIMD over 16 or 32 bytes); the rest goes to an iterative
** matcher that backtracks only to the last '%' seen, which is O(len *
** patlen) at worst. An escape character (any one character, ESCAPE 'c')
** makes the item after it literal; a pattern whose escapes leave one of
** the literal shapes still gets its fast path.
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

void k_in_str_ref(const tir_str *a, const uint32_t *sel, uint32_t n, const tir_str *ks, uint32_t nk, bool acc,
                  uint8_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint8_t hit = acc ? out[r] : 0;
        for (uint32_t j = 0; j < nk; j++)
            hit |= k_str_eq(&a[r], &ks[j]);
        out[r] = hit;
    }
}

/* Short constants as (word 0, mask 0, word 1, mask 1): word 0 holds the
** length, so a row of another length never matches; long ones by k_str_eq. */
enum { IN_STR_CHUNK = 32 };

void k_in_str(const tir_str *a, const uint32_t *sel, uint32_t n, const tir_str *ks, uint32_t nk, bool acc,
              uint8_t *out)
{
    if (nk > IN_STR_CHUNK) {
        for (uint32_t j = 0; j < nk; j += IN_STR_CHUNK)
            k_in_str(a, sel, n, ks + j, nk - j < IN_STR_CHUNK ? nk - j : IN_STR_CHUNK, acc || j > 0, out);
        return;
    }
    uint64_t w0[IN_STR_CHUNK], m0[IN_STR_CHUNK], w1[IN_STR_CHUNK], m1[IN_STR_CHUNK];
    const tir_str *lng[IN_STR_CHUNK];
    uint32_t ns = 0, nl = 0;
    for (uint32_t j = 0; j < nk; j++) {
        uint32_t len = ks[j].len;
        if (len > TIR_STR_INLINE) {
            lng[nl++] = &ks[j];
            continue;
        }
        m0[ns] = k_str_w0mask(len);
        w0[ns] = k_ld64(&ks[j]) & m0[ns];
        m1[ns] = len > 4 ? k_bytemask(len - 4) : 0;
        w1[ns] = k_ld64(ks[j].u.inl) & m1[ns];
        ns++;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint64_t x0 = k_ld64(&a[r]), x1 = k_ld64(a[r].u.inl);
        uint8_t hit = acc ? out[r] : 0;
        for (uint32_t j = 0; j < ns; j++)
            hit |= ((x0 & m0[j]) == w0[j]) & ((x1 & m1[j]) == w1[j]);
        if (a[r].len > TIR_STR_INLINE)
            for (uint32_t j = 0; j < nl; j++)
                hit |= k_str_eq_inl(&a[r], lng[j]);
        out[r] = hit;
    }
}

/* us: '_' is a wildcard too (it is not in a pattern whose escapes were
** resolved, where every '_' left is literal). */
static bool has_wild(const char *p, uint32_t from, uint32_t to, bool us)
{
    for (uint32_t i = from; i < to; i++)
        if (p[i] == '%' || (us && p[i] == '_'))
            return true;
    return false;
}

static k_like_shape classify(const char *pat, uint32_t patlen, bool us, const char **lit, uint32_t *litlen)
{
    *lit = pat;
    *litlen = patlen;
    if (patlen >= 2 && pat[0] == '%' && pat[patlen - 1] == '%' && !has_wild(pat, 1, patlen - 1, us)) {
        *lit = pat + 1;
        *litlen = patlen - 2;
        return K_LIKE_CONTAINS;
    }
    if (patlen >= 1 && pat[patlen - 1] == '%' && !has_wild(pat, 0, patlen - 1, us)) {
        *litlen = patlen - 1;
        return K_LIKE_PREFIX;
    }
    if (patlen >= 1 && pat[0] == '%' && !has_wild(pat, 1, patlen, us)) {
        *lit = pat + 1;
        *litlen = patlen - 1;
        return K_LIKE_SUFFIX;
    }
    if (!has_wild(pat, 0, patlen, us))
        return K_LIKE_EXACT;
    for (uint32_t i = 0; us && i < patlen; i++)
        if (pat[i] == '_')
            return K_LIKE_GENERAL;
    return K_LIKE_SEGMENTS;
}

k_like_shape k_like_classify(const char *pat, uint32_t patlen, const char **lit, uint32_t *litlen)
{
    return classify(pat, patlen, true, lit, litlen);
}

/* W candidate starts p..p+W-1 at once: the bytes equal to nd's first
** two bytes at p+i, p+i+1 and to its last at p+i+k-1, as a bit mask
** (Mula's "generic SIMD" substring search, with the second byte added:
** in English text first and last alone leave a memcmp call on most rows). */
#define FIND_BLOCK(W, VEC, SET1, LOADU, CMPEQ, AND, MOVEMASK)                                           \
    K_INLINE const char *find_block##W(const char *s, uint32_t last, const char *nd, uint32_t k)       \
    {                                                                                                    \
        const VEC first = SET1((char)nd[0]), second = SET1((char)nd[1]), lastb = SET1((char)nd[k - 1]); \
        const uint32_t end = last + 1 - W; /* the start of the last whole block */                       \
        for (uint32_t p = 0;; p += W) {                                                                  \
            if (p > end)                                                                                 \
                p = end; /* overlaps the block before: its starts are known not to match */             \
            VEC a = LOADU((const VEC *)(const void *)(s + p));                                           \
            VEC a1 = LOADU((const VEC *)(const void *)(s + p + 1));                                      \
            VEC b = LOADU((const VEC *)(const void *)(s + p + k - 1));                                   \
            VEC hit = AND(AND(CMPEQ(a, first), CMPEQ(a1, second)), CMPEQ(b, lastb));                     \
            uint32_t m = (uint32_t)MOVEMASK(hit);                                                        \
            while (m) {                                                                                  \
                uint32_t i = p + (uint32_t)__builtin_ctz(m);                                             \
                if (!memcmp(s + i + 1, nd + 1, k - 2))                                                   \
                    return s + i;                                                                        \
                m &= m - 1;                                                                              \
            }                                                                                            \
            if (p == end)                                                                                \
                return NULL;                                                                             \
        }                                                                                                \
    }
FIND_BLOCK(32, simde__m256i, simde_mm256_set1_epi8, simde_mm256_loadu_si256, simde_mm256_cmpeq_epi8,
           simde_mm256_and_si256, simde_mm256_movemask_epi8)
FIND_BLOCK(16, simde__m128i, simde_mm_set1_epi8, simde_mm_loadu_si128, simde_mm_cmpeq_epi8, simde_mm_and_si128,
           simde_mm_movemask_epi8)
#undef FIND_BLOCK

/* memmem, faster on the short haystacks of string columns: glibc's
** two-way search pays its setup on every row (110 ns a row for
** '%special%requests%' over o_comment). A block reads bytes up to
** p + k - 1 + W - 1, so a block is used only where that stays in s. */
K_INLINE const char *find(const char *s, uint32_t n, const char *nd, uint32_t k)
{
    if (k == 0)
        return s;
    if (n < k)
        return NULL;
    if (k == 1)
        return memchr(s, (unsigned char)nd[0], n);
    uint32_t last = n - k; /* the last start that fits */
    if (last + 1 >= 32)
        return find_block32(s, last, nd, k);
    if (last + 1 >= 16)
        return find_block16(s, last, nd, k);
    for (uint32_t p = 0; p <= last; p++)
        if (s[p] == nd[0] && s[p + k - 1] == nd[k - 1] && !memcmp(s + p + 1, nd + 1, k - 2))
            return s + p;
    return NULL;
}

const char *k_find(const char *s, uint32_t n, const char *nd, uint32_t k)
{
    return find(s, n, nd, k);
}

const char *k_find_ref(const char *s, uint32_t n, const char *nd, uint32_t k)
{
    for (uint32_t p = 0; p + k <= n; p++)
        if (!memcmp(s + p, nd, k))
            return s + p;
    return NULL;
}

/* Literal segments separated by '%' (at least one, no '_'): the first is
** anchored at the start, the last at the end, and those between are found
** leftmost in turn; greedy is exact when only '%' separates them. The
** pattern is cut into them once per batch, not once per row. */
#define SEG_MAX 16
typedef struct segs {
    const char *pat;
    uint32_t first, last, lastoff;   /* the anchored segments' lengths, the last's offset */
    uint32_t n, off[SEG_MAX], len[SEG_MAX];
    uint32_t more;                   /* where the segments beyond SEG_MAX start (lastoff: none) */
} segs;

/* Index of the '%' that ends the segment starting at i. */
K_INLINE uint32_t seg_end(const char *p, uint32_t i)
{
    while (p[i] != '%')
        i++;
    return i;
}

static void segs_parse(segs *g, const char *p, uint32_t pl)
{
    uint32_t first = 0, b = pl;
    while (p[first] != '%')
        first++;
    while (p[b - 1] != '%')
        b--;
    *g = (segs){.pat = p, .first = first, .last = pl - b, .lastoff = b, .more = b};
    for (uint32_t i = first + 1; i < b; i = seg_end(p, i) + 1) {
        uint32_t j = seg_end(p, i);
        if (j == i)
            continue;
        if (g->n == SEG_MAX) {
            g->more = i;
            return;
        }
        g->off[g->n] = i, g->len[g->n] = j - i, g->n++;
    }
}

K_INLINE bool segs_match(const segs *g, const char *s, uint32_t sl)
{
    const char *p = g->pat;
    uint32_t first = g->first, last = g->last;
    if (sl < first + last || (first && memcmp(s, p, first)) || (last && memcmp(s + sl - last, p + g->lastoff, last)))
        return false;
    uint32_t lo = first, hi = sl - last;
    for (uint32_t i = 0; i < g->n; i++) {
        const char *at = find(s + lo, hi - lo, p + g->off[i], g->len[i]);
        if (!at)
            return false;
        lo = (uint32_t)(at - s) + g->len[i];
    }
    for (uint32_t i = g->more, j; i < g->lastoff; i = j + 1) {
        j = seg_end(p, i);
        const char *at = find(s + lo, hi - lo, p + i, j - i);
        if (!at)
            return false;
        lo = (uint32_t)(at - s) + (j - i);
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

/* The pattern item at p[i]: '%', '_', or 0 for a literal byte, whose
** index goes to *lit (after the escape character, when one is there);
** *next is the index of the item after it. The pattern is known not to
** end with the escape character (k_like_prepare). */
K_INLINE int like_item(const char *p, uint32_t pl, uint32_t i, const char *esc, uint32_t esclen, uint32_t *lit,
                       uint32_t *next)
{
    if (esclen && pl - i > esclen && !memcmp(p + i, esc, esclen)) {
        *lit = i + esclen;
        *next = i + esclen + 1;
        return 0;
    }
    *lit = i;
    *next = i + 1;
    return p[i] == '%' || p[i] == '_' ? p[i] : 0;
}

static bool like_general(const char *s, uint32_t sl, const char *p, uint32_t pl, const char *esc, uint32_t esclen)
{
    uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0, lit, next;
    while (si < sl) {
        int it = pi < pl ? like_item(p, pl, pi, esc, esclen, &lit, &next) : -1;
        if (it == '%') {
            star_p = pi = next;
            star_s = si;
        } else if (it == '_') {
            pi = next;
            si = utf8_next(s, sl, si);
        } else if (it == 0 && p[lit] == s[si]) {
            pi = next;
            si++;
        } else if (star_p != UINT32_MAX) {
            /* let the last % absorb one more character and retry from there */
            pi = star_p;
            si = star_s = utf8_next(s, sl, star_s);
        } else {
            return false;
        }
    }
    while (pi < pl && like_item(p, pl, pi, esc, esclen, &lit, &next) == '%')
        pi = next;
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

/* The literal of a classified pattern without escape character. */
static void like_literal(k_like_pat *lp)
{
    lp->lit = lp->pat;
    lp->litlen = lp->len;
    switch (lp->shape) {
    case K_LIKE_PREFIX: lp->litlen--; break;
    case K_LIKE_SUFFIX: lp->lit++, lp->litlen--; break;
    case K_LIKE_CONTAINS: lp->lit++, lp->litlen -= 2; break;
    default: break;
    }
}

bool k_like_prepare(k_like_pat *lp, const char *pat, uint32_t patlen, const char *esc, uint32_t esclen, char *buf)
{
    *lp = (k_like_pat){.pat = pat, .len = patlen, .esc = esc, .esclen = esclen};
    if (!esclen || !memmem(pat, patlen, esc, esclen)) {
        const char *lit;
        uint32_t ll;
        lp->esclen = 0;
        lp->shape = k_like_classify(pat, patlen, &lit, &ll);
        like_literal(lp);
        return true;
    }
    /* without the wildcard '_' and without a literal '%', the pattern with
    ** its escapes resolved is one without escapes whose '_' are literal:
    ** classified as such (segments too) */
    uint32_t n = 0, lit, next;
    bool us = false, litpct = false;
    for (uint32_t i = 0; i < patlen; i = next) {
        if (patlen - i == esclen && !memcmp(pat + i, esc, esclen))
            return false; /* ends with the escape character */
        int it = like_item(pat, patlen, i, esc, esclen, &lit, &next);
        us |= it == '_';
        litpct |= !it && pat[lit] == '%';
        buf[n++] = pat[lit];
    }
    if (!us && !litpct) {
        const char *l;
        uint32_t ll;
        *lp = (k_like_pat){.pat = buf, .len = n, .shape = classify(buf, n, false, &l, &ll)};
        like_literal(lp);
        return true;
    }
    /* '%'s, literal items, '%'s: one of the literal shapes, its escapes
    ** resolved into buf; anything else is matched as written */
    int phase = 0;
    bool lead = false, trail = false, general = false;
    n = 0;
    for (uint32_t i = 0; i < patlen; i = next) {
        int it = like_item(pat, patlen, i, esc, esclen, &lit, &next);
        if (it == '%') {
            lead |= phase == 0;
            trail |= phase == 1;
            phase = phase ? 2 : 0;
        } else if (it == '_' || phase == 2) {
            general = true;
        } else {
            buf[n++] = pat[lit];
            phase = 1;
        }
    }
    lp->shape = general ? K_LIKE_GENERAL
              : lead && (trail || !n) ? K_LIKE_CONTAINS
              : lead ? K_LIKE_SUFFIX
              : trail ? K_LIKE_PREFIX : K_LIKE_EXACT;
    lp->lit = buf;
    lp->litlen = n;
    return true;
}

bool k_like_match(const k_like_pat *lp, const char *s, uint32_t sl)
{
    uint32_t ll = lp->litlen;
    switch (lp->shape) {
    case K_LIKE_EXACT: return sl == ll && !memcmp(s, lp->lit, ll);
    case K_LIKE_PREFIX: return sl >= ll && !memcmp(s, lp->lit, ll);
    case K_LIKE_SUFFIX: return sl >= ll && !memcmp(s + sl - ll, lp->lit, ll);
    case K_LIKE_CONTAINS: return find(s, sl, lp->lit, ll) != NULL;
    case K_LIKE_SEGMENTS: {
        segs g;
        segs_parse(&g, lp->pat, lp->len);
        return segs_match(&g, s, sl);
    }
    case K_LIKE_GENERAL: break;
    }
    return like_general(s, sl, lp->pat, lp->len, lp->esc, lp->esclen);
}

void k_like(k_like_shape shape, const char *pat, uint32_t patlen, const tir_str *a,
            const uint32_t *sel, uint32_t n, uint8_t *out)
{
    k_like_pat lp = {.shape = shape, .pat = pat, .len = patlen};
    like_literal(&lp);
    k_like_run(&lp, a, sel, n, out);
}

void k_like_run(const k_like_pat *lp, const tir_str *a, const uint32_t *sel, uint32_t n, uint8_t *out)
{
    const char *lit = lp->lit;
    uint32_t ll = lp->litlen;
    switch (lp->shape) {
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
        uint32_t litpfx = 0, m = ll < 4 ? ll : 4;
        memcpy(&litpfx, lit, m);
        uint32_t pfxmask = (uint32_t)k_bytemask(m);
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            out[i] = starts_with(&a[i], lit, ll, litpfx, pfxmask);
        }
        return;
    }
    case K_LIKE_SEGMENTS: {
        segs g;
        segs_parse(&g, lp->pat, lp->len);
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            out[i] = segs_match(&g, tir_str_ptr(&a[i]), a[i].len);
        }
        return;
    }
    case K_LIKE_SUFFIX:
    case K_LIKE_CONTAINS:
    case K_LIKE_GENERAL:
        break;
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        out[i] = k_like_match(lp, tir_str_ptr(&a[i]), a[i].len);
    }
}

/* Reference: the recursive definition of LIKE, exponential in the number
** of '%' and meant only as a test oracle. */
static bool like_rec(const char *s, uint32_t sl, const char *p, uint32_t pl, const char *esc, uint32_t esclen)
{
    if (pl == 0)
        return sl == 0;
    if (esclen && pl > esclen && !memcmp(p, esc, esclen)) {
        uint32_t q = esclen;
        return sl && s[0] == p[q] && like_rec(s + 1, sl - 1, p + q + 1, pl - q - 1, esc, esclen);
    }
    if (p[0] == '%') {
        for (uint32_t k = 0; k <= sl; k = k < sl ? utf8_next(s, sl, k) : k + 1)
            if (like_rec(s + k, sl - k, p + 1, pl - 1, esc, esclen))
                return true;
        return false;
    }
    if (sl == 0 || (p[0] != '_' && p[0] != s[0]))
        return false;
    uint32_t k = p[0] == '_' ? utf8_next(s, sl, 0) : 1;
    return like_rec(s + k, sl - k, p + 1, pl - 1, esc, esclen);
}

void k_like_ref(const char *pat, uint32_t patlen, const tir_str *a, const uint32_t *sel, uint32_t n, uint8_t *out)
{
    k_like_ref_esc(pat, patlen, NULL, 0, a, sel, n, out);
}

void k_like_ref_esc(const char *pat, uint32_t patlen, const char *esc, uint32_t esclen, const tir_str *a,
                    const uint32_t *sel, uint32_t n, uint8_t *out)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        out[i] = like_rec(tir_str_ptr(&a[i]), a[i].len, pat, patlen, esc, esclen);
    }
}
