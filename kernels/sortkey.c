/*
** sortkey.c — normalized sort keys: each value becomes a few bytes whose
** memcmp order is the requested order, so a sort of rows by several keys of
** mixed types compares (and radix-sorts) plain byte strings.
**
**   bool      1 byte  0/1
**   i32, date 4 bytes big-endian with the sign bit flipped
**   i64       8 bytes the same
**   f64       8 bytes: the IEEE bits, all flipped for negative numbers, the
**             sign flipped for the rest; -0.0 is written as 0.0 and every
**             NaN as one NaN above +inf (the total order: -inf < ... <
**             -0.0 = 0.0 < ... < +inf < NaN)
**   decimal128, interval
**             16 bytes: the two's complement integer (an interval's
**             k_iv_key) big-endian with the sign bit flipped
**   string    the first K_SK_STR_PREFIX bytes, zero padded, then one byte
**             min(length, K_SK_STR_PREFIX + 1): strings that differ within
**             the prefix, or are shorter than it, compare exactly; two
**             that both saturate the length byte need their full bytes
**             compared (the caller's tie-break)
**
** desc inverts the value bytes. A nullable key starts with one byte that
** puts NULLs first (0 for NULL, 1 for a value) or last (1 and 0); a NULL's
** value bytes are zero, so NULLs tie and the next key decides.
*/
#include "ksimd.h"

#include <string.h>

size_t k_sortkey_width(tir_type t, unsigned flags)
{
    size_t w;
    switch (t) {
    case TIR_BOOL: w = 1; break;
    case TIR_I32: case TIR_DATE: w = 4; break;
    case TIR_STRING: w = K_SK_STR_PREFIX + 1; break;
    case TIR_DECIMAL128: case TIR_INTERVAL: w = 16; break;
    default: w = 8; break;
    }
    return w + ((flags & K_SK_NULLABLE) != 0);
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    v = __builtin_bswap32(v);
    memcpy(p, &v, 4);
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}

uint64_t k_sortkey_f64_bits(double x)
{
    uint64_t b;
    if (x != x)
        b = UINT64_C(0x7ff8000000000000);
    else {
        x += 0.0; /* -0.0 + 0.0 is 0.0 */
        memcpy(&b, &x, 8);
    }
    return b >> 63 ? ~b : b | UINT64_C(1) << 63;
}

double k_sortkey_f64_value(uint64_t u)
{
    uint64_t b = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
    double x;
    memcpy(&x, &b, 8);
    return x;
}

/* The NULL byte (when the key has one) and where the value starts; a NULL
** row's value bytes are zeroed and false returned. */
K_INLINE bool null_byte(uint8_t **p, const uint64_t *va, uint32_t r, unsigned flags, size_t w)
{
    if (!(flags & K_SK_NULLABLE))
        return true;
    bool valid = K_VALID(va, r), first = (flags & K_SK_NULLS_FIRST) != 0;
    **p = (uint8_t)(valid == first);
    (*p)++;
    if (!valid)
        memset(*p, 0, w);
    return valid;
}

#define K_SORTKEY_FIXED(T, CT, W, ENC, PUT)                                                            \
    void k_sortkey_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, \
                       uint8_t *out, size_t stride)                                                  \
    {                                                                                                \
        bool desc = (flags & K_SK_DESC) != 0;                                                        \
        for (uint32_t i = 0; i < n; i++) {                                                           \
            uint32_t r = sel ? sel[i] : i;                                                           \
            uint8_t *p = out + (size_t)i * stride;                                                   \
            if (!null_byte(&p, va, r, flags, W))                                                     \
                continue;                                                                            \
            PUT(p, desc ? ~ENC(a[r]) : ENC(a[r]));                                                   \
        }                                                                                            \
    }
#define ENC_I32(x) ((uint32_t)(x) ^ UINT32_C(0x80000000))
#define ENC_I64(x) ((uint64_t)(x) ^ (UINT64_C(1) << 63))
#define PUT_U8(p, v) (*(p) = (uint8_t)(v))
K_SORTKEY_FIXED(i32, int32_t, 4, ENC_I32, put_be32)
K_SORTKEY_FIXED(i64, int64_t, 8, ENC_I64, put_be64)
K_SORTKEY_FIXED(f64, double, 8, k_sortkey_f64_bits, put_be64)
K_SORTKEY_FIXED(bool, uint8_t, 1, (uint8_t), PUT_U8)

/* 16 bytes: the integer's sign flipped, big-endian (the high word first). */
static inline void put_be128(uint8_t *p, unsigned __int128 v)
{
    put_be64(p, (uint64_t)(v >> 64));
    put_be64(p + 8, (uint64_t)v);
}
#define ENC_128(x) ((unsigned __int128)(x) ^ ((unsigned __int128)1 << 127))
#define ENC_IV(x) ENC_128(k_iv_key(x))
K_SORTKEY_FIXED(d128, __int128, 16, ENC_128, put_be128)
K_SORTKEY_FIXED(iv, tir_interval, 16, ENC_IV, put_be128)

void k_sortkey_str(const tir_str *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags,
                   uint8_t *out, size_t stride)
{
    uint8_t inv = flags & K_SK_DESC ? 0xff : 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint8_t *p = out + (size_t)i * stride;
        if (!null_byte(&p, va, r, flags, K_SK_STR_PREFIX + 1))
            continue;
        uint32_t len = a[r].len, m = len < K_SK_STR_PREFIX ? len : K_SK_STR_PREFIX;
        uint8_t buf[K_SK_STR_PREFIX + 1] = {0};
        memcpy(buf, tir_str_ptr(&a[r]), m);
        buf[K_SK_STR_PREFIX] = (uint8_t)(len <= K_SK_STR_PREFIX ? len : K_SK_STR_PREFIX + 1);
        for (int j = 0; j <= K_SK_STR_PREFIX; j++)
            p[j] = buf[j] ^ inv;
    }
}

/* ---- top-N cut-off ---------------------------------------------------------
** Rows that may still enter a top-N whose worst row has the value cut: in
** the total order above, x <= cut (asc) or x >= cut (desc). NULL rows never
** qualify (callers use this only when NULLs sort last). Four rows a step
** with AVX2: the bits are turned into signed integers ordered like the
** doubles. */
K_INLINE int64_t tot_key(double x)
{
    uint64_t u = k_sortkey_f64_bits(x);
    return (int64_t)(u ^ (UINT64_C(1) << 63));
}

uint32_t k_sel_topn_f64_ref(const double *a, double cut, bool desc, const uint64_t *va, const uint32_t *sel,
                            uint32_t n, uint32_t *out)
{
    int64_t c = tot_key(cut);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        int64_t x = tot_key(a[r]);
        if (K_VALID(va, r) && (desc ? x >= c : x <= c))
            out[k++] = r;
    }
    return k;
}

/* The same signed key for 4 doubles at once. */
K_INLINE simde__m256i tot_key4(simde__m256d x)
{
    simde__m256d nan = simde_mm256_cmp_pd(x, x, SIMDE_CMP_UNORD_Q);
    x = simde_mm256_add_pd(x, simde_mm256_setzero_pd());
    simde__m256i b = simde_mm256_castpd_si256(x);
    b = simde_mm256_blendv_epi8(b, simde_mm256_set1_epi64x(INT64_C(0x7ff8000000000000)), simde_mm256_castpd_si256(nan));
    /* negative: flip the 63 value bits, which orders them as signed integers */
    simde__m256i neg = simde_mm256_cmpgt_epi64(simde_mm256_setzero_si256(), b);
    return simde_mm256_xor_si256(b, simde_mm256_and_si256(neg, simde_mm256_set1_epi64x(INT64_MAX)));
}

uint32_t k_sel_topn_f64(const double *a, double cut, bool desc, const uint64_t *va, const uint32_t *sel,
                        uint32_t n, uint32_t *out)
{
    if (sel || va)
        return k_sel_topn_f64_ref(a, cut, desc, va, sel, n, out);
    /* the scalar key of cut, in the signed form tot_key4 computes */
    uint64_t cb = k_sortkey_f64_bits(cut) ^ (UINT64_C(1) << 63);
    simde__m256i c = simde_mm256_set1_epi64x((int64_t)cb);
    uint32_t k = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        simde__m256i x = tot_key4(simde_mm256_loadu_pd(a + i));
        /* kept: !(x > c) for asc, !(c > x) for desc */
        simde__m256i gt = desc ? simde_mm256_cmpgt_epi64(c, x) : simde_mm256_cmpgt_epi64(x, c);
        unsigned m = ~(unsigned)simde_mm256_movemask_pd(simde_mm256_castsi256_pd(gt)) & 0xfu;
        while (m) {
            out[k++] = i + (uint32_t)__builtin_ctz(m);
            m &= m - 1;
        }
    }
    for (; i < n; i++) {
        int64_t x = tot_key(a[i]), cc = (int64_t)cb;
        if (desc ? x >= cc : x <= cc)
            out[k++] = i;
    }
    return k;
}
