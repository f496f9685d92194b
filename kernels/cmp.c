/*
** cmp.c — comparison kernels: selection vectors (vc: column against a
** constant, vv: column against column) and bool-valued comparisons for
** i32/i64/f64, strings and bools.
**
** Dense numeric selections compare 8 rows per step with AVX2 (via simde),
** AND the mask with the rows' validity byte and emit the matching indices
** through k_emit8 — no branch per row. Sparse selections and strings use a
** branch-free scalar loop (always store the index, advance by 0 or 1), so
** `out` may be the same array as `sel`.
**
** f64 follows IEEE/C: every comparison involving NaN is false except ne,
** and -0.0 == 0.0.
*/
#include "ksimd.h"
#include "kstr.h"

enum { K_OPC_eq, K_OPC_ne, K_OPC_lt, K_OPC_le, K_OPC_gt, K_OPC_ge };

/* x op y; op is a constant once the always-inline bodies are expanded. */
#define K_SCMP(op, x, y)                                                        \
    ((op) == K_OPC_eq   ? (x) == (y)                                            \
     : (op) == K_OPC_ne ? (x) != (y)                                            \
     : (op) == K_OPC_lt ? (x) < (y)                                             \
     : (op) == K_OPC_le ? (x) <= (y)                                            \
     : (op) == K_OPC_gt ? (x) > (y)                                             \
                        : (x) >= (y))

/* The reference twins use the plain C operators. */
#define K_REFOP_eq(x, y) ((x) == (y))
#define K_REFOP_ne(x, y) ((x) != (y))
#define K_REFOP_lt(x, y) ((x) < (y))
#define K_REFOP_le(x, y) ((x) <= (y))
#define K_REFOP_gt(x, y) ((x) > (y))
#define K_REFOP_ge(x, y) ((x) >= (y))

/* Integer SIMD has only == and >: ne/le/ge are the complements of eq/gt/lt. */
#define K_OP_NEGATED(op) ((op) == K_OPC_ne || (op) == K_OPC_le || (op) == K_OPC_ge)

/* ---- 8-row block comparisons -> 8-bit mask (bit j = row j qualifies) ---- */
K_INLINE unsigned k8_cmp_i32(int op, k8_i32 a, k8_i32 b)
{
    simde__m256i m = op == K_OPC_eq || op == K_OPC_ne   ? simde_mm256_cmpeq_epi32(a.v, b.v)
                     : op == K_OPC_lt || op == K_OPC_ge ? simde_mm256_cmpgt_epi32(b.v, a.v)
                                                        : simde_mm256_cmpgt_epi32(a.v, b.v);
    unsigned r = k8_signs_i32(m);
    return K_OP_NEGATED(op) ? r ^ 0xffu : r;
}

K_INLINE simde__m256i k4_cmp_i64(int op, simde__m256i a, simde__m256i b)
{
    return op == K_OPC_eq || op == K_OPC_ne   ? simde_mm256_cmpeq_epi64(a, b)
           : op == K_OPC_lt || op == K_OPC_ge ? simde_mm256_cmpgt_epi64(b, a)
                                              : simde_mm256_cmpgt_epi64(a, b);
}
K_INLINE unsigned k8_cmp_i64(int op, k8_i64 a, k8_i64 b)
{
    unsigned r = k8_signs_i64(k4_cmp_i64(op, a.v[0], b.v[0]), k4_cmp_i64(op, a.v[1], b.v[1]));
    return K_OP_NEGATED(op) ? r ^ 0xffu : r;
}

/* Ordered predicates, except ne which is unordered: matches C on NaN. */
K_INLINE simde__m256d k4_cmp_f64(int op, simde__m256d a, simde__m256d b)
{
    return op == K_OPC_eq   ? simde_mm256_cmp_pd(a, b, SIMDE_CMP_EQ_OQ)
           : op == K_OPC_ne ? simde_mm256_cmp_pd(a, b, SIMDE_CMP_NEQ_UQ)
           : op == K_OPC_lt ? simde_mm256_cmp_pd(a, b, SIMDE_CMP_LT_OQ)
           : op == K_OPC_le ? simde_mm256_cmp_pd(a, b, SIMDE_CMP_LE_OQ)
           : op == K_OPC_gt ? simde_mm256_cmp_pd(a, b, SIMDE_CMP_GT_OQ)
                            : simde_mm256_cmp_pd(a, b, SIMDE_CMP_GE_OQ);
}
K_INLINE unsigned k8_cmp_f64(int op, k8_f64 a, k8_f64 b)
{
    return k8_signs_f64(k4_cmp_f64(op, a.v[0], b.v[0]), k4_cmp_f64(op, a.v[1], b.v[1]));
}

/* 8-row block range tests -> 8-bit mask: the two comparisons are ANDed as
** vectors and turned into bits once (lop: ge or gt, uop: le or lt; integer
** ge/le are complements of gt, folded into the AND). */
K_INLINE unsigned k8_range_i32(int lop, int uop, k8_i32 v, k8_i32 lo, k8_i32 hi)
{
    simde__m256i l = lop == K_OPC_gt ? simde_mm256_cmpgt_epi32(v.v, lo.v) : simde_mm256_cmpgt_epi32(lo.v, v.v);
    simde__m256i u = uop == K_OPC_lt ? simde_mm256_cmpgt_epi32(hi.v, v.v) : simde_mm256_cmpgt_epi32(v.v, hi.v);
    bool ln = lop != K_OPC_gt, un = uop != K_OPC_lt; /* l or u holds the complement */
    if (ln && un)
        return k8_signs_i32(simde_mm256_or_si256(l, u)) ^ 0xffu;
    simde__m256i m = ln ? simde_mm256_andnot_si256(l, u) : un ? simde_mm256_andnot_si256(u, l) : simde_mm256_and_si256(l, u);
    return k8_signs_i32(m);
}

K_INLINE simde__m256i k4_range_i64(int lop, int uop, simde__m256i v, simde__m256i lo, simde__m256i hi, bool *negated)
{
    simde__m256i l = lop == K_OPC_gt ? simde_mm256_cmpgt_epi64(v, lo) : simde_mm256_cmpgt_epi64(lo, v);
    simde__m256i u = uop == K_OPC_lt ? simde_mm256_cmpgt_epi64(hi, v) : simde_mm256_cmpgt_epi64(v, hi);
    bool ln = lop != K_OPC_gt, un = uop != K_OPC_lt;
    *negated = ln && un;
    if (ln && un)
        return simde_mm256_or_si256(l, u);
    return ln ? simde_mm256_andnot_si256(l, u) : un ? simde_mm256_andnot_si256(u, l) : simde_mm256_and_si256(l, u);
}
K_INLINE unsigned k8_range_i64(int lop, int uop, k8_i64 v, k8_i64 lo, k8_i64 hi)
{
    bool neg;
    simde__m256i m0 = k4_range_i64(lop, uop, v.v[0], lo.v[0], hi.v[0], &neg);
    simde__m256i m1 = k4_range_i64(lop, uop, v.v[1], lo.v[1], hi.v[1], &neg);
    unsigned r = k8_signs_i64(m0, m1);
    return neg ? r ^ 0xffu : r;
}

K_INLINE unsigned k8_range_f64(int lop, int uop, k8_f64 v, k8_f64 lo, k8_f64 hi)
{
    return k8_signs_f64(simde_mm256_and_pd(k4_cmp_f64(lop, v.v[0], lo.v[0]), k4_cmp_f64(uop, v.v[0], hi.v[0])),
                        simde_mm256_and_pd(k4_cmp_f64(lop, v.v[1], lo.v[1]), k4_cmp_f64(uop, v.v[1], hi.v[1])));
}

/* Mask of rows i..i+15 as two 8-row blocks. */
#define K_CMP16(T, op, vv, a, b, cv, i)                                                          \
    (k8_cmp_##T(op, k8_load_##T(a + i), vv ? k8_load_##T(b + i) : cv) |                          \
     k8_cmp_##T(op, k8_load_##T(a + i + 8), vv ? k8_load_##T(b + i + 8) : cv) << 8)

/* ---- numeric bodies, one instance per type ------------------------------
** sel_T serves vc (vv = false, b unused) and vv (c unused). When only one
** of va/vb is given it is ANDed with itself, so one loop covers both. */
#define K_DEF_NUM_IMPL(T, CT)                                                                   \
    K_INLINE uint32_t sel_##T(int op, bool vv, const CT *a, const CT *b, CT c,                  \
                              const uint64_t *va, const uint64_t *vb, const uint32_t *sel,      \
                              uint32_t n, uint32_t *out)                                        \
    {                                                                                           \
        const uint64_t *v1 = va ? va : vb, *v2 = vb ? vb : va;                                  \
        uint32_t k = 0, i = 0;                                                                  \
        if (sel) {                                                                              \
            if (v1) {                                                                           \
                for (uint32_t j = 0; j < n; j++) {                                              \
                    i = sel[j];                                                                 \
                    unsigned q = (unsigned)K_SCMP(op, a[i], vv ? b[i] : c);                     \
                    out[k] = i;                                                                 \
                    k += q & k_bit(v1, i) & k_bit(v2, i);                                       \
                }                                                                               \
            } else {                                                                            \
                for (uint32_t j = 0; j < n; j++) {                                              \
                    i = sel[j];                                                                 \
                    unsigned q = (unsigned)K_SCMP(op, a[i], vv ? b[i] : c);                     \
                    out[k] = i;                                                                 \
                    k += q;                                                                     \
                }                                                                               \
            }                                                                                   \
            return k;                                                                           \
        }                                                                                       \
        k8_##T cv = k8_set1_##T(c);                                                             \
        if (v1) {                                                                               \
            for (; i + 16 <= n; i += 16) {                                                      \
                unsigned m = K_CMP16(T, op, vv, a, b, cv, i);                                   \
                k = k_emit16(out, k, i, m & k_vword(v1, i) & k_vword(v2, i));                   \
            }                                                                                   \
            for (; i + 8 <= n; i += 8) {                                                        \
                unsigned m = k8_cmp_##T(op, k8_load_##T(a + i), vv ? k8_load_##T(b + i) : cv);  \
                k = k_emit8(out, k, i, m & k_vbyte(v1, i) & k_vbyte(v2, i));                    \
            }                                                                                   \
            for (; i < n; i++) {                                                                \
                unsigned q = (unsigned)K_SCMP(op, a[i], vv ? b[i] : c);                         \
                out[k] = i;                                                                     \
                k += q & k_bit(v1, i) & k_bit(v2, i);                                           \
            }                                                                                   \
        } else {                                                                                \
            for (; i + 16 <= n; i += 16)                                                        \
                k = k_emit16(out, k, i, K_CMP16(T, op, vv, a, b, cv, i));                       \
            for (; i + 8 <= n; i += 8)                                                          \
                k = k_emit8(out, k, i,                                                          \
                            k8_cmp_##T(op, k8_load_##T(a + i), vv ? k8_load_##T(b + i) : cv));  \
            for (; i < n; i++) {                                                                \
                unsigned q = (unsigned)K_SCMP(op, a[i], vv ? b[i] : c);                         \
                out[k] = i;                                                                     \
                k += q;                                                                         \
            }                                                                                   \
        }                                                                                       \
        return k;                                                                               \
    }                                                                                           \
    /* The dense loop is left to the compiler's vectoriser: it turns it into                    \
    ** compares and byte packs as good as hand-written code. */                                 \
    K_INLINE void cmp_##T(int op, const CT *a, const CT *b, const uint32_t *sel, uint32_t n,    \
                          uint8_t *out)                                                         \
    {                                                                                           \
        if (sel) {                                                                              \
            for (uint32_t j = 0; j < n; j++) {                                                  \
                uint32_t i = sel[j];                                                            \
                out[i] = (uint8_t)K_SCMP(op, a[i], b[i]);                                       \
            }                                                                                   \
        } else {                                                                                \
            for (uint32_t i = 0; i < n; i++)                                                    \
                out[i] = (uint8_t)K_SCMP(op, a[i], b[i]);                                       \
        }                                                                                       \
    }
K_NUM_TYPES(K_DEF_NUM_IMPL)

/* ---- strings: prefix-first compare, scalar loops ------------------------- */
K_INLINE unsigned str_op(int op, const tir_str *x, const tir_str *y)
{
    if (op == K_OPC_eq)
        return k_str_eq_inl(x, y);
    if (op == K_OPC_ne)
        return !k_str_eq_inl(x, y);
    int r = k_str_cmp_inl(x, y);
    return (unsigned)K_SCMP(op, r, 0);
}

/* Dense rows against a constant of at most TIR_STR_INLINE bytes, equal or
** not, eight a step: a row equals it when its length and its first len
** bytes do (the masked XOR of the 16-byte headers, two rows a register, is
** zero), whatever the padding holds. Returns the rows done (a multiple of 8). */
K_INLINE uint32_t sel_str_eq_short(bool ne, const tir_str *a, const tir_str *c, const uint64_t *va, uint32_t n,
                                   uint32_t *out, uint32_t *k)
{
    uint8_t cb[16], mb[16];
    memcpy(cb, c, 16);
    for (int j = 0; j < 16; j++)
        mb[j] = j < 4 || (uint32_t)j < 4 + c->len ? 0xff : 0;
    const simde__m128i c1 = simde_mm_loadu_si128((const void *)cb), m1 = simde_mm_loadu_si128((const void *)mb);
    const simde__m256i cv = simde_mm256_set_m128i(c1, c1), mv = simde_mm256_set_m128i(m1, m1);
    const simde__m256i zero = simde_mm256_setzero_si256();
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        unsigned m = 0;
        for (int q = 0; q < 4; q++) {
            simde__m256i x = simde_mm256_loadu_si256((const void *)(a + i + 2 * q));
            x = simde_mm256_and_si256(simde_mm256_xor_si256(x, cv), mv);
            unsigned z = (unsigned)simde_mm256_movemask_pd(simde_mm256_castsi256_pd(simde_mm256_cmpeq_epi64(x, zero)));
            m |= ((z & 3) == 3 ? 1u : 0u) << (2 * q) | ((z >> 2) == 3 ? 1u : 0u) << (2 * q + 1);
        }
        if (ne)
            m ^= 0xffu;
        if (va)
            m &= k_vbyte(va, i);
        *k = k_emit8(out, *k, i, m);
    }
    return i;
}

K_INLINE uint32_t sel_str(int op, bool vv, const tir_str *a, const tir_str *b, const tir_str *c,
                          const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n,
                          uint32_t *out)
{
    const uint64_t *v1 = va ? va : vb, *v2 = vb ? vb : va;
    uint32_t k = 0, j = 0;
    if (!vv && !sel && (op == K_OPC_eq || op == K_OPC_ne) && c->len <= TIR_STR_INLINE)
        j = sel_str_eq_short(op == K_OPC_ne, a, c, va, n, out, &k);
    for (; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        unsigned q = str_op(op, &a[i], vv ? &b[i] : c);
        out[k] = i;
        k += v1 ? q & k_bit(v1, i) & k_bit(v2, i) : q;
    }
    return k;
}

K_INLINE void cmp_str(int op, const tir_str *a, const tir_str *b, const uint32_t *sel, uint32_t n,
                      uint8_t *out)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        out[i] = (uint8_t)str_op(op, &a[i], &b[i]);
    }
}

/* Obviously-correct string order for the reference twins. */
static int str_cmp_ref(const tir_str *a, const tir_str *b)
{
    uint32_t m = a->len < b->len ? a->len : b->len;
    int r = memcmp(tir_str_ptr(a), tir_str_ptr(b), m);
    if (r)
        return r < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* ---- bools (0/1 bytes; false < true) ------------------------------------- */
K_INLINE void cmp_bool(int op, const uint8_t *a, const uint8_t *b, const uint32_t *sel, uint32_t n,
                       uint8_t *out)
{
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel[j];
            out[i] = (uint8_t)K_SCMP(op, a[i] != 0, b[i] != 0);
        }
    } else {
        for (uint32_t i = 0; i < n; i++)
            out[i] = (uint8_t)K_SCMP(op, a[i] != 0, b[i] != 0);
    }
}

/* ---- the public kernels: one op x type instance each -------------------- */
#define K_DEF_NUM_OP(op, T, CT)                                                                    \
    uint32_t k_sel_##op##_##T##_vc(const CT *a, CT c, const uint64_t *va, const uint32_t *sel,     \
                                   uint32_t n, uint32_t *out)                                      \
    {                                                                                              \
        return sel_##T(K_OPC_##op, false, a, NULL, c, va, NULL, sel, n, out);                      \
    }                                                                                              \
    uint32_t k_sel_##op##_##T##_vv(const CT *a, const CT *b, const uint64_t *va,                   \
                                   const uint64_t *vb, const uint32_t *sel, uint32_t n,            \
                                   uint32_t *out)                                                  \
    {                                                                                              \
        return sel_##T(K_OPC_##op, true, a, b, 0, va, vb, sel, n, out);                            \
    }                                                                                              \
    void k_cmp_##op##_##T(const CT *a, const CT *b, const uint32_t *sel, uint32_t n, uint8_t *out) \
    {                                                                                              \
        cmp_##T(K_OPC_##op, a, b, sel, n, out);                                                    \
    }                                                                                              \
    uint32_t k_sel_##op##_##T##_vc_ref(const CT *a, CT c, const uint64_t *va, const uint32_t *sel, \
                                       uint32_t n, uint32_t *out)                                  \
    {                                                                                              \
        uint32_t k = 0;                                                                            \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            if (K_VALID(va, i) && K_REFOP_##op(a[i], c))                                           \
                out[k++] = i;                                                                      \
        }                                                                                          \
        return k;                                                                                  \
    }                                                                                              \
    uint32_t k_sel_##op##_##T##_vv_ref(const CT *a, const CT *b, const uint64_t *va,               \
                                       const uint64_t *vb, const uint32_t *sel, uint32_t n,        \
                                       uint32_t *out)                                              \
    {                                                                                              \
        uint32_t k = 0;                                                                            \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            if (K_VALID(va, i) && K_VALID(vb, i) && K_REFOP_##op(a[i], b[i]))                      \
                out[k++] = i;                                                                      \
        }                                                                                          \
        return k;                                                                                  \
    }                                                                                              \
    void k_cmp_##op##_##T##_ref(const CT *a, const CT *b, const uint32_t *sel, uint32_t n,         \
                                uint8_t *out)                                                      \
    {                                                                                              \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            out[i] = K_REFOP_##op(a[i], b[i]);                                                     \
        }                                                                                          \
    }

#define K_DEF_STR_BOOL_OP(op)                                                                      \
    uint32_t k_sel_##op##_str_vc(const tir_str *a, const tir_str *c, const uint64_t *va,           \
                                 const uint32_t *sel, uint32_t n, uint32_t *out)                   \
    {                                                                                              \
        return sel_str(K_OPC_##op, false, a, NULL, c, va, NULL, sel, n, out);                      \
    }                                                                                              \
    uint32_t k_sel_##op##_str_vv(const tir_str *a, const tir_str *b, const uint64_t *va,           \
                                 const uint64_t *vb, const uint32_t *sel, uint32_t n,              \
                                 uint32_t *out)                                                    \
    {                                                                                              \
        return sel_str(K_OPC_##op, true, a, b, NULL, va, vb, sel, n, out);                         \
    }                                                                                              \
    void k_cmp_##op##_str(const tir_str *a, const tir_str *b, const uint32_t *sel, uint32_t n,     \
                          uint8_t *out)                                                            \
    {                                                                                              \
        cmp_str(K_OPC_##op, a, b, sel, n, out);                                                    \
    }                                                                                              \
    uint32_t k_sel_##op##_str_vc_ref(const tir_str *a, const tir_str *c, const uint64_t *va,       \
                                     const uint32_t *sel, uint32_t n, uint32_t *out)               \
    {                                                                                              \
        uint32_t k = 0;                                                                            \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            if (K_VALID(va, i) && K_REFOP_##op(str_cmp_ref(&a[i], c), 0))                          \
                out[k++] = i;                                                                      \
        }                                                                                          \
        return k;                                                                                  \
    }                                                                                              \
    uint32_t k_sel_##op##_str_vv_ref(const tir_str *a, const tir_str *b, const uint64_t *va,       \
                                     const uint64_t *vb, const uint32_t *sel, uint32_t n,          \
                                     uint32_t *out)                                                \
    {                                                                                              \
        uint32_t k = 0;                                                                            \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            if (K_VALID(va, i) && K_VALID(vb, i) && K_REFOP_##op(str_cmp_ref(&a[i], &b[i]), 0))    \
                out[k++] = i;                                                                      \
        }                                                                                          \
        return k;                                                                                  \
    }                                                                                              \
    void k_cmp_##op##_str_ref(const tir_str *a, const tir_str *b, const uint32_t *sel, uint32_t n, \
                              uint8_t *out)                                                        \
    {                                                                                              \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            out[i] = K_REFOP_##op(str_cmp_ref(&a[i], &b[i]), 0);                                   \
        }                                                                                          \
    }                                                                                              \
    void k_cmp_##op##_bool(const uint8_t *a, const uint8_t *b, const uint32_t *sel, uint32_t n,    \
                           uint8_t *out)                                                           \
    {                                                                                              \
        cmp_bool(K_OPC_##op, a, b, sel, n, out);                                                   \
    }                                                                                              \
    void k_cmp_##op##_bool_ref(const uint8_t *a, const uint8_t *b, const uint32_t *sel,            \
                               uint32_t n, uint8_t *out)                                           \
    {                                                                                              \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            out[i] = K_REFOP_##op((bool)a[i], (bool)b[i]);                                         \
        }                                                                                          \
    }

/* K_CMP_OPS passes only the op; bind each numeric type in turn. */
#define K_DEF_OP_i32(op) K_DEF_NUM_OP(op, i32, int32_t)
#define K_DEF_OP_i64(op) K_DEF_NUM_OP(op, i64, int64_t)
#define K_DEF_OP_f64(op) K_DEF_NUM_OP(op, f64, double)
K_CMP_OPS(K_DEF_OP_i32)
K_CMP_OPS(K_DEF_OP_i64)
K_CMP_OPS(K_DEF_OP_f64)
K_CMP_OPS(K_DEF_STR_BOOL_OP)

/* ---- comparison masks, for conjunctions evaluated densely ----------------
** A conjunction of column-constant comparisons over a dense frame costs one
** pass per conjunct over the whole columns: bit i of mask = a[i] op c and
** row i valid, written or ANDed into mask (and_into). k_sel_mask then turns
** the mask into a selection once, instead of narrowing a selection per
** conjunct with sparse (gathering) loops. */
/* Stores the mask word of rows i..i+63: valid rows only, written or ANDed in. */
static inline void k_mask_put(uint64_t *mask, uint32_t i, uint64_t m, const uint64_t *va, bool and_into)
{
    if (va)
        m &= va[i / 64];
    mask[i / 64] = and_into ? mask[i / 64] & m : m;
}

/* The scalar twins' bit i, one row at a time. */
static inline void k_mask_ref_bit(uint64_t *mask, uint32_t i, bool q, bool and_into)
{
    uint64_t bit = (uint64_t)1 << (i % 64);
    if (!and_into && i % 64 == 0)
        mask[i / 64] = 0;
    if (!and_into && q)
        mask[i / 64] |= bit;
    if (and_into && !q)
        mask[i / 64] &= ~bit;
}

#define K_DEF_MASK_OP(op, T, CT)                                                                   \
    void k_mask_##op##_##T##_vc(const CT *a, CT c, const uint64_t *va, uint32_t n, bool and_into,  \
                                uint64_t *mask)                                                    \
    {                                                                                              \
        k8_##T cv = k8_set1_##T(c);                                                                \
        uint32_t i = 0;                                                                            \
        for (; i + 64 <= n; i += 64) {                                                             \
            uint64_t m = 0;                                                                        \
            for (unsigned b = 0; b < 8; b++)                                                       \
                m |= (uint64_t)k8_cmp_##T(K_OPC_##op, k8_load_##T(a + i + 8 * b), cv) << (8 * b); \
            k_mask_put(mask, i, m, va, and_into);                                                  \
        }                                                                                          \
        if (i < n) {                                                                               \
            uint64_t m = 0;                                                                        \
            for (uint32_t j = i; j < n; j++)                                                       \
                m |= (uint64_t)K_SCMP(K_OPC_##op, a[j], c) << (j - i);                             \
            k_mask_put(mask, i, m, va, and_into);                                                  \
        }                                                                                          \
    }                                                                                              \
    void k_mask_##op##_##T##_vc_ref(const CT *a, CT c, const uint64_t *va, uint32_t n,             \
                                    bool and_into, uint64_t *mask)                                 \
    {                                                                                              \
        for (uint32_t i = 0; i < n; i++) {                                                         \
            bool q = K_VALID(va, i) && K_REFOP_##op(a[i], c);                                      \
            k_mask_ref_bit(mask, i, q, and_into);                                                  \
        }                                                                                          \
    }
#define K_DEF_MASK_i32(op) K_DEF_MASK_OP(op, i32, int32_t)
#define K_DEF_MASK_i64(op) K_DEF_MASK_OP(op, i64, int64_t)
#define K_DEF_MASK_f64(op) K_DEF_MASK_OP(op, f64, double)
K_CMP_OPS(K_DEF_MASK_i32)
K_CMP_OPS(K_DEF_MASK_i64)
K_CMP_OPS(K_DEF_MASK_f64)

/* Both bounds of a range in one pass: the column is loaded once, and a
** range is how most selective scans start (Q6's ship date and discount). */
#define K_DEF_MASK_RANGE(lop, uop, T, CT)                                                          \
    void k_mask_##lop##_##uop##_##T##_vcc(const CT *a, CT lo, CT hi, const uint64_t *va, uint32_t n, \
                                          bool and_into, uint64_t *mask)                           \
    {                                                                                              \
        k8_##T lv = k8_set1_##T(lo), hv = k8_set1_##T(hi);                                         \
        uint32_t i = 0;                                                                            \
        for (; i + 64 <= n; i += 64) {                                                             \
            uint64_t m = 0;                                                                        \
            for (unsigned b = 0; b < 8; b++) {                                                     \
                k8_##T v = k8_load_##T(a + i + 8 * b);                                             \
                m |= (uint64_t)k8_range_##T(K_OPC_##lop, K_OPC_##uop, v, lv, hv) << (8 * b);       \
            }                                                                                      \
            k_mask_put(mask, i, m, va, and_into);                                                  \
        }                                                                                          \
        if (i < n) {                                                                               \
            uint64_t m = 0;                                                                        \
            for (uint32_t j = i; j < n; j++)                                                       \
                m |= (uint64_t)(K_SCMP(K_OPC_##lop, a[j], lo) & K_SCMP(K_OPC_##uop, a[j], hi)) << (j - i); \
            k_mask_put(mask, i, m, va, and_into);                                                  \
        }                                                                                          \
    }                                                                                              \
    void k_mask_##lop##_##uop##_##T##_vcc_ref(const CT *a, CT lo, CT hi, const uint64_t *va, uint32_t n, \
                                              bool and_into, uint64_t *mask)                       \
    {                                                                                              \
        for (uint32_t i = 0; i < n; i++) {                                                         \
            bool q = K_VALID(va, i) && K_REFOP_##lop(a[i], lo) && K_REFOP_##uop(a[i], hi);         \
            k_mask_ref_bit(mask, i, q, and_into);                                                  \
        }                                                                                          \
    }
#define K_DEF_MASK_RANGE_ALL(lop, uop)                                                             \
    K_DEF_MASK_RANGE(lop, uop, i32, int32_t)                                                       \
    K_DEF_MASK_RANGE(lop, uop, i64, int64_t)                                                       \
    K_DEF_MASK_RANGE(lop, uop, f64, double)
K_MASK_RANGE_OPS(K_DEF_MASK_RANGE_ALL)

uint32_t k_sel_mask(const uint64_t *mask, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0, i = 0;
    if (sel) {
        for (uint32_t j = 0; j < n; j++) {
            i = sel[j];
            out[k] = i;
            k += (unsigned)(mask[i / 64] >> (i % 64)) & 1u;
        }
        return k;
    }
    for (; i + 16 <= n; i += 16)
        k = k_emit16(out, k, i, (unsigned)(mask[i / 64] >> (i % 64)) & 0xffffu);
    for (; i < n; i++) {
        out[k] = i;
        k += (unsigned)(mask[i / 64] >> (i % 64)) & 1u;
    }
    return k;
}

uint32_t k_sel_mask_ref(const uint64_t *mask, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if ((mask[i / 64] >> (i % 64)) & 1)
            out[k++] = i;
    }
    return k;
}

/* ---- in-lists of numbers ------------------------------------------------- */

#define K_IN_REF(T, CT)                                                                                      \
    void k_in_##T##_ref(const CT *a, const uint32_t *sel, uint32_t n, const CT *ks, uint32_t nk, bool acc,     \
                        uint8_t *out)                                                                        \
    {                                                                                                        \
        for (uint32_t i = 0; i < n; i++) {                                                                   \
            uint32_t r = sel ? sel[i] : i;                                                                   \
            uint8_t hit = acc ? out[r] : 0;                                                                  \
            for (uint32_t j = 0; j < nk; j++)                                                                \
                hit |= a[r] == ks[j];                                                                        \
            out[r] = hit;                                                                                    \
        }                                                                                                    \
    }
K_IN_TYPES(K_IN_REF)

/* The constants fill vectors of 256 bits (the last one padded with the
** first constant, which adds no match); a row, broadcast, is compared with
** each, and any equal lane is a hit. */
enum { K_IN_VECS = 4 };
#define K_IN_FN(T, CT, LANES, SET1, CMPEQ, MASK)                                                             \
    void k_in_##T(const CT *a, const uint32_t *sel, uint32_t n, const CT *ks, uint32_t nk, bool acc, uint8_t *out) \
    {                                                                                                        \
        enum { CHUNK = K_IN_VECS * LANES };                                                                  \
        if (nk > CHUNK) {                                                                                    \
            for (uint32_t j = 0; j < nk; j += CHUNK)                                                         \
                k_in_##T(a, sel, n, ks + j, nk - j < CHUNK ? nk - j : CHUNK, acc || j > 0, out);             \
            return;                                                                                          \
        }                                                                                                    \
        if (nk == 0) {                                                                                       \
            k_in_##T##_ref(a, sel, n, ks, 0, acc, out);                                                      \
            return;                                                                                          \
        }                                                                                                    \
        CT pad[CHUNK];                                                                                       \
        uint32_t nv = (nk + LANES - 1) / LANES;                                                              \
        for (uint32_t j = 0; j < nv * LANES; j++)                                                            \
            pad[j] = j < nk ? ks[j] : ks[0];                                                                 \
        simde__m256i kv[K_IN_VECS];                                                                          \
        for (uint32_t v = 0; v < nv; v++)                                                                    \
            kv[v] = simde_mm256_loadu_si256((const void *)(pad + v * LANES));                               \
        for (uint32_t i = 0; i < n; i++) {                                                                   \
            uint32_t r = sel ? sel[i] : i;                                                                   \
            simde__m256i x = SET1(a[r]);                                                                     \
            unsigned m = 0;                                                                                  \
            for (uint32_t v = 0; v < nv; v++)                                                                \
                m |= MASK(CMPEQ(x, kv[v]));                                                                  \
            out[r] = (uint8_t)((acc ? out[r] : 0) | (m != 0));                                               \
        }                                                                                                    \
    }
#define K_SET1_I32(x) simde_mm256_set1_epi32(x)
#define K_SET1_I64(x) simde_mm256_set1_epi64x(x)
#define K_SET1_F64(x) simde_mm256_castpd_si256(simde_mm256_set1_pd(x))
#define K_EQ_F64(x, k) simde_mm256_castpd_si256(simde_mm256_cmp_pd(simde_mm256_castsi256_pd(x), \
                                                                   simde_mm256_castsi256_pd(k), SIMDE_CMP_EQ_OQ))
#define K_MASK8(v) (unsigned)simde_mm256_movemask_epi8(v)
K_IN_FN(i32, int32_t, 8, K_SET1_I32, simde_mm256_cmpeq_epi32, K_MASK8)
K_IN_FN(i64, int64_t, 4, K_SET1_I64, simde_mm256_cmpeq_epi64, K_MASK8)
K_IN_FN(f64, double, 4, K_SET1_F64, K_EQ_F64, K_MASK8)
