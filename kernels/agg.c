/*
** agg.c — ungrouped aggregate updates: sum, min and max over the valid rows
** of sel, folded into a running accumulator.
**
** Integer sums are exact per call: *overflow is set when *acc plus the sum
** of this call's rows does not fit in i64, whatever the order of the rows
** (so SIMD lanes and threads cannot change the outcome); *acc is then
** unspecified. f64 sums are added in a different order than a scalar loop.
** f64 min/max follow fmin/fmax: NaN counts as missing unless every valid
** row is NaN.
*/
#include <math.h>
#include "ksimd.h"

/* Lane masks for the 8 rows of a validity byte, as two i64/f64 halves. */
K_INLINE simde__m256i lanes_lo(unsigned m) { return k8_lanes_i64(m & 0xfu); }
K_INLINE simde__m256i lanes_hi(unsigned m) { return k8_lanes_i64(m >> 4); }

K_INLINE void fold_sum(__int128 t, int64_t *acc, bool *overflow)
{
    t += *acc;
    if (t < INT64_MIN || t > INT64_MAX)
        *overflow = true;
    else
        *acc = (int64_t)t;
}

/* ---- sum i32: 8 rows widened to two i64 vectors; the total of fewer than
** 2^32 i32 values always fits in i64, so lanes cannot overflow. ---------- */
K_INLINE int64_t sum_i32_dense(const int32_t *a, const uint64_t *va, uint32_t n)
{
    simde__m256i s0 = simde_mm256_setzero_si256(), s1 = s0;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        simde__m256i x = k8_load_i32(a + i).v;
        if (va)
            x = simde_mm256_and_si256(x, k8_lanes_i32(k_vbyte(va, i)));
        s0 = simde_mm256_add_epi64(s0, simde_mm256_cvtepi32_epi64(simde_mm256_castsi256_si128(x)));
        s1 = simde_mm256_add_epi64(s1, simde_mm256_cvtepi32_epi64(simde_mm256_extracti128_si256(x, 1)));
    }
    int64_t l[4], t = 0;
    simde_mm256_storeu_si256((void *)l, simde_mm256_add_epi64(s0, s1));
    t = l[0] + l[1] + l[2] + l[3];
    for (; i < n; i++)
        t += va && !k_bit(va, i) ? 0 : a[i];
    return t;
}

void k_sum_i32(const int32_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow)
{
    int64_t t = 0;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel[j];
            t += va && !k_bit(va, i) ? 0 : a[i];
        }
    } else {
        t = va ? sum_i32_dense(a, va, n) : sum_i32_dense(a, NULL, n);
    }
    fold_sum(t, acc, overflow);
}

/* ---- sum i64: exact with 64-bit lanes by summing the low and high 32-bit
** halves separately (unsigned) and counting negative values:
** x = hi * 2^32 + lo - 2^64 [x < 0]. Each lane sum stays below 2^62. ---- */
K_INLINE __int128 sum_i64_dense(const int64_t *a, const uint64_t *va, uint32_t n)
{
    const simde__m256i lomask = simde_mm256_set1_epi64x(0xffffffffLL), zero = simde_mm256_setzero_si256();
    simde__m256i lo = zero, hi = zero, neg = zero;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        k8_i64 x = k8_load_i64(a + i);
        if (va) {
            unsigned m = k_vbyte(va, i);
            x.v[0] = simde_mm256_and_si256(x.v[0], lanes_lo(m));
            x.v[1] = simde_mm256_and_si256(x.v[1], lanes_hi(m));
        }
        for (int h = 0; h < 2; h++) {
            lo = simde_mm256_add_epi64(lo, simde_mm256_and_si256(x.v[h], lomask));
            hi = simde_mm256_add_epi64(hi, simde_mm256_srli_epi64(x.v[h], 32));
            neg = simde_mm256_sub_epi64(neg, simde_mm256_cmpgt_epi64(zero, x.v[h]));
        }
    }
    uint64_t l[4], u[4], c[4];
    simde_mm256_storeu_si256((void *)l, lo);
    simde_mm256_storeu_si256((void *)u, hi);
    simde_mm256_storeu_si256((void *)c, neg);
    __int128 t = 0;
    for (int k = 0; k < 4; k++)
        t += ((__int128)u[k] << 32) + (__int128)l[k] - ((__int128)c[k] << 64);
    for (; i < n; i++)
        t += va && !k_bit(va, i) ? 0 : a[i];
    return t;
}

void k_sum_i64(const int64_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow)
{
    __int128 t = 0;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel[j];
            t += va && !k_bit(va, i) ? 0 : a[i];
        }
    } else {
        t = va ? sum_i64_dense(a, va, n) : sum_i64_dense(a, NULL, n);
    }
    fold_sum(t, acc, overflow);
}

/* ---- sum f64: two 4-lane accumulators ------------------------------------ */
K_INLINE double sum_f64_dense(const double *a, const uint64_t *va, uint32_t n)
{
    simde__m256d s0 = simde_mm256_setzero_pd(), s1 = s0;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        k8_f64 x = k8_load_f64(a + i);
        if (va) {
            unsigned m = k_vbyte(va, i);
            x.v[0] = simde_mm256_and_pd(x.v[0], simde_mm256_castsi256_pd(lanes_lo(m)));
            x.v[1] = simde_mm256_and_pd(x.v[1], simde_mm256_castsi256_pd(lanes_hi(m)));
        }
        s0 = simde_mm256_add_pd(s0, x.v[0]);
        s1 = simde_mm256_add_pd(s1, x.v[1]);
    }
    double l[4];
    simde_mm256_storeu_pd(l, simde_mm256_add_pd(s0, s1));
    double t = (l[0] + l[1]) + (l[2] + l[3]);
    for (; i < n; i++)
        if (!va || k_bit(va, i))
            t += a[i];
    return t;
}

void k_sum_f64(const double *a, const uint64_t *va, const uint32_t *sel, uint32_t n, double *acc)
{
    double t = 0;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel[j];
            if (!va || k_bit(va, i))
                t += a[i];
        }
    } else {
        t = va ? sum_f64_dense(a, va, n) : sum_f64_dense(a, NULL, n);
    }
    *acc += t;
}

void k_sum_i32_ref(const int32_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow)
{
    __int128 t = *acc;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (K_VALID(va, i))
            t += a[i];
    }
    if (t < INT64_MIN || t > INT64_MAX)
        *overflow = true;
    else
        *acc = (int64_t)t;
}

void k_sum_i64_ref(const int64_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow)
{
    __int128 t = *acc;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (K_VALID(va, i))
            t += a[i];
    }
    if (t < INT64_MIN || t > INT64_MAX)
        *overflow = true;
    else
        *acc = (int64_t)t;
}

void k_sum_f64_ref(const double *a, const uint64_t *va, const uint32_t *sel, uint32_t n, double *acc)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (K_VALID(va, i))
            *acc += a[i];
    }
}

/* ---- min / max ---------------------------------------------------------------
** 8-row blocks per type: NULL lanes are replaced by the identity (integers)
** or never selected (f64); `seen` ORs the validity bytes so *has is exact. */
K_INLINE k8_i32 mm8_i32(bool is_max, k8_i32 acc, k8_i32 x, unsigned m, bool masked)
{
    if (masked)
        x.v = simde_mm256_blendv_epi8(acc.v, x.v, k8_lanes_i32(m));
    return (k8_i32){ is_max ? simde_mm256_max_epi32(acc.v, x.v) : simde_mm256_min_epi32(acc.v, x.v) };
}

K_INLINE k8_i64 mm8_i64(bool is_max, k8_i64 acc, k8_i64 x, unsigned m, bool masked)
{
    for (int h = 0; h < 2; h++) {
        simde__m256i take = is_max ? simde_mm256_cmpgt_epi64(x.v[h], acc.v[h])
                                   : simde_mm256_cmpgt_epi64(acc.v[h], x.v[h]);
        if (masked)
            take = simde_mm256_and_si256(take, h ? lanes_hi(m) : lanes_lo(m));
        acc.v[h] = simde_mm256_blendv_epi8(acc.v[h], x.v[h], take);
    }
    return acc;
}

/* fmin/fmax per lane: take x when it is better or acc is still NaN. */
K_INLINE k8_f64 mm8_f64(bool is_max, k8_f64 acc, k8_f64 x, unsigned m, bool masked)
{
    for (int h = 0; h < 2; h++) {
        simde__m256d better = is_max ? simde_mm256_cmp_pd(x.v[h], acc.v[h], SIMDE_CMP_GT_OQ)
                                     : simde_mm256_cmp_pd(x.v[h], acc.v[h], SIMDE_CMP_LT_OQ);
        simde__m256d take = simde_mm256_or_pd(better, simde_mm256_cmp_pd(acc.v[h], acc.v[h], SIMDE_CMP_UNORD_Q));
        if (masked)
            take = simde_mm256_and_pd(take, simde_mm256_castsi256_pd(h ? lanes_hi(m) : lanes_lo(m)));
        acc.v[h] = simde_mm256_blendv_pd(acc.v[h], x.v[h], take);
    }
    return acc;
}

/* Scalar combine of one value into a running result. */
#define K_MM1_INT(is_max, r, x) ((is_max) ? ((x) > (r) ? (x) : (r)) : ((x) < (r) ? (x) : (r)))
K_INLINE int32_t mm1_i32(bool is_max, int32_t r, int32_t x) { return K_MM1_INT(is_max, r, x); }
K_INLINE int64_t mm1_i64(bool is_max, int64_t r, int64_t x) { return K_MM1_INT(is_max, r, x); }
K_INLINE double mm1_f64(bool is_max, double r, double x) { return is_max ? fmax(r, x) : fmin(r, x); }

/* Start values: integer identities; NaN for f64 ("nothing yet" to fmin). */
K_INLINE int32_t mm_init_i32(bool is_max) { return is_max ? INT32_MIN : INT32_MAX; }
K_INLINE int64_t mm_init_i64(bool is_max) { return is_max ? INT64_MIN : INT64_MAX; }
K_INLINE double mm_init_f64(bool is_max) { (void)is_max; return NAN; }

K_INLINE int32_t mm_reduce_i32(bool is_max, k8_i32 v, int32_t r)
{
    int32_t l[8];
    k8_store_i32(l, v);
    for (int j = 0; j < 8; j++)
        r = mm1_i32(is_max, r, l[j]);
    return r;
}
K_INLINE int64_t mm_reduce_i64(bool is_max, k8_i64 v, int64_t r)
{
    int64_t l[8];
    k8_store_i64(l, v);
    for (int j = 0; j < 8; j++)
        r = mm1_i64(is_max, r, l[j]);
    return r;
}
K_INLINE double mm_reduce_f64(bool is_max, k8_f64 v, double r)
{
    double l[8];
    k8_store_f64(l, v);
    for (int j = 0; j < 8; j++)
        r = mm1_f64(is_max, r, l[j]);
    return r;
}

#define K_DEF_MINMAX(T, CT)                                                                        \
    K_INLINE void minmax_##T(bool is_max, const CT *a, const uint64_t *va, const uint32_t *sel,    \
                             uint32_t n, CT *acc, bool *has)                                       \
    {                                                                                              \
        CT r = mm_init_##T(is_max);                                                                \
        unsigned seen = 0;                                                                         \
        uint32_t i = 0;                                                                            \
        if (sel) {                                                                                 \
            for (uint32_t j = 0; j < n; j++) {                                                     \
                i = sel[j];                                                                        \
                if (!va || k_bit(va, i)) {                                                         \
                    r = mm1_##T(is_max, r, a[i]);                                                  \
                    seen = 1;                                                                      \
                }                                                                                  \
            }                                                                                      \
        } else {                                                                                   \
            k8_##T v = k8_set1_##T(r);                                                             \
            if (va) {                                                                              \
                for (; i + 8 <= n; i += 8) {                                                       \
                    unsigned m = k_vbyte(va, i);                                                   \
                    v = mm8_##T(is_max, v, k8_load_##T(a + i), m, true);                           \
                    seen |= m;                                                                     \
                }                                                                                  \
            } else {                                                                               \
                for (; i + 8 <= n; i += 8)                                                         \
                    v = mm8_##T(is_max, v, k8_load_##T(a + i), 0xffu, false);                      \
                seen = i > 0;                                                                      \
            }                                                                                      \
            r = mm_reduce_##T(is_max, v, r);                                                       \
            for (; i < n; i++) {                                                                   \
                if (!va || k_bit(va, i)) {                                                         \
                    r = mm1_##T(is_max, r, a[i]);                                                  \
                    seen = 1;                                                                      \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        if (seen) {                                                                                \
            *acc = *has ? mm1_##T(is_max, *acc, r) : r;                                            \
            *has = true;                                                                           \
        }                                                                                          \
    }                                                                                              \
    void k_min_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, CT *acc,      \
                   bool *has)                                                                      \
    {                                                                                              \
        minmax_##T(false, a, va, sel, n, acc, has);                                                \
    }                                                                                              \
    void k_max_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, CT *acc,      \
                   bool *has)                                                                      \
    {                                                                                              \
        minmax_##T(true, a, va, sel, n, acc, has);                                                 \
    }
K_NUM_TYPES(K_DEF_MINMAX)

/* References: the first valid row initialises, later rows compete. */
#define K_DEF_MINMAX_REF(T, CT, BETTER_MIN, BETTER_MAX)                                            \
    void k_min_##T##_ref(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n,         \
                         CT *acc, bool *has)                                                       \
    {                                                                                              \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            if (!K_VALID(va, i))                                                                   \
                continue;                                                                          \
            *acc = *has ? BETTER_MIN(*acc, a[i]) : a[i];                                           \
            *has = true;                                                                           \
        }                                                                                          \
    }                                                                                              \
    void k_max_##T##_ref(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n,         \
                         CT *acc, bool *has)                                                       \
    {                                                                                              \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            if (!K_VALID(va, i))                                                                   \
                continue;                                                                          \
            *acc = *has ? BETTER_MAX(*acc, a[i]) : a[i];                                           \
            *has = true;                                                                           \
        }                                                                                          \
    }
#define K_IMIN(x, y) ((y) < (x) ? (y) : (x))
#define K_IMAX(x, y) ((y) > (x) ? (y) : (x))
K_DEF_MINMAX_REF(i32, int32_t, K_IMIN, K_IMAX)
K_DEF_MINMAX_REF(i64, int64_t, K_IMIN, K_IMAX)
K_DEF_MINMAX_REF(f64, double, fmin, fmax)
