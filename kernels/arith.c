/*
** arith.c — arithmetic kernels (add/sub/mul/div/mod/neg/abs/fill) and casts
** between the numeric types.
**
** Integer add/sub/mul detect overflow with SIMD sign tricks on 8-row blocks
** and OR the per-row overflow bits together with the row's validity bit, so
** a NULL row (or a row outside sel) never fails the kernel. i64 mul has no
** SIMD overflow test (AVX2 has no 64x64 multiply) and runs scalar via
** __builtin_mul_overflow. Division has no integer SIMD either: div/mod are
** branch-free scalar loops; f64 div is SIMD.
**
** Overflowing rows leave a wrapped value in out; the caller discards the
** whole result when the kernel returns false.
*/
#include <math.h>
#include "ksimd.h"

/* Per-type constants for the integer bodies below. */
#define K_MIN_i32 INT32_MIN
#define K_MIN_i64 INT64_MIN
#define K_UT_i32 uint32_t
#define K_UT_i64 uint64_t

/* ---- 8-row blocks returning an overflow vector (sign bit = overflow) ---- */
K_INLINE k8_i32 k8_zero_i32(void) { return (k8_i32){ simde_mm256_setzero_si256() }; }
K_INLINE k8_i64 k8_zero_i64(void)
{
    return (k8_i64){ { simde_mm256_setzero_si256(), simde_mm256_setzero_si256() } };
}
K_INLINE k8_i32 k8_or_i32(k8_i32 x, k8_i32 y) { return (k8_i32){ simde_mm256_or_si256(x.v, y.v) }; }
K_INLINE k8_i64 k8_or_i64(k8_i64 x, k8_i64 y)
{
    return (k8_i64){ { simde_mm256_or_si256(x.v[0], y.v[0]), simde_mm256_or_si256(x.v[1], y.v[1]) } };
}
K_INLINE unsigned k8_sgn_i32(k8_i32 x) { return k8_signs_i32(x.v); }
K_INLINE unsigned k8_sgn_i64(k8_i64 x) { return k8_signs_i64(x.v[0], x.v[1]); }

/* Signed add overflows iff both operands differ in sign from the sum. */
K_INLINE simde__m256i k_add_ovf(simde__m256i a, simde__m256i b, simde__m256i s)
{
    return simde_mm256_and_si256(simde_mm256_xor_si256(a, s), simde_mm256_xor_si256(b, s));
}
/* Signed a - b overflows iff a and b differ in sign and the result's sign differs from a. */
K_INLINE simde__m256i k_sub_ovf(simde__m256i a, simde__m256i b, simde__m256i s)
{
    return simde_mm256_and_si256(simde_mm256_xor_si256(a, b), simde_mm256_xor_si256(a, s));
}

K_INLINE k8_i32 k8_add_i32(const int32_t *a, const int32_t *b, int32_t *out)
{
    simde__m256i x = k8_load_i32(a).v, y = k8_load_i32(b).v, s = simde_mm256_add_epi32(x, y);
    simde_mm256_storeu_si256((void *)out, s);
    return (k8_i32){ k_add_ovf(x, y, s) };
}
K_INLINE k8_i32 k8_sub_i32(const int32_t *a, const int32_t *b, int32_t *out)
{
    simde__m256i x = k8_load_i32(a).v, y = k8_load_i32(b).v, s = simde_mm256_sub_epi32(x, y);
    simde_mm256_storeu_si256((void *)out, s);
    return (k8_i32){ k_sub_ovf(x, y, s) };
}
/* Exact 64-bit products of the even and the odd lanes; each must fit in
** i32: p fits iff (p + 2^31) >> 32 == 0. The results are their low halves
** (simde's portable mullo_epi32 would overflow a signed int). */
K_INLINE k8_i32 k8_mul_i32(const int32_t *a, const int32_t *b, int32_t *out)
{
    simde__m256i x = k8_load_i32(a).v, y = k8_load_i32(b).v;
    simde__m256i bias = simde_mm256_set1_epi64x((int64_t)1 << 31), zero = simde_mm256_setzero_si256();
    simde__m256i pe = simde_mm256_mul_epi32(x, y);
    simde__m256i po = simde_mm256_mul_epi32(simde_mm256_srli_epi64(x, 32), simde_mm256_srli_epi64(y, 32));
    simde_mm256_storeu_si256((void *)out, simde_mm256_blend_epi32(pe, simde_mm256_slli_epi64(po, 32), 0xAA));
    simde__m256i fe = simde_mm256_cmpeq_epi64(simde_mm256_srli_epi64(simde_mm256_add_epi64(pe, bias), 32), zero);
    simde__m256i fo = simde_mm256_cmpeq_epi64(simde_mm256_srli_epi64(simde_mm256_add_epi64(po, bias), 32), zero);
    /* even rows are the low dwords of fe, odd rows the high dwords of fo */
    simde__m256i fits = simde_mm256_blend_epi32(fe, fo, 0xAA);
    return (k8_i32){ simde_mm256_xor_si256(fits, simde_mm256_set1_epi32(-1)) };
}

K_INLINE k8_i64 k8_add_i64(const int64_t *a, const int64_t *b, int64_t *out)
{
    k8_i64 x = k8_load_i64(a), y = k8_load_i64(b), s, o;
    for (int h = 0; h < 2; h++) {
        s.v[h] = simde_mm256_add_epi64(x.v[h], y.v[h]);
        o.v[h] = k_add_ovf(x.v[h], y.v[h], s.v[h]);
    }
    k8_store_i64(out, s);
    return o;
}
K_INLINE k8_i64 k8_sub_i64(const int64_t *a, const int64_t *b, int64_t *out)
{
    k8_i64 x = k8_load_i64(a), y = k8_load_i64(b), s, o;
    for (int h = 0; h < 2; h++) {
        s.v[h] = simde_mm256_sub_epi64(x.v[h], y.v[h]);
        o.v[h] = k_sub_ovf(x.v[h], y.v[h], s.v[h]);
    }
    k8_store_i64(out, s);
    return o;
}
K_INLINE k8_i64 k8_mul_i64(const int64_t *a, const int64_t *b, int64_t *out)
{
    int64_t f[8];
    for (int j = 0; j < 8; j++)
        f[j] = -(int64_t)__builtin_mul_overflow(a[j], b[j], &out[j]);
    return k8_load_i64(f);
}

/* ---- integer add/sub/mul: one body per (op, type) ------------------------ */
#define K_DEF_INT_BIN(op, T, CT)                                                                       \
    bool k_##op##_##T(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel,            \
                      uint32_t n, CT *out)                                                             \
    {                                                                                                  \
        unsigned ovf = 0;                                                                              \
        uint32_t i = 0;                                                                                \
        if (sel) {                                                                                     \
            if (valid) {                                                                               \
                for (uint32_t j = 0; j < n; j++) {                                                     \
                    i = sel[j];                                                                        \
                    ovf |= (unsigned)__builtin_##op##_overflow(a[i], b[i], &out[i]) & k_bit(valid, i); \
                }                                                                                      \
            } else {                                                                                   \
                for (uint32_t j = 0; j < n; j++) {                                                     \
                    i = sel[j];                                                                        \
                    ovf |= (unsigned)__builtin_##op##_overflow(a[i], b[i], &out[i]);                   \
                }                                                                                      \
            }                                                                                          \
            return !ovf;                                                                               \
        }                                                                                              \
        if (valid) {                                                                                   \
            for (; i + 8 <= n; i += 8)                                                                 \
                ovf |= k8_sgn_##T(k8_##op##_##T(a + i, b + i, out + i)) & k_vbyte(valid, i);           \
            for (; i < n; i++)                                                                         \
                ovf |= (unsigned)__builtin_##op##_overflow(a[i], b[i], &out[i]) & k_bit(valid, i);     \
        } else {                                                                                       \
            k8_##T acc = k8_zero_##T();                                                                \
            for (; i + 8 <= n; i += 8)                                                                 \
                acc = k8_or_##T(acc, k8_##op##_##T(a + i, b + i, out + i));                            \
            ovf = k8_sgn_##T(acc);                                                                     \
            for (; i < n; i++)                                                                         \
                ovf |= (unsigned)__builtin_##op##_overflow(a[i], b[i], &out[i]);                       \
        }                                                                                              \
        return !ovf;                                                                                   \
    }                                                                                                  \
    bool k_##op##_##T##_ref(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel,      \
                            uint32_t n, CT *out)                                                       \
    {                                                                                                  \
        bool ok = true;                                                                                \
        for (uint32_t j = 0; j < n; j++) {                                                             \
            uint32_t i = sel ? sel[j] : j;                                                             \
            if (__builtin_##op##_overflow(a[i], b[i], &out[i]) && K_VALID(valid, i))                   \
                ok = false;                                                                            \
        }                                                                                              \
        return ok;                                                                                     \
    }

#define K_DEF_INT_BIN_ALL(T, CT) K_DEF_INT_BIN(add, T, CT) K_DEF_INT_BIN(sub, T, CT) K_DEF_INT_BIN(mul, T, CT)
K_INT_TYPES(K_DEF_INT_BIN_ALL)

/* ---- f64 add/sub/mul: never fail ------------------------------------------ */
#define K_DEF_F64_BIN(op, simdop, cop)                                                              \
    bool k_##op##_f64(const double *a, const double *b, const uint64_t *valid,                      \
                      const uint32_t *sel, uint32_t n, double *out)                                 \
    {                                                                                               \
        (void)valid;                                                                                \
        uint32_t i = 0;                                                                             \
        if (sel) {                                                                                  \
            for (uint32_t j = 0; j < n; j++) {                                                      \
                i = sel[j];                                                                         \
                out[i] = a[i] cop b[i];                                                             \
            }                                                                                       \
            return true;                                                                            \
        }                                                                                           \
        for (; i + 4 <= n; i += 4)                                                                  \
            simde_mm256_storeu_pd(out + i, simdop(simde_mm256_loadu_pd(a + i),                      \
                                                  simde_mm256_loadu_pd(b + i)));                    \
        for (; i < n; i++)                                                                          \
            out[i] = a[i] cop b[i];                                                                 \
        return true;                                                                                \
    }                                                                                               \
    bool k_##op##_f64_ref(const double *a, const double *b, const uint64_t *valid,                  \
                          const uint32_t *sel, uint32_t n, double *out)                             \
    {                                                                                               \
        (void)valid;                                                                                \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            out[i] = a[i] cop b[i];                                                                 \
        }                                                                                           \
        return true;                                                                                \
    }
K_DEF_F64_BIN(add, simde_mm256_add_pd, +)
K_DEF_F64_BIN(sub, simde_mm256_sub_pd, -)
K_DEF_F64_BIN(mul, simde_mm256_mul_pd, *)

/* ---- integer div/mod -----------------------------------------------------
** Zero divisors become NULL (bit cleared, value 0). MIN / -1 overflows;
** MIN % -1 is 0 as in SQLite. The divisor is replaced by 1 in both cases
** so the hardware never traps, and no branch depends on the data. */
#define K_DEF_INT_DIVMOD(T, CT)                                                                     \
    K_INLINE bool divmod_##T(bool is_div, const CT *a, const CT *b, uint64_t *out_valid,            \
                             const uint32_t *sel, uint32_t n, CT *out)                              \
    {                                                                                               \
        unsigned ovf = 0;                                                                           \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            CT x = a[i], d = b[i];                                                                  \
            unsigned z = d == 0, o = (x == K_MIN_##T) & (d == -1);                                  \
            CT safe = (z | o) ? 1 : d;                                                              \
            CT r = is_div ? x / safe : x % safe;                                                    \
            out[i] = z ? 0 : r;                                                                     \
            if (is_div)                                                                             \
                ovf |= o & k_bit(out_valid, i);                                                     \
            out_valid[i >> 6] &= ~((uint64_t)z << (i & 63));                                        \
        }                                                                                           \
        return !ovf;                                                                                \
    }                                                                                               \
    bool k_div_##T(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n,  \
                   CT *out)                                                                         \
    {                                                                                               \
        return divmod_##T(true, a, b, out_valid, sel, n, out);                                      \
    }                                                                                               \
    bool k_mod_##T(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n,  \
                   CT *out)                                                                         \
    {                                                                                               \
        return divmod_##T(false, a, b, out_valid, sel, n, out);                                     \
    }                                                                                               \
    bool k_div_##T##_ref(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel,        \
                         uint32_t n, CT *out)                                                       \
    {                                                                                               \
        bool ok = true;                                                                             \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            if (b[i] == 0) {                                                                        \
                out[i] = 0;                                                                         \
                out_valid[i / 64] &= ~((uint64_t)1 << (i % 64));                                    \
            } else if (a[i] == K_MIN_##T && b[i] == -1) {                                           \
                if (K_VALID(out_valid, i))                                                          \
                    ok = false;                                                                     \
            } else {                                                                                \
                out[i] = a[i] / b[i];                                                               \
            }                                                                                       \
        }                                                                                           \
        return ok;                                                                                  \
    }                                                                                               \
    bool k_mod_##T##_ref(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel,        \
                         uint32_t n, CT *out)                                                       \
    {                                                                                               \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            if (b[i] == 0) {                                                                        \
                out[i] = 0;                                                                         \
                out_valid[i / 64] &= ~((uint64_t)1 << (i % 64));                                    \
            } else if (b[i] == -1) {                                                                \
                out[i] = 0;                                                                         \
            } else {                                                                                \
                out[i] = a[i] % b[i];                                                               \
            }                                                                                       \
        }                                                                                           \
        return true;                                                                                \
    }
K_INT_TYPES(K_DEF_INT_DIVMOD)

/* f64: a zero divisor (either sign) makes the row NULL, like SQLite. */
bool k_div_f64(const double *a, const double *b, uint64_t *out_valid, const uint32_t *sel,
               uint32_t n, double *out)
{
    uint32_t i = 0;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            i = sel[j];
            unsigned z = b[i] == 0.0;
            out[i] = z ? 0.0 : a[i] / b[i];
            out_valid[i >> 6] &= ~((uint64_t)z << (i & 63));
        }
        return true;
    }
    const simde__m256d zero = simde_mm256_setzero_pd();
    for (; i + 8 <= n; i += 8) {
        k8_f64 x = k8_load_f64(a + i), y = k8_load_f64(b + i), q;
        simde__m256d z[2];
        for (int h = 0; h < 2; h++) {
            z[h] = simde_mm256_cmp_pd(y.v[h], zero, SIMDE_CMP_EQ_OQ);
            q.v[h] = simde_mm256_andnot_pd(z[h], simde_mm256_div_pd(x.v[h], y.v[h]));
        }
        k8_store_f64(out + i, q);
        out_valid[i >> 6] &= ~((uint64_t)k8_signs_f64(z[0], z[1]) << (i & 63));
    }
    for (; i < n; i++) {
        unsigned z = b[i] == 0.0;
        out[i] = z ? 0.0 : a[i] / b[i];
        out_valid[i >> 6] &= ~((uint64_t)z << (i & 63));
    }
    return true;
}

bool k_mod_f64(const double *a, const double *b, uint64_t *out_valid, const uint32_t *sel,
               uint32_t n, double *out)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        unsigned z = b[i] == 0.0;
        out[i] = z ? 0.0 : fmod(a[i], b[i]);
        out_valid[i >> 6] &= ~((uint64_t)z << (i & 63));
    }
    return true;
}

#define K_DEF_F64_DIVMOD_REF(op, expr)                                                              \
    bool k_##op##_f64_ref(const double *a, const double *b, uint64_t *out_valid,                    \
                          const uint32_t *sel, uint32_t n, double *out)                             \
    {                                                                                               \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            if (b[i] == 0.0) {                                                                      \
                out[i] = 0.0;                                                                       \
                out_valid[i / 64] &= ~((uint64_t)1 << (i % 64));                                    \
            } else {                                                                                \
                out[i] = expr;                                                                      \
            }                                                                                       \
        }                                                                                           \
        return true;                                                                                \
    }
K_DEF_F64_DIVMOD_REF(div, a[i] / b[i])
K_DEF_F64_DIVMOD_REF(mod, fmod(a[i], b[i]))

/* ---- neg / abs / fill ------------------------------------------------------
** Scalar loops the compiler vectorises; negation goes through the unsigned
** type so MIN wraps instead of being undefined, and MIN is the only row that
** overflows. */
#define K_DEF_INT_UNARY(T, CT)                                                                      \
    K_INLINE bool unary_##T(bool is_abs, const CT *a, const uint64_t *valid, const uint32_t *sel,   \
                            uint32_t n, CT *out)                                                    \
    {                                                                                               \
        unsigned ovf = 0;                                                                           \
        if (sel || valid) {                                                                         \
            for (uint32_t j = 0; j < n; j++) {                                                      \
                uint32_t i = sel ? sel[j] : j;                                                      \
                CT x = a[i];                                                                        \
                out[i] = (CT)(is_abs && x >= 0 ? (K_UT_##T)x : (K_UT_##T)0 - (K_UT_##T)x);          \
                ovf |= (unsigned)(x == K_MIN_##T) & (valid ? k_bit(valid, i) : 1u);                 \
            }                                                                                       \
        } else {                                                                                    \
            for (uint32_t i = 0; i < n; i++) {                                                      \
                CT x = a[i];                                                                        \
                out[i] = (CT)(is_abs && x >= 0 ? (K_UT_##T)x : (K_UT_##T)0 - (K_UT_##T)x);          \
                ovf |= (unsigned)(x == K_MIN_##T);                                                  \
            }                                                                                       \
        }                                                                                           \
        return !ovf;                                                                                \
    }                                                                                               \
    bool k_neg_##T(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out)    \
    {                                                                                               \
        return unary_##T(false, a, valid, sel, n, out);                                             \
    }                                                                                               \
    bool k_abs_##T(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out)    \
    {                                                                                               \
        return unary_##T(true, a, valid, sel, n, out);                                              \
    }                                                                                               \
    bool k_neg_##T##_ref(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n,       \
                         CT *out)                                                                   \
    {                                                                                               \
        bool ok = true;                                                                             \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            if (a[i] == K_MIN_##T) {                                                                \
                if (K_VALID(valid, i))                                                              \
                    ok = false;                                                                     \
            } else {                                                                                \
                out[i] = -a[i];                                                                     \
            }                                                                                       \
        }                                                                                           \
        return ok;                                                                                  \
    }                                                                                               \
    bool k_abs_##T##_ref(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n,       \
                         CT *out)                                                                   \
    {                                                                                               \
        bool ok = true;                                                                             \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            if (a[i] == K_MIN_##T) {                                                                \
                if (K_VALID(valid, i))                                                              \
                    ok = false;                                                                     \
            } else {                                                                                \
                out[i] = a[i] < 0 ? -a[i] : a[i];                                                   \
            }                                                                                       \
        }                                                                                           \
        return ok;                                                                                  \
    }
K_INT_TYPES(K_DEF_INT_UNARY)

#define K_DEF_F64_UNARY(op, expr)                                                                   \
    bool k_##op##_f64(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n,      \
                      double *out)                                                                  \
    {                                                                                               \
        (void)valid;                                                                                \
        if (sel) {                                                                                  \
            for (uint32_t j = 0; j < n; j++) {                                                      \
                uint32_t i = sel[j];                                                                \
                out[i] = expr;                                                                      \
            }                                                                                       \
        } else {                                                                                    \
            for (uint32_t i = 0; i < n; i++)                                                        \
                out[i] = expr;                                                                      \
        }                                                                                           \
        return true;                                                                                \
    }                                                                                               \
    bool k_##op##_f64_ref(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n,  \
                          double *out)                                                              \
    {                                                                                               \
        (void)valid;                                                                                \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            out[i] = expr;                                                                          \
        }                                                                                           \
        return true;                                                                                \
    }
K_DEF_F64_UNARY(neg, -a[i])
K_DEF_F64_UNARY(abs, fabs(a[i]))

#define K_DEF_FILL(T, CT)                                                                           \
    void k_fill_##T(CT c, uint32_t n, CT *out)                                                      \
    {                                                                                               \
        for (uint32_t i = 0; i < n; i++)                                                            \
            out[i] = c;                                                                             \
    }
K_NUM_TYPES(K_DEF_FILL)

/* ---- casts ------------------------------------------------------------------ */
#define K_DEF_WIDEN(name, FT, TT)                                                                   \
    void k_cast_##name(const FT *a, const uint32_t *sel, uint32_t n, TT *out)                       \
    {                                                                                               \
        if (sel) {                                                                                  \
            for (uint32_t j = 0; j < n; j++)                                                        \
                out[sel[j]] = (TT)a[sel[j]];                                                        \
        } else {                                                                                    \
            for (uint32_t i = 0; i < n; i++)                                                        \
                out[i] = (TT)a[i];                                                                  \
        }                                                                                           \
    }
K_DEF_WIDEN(i32_i64, int32_t, int64_t)
K_DEF_WIDEN(i32_f64, int32_t, double)
K_DEF_WIDEN(i64_f64, int64_t, double)

/* Narrowing: FITS(x) says whether x converts exactly (integers) or after
** truncation toward zero (doubles; false for NaN and infinities). Rows
** that do not fit get 0 so the conversion itself is always defined. */
#define K_DEF_NARROW(name, FT, TT, FITS)                                                            \
    bool k_cast_##name(const FT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n,         \
                       TT *out)                                                                     \
    {                                                                                               \
        unsigned bad = 0;                                                                           \
        for (uint32_t j = 0; j < n; j++) {                                                          \
            uint32_t i = sel ? sel[j] : j;                                                          \
            FT x = a[i];                                                                            \
            unsigned fits = FITS(x);                                                                \
            out[i] = fits ? (TT)x : 0;                                                              \
            bad |= (fits ^ 1u) & (valid ? k_bit(valid, i) : 1u);                                    \
        }                                                                                           \
        return !bad;                                                                                \
    }
#define K_FITS_I64_I32(x) ((x) >= INT32_MIN && (x) <= INT32_MAX)
/* -2^63 is exact in f64; the next double below it truncates out of range. */
#define K_FITS_F64_I64(x) ((x) >= -0x1p63 && (x) < 0x1p63)
#define K_FITS_F64_I32(x) ((x) > -2147483649.0 && (x) < 2147483648.0)
K_DEF_NARROW(i64_i32, int64_t, int32_t, K_FITS_I64_I32)
K_DEF_NARROW(f64_i64, double, int64_t, K_FITS_F64_I64)
K_DEF_NARROW(f64_i32, double, int32_t, K_FITS_F64_I32)
