/*
** kernels.h — typed vector primitives. Every kernel works on plain arrays
** for the rows named by a selection vector: `sel` lists `n` row indices in
** ascending order, or is NULL for rows 0..n-1. Outputs are written at the
** same row indices as the inputs (not compacted), except selection outputs,
** which list the qualifying row indices and return their count.
**
** Validity bitmaps: bit (i & 63) of word i >> 6 set = row i is not NULL;
** a NULL bitmap pointer means every row is valid. Value slots of NULL rows
** may hold anything; kernels never fail because of them.
**
** Each kernel k_X has a scalar reference twin k_X_ref (same signature,
** plain C loop) used by tests/unit/test_kernels.c; the k_X versions use
** simde where it pays. Instantiation per type is done with the macros below.
*/
#ifndef K_KERNELS_H
#define K_KERNELS_H

#include <stdbool.h>
#include <stdint.h>
#include "tir.h"

#define K_VALID(v, i) (!(v) || (((v)[(i) >> 6] >> ((i) & 63)) & 1))

/* Numeric element types: suffix, C type. date is stored as i32. */
#define K_NUM_TYPES(X) X(i32, int32_t) X(i64, int64_t) X(f64, double)
#define K_INT_TYPES(X) X(i32, int32_t) X(i64, int64_t)
#define K_CMP_OPS(X) X(eq) X(ne) X(lt) X(le) X(gt) X(ge)


/* ---- comparisons -> selection vector (NULL rows never qualify) ---------- */
#define K_DECL_SEL_CMP_ALL(op_)                                                        \
    uint32_t k_sel_##op_##_i32_vc(const int32_t *a, int32_t c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_i32_vc_ref(const int32_t *a, int32_t c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_i64_vc(const int64_t *a, int64_t c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_i64_vc_ref(const int64_t *a, int64_t c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_f64_vc(const double *a, double c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_f64_vc_ref(const double *a, double c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_str_vc(const tir_str *a, const tir_str *c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_str_vc_ref(const tir_str *a, const tir_str *c, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_i32_vv(const int32_t *a, const int32_t *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_i32_vv_ref(const int32_t *a, const int32_t *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_i64_vv(const int64_t *a, const int64_t *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_i64_vv_ref(const int64_t *a, const int64_t *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_f64_vv(const double *a, const double *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_f64_vv_ref(const double *a, const double *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_str_vv(const tir_str *a, const tir_str *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    uint32_t k_sel_##op_##_str_vv_ref(const tir_str *a, const tir_str *b, const uint64_t *va, const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out); \
    /* comparisons -> bool values (out[i] = a[i] op b[i] for i in sel; validity is the VM's job) */ \
    void k_cmp_##op_##_i32(const int32_t *a, const int32_t *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_i32_ref(const int32_t *a, const int32_t *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_i64(const int64_t *a, const int64_t *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_i64_ref(const int64_t *a, const int64_t *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_f64(const double *a, const double *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_f64_ref(const double *a, const double *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_str(const tir_str *a, const tir_str *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_str_ref(const tir_str *a, const tir_str *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_bool(const uint8_t *a, const uint8_t *b, const uint32_t *sel, uint32_t n, uint8_t *out); \
    void k_cmp_##op_##_bool_ref(const uint8_t *a, const uint8_t *b, const uint32_t *sel, uint32_t n, uint8_t *out);
#define K_X_SEL(op) K_DECL_SEL_CMP_ALL(op)
K_CMP_OPS(K_X_SEL)
#undef K_X_SEL

/* String ordering is bytewise (memcmp, then length), like SQLite's BINARY. */
int k_str_cmp(const tir_str *a, const tir_str *b);
bool k_str_eq(const tir_str *a, const tir_str *b);

/* ---- arithmetic ----------------------------------------------------------
** add/sub/mul: integers return false when a row that is valid in `valid`
** overflows (out then holds unspecified values); f64 never fails.
** div/mod: a zero divisor makes the row NULL: the kernel clears its bit in
** out_valid (which the caller has already filled with the combined input
** validity; out_valid is never NULL for div/mod). Integer division truncates
** toward zero; INT_MIN / -1 overflows (returns false). f64 mod is fmod.
*/
#define K_DECL_ARITH(T, CT)                                                                          \
    bool k_add_##T(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out);     \
    bool k_add_##T##_ref(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out); \
    bool k_sub_##T(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out);     \
    bool k_sub_##T##_ref(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out); \
    bool k_mul_##T(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out);     \
    bool k_mul_##T##_ref(const CT *a, const CT *b, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out); \
    bool k_div_##T(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n, CT *out);       \
    bool k_div_##T##_ref(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n, CT *out); \
    bool k_mod_##T(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n, CT *out);       \
    bool k_mod_##T##_ref(const CT *a, const CT *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n, CT *out); \
    bool k_neg_##T(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out);                  \
    bool k_neg_##T##_ref(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out);            \
    bool k_abs_##T(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out);                  \
    bool k_abs_##T##_ref(const CT *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, CT *out);            \
    void k_fill_##T(CT c, uint32_t n, CT *out); /* out[0..n) = c */
K_NUM_TYPES(K_DECL_ARITH)

/* ---- casts (rows in sel; false = a valid row does not fit the target) ---- */
void k_cast_i32_i64(const int32_t *a, const uint32_t *sel, uint32_t n, int64_t *out);
void k_cast_i32_f64(const int32_t *a, const uint32_t *sel, uint32_t n, double *out);
void k_cast_i64_f64(const int64_t *a, const uint32_t *sel, uint32_t n, double *out);
bool k_cast_i64_i32(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int32_t *out);
/* truncates toward zero; NaN/inf/out of range -> false */
bool k_cast_f64_i64(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int64_t *out);
bool k_cast_f64_i32(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int32_t *out);

/* ---- three-valued logic on bool vectors ---------------------------------
** SQL semantics: false && NULL = false, true || NULL = true. va/vb may be
** NULL (all valid); out_valid is always written for the rows in sel.
*/
void k_and_bool(const uint8_t *a, const uint64_t *va, const uint8_t *b, const uint64_t *vb,
                const uint32_t *sel, uint32_t n, uint8_t *out, uint64_t *out_valid);
void k_or_bool(const uint8_t *a, const uint64_t *va, const uint8_t *b, const uint64_t *vb,
               const uint32_t *sel, uint32_t n, uint8_t *out, uint64_t *out_valid);
void k_not_bool(const uint8_t *a, const uint32_t *sel, uint32_t n, uint8_t *out);
/* rows of sel where a is true and valid */
uint32_t k_sel_true(const uint8_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out);
uint32_t k_sel_true_ref(const uint8_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out);
/* rows of sel where the validity bit is set (is_null = false) or clear (true) */
uint32_t k_sel_valid(const uint64_t *va, bool want_null, const uint32_t *sel, uint32_t n, uint32_t *out);

/* ---- validity bitmaps ---------------------------------------------------- */
static inline uint32_t k_bitmap_words(uint32_t n) { return (n + 63) / 64; }
/* out = a & b over the words covering rows [0, n); NULL inputs are all-ones.
** out must not be NULL. */
void k_valid_and(const uint64_t *a, const uint64_t *b, uint32_t n, uint64_t *out);
void k_valid_set_all(uint64_t *out, uint32_t n);
uint32_t k_count_valid(const uint64_t *v, const uint32_t *sel, uint32_t n);

/* ---- gather: dst[i] = src[idx[i]] for i in [0, n) (dense output) -------- */
void k_gather_u8(const uint8_t *src, const uint32_t *idx, uint32_t n, uint8_t *dst);
void k_gather_u32(const uint32_t *src, const uint32_t *idx, uint32_t n, uint32_t *dst);
void k_gather_u64(const uint64_t *src, const uint32_t *idx, uint32_t n, uint64_t *dst);
void k_gather_u64_ref(const uint64_t *src, const uint32_t *idx, uint32_t n, uint64_t *dst);
void k_gather_str(const tir_str *src, const uint32_t *idx, uint32_t n, tir_str *dst);
/* dst bit i = src bit idx[i]; returns true when every gathered row is valid.
** src NULL = all valid. */
bool k_gather_valid(const uint64_t *src, const uint32_t *idx, uint32_t n, uint64_t *dst);

/* ---- hashing -------------------------------------------------------------
** h[i] = hash(a[i]) (combine=false) or h[i] = mix(h[i], hash(a[i]))
** (combine=true) for i in sel. NULL rows hash to a fixed constant.
*/
#define K_DECL_HASH(T, CT)                                                                      \
    void k_hash_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, uint64_t *h); \
    void k_hash_##T##_ref(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, uint64_t *h);
K_NUM_TYPES(K_DECL_HASH)
void k_hash_bool(const uint8_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, uint64_t *h);
void k_hash_str(const tir_str *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, uint64_t *h);
void k_hash_str_ref(const tir_str *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, uint64_t *h);
/* 16-byte keys: a wide decimal by its value, an interval by k_iv_key (so
** intervals DuckDB calls equal hash alike). */
void k_hash_d128(const __int128 *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, uint64_t *h);
void k_hash_iv(const tir_interval *a, const uint64_t *va, const uint32_t *sel, uint32_t n, bool combine, uint64_t *h);

/* An interval's place in DuckDB's order as one integer: normalized (the
** microseconds carried into days at 24 hours, the days into months at 30,
** both toward zero), then (months, days, micros) as digits of a mixed
** radix, days in (-30, 30) and micros in (-1 day, 1 day) each offset to be
** non-negative. Lexicographic on the normalized parts, so a < b exactly
** when DuckDB says so and equal keys are DuckDB's equal intervals
** ("1 month" and "30 days"). |months| < 2^33, so the key stays below 2^80. */
#define K_US_PER_DAY INT64_C(86400000000)
static inline __int128 k_iv_key(tir_interval v)
{
    int64_t carry = v.micros / K_US_PER_DAY, days = v.days + carry, months = days / 30;
    int64_t m = v.months + months, d = days - months * 30, us = v.micros - carry * K_US_PER_DAY;
    return ((__int128)m * 59 + (d + 29)) * (2 * K_US_PER_DAY - 1) + (us + K_US_PER_DAY - 1);
}
/* The normalized interval whose key k is (k_iv_key of it is k again): the
** digits of k_iv_key's mixed radix, each taken back by floor division.
** Its months must fit an i32: the parts of an interval near their limits
** (INT32_MAX months and INT32_MAX days) normalize beyond. For showing
** block statistics (tirrun describe). */
static inline tir_interval k_iv_from_key(__int128 k)
{
    const __int128 r = 2 * K_US_PER_DAY - 1;
    __int128 t = k / r - (k % r < 0), us = k - t * r;   /* floor: the digit is in [0, r) */
    __int128 m = t / 59 - (t % 59 < 0), d = t - m * 59;
    return (tir_interval){(int32_t)m, (int32_t)(d - 29), (int64_t)(us - (K_US_PER_DAY - 1))};
}

/* ---- comparison masks: bit i of mask = row i valid and a[i] op c, for rows
** [0, n) (dense); and_into ANDs into mask instead of overwriting it. Bits of
** the last word past n are unspecified. k_sel_mask: out = rows of sel (NULL =
** 0..n-1) whose mask bit is set; out may be sel. */
#define K_DECL_MASK(op_)                                                                          \
    void k_mask_##op_##_i32_vc(const int32_t *a, int32_t c, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##op_##_i32_vc_ref(const int32_t *a, int32_t c, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##op_##_i64_vc(const int64_t *a, int64_t c, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##op_##_i64_vc_ref(const int64_t *a, int64_t c, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##op_##_f64_vc(const double *a, double c, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##op_##_f64_vc_ref(const double *a, double c, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask);
K_CMP_OPS(K_DECL_MASK)
/* Range masks: bit i = row i valid and lo lop a[i] uop hi, one pass for the
** two conjuncts `x >= lo && x < hi` and the like (lop: ge or gt, uop: le or lt). */
#define K_MASK_RANGE_OPS(X) X(ge, le) X(ge, lt) X(gt, le) X(gt, lt)
#define K_DECL_MASK_RANGE(lop, uop)                                                               \
    void k_mask_##lop##_##uop##_i32_vcc(const int32_t *a, int32_t lo, int32_t hi, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##lop##_##uop##_i32_vcc_ref(const int32_t *a, int32_t lo, int32_t hi, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##lop##_##uop##_i64_vcc(const int64_t *a, int64_t lo, int64_t hi, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##lop##_##uop##_i64_vcc_ref(const int64_t *a, int64_t lo, int64_t hi, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##lop##_##uop##_f64_vcc(const double *a, double lo, double hi, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask); \
    void k_mask_##lop##_##uop##_f64_vcc_ref(const double *a, double lo, double hi, const uint64_t *va, uint32_t n, bool and_into, uint64_t *mask);
K_MASK_RANGE_OPS(K_DECL_MASK_RANGE)
uint32_t k_sel_mask(const uint64_t *mask, const uint32_t *sel, uint32_t n, uint32_t *out);
uint32_t k_sel_mask_ref(const uint64_t *mask, const uint32_t *sel, uint32_t n, uint32_t *out);

/* ---- split-block bloom filters (Parquet's SBBF) ---------------------------
** A filter is nblocks 32-byte blocks of eight 32-bit words. A 64-bit key
** hash (k_hash_*) picks a block with its high 32 bits and one bit in each of
** the eight words from its low 32 bits times eight odd salts. No false
** negatives; about 1% false positives at k_bloom_nblocks' size. h is
** indexed by row, like the output of k_hash_*.
*/
uint32_t k_bloom_nblocks(uint64_t ndistinct);
/* The block of hash h: increases with h's high 32 bits. */
static inline uint32_t k_bloom_block(uint64_t h, uint32_t nblocks)
{
    return (uint32_t)(((h >> 32) * nblocks) >> 32);
}
void k_bloom_insert(uint32_t *words, uint32_t nblocks, const uint64_t *h, const uint32_t *sel, uint32_t n);
bool k_bloom_check(const uint32_t *words, uint32_t nblocks, uint64_t h);
/* out = the rows of sel (NULL = 0..n-1) whose hash may be in the filter;
** returns how many. out may not alias sel. */
uint32_t k_bloom_probe_sel(const uint32_t *words, uint32_t nblocks, const uint64_t *h,
                           const uint32_t *sel, uint32_t n, uint32_t *out);
uint32_t k_bloom_probe_sel_ref(const uint32_t *words, uint32_t nblocks, const uint64_t *h,
                               const uint32_t *sel, uint32_t n, uint32_t *out);
/* out = the rows of sel (NULL = 0..n-1) whose non-NULL i32 key a[row] has
** its bit set in kbits, a bitmap of the keys lo .. lo + range - 1 (bit
** key - lo); returns how many. Eight keys a step, their bitmap words
** gathered, when sel is NULL and the range lies within i32's. */
uint32_t k_kbits_sel_i32(const uint64_t *kbits, int64_t lo, uint64_t range, const int32_t *a, const uint64_t *va,
                         const uint32_t *sel, uint32_t n, uint32_t *out);
uint32_t k_kbits_sel_i32_ref(const uint64_t *kbits, int64_t lo, uint64_t range, const int32_t *a,
                             const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out);

/* ---- strings -------------------------------------------------------------
** like: '%' any run, '_' any one character (k_like_prepare: with an escape character).
** Specialised kernels for the common shapes 'abc%', '%abc', '%abc%' and
** '%'-separated literals ('%special%requests%': substring searches in
** turn); the general matcher handles any pattern. out[i] = 1/0 for i in sel.
*/
typedef enum k_like_shape {
    K_LIKE_EXACT, K_LIKE_PREFIX, K_LIKE_SUFFIX, K_LIKE_CONTAINS, K_LIKE_SEGMENTS, K_LIKE_GENERAL
} k_like_shape;
/* Classifies pattern; *lit and *litlen receive the literal part for the special shapes. */
k_like_shape k_like_classify(const char *pat, uint32_t patlen, const char **lit, uint32_t *litlen);
void k_like(k_like_shape shape, const char *pat, uint32_t patlen, const tir_str *a,
            const uint32_t *sel, uint32_t n, uint8_t *out);
void k_like_ref(const char *pat, uint32_t patlen, const tir_str *a, const uint32_t *sel, uint32_t n, uint8_t *out);
/* A pattern with an escape character (esclen 0: none), ready to match:
** its shape and, for the literal shapes, the literal with its escapes
** resolved (in the caller's buf of patlen bytes). */
typedef struct k_like_pat {
    k_like_shape shape;
    const char *pat, *lit, *esc;
    uint32_t len, litlen, esclen;
} k_like_pat;
/* False when the pattern ends with the escape character. */
bool k_like_prepare(k_like_pat *lp, const char *pat, uint32_t patlen, const char *esc, uint32_t esclen, char *buf);
bool k_like_match(const k_like_pat *lp, const char *s, uint32_t sl);
void k_like_run(const k_like_pat *lp, const tir_str *a, const uint32_t *sel, uint32_t n, uint8_t *out);
void k_like_ref_esc(const char *pat, uint32_t patlen, const char *esc, uint32_t esclen, const tir_str *a,
                    const uint32_t *sel, uint32_t n, uint8_t *out);
/* The first occurrence of the k bytes nd in the n bytes of s (s itself
** when k is 0), or NULL: memmem's contract. SIMD candidates by the first
** and last byte of nd, confirmed by memcmp; _ref is the plain loop. */
const char *k_find(const char *s, uint32_t n, const char *nd, uint32_t k);
const char *k_find_ref(const char *s, uint32_t n, const char *nd, uint32_t k);
/* `a in [ks...]` over the rows of sel for numbers: out[r] = 1 when a[r]
** equals (==) one of the nk constants, else 0 (or, with acc, out[r] |=
** that). Each row is compared with up to 32 constants in vectors at once;
** _ref compares one constant at a time. NULLs are the caller's. */
#define K_IN_TYPES(X) X(i32, int32_t) X(i64, int64_t) X(f64, double)
#define K_DECL_IN(T, CT)                                                                                      \
    void k_in_##T(const CT *a, const uint32_t *sel, uint32_t n, const CT *ks, uint32_t nk, bool acc, uint8_t *out); \
    void k_in_##T##_ref(const CT *a, const uint32_t *sel, uint32_t n, const CT *ks, uint32_t nk, bool acc,       \
                        uint8_t *out);
K_IN_TYPES(K_DECL_IN)
/* `a in [ks...]` over the rows of sel: out[r] = 1 when a[r] equals one of
** the nk strings, else 0 (or, with acc, out[r] |= that). Constants of up
** to 12 bytes compare as two masked words with no call; _ref is k_str_eq
** per constant. NULLs are the caller's. */
void k_in_str(const tir_str *a, const uint32_t *sel, uint32_t n, const tir_str *ks, uint32_t nk, bool acc,
              uint8_t *out);
void k_in_str_ref(const tir_str *a, const uint32_t *sel, uint32_t n, const tir_str *ks, uint32_t nk, bool acc,
                  uint8_t *out);

/* ---- ungrouped aggregate updates (rows in sel that are valid) ----------- */
void k_sum_i32(const int32_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow);
void k_sum_i64(const int64_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow);
void k_sum_f64(const double *a, const uint64_t *va, const uint32_t *sel, uint32_t n, double *acc);
void k_sum_i32_ref(const int32_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow);
void k_sum_i64_ref(const int64_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, int64_t *acc, bool *overflow);
void k_sum_f64_ref(const double *a, const uint64_t *va, const uint32_t *sel, uint32_t n, double *acc);
/* min/max: *has is false until the first valid row */
#define K_DECL_MINMAX(T, CT)                                                                      \
    void k_min_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, CT *acc, bool *has); \
    void k_max_##T(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, CT *acc, bool *has); \
    void k_min_##T##_ref(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, CT *acc, bool *has); \
    void k_max_##T##_ref(const CT *a, const uint64_t *va, const uint32_t *sel, uint32_t n, CT *acc, bool *has);
K_NUM_TYPES(K_DECL_MINMAX)

/* ---- normalized sort keys (sortkey.c) -----------------------------------
** k_sortkey_T writes, for the i-th row of sel (NULL = rows 0..n-1), the
** key's bytes at out + i * stride: bytes whose memcmp order is the value
** order (ascending, or descending with K_SK_DESC), preceded by a NULL byte
** with K_SK_NULLABLE (NULLs before values with K_SK_NULLS_FIRST, else
** after). k_sortkey_width is the number of bytes written. Strings keep
** their first K_SK_STR_PREFIX bytes and a length byte that saturates at
** K_SK_STR_PREFIX + 1; two keys that both saturate it need their full
** strings compared. */
#define K_SK_DESC 1u
#define K_SK_NULLABLE 2u
#define K_SK_NULLS_FIRST 4u
#define K_SK_STR_PREFIX 12
size_t k_sortkey_width(tir_type t, unsigned flags);
void k_sortkey_bool(const uint8_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, uint8_t *out, size_t stride);
void k_sortkey_i32(const int32_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, uint8_t *out, size_t stride);
void k_sortkey_i64(const int64_t *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, uint8_t *out, size_t stride);
void k_sortkey_f64(const double *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, uint8_t *out, size_t stride);
void k_sortkey_str(const tir_str *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, uint8_t *out, size_t stride);
/* 16 bytes: a wide decimal's two's complement (sign flipped) big-endian;
** an interval's k_iv_key the same way. */
void k_sortkey_d128(const __int128 *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, uint8_t *out, size_t stride);
void k_sortkey_iv(const tir_interval *a, const uint64_t *va, const uint32_t *sel, uint32_t n, unsigned flags, uint8_t *out, size_t stride);
/* The 8 key bytes of an f64 as a big-endian integer, and back (NaN and
** -0.0 come back as the one NaN and 0.0). */
uint64_t k_sortkey_f64_bits(double x);
double k_sortkey_f64_value(uint64_t u);
/* Top-N cut-off for an f64 first key (NULLs last): the valid rows of sel
** whose value is, in the total order of the keys (NaN above +inf, -0.0 =
** 0.0), <= cut (asc) or >= cut (desc). */
uint32_t k_sel_topn_f64(const double *a, double cut, bool desc, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out);
uint32_t k_sel_topn_f64_ref(const double *a, double cut, bool desc, const uint64_t *va, const uint32_t *sel, uint32_t n, uint32_t *out);

/* ---- numeric functions (math.c) ------------------------------------------
** Plain loops, no SIMD twin. _partial kernels clear the bit of a row in
** `valid` (the caller's copy of the inputs' validity) where the result is
** not a finite double: sqrt below 0, ln at or below 0, overflow. b is the
** second operand (power) or unused. k_round_T: d = digits per row (NULL:
** 0); integers change only for negative digits and return false when a
** rounded value does not fit. */
void k_floor_f64(const double *a, const uint32_t *sel, uint32_t n, double *out);
void k_ceil_f64(const double *a, const uint32_t *sel, uint32_t n, double *out);
void k_trunc_f64(const double *a, const uint32_t *sel, uint32_t n, double *out);
void k_sqrt_f64(const double *a, const double *b, const uint32_t *sel, uint32_t n, double *out, uint64_t *valid);
void k_ln_f64(const double *a, const double *b, const uint32_t *sel, uint32_t n, double *out, uint64_t *valid);
void k_exp_f64(const double *a, const double *b, const uint32_t *sel, uint32_t n, double *out, uint64_t *valid);
void k_power_f64(const double *a, const double *b, const uint32_t *sel, uint32_t n, double *out, uint64_t *valid);
void k_sign_i32(const int32_t *a, const uint32_t *sel, uint32_t n, int32_t *out);
void k_sign_i64(const int64_t *a, const uint32_t *sel, uint32_t n, int32_t *out);
void k_sign_f64(const double *a, const uint32_t *sel, uint32_t n, int32_t *out);
void k_round_f64(const double *a, const int64_t *d, const uint32_t *sel, uint32_t n, double *out);
bool k_round_i32(const int32_t *a, const uint64_t *valid, const int64_t *d, const uint32_t *sel, uint32_t n, int32_t *out);
bool k_round_i64(const int64_t *a, const uint64_t *valid, const int64_t *d, const uint32_t *sel, uint32_t n, int64_t *out);

/* ---- decimal(p, s): int64_t values times 10^s (kernels/decimal.c) ----------
** Rows in sel; a row invalid in `valid` is skipped (its out is unspecified).
** false = a valid row's result has more than prec digits. */
int64_t k_pow10(int k);   /* 10^k, k in 0..18 */
bool k_dec_fits(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec);
/* a from scale `from` to scale `to`; going down rounds half away from zero */
bool k_dec_rescale(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to,
                   int prec, int64_t *out);
bool k_dec_rescale_ref(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to,
                       int prec, int64_t *out);
/* To a coarser scale: a / 10^drop rounded as the name says (trunc toward
** zero, floor, ceil, round halves away from zero), times 10^up (round to
** tens and beyond: round(x, -1)); drop in 0..19 (19: |a| < 10^18 is below
** half of 10^19), up in 0..18. */
#define K_DECL_DEC_ROUND(name, T)                                                                 \
    bool name(const T *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int drop, int up, int prec, \
              T *out);
K_DECL_DEC_ROUND(k_dec_trunc, int64_t)
K_DECL_DEC_ROUND(k_dec_floor, int64_t)
K_DECL_DEC_ROUND(k_dec_ceil, int64_t)
K_DECL_DEC_ROUND(k_dec_round, int64_t)
typedef enum k_dec_mode { K_DEC_TRUNC, K_DEC_FLOOR, K_DEC_CEIL, K_DEC_ROUND } k_dec_mode;
bool k_dec_round_ref(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int drop, int up,
                     int prec, k_dec_mode mode, int64_t *out);
void k_dec_to_f64(const int64_t *a, const uint32_t *sel, uint32_t n, int scale, double *out);
/* rounds half away from zero; NaN, inf and more than prec digits -> false */
bool k_dec_from_f64(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec, int scale,
                    int64_t *out);

/* ---- wide decimal(p, s), 19 <= p <= 38: __int128 values times 10^s --------
** Casts between the forms: a from scale `from` to scale `to` (0..38; down
** rounds half away from zero), false when a valid row's result has more than
** prec digits (prec <= 18 into int64_t). One macro writes the three; the
** twin takes any of them widened to __int128 and reaches its result by
** other arithmetic (a digit at a time up, floor division down). */
__int128 k_pow10_128(int k);   /* 10^k, k in 0..38 */
bool k_dec_to128(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to,
                 int prec, __int128 *out);
bool k_dec_wide_to64(const __int128 *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to,
                     int prec, int64_t *out);
bool k_dec_wide_rescale(const __int128 *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to,
                        int prec, __int128 *out);
bool k_dec_wide_rescale_ref(const __int128 *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from,
                            int to, int prec, __int128 *out);
/* to the nearest double (|a| < 2^53 and scale <= 22: one rounding); from a
** double rounded half away from zero (NaN, inf, too many digits: false) */
void k_dec_wide_to_f64(const __int128 *a, const uint32_t *sel, uint32_t n, int scale, double *out);
bool k_dec_wide_from_f64(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec,
                         int scale, __int128 *out);

/* Computing with them (kernels/dec128.c): operands at one scale (products:
** scales add). Comparisons as for i64 (NULL rows never qualify); + - *
** false when a valid row's result wraps or has more than prec digits (its
** out is 0); - and abs cannot pass 38 digits. Twins through 64-bit halves,
** op given as a value. */
#define K_DECL_WIDE_CMP(op_)                                                                     \
    uint32_t k_sel_##op_##_d128_vc(const __int128 *a, __int128 c, const uint64_t *va, const uint32_t *sel, \
                                   uint32_t n, uint32_t *out);                                   \
    uint32_t k_sel_##op_##_d128_vv(const __int128 *a, const __int128 *b, const uint64_t *va, const uint64_t *vb, \
                                   const uint32_t *sel, uint32_t n, uint32_t *out);              \
    void k_cmp_##op_##_d128(const __int128 *a, const __int128 *b, const uint32_t *sel, uint32_t n, uint8_t *out);
K_CMP_OPS(K_DECL_WIDE_CMP)
typedef enum k_cmp_op { K_CMP_EQ, K_CMP_NE, K_CMP_LT, K_CMP_LE, K_CMP_GT, K_CMP_GE } k_cmp_op;
uint32_t k_sel_d128_ref(k_cmp_op op, const __int128 *a, const __int128 *b, const uint64_t *va,
                        const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out);
void k_cmp_d128_ref(k_cmp_op op, const __int128 *a, const __int128 *b, const uint32_t *sel, uint32_t n,
                    uint8_t *out);
bool k_dec_wide_add(const __int128 *a, const __int128 *b, const uint64_t *valid, const uint32_t *sel, uint32_t n,
                    int prec, __int128 *out);
bool k_dec_wide_sub(const __int128 *a, const __int128 *b, const uint64_t *valid, const uint32_t *sel, uint32_t n,
                    int prec, __int128 *out);
bool k_dec_wide_mul(const __int128 *a, const __int128 *b, const uint64_t *valid, const uint32_t *sel, uint32_t n,
                    int prec, __int128 *out);
bool k_dec_wide_arith_ref(char op, const __int128 *a, const __int128 *b, const uint64_t *valid,
                          const uint32_t *sel, uint32_t n, int prec, __int128 *out);
bool k_dec_wide_fits(const __int128 *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec);
void k_dec_wide_neg(const __int128 *a, const uint32_t *sel, uint32_t n, __int128 *out);
void k_dec_wide_sign(const __int128 *a, const uint32_t *sel, uint32_t n, int32_t *out);
void k_dec_wide_sign_ref(const __int128 *a, const uint32_t *sel, uint32_t n, int32_t *out);
/* x % y with x's sign; y = 0 clears the row's bit in out_valid (NULL) */
void k_dec_wide_mod(const __int128 *a, const __int128 *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n,
                    __int128 *out);
void k_dec_wide_mod_ref(const __int128 *a, const __int128 *b, uint64_t *out_valid, const uint32_t *sel,
                        uint32_t n, __int128 *out);
/* trunc/floor/ceil/round(a / 10^drop) * 10^up (drop 0..39, up 0..38), as
** k_dec_round for the wide form (decimal.c makes both); false when a valid
** row's result has more than prec digits */
K_DECL_DEC_ROUND(k_dec_wide_trunc, __int128)
K_DECL_DEC_ROUND(k_dec_wide_floor, __int128)
K_DECL_DEC_ROUND(k_dec_wide_ceil, __int128)
K_DECL_DEC_ROUND(k_dec_wide_round, __int128)
bool k_dec_wide_round_ref(const __int128 *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int drop,
                          int up, int prec, k_dec_mode mode, __int128 *out);
void k_dec_wide_abs(const __int128 *a, const uint32_t *sel, uint32_t n, __int128 *out);

#endif
