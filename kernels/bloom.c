/*
** bloom.c — split-block bloom filters, bit-compatible with Parquet's SBBF.
**
** A key hash h selects block ((h >> 32) * nblocks) >> 32 (a multiply-shift
** instead of a modulo) and, in each of the block's eight 32-bit words, bit
** ((uint32_t)h * salt[w]) >> 27. All eight bits of one key fall in one
** 32-byte block, i.e. one cache line access, and with AVX2 the eight masks
** are one multiply, one shift and one variable shift; testing a key is a
** single vptest of the block against its mask.
**
** Sizing: Parquet's 1% row of its table is about 10 bits per distinct
** value; with 8 bits set per key that gives about 1% false positives.
*/
#include "ksimd.h"

static const uint32_t k_bloom_salt[8] = { 0x47b6137bu, 0x44974d91u, 0x8824ad5bu, 0xa2b7289du,
                                          0x705495c7u, 0x2df1424bu, 0x9efc4947u, 0x5c6bfb31u };

uint32_t k_bloom_nblocks(uint64_t ndistinct)
{
    /* 10 bits per value in 256-bit blocks; the cap only guards the
    ** multiplication for absurd inputs (a filter that large is 128 GiB). */
    if (ndistinct > ((uint64_t)1 << 40))
        ndistinct = (uint64_t)1 << 40;
    uint64_t nb = (ndistinct * 10 + 255) / 256;
    return nb ? (uint32_t)nb : 1;
}

/* The eight one-bit masks of key h, one per 32-bit lane. */
K_INLINE simde__m256i bloom_mask(uint64_t h)
{
    const simde__m256i salt = simde_mm256_loadu_si256((const void *)k_bloom_salt);
    simde__m256i x = simde_mm256_mullo_epi32(simde_mm256_set1_epi32((int32_t)(uint32_t)h), salt);
    return simde_mm256_sllv_epi32(simde_mm256_set1_epi32(1), simde_mm256_srli_epi32(x, 27));
}

void k_bloom_insert(uint32_t *words, uint32_t nblocks, const uint64_t *h, const uint32_t *sel, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++) {
        uint64_t hv = h[sel ? sel[j] : j];
        simde__m256i *b = (simde__m256i *)(void *)(words + 8 * (size_t)k_bloom_block(hv, nblocks));
        simde_mm256_storeu_si256(b, simde_mm256_or_si256(simde_mm256_loadu_si256(b), bloom_mask(hv)));
    }
}

bool k_bloom_check(const uint32_t *words, uint32_t nblocks, uint64_t h)
{
    const uint32_t *b = words + 8 * (size_t)k_bloom_block(h, nblocks);
    for (int w = 0; w < 8; w++)
        if (!((b[w] >> (((uint32_t)h * k_bloom_salt[w]) >> 27)) & 1))
            return false;
    return true;
}

/* vptest's carry flag is set when every bit of the mask is in the block. */
K_INLINE unsigned bloom_hit(const uint32_t *words, uint32_t nblocks, uint64_t hv)
{
    const simde__m256i *b = (const simde__m256i *)(const void *)(words + 8 * (size_t)k_bloom_block(hv, nblocks));
    return (unsigned)simde_mm256_testc_si256(simde_mm256_loadu_si256(b), bloom_mask(hv));
}

uint32_t k_bloom_probe_sel(const uint32_t *words, uint32_t nblocks, const uint64_t *h,
                           const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel[j];
            out[k] = i;
            k += bloom_hit(words, nblocks, h[i]);
        }
    } else {
        for (uint32_t i = 0; i < n; i++) {
            out[k] = i;
            k += bloom_hit(words, nblocks, h[i]);
        }
    }
    return k;
}

uint32_t k_bloom_probe_sel_ref(const uint32_t *words, uint32_t nblocks, const uint64_t *h,
                               const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        uint64_t hv = h[i];
        uint64_t blk = ((hv >> 32) * nblocks) >> 32;
        bool hit = true;
        for (int w = 0; w < 8; w++) {
            uint32_t bit = ((uint32_t)hv * k_bloom_salt[w]) >> 27;
            if (!(words[8 * blk + w] & ((uint32_t)1 << bit)))
                hit = false;
        }
        if (hit)
            out[k++] = i;
    }
    return k;
}

/* ---- key bitmaps: an exact filter of integer keys over their range ---- */

K_INLINE unsigned kbits_hit(const uint64_t *kbits, uint64_t base, uint64_t range, int64_t key)
{
    uint64_t d = (uint64_t)key - base;
    return d < range ? (unsigned)(kbits[d >> 6] >> (d & 63)) & 1u : 0u;
}

uint32_t k_kbits_sel_i32(const uint64_t *kbits, int64_t lo, uint64_t range, const int32_t *a, const uint64_t *va,
                         const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0, i = 0;
    const uint64_t base = (uint64_t)lo;
    /* within i32's range, d = key - lo taken modulo 2^32 is below range
    ** exactly for the keys in it */
    if (!sel && range && lo >= INT32_MIN && lo <= INT32_MAX && range - 1 <= (uint64_t)((int64_t)INT32_MAX - lo)) {
        const simde__m256i vlo = simde_mm256_set1_epi32((int32_t)lo);
        const simde__m256i vmax = simde_mm256_set1_epi32((int32_t)(uint32_t)(range - 1));
        const simde__m256i low5 = simde_mm256_set1_epi32(31), one = simde_mm256_set1_epi32(1);
        const int32_t *words = (const int32_t *)(const void *)kbits;
        for (; i + 8 <= n; i += 8) {
            simde__m256i d = simde_mm256_sub_epi32(simde_mm256_loadu_si256((const void *)(a + i)), vlo);
            simde__m256i in = simde_mm256_cmpeq_epi32(simde_mm256_min_epu32(d, vmax), d);
            simde__m256i w = simde_mm256_mask_i32gather_epi32(simde_mm256_setzero_si256(), words,
                                                              simde_mm256_srli_epi32(d, 5), in, 4);
            simde__m256i bit = simde_mm256_and_si256(simde_mm256_srlv_epi32(w, simde_mm256_and_si256(d, low5)), one);
            unsigned m = k8_signs_i32(simde_mm256_and_si256(in, simde_mm256_cmpeq_epi32(bit, one)));
            if (va)
                m &= k_vbyte(va, i);
            k = k_emit8(out, k, i, m);
        }
    }
    for (uint32_t j = i; j < n; j++) {
        uint32_t r = sel ? sel[j] : j;
        out[k] = r;
        k += kbits_hit(kbits, base, range, a[r]) & (va ? k_bit(va, r) : 1u);
    }
    return k;
}

uint32_t k_kbits_sel_i32_ref(const uint64_t *kbits, int64_t lo, uint64_t range, const int32_t *a,
                             const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t r = sel ? sel[j] : j;
        if (va && !((va[r >> 6] >> (r & 63)) & 1))
            continue;
        uint64_t d = (uint64_t)(int64_t)a[r] - (uint64_t)lo;
        if (d < range && (kbits[d >> 6] >> (d & 63)) & 1)
            out[k++] = r;
    }
    return k;
}
