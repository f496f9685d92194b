/*
** hash.c — 64-bit hashes of column values for hash joins and grouping.
**
** A value hashes as fmix64(bits ^ K_HSEED) (MurmurHash3's finaliser, a
** bijection on 64 bits, so distinct integers never collide), a NULL as
** K_HNULL, and combine=true folds a further key in with
** h = h * K_HCOMB ^ hash(value) (order-sensitive, as DuckDB does).
**
** bits: i32 and bool are widened to i64 first, so equal integers hash
** equally whatever their width; f64 maps -0.0 to 0.0 and every NaN to one
** NaN, so values that group together hash together. Strings hash their
** bytes and length (see str_hash).
**
** The dense numeric paths hash 8 rows per step (see u64x8 below).
*/
#include <math.h>
#include "ksimd.h"

#define K_HSEED 0x2545f4914f6cdd1dULL
#define K_HNULL 0xb5ad4eceda1ce2a9ULL
#define K_HCOMB 0xbf58476d1ce4e5b9ULL
#define K_FMIX1 0xff51afd7ed558ccdULL
#define K_FMIX2 0xc4ceb9fe1a85ec53ULL
#define K_CANON_NAN 0x7ff8000000000000ULL

K_INLINE uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= K_FMIX1;
    k ^= k >> 33;
    k *= K_FMIX2;
    k ^= k >> 33;
    return k;
}

K_INLINE uint64_t hash1(uint64_t bits, unsigned valid, bool combine, uint64_t old)
{
    uint64_t hv = valid ? fmix64(bits ^ K_HSEED) : K_HNULL;
    return combine ? old * K_HCOMB ^ hv : hv;
}

K_INLINE uint64_t bits_i32(int32_t x) { return (uint64_t)(int64_t)x; }
K_INLINE uint64_t bits_i64(int64_t x) { return (uint64_t)x; }
K_INLINE uint64_t bits_f64(double x)
{
    uint64_t b;
    x = x == 0.0 ? 0.0 : x;
    memcpy(&b, &x, 8);
    return x != x ? K_CANON_NAN : b;
}

/* ---- 8 rows at a time ------------------------------------------------------
** u64x8 holds 8 lanes of 64 bits: one AVX-512 register where the machine
** has AVX-512 (native 64-bit multiply, validity byte = lane mask), else two
** AVX2 registers with the multiply built from 32x32 products. hash8 is
** written once on top of these primitives. */
#if defined(SIMDE_X86_AVX512F_NATIVE) && defined(SIMDE_X86_AVX512DQ_NATIVE)
typedef simde__m512i u64x8;

K_INLINE u64x8 x8_load(const void *p) { return simde_mm512_loadu_si512(p); }
K_INLINE void x8_store(void *p, u64x8 x) { simde_mm512_storeu_si512(p, x); }
K_INLINE u64x8 x8_set1(uint64_t c) { return simde_mm512_set1_epi64((int64_t)c); }
K_INLINE u64x8 x8_xor(u64x8 a, u64x8 b) { return simde_mm512_xor_si512(a, b); }
K_INLINE u64x8 x8_xorshr33(u64x8 k) { return simde_mm512_xor_si512(k, simde_mm512_srli_epi64(k, 33)); }
K_INLINE u64x8 x8_mulc(u64x8 a, uint64_t c) { return simde_mm512_mullo_epi64(a, x8_set1(c)); }
/* lanes whose bit in m is clear become c */
K_INLINE u64x8 x8_keep(unsigned m, u64x8 x, uint64_t c)
{
    return simde_mm512_mask_blend_epi64((simde__mmask8)m, x8_set1(c), x);
}
K_INLINE u64x8 bits8_i64(const int64_t *p) { return x8_load(p); }
K_INLINE u64x8 bits8_i32(const int32_t *p)
{
    simde__m128i lo = simde_mm_loadu_si128((const void *)p), hi = simde_mm_loadu_si128((const void *)(p + 4));
    return simde_mm512_inserti64x4(simde_mm512_castsi256_si512(simde_mm256_cvtepi32_epi64(lo)),
                                   simde_mm256_cvtepi32_epi64(hi), 1);
}
K_INLINE u64x8 bits8_f64(const double *p)
{
    simde__m512d x = simde_mm512_loadu_pd(p);
    simde__mmask8 zero = simde_mm512_cmp_pd_mask(x, simde_mm512_setzero_pd(), SIMDE_CMP_EQ_OQ);
    simde__mmask8 nan = simde_mm512_cmp_pd_mask(x, x, SIMDE_CMP_UNORD_Q);
    u64x8 b = simde_mm512_maskz_mov_epi64((simde__mmask8)~zero, simde_mm512_castpd_si512(x));
    return simde_mm512_mask_mov_epi64(b, nan, x8_set1(K_CANON_NAN));
}
#else
typedef struct { simde__m256i v[2]; } u64x8;

K_INLINE u64x8 x8_load(const void *p)
{
    const simde__m256i *q = p;
    return (u64x8){ { simde_mm256_loadu_si256(q), simde_mm256_loadu_si256(q + 1) } };
}
K_INLINE void x8_store(void *p, u64x8 x)
{
    simde__m256i *q = p;
    simde_mm256_storeu_si256(q, x.v[0]);
    simde_mm256_storeu_si256(q + 1, x.v[1]);
}
K_INLINE u64x8 x8_set1(uint64_t c)
{
    simde__m256i v = simde_mm256_set1_epi64x((int64_t)c);
    return (u64x8){ { v, v } };
}
K_INLINE u64x8 x8_xor(u64x8 a, u64x8 b)
{
    return (u64x8){ { simde_mm256_xor_si256(a.v[0], b.v[0]), simde_mm256_xor_si256(a.v[1], b.v[1]) } };
}
K_INLINE u64x8 x8_xorshr33(u64x8 k)
{
    for (int h = 0; h < 2; h++)
        k.v[h] = simde_mm256_xor_si256(k.v[h], simde_mm256_srli_epi64(k.v[h], 33));
    return k;
}
/* (ah 2^32 + al)(ch 2^32 + cl) mod 2^64 = al cl + ((ah cl + al ch) << 32) */
K_INLINE u64x8 x8_mulc(u64x8 a, uint64_t c)
{
    simde__m256i cl = simde_mm256_set1_epi64x((int64_t)(c & 0xffffffffu));
    simde__m256i ch = simde_mm256_set1_epi64x((int64_t)(c >> 32));
    for (int h = 0; h < 2; h++) {
        simde__m256i x = a.v[h];
        simde__m256i cross = simde_mm256_add_epi64(simde_mm256_mul_epu32(simde_mm256_srli_epi64(x, 32), cl),
                                                   simde_mm256_mul_epu32(x, ch));
        a.v[h] = simde_mm256_add_epi64(simde_mm256_mul_epu32(x, cl), simde_mm256_slli_epi64(cross, 32));
    }
    return a;
}
K_INLINE u64x8 x8_keep(unsigned m, u64x8 x, uint64_t c)
{
    simde__m256i cv = simde_mm256_set1_epi64x((int64_t)c);
    x.v[0] = simde_mm256_blendv_epi8(cv, x.v[0], k8_lanes_i64(m & 0xfu));
    x.v[1] = simde_mm256_blendv_epi8(cv, x.v[1], k8_lanes_i64(m >> 4));
    return x;
}
K_INLINE u64x8 bits8_i64(const int64_t *p) { return x8_load(p); }
K_INLINE u64x8 bits8_i32(const int32_t *p)
{
    return (u64x8){ { simde_mm256_cvtepi32_epi64(simde_mm_loadu_si128((const void *)p)),
                      simde_mm256_cvtepi32_epi64(simde_mm_loadu_si128((const void *)(p + 4))) } };
}
K_INLINE u64x8 bits8_f64(const double *p)
{
    const simde__m256d zero = simde_mm256_setzero_pd();
    const simde__m256i canon = simde_mm256_set1_epi64x((int64_t)K_CANON_NAN);
    u64x8 r;
    for (int h = 0; h < 2; h++) {
        simde__m256d x = simde_mm256_loadu_pd(p + 4 * h);
        simde__m256d b = simde_mm256_andnot_pd(simde_mm256_cmp_pd(x, zero, SIMDE_CMP_EQ_OQ), x);
        r.v[h] = simde_mm256_blendv_epi8(simde_mm256_castpd_si256(b), canon,
                                         simde_mm256_castpd_si256(simde_mm256_cmp_pd(x, x, SIMDE_CMP_UNORD_Q)));
    }
    return r;
}
#endif

/* masked: constant per instantiation; without a bitmap no lane is NULL. */
K_INLINE void hash8(u64x8 bits, bool masked, unsigned vmask, bool combine, uint64_t *h)
{
    u64x8 k = x8_xorshr33(x8_xor(bits, x8_set1(K_HSEED)));
    k = x8_xorshr33(x8_mulc(x8_xorshr33(x8_mulc(k, K_FMIX1)), K_FMIX2));
    if (masked)
        k = x8_keep(vmask, k, K_HNULL);
    if (combine)
        k = x8_xor(x8_mulc(x8_load(h), K_HCOMB), k);
    x8_store(h, k);
}

/* va and combine are constants in each instantiation below. */
#define K_DEF_HASH(T, CT)                                                                          \
    K_INLINE void hash_dense_##T(const CT *a, const uint64_t *va, uint32_t n, bool combine,        \
                                 uint64_t *h)                                                      \
    {                                                                                              \
        uint32_t i = 0;                                                                            \
        for (; i + 8 <= n; i += 8)                                                                 \
            hash8(bits8_##T(a + i), va != NULL, va ? k_vbyte(va, i) : 0xffu, combine, h + i);      \
        for (; i < n; i++)                                                                         \
            h[i] = hash1(bits_##T(a[i]), va ? k_bit(va, i) : 1u, combine, h[i]);                   \
    }                                                                                              \
    void k_hash_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, \
                    uint64_t *h)                                                                   \
    {                                                                                              \
        if (sel) {                                                                                 \
            for (uint32_t j = 0; j < n; j++) {                                                     \
                uint32_t i = sel[j];                                                               \
                h[i] = hash1(bits_##T(a[i]), va ? k_bit(va, i) : 1u, combine, h[i]);               \
            }                                                                                      \
        } else if (va) {                                                                           \
            if (combine)                                                                           \
                hash_dense_##T(a, va, n, true, h);                                                 \
            else                                                                                   \
                hash_dense_##T(a, va, n, false, h);                                                \
        } else {                                                                                   \
            if (combine)                                                                           \
                hash_dense_##T(a, NULL, n, true, h);                                               \
            else                                                                                   \
                hash_dense_##T(a, NULL, n, false, h);                                              \
        }                                                                                          \
    }
K_NUM_TYPES(K_DEF_HASH)

/* The reference spells the definition out row by row. */
static uint64_t ref_fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= K_FMIX1;
    k ^= k >> 33;
    k *= K_FMIX2;
    k ^= k >> 33;
    return k;
}

static uint64_t ref_value_hash(uint64_t bits, bool valid)
{
    return valid ? ref_fmix64(bits ^ K_HSEED) : K_HNULL;
}

static uint64_t ref_f64_bits(double x)
{
    uint64_t b;
    if (isnan(x))
        return K_CANON_NAN;
    if (x == 0.0)
        return 0;
    memcpy(&b, &x, 8);
    return b;
}

#define K_DEF_HASH_REF(T, CT, BITS)                                                                \
    void k_hash_##T##_ref(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n,        \
                          bool combine, uint64_t *h)                                               \
    {                                                                                              \
        for (uint32_t j = 0; j < n; j++) {                                                         \
            uint32_t i = sel ? sel[j] : j;                                                         \
            uint64_t hv = ref_value_hash(BITS, K_VALID(va, i));                                    \
            h[i] = combine ? h[i] * K_HCOMB ^ hv : hv;                                             \
        }                                                                                          \
    }
K_DEF_HASH_REF(i32, int32_t, (uint64_t)(int64_t)a[i])
K_DEF_HASH_REF(i64, int64_t, (uint64_t)a[i])
K_DEF_HASH_REF(f64, double, ref_f64_bits(a[i]))

void k_hash_bool(const uint8_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine,
                 uint64_t *h)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        h[i] = hash1(a[i] != 0, va ? k_bit(va, i) : 1u, combine, h[i]);
    }
}

/* ---- strings ----------------------------------------------------------------
** The bytes are read as little-endian 8-byte words, zero-padded: inline
** strings (len <= 12) always as two words (bytes 0-7, 8-11), longer ones
** as ceil(len / 8) words. Each word goes through a bijective round and the
** length is mixed in first, so "a" and "a\0" differ. Equal strings have
** equal lengths, hence the same storage and the same words. */
K_INLINE uint64_t str_round(uint64_t h, uint64_t w)
{
    h = (h ^ w) * K_FMIX1;
    return h ^ (h >> 32);
}

K_INLINE uint64_t str_hash(const tir_str *s)
{
    uint32_t len = s->len;
    uint64_t h = K_HSEED ^ ((uint64_t)len * K_HCOMB);
    if (len <= TIR_STR_INLINE) {
        h = str_round(h, k_ld64(s->prefix) & k_bytemask(len));
        h = str_round(h, k_ld32(s->u.inl + 4) & k_bytemask(len > 8 ? len - 8 : 0));
        return fmix64(h);
    }
    /* The last word is loaded ending at the last byte (len > 12 keeps it
    ** inside the string) and shifted down, which zero-pads it. */
    const char *p = s->u.ptr;
    uint32_t r = len;
    for (; r > 8; r -= 8, p += 8)
        h = str_round(h, k_ld64(p));
    h = str_round(h, k_ld64(p + r - 8) >> (8 * (8 - r)));
    return fmix64(h);
}

void k_hash_str(const tir_str *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine,
                uint64_t *h)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        uint64_t hv = (va && !k_bit(va, i)) ? K_HNULL : str_hash(&a[i]);
        h[i] = combine ? h[i] * K_HCOMB ^ hv : hv;
    }
}

static uint64_t ref_word(const unsigned char *p, uint32_t from, uint32_t len)
{
    uint64_t w = 0;
    for (uint32_t b = 0; b < 8 && from + b < len; b++)
        w |= (uint64_t)p[from + b] << (8 * b);
    return w;
}

static uint64_t ref_str_hash(const tir_str *s)
{
    const unsigned char *p = (const unsigned char *)tir_str_ptr(s);
    uint32_t len = s->len;
    uint32_t words = len <= TIR_STR_INLINE ? 2 : (len + 7) / 8;
    uint64_t h = K_HSEED ^ ((uint64_t)len * K_HCOMB);
    for (uint32_t w = 0; w < words; w++) {
        h = (h ^ ref_word(p, 8 * w, len)) * K_FMIX1;
        h ^= h >> 32;
    }
    return ref_fmix64(h);
}

void k_hash_str_ref(const tir_str *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine,
                    uint64_t *h)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        uint64_t hv = K_VALID(va, i) ? ref_str_hash(&a[i]) : K_HNULL;
        h[i] = combine ? h[i] * K_HCOMB ^ hv : hv;
    }
}

/* ---- 16-byte keys ------------------------------------------------------------
** The low word hashed as an integer, then the high word folded in and mixed
** again: every bit of both halves reaches every bit of the hash. One row at a
** time: these keys are rare next to the 8-byte ones. */
K_INLINE uint64_t hash128(__int128 x)
{
    return fmix64(fmix64((uint64_t)x ^ K_HSEED) ^ (uint64_t)((unsigned __int128)x >> 64));
}

#define K_HASH_WIDE(T, CT, KEY)                                                                 \
    void k_hash_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, \
                    uint64_t *h)                                                                \
    {                                                                                           \
        for (uint32_t j = 0; j < n; j++) {                                                      \
            uint32_t i = sel ? sel[j] : j;                                                      \
            uint64_t hv = K_VALID(va, i) ? hash128(KEY(a[i])) : K_HNULL;                        \
            h[i] = combine ? h[i] * K_HCOMB ^ hv : hv;                                          \
        }                                                                                       \
    }
#define K_D128_KEY(x) (x)
K_HASH_WIDE(d128, __int128, K_D128_KEY)
K_HASH_WIDE(iv, tir_interval, k_iv_key)
