/*
** logic.c — three-valued AND/OR/NOT on bool vectors, the selections that
** turn bools and validity into row lists, and whole-bitmap operations.
**
** Bool bytes of NULL rows may hold anything, so values are tested with != 0
** and a NULL operand only matters through its validity bit.
*/
#include "ksimd.h"

/* SQL AND: false wins over NULL; OR: true wins over NULL. Returns the
** value bit and stores the validity bit in *v. */
K_INLINE unsigned logic3_row(bool is_or, unsigned x, unsigned px, unsigned y, unsigned py, unsigned *v)
{
    if (is_or) {
        *v = (px & py) | (px & x) | (py & y);
        return x | y;
    }
    *v = (px & py) | (px & (x ^ 1u)) | (py & (y ^ 1u));
    return x & y;
}

K_INLINE void logic3(bool is_or, const uint8_t *a, const uint64_t *va, const uint8_t *b,
                     const uint64_t *vb, const uint32_t *sel, uint32_t n, uint8_t *out,
                     uint64_t *out_valid)
{
    unsigned v;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel[j];
            out[i] = (uint8_t)logic3_row(is_or, a[i] != 0, va ? k_bit(va, i) : 1u, b[i] != 0,
                                         vb ? k_bit(vb, i) : 1u, &v);
            k_bit_put(out_valid, i, v);
        }
        return;
    }
    /* Dense: build each validity word in a register, store it once, and
    ** keep the bits of the last word that lie past n. */
    for (uint32_t lo = 0; lo < n; lo += 64) {
        uint32_t cnt = n - lo < 64 ? n - lo : 64;
        uint64_t bits = 0;
        for (uint32_t t = 0; t < cnt; t++) {
            uint32_t i = lo + t;
            out[i] = (uint8_t)logic3_row(is_or, a[i] != 0, va ? k_bit(va, i) : 1u, b[i] != 0,
                                         vb ? k_bit(vb, i) : 1u, &v);
            bits |= (uint64_t)v << t;
        }
        uint64_t keep = cnt == 64 ? 0 : ~(uint64_t)0 << cnt;
        out_valid[lo >> 6] = (out_valid[lo >> 6] & keep) | bits;
    }
}

void k_and_bool(const uint8_t *a, const uint64_t *va, const uint8_t *b, const uint64_t *vb,
                const uint32_t *sel, uint32_t n, uint8_t *out, uint64_t *out_valid)
{
    logic3(false, a, va, b, vb, sel, n, out, out_valid);
}

void k_or_bool(const uint8_t *a, const uint64_t *va, const uint8_t *b, const uint64_t *vb,
               const uint32_t *sel, uint32_t n, uint8_t *out, uint64_t *out_valid)
{
    logic3(true, a, va, b, vb, sel, n, out, out_valid);
}

void k_not_bool(const uint8_t *a, const uint32_t *sel, uint32_t n, uint8_t *out)
{
    if (sel) {
        for (uint32_t j = 0; j < n; j++)
            out[sel[j]] = a[sel[j]] == 0;
    } else {
        for (uint32_t i = 0; i < n; i++)
            out[i] = a[i] == 0;
    }
}

/* ---- selections from bools and validity ----------------------------------- */

/* Dense: 32 bools per step, nonzero bytes -> 32-bit mask, AND validity,
** emit in four 8-row pieces. Instantiated with and without a bitmap. */
K_INLINE uint32_t sel_true_dense(const uint8_t *a, const uint64_t *va, uint32_t n, uint32_t *out)
{
    uint32_t k = 0, i = 0;
    const simde__m256i zero = simde_mm256_setzero_si256();
    for (; i + 32 <= n; i += 32) {
        simde__m256i x = simde_mm256_loadu_si256((const void *)(a + i));
        uint32_t m = ~(uint32_t)simde_mm256_movemask_epi8(simde_mm256_cmpeq_epi8(x, zero));
        if (va)
            m &= (uint32_t)(va[i >> 6] >> (i & 63));
        k = k_emit8(out, k, i, m & 0xff);
        k = k_emit8(out, k, i + 8, (m >> 8) & 0xff);
        k = k_emit8(out, k, i + 16, (m >> 16) & 0xff);
        k = k_emit8(out, k, i + 24, m >> 24);
    }
    for (; i < n; i++) {
        out[k] = i;
        k += (unsigned)(a[i] != 0) & (va ? k_bit(va, i) : 1u);
    }
    return k;
}

uint32_t k_sel_true(const uint8_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    if (!sel)
        return va ? sel_true_dense(a, va, n, out) : sel_true_dense(a, NULL, n, out);
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel[j];
        out[k] = i;
        k += (unsigned)(a[i] != 0) & (va ? k_bit(va, i) : 1u);
    }
    return k;
}

uint32_t k_sel_true_ref(const uint8_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (a[i] && K_VALID(va, i))
            out[k++] = i;
    }
    return k;
}

uint32_t k_sel_valid(const uint64_t *va, bool want_null, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0, i = 0;
    if (!va) {
        if (want_null)
            return 0;
        for (uint32_t j = 0; j < n; j++)
            out[j] = sel ? sel[j] : j;
        return n;
    }
    unsigned flip = want_null ? 1u : 0u;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            i = sel[j];
            out[k] = i;
            k += k_bit(va, i) ^ flip;
        }
        return k;
    }
    for (; i + 8 <= n; i += 8)
        k = k_emit8(out, k, i, k_vbyte(va, i) ^ (flip * 0xffu));
    for (; i < n; i++) {
        out[k] = i;
        k += k_bit(va, i) ^ flip;
    }
    return k;
}

/* ---- whole bitmaps ---------------------------------------------------------- */
void k_valid_and(const uint64_t *a, const uint64_t *b, uint32_t n, uint64_t *out)
{
    uint32_t w = k_bitmap_words(n), i = 0;
    if (!a || !b) {
        const uint64_t *src = a ? a : b;
        if (!src)
            k_valid_set_all(out, n);
        else if (src != out)
            memmove(out, src, (size_t)w * 8);
        return;
    }
    for (; i + 4 <= w; i += 4)
        simde_mm256_storeu_si256((void *)(out + i),
                                 simde_mm256_and_si256(simde_mm256_loadu_si256((const void *)(a + i)),
                                                       simde_mm256_loadu_si256((const void *)(b + i))));
    for (; i < w; i++)
        out[i] = a[i] & b[i];
}

/* Sets whole words: bits past n are "valid" too, which no reader looks at. */
void k_valid_set_all(uint64_t *out, uint32_t n)
{
    memset(out, 0xff, (size_t)k_bitmap_words(n) * 8);
}

uint32_t k_count_valid(const uint64_t *v, const uint32_t *sel, uint32_t n)
{
    if (!v)
        return n;
    uint32_t c = 0;
    if (sel) {
        for (uint32_t j = 0; j < n; j++)
            c += k_bit(v, sel[j]);
        return c;
    }
    uint32_t full = n / 64;
    for (uint32_t w = 0; w < full; w++)
        c += (uint32_t)__builtin_popcountll(v[w]);
    if (n % 64)
        c += (uint32_t)__builtin_popcountll(v[full] & (((uint64_t)1 << (n % 64)) - 1));
    return c;
}
