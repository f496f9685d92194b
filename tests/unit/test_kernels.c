/*
** test_kernels.c — the vector kernels against their scalar _ref twins (or
** an oracle written out here) on seeded random data with random NULLs,
** dense and sparse selection vectors, at lengths around the SIMD block
** sizes; plus targeted cases: overflow, division by zero, NaN and -0.0,
** three-valued logic, LIKE shapes, strings across the inline/pointer
** boundary, aggregate edge cases.
**
** Every buffer is malloc'd at exactly the size a kernel may touch (bitmaps
** rounded up to whole words, data arrays not) so ASan builds catch
** over-reads; inline string padding is filled with garbage so no kernel
** can rely on it being zero.
*/
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "kernels.h"
#include "tir.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
/* Criterion ends each test's process without the exit-time leak check. */
static void leak_check(void)
{
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked");
}
TestSuite(kernels, .fini = leak_check);
#endif

/* ---- deterministic randomness and exact-size buffers ------------------- */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t rndn(rng *r, uint32_t m)
{
    return m ? (uint32_t)(rnd(r) % m) : 0;
}

static void *xalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    cr_assert_not_null(p);
    return p;
}

static void *xdup(const void *src, size_t bytes)
{
    void *p = xalloc(bytes);
    if (bytes)
        memcpy(p, src, bytes);
    return p;
}

static const uint32_t LENS[] = { 0, 1, 7, 63, 64, 65, 1023, 2048, 2049 };
#define NLENS (sizeof LENS / sizeof LENS[0])

/* Selections: dense (NULL), about half the rows, about 1 in 16, and every
** row listed explicitly. */
enum { SEL_DENSE, SEL_HALF, SEL_FEW, SEL_EVERY, NSEL };
static const char *const SELNAME[] = { "dense", "half", "few", "every" };

static uint32_t *make_sel(rng *r, uint32_t rows, int mode, uint32_t *n)
{
    if (mode == SEL_DENSE) {
        *n = rows;
        return NULL;
    }
    uint32_t *tmp = xalloc((size_t)rows * 4), k = 0;
    for (uint32_t i = 0; i < rows; i++) {
        bool keep = mode == SEL_EVERY || (mode == SEL_HALF ? (rnd(r) & 1) : rndn(r, 16) == 0);
        if (keep)
            tmp[k++] = i;
    }
    uint32_t *sel = xdup(tmp, (size_t)k * 4);
    free(tmp);
    *n = k;
    return sel;
}

/* Validity: no bitmap, random (about 1 in 4 NULL), all valid, all NULL.
** Bits past the last row are garbage. */
enum { V_NONE, V_RANDOM, V_ALL, V_EMPTY, NVAL };
static const char *const VNAME[] = { "none", "random", "all", "empty" };

static uint64_t *make_valid(rng *r, uint32_t rows, int mode)
{
    if (mode == V_NONE)
        return NULL;
    uint32_t w = k_bitmap_words(rows);
    uint64_t *v = xalloc((size_t)w * 8);
    for (uint32_t i = 0; i < w; i++)
        v[i] = mode == V_ALL ? ~(uint64_t)0 : mode == V_EMPTY ? 0 : rnd(r) | rnd(r);
    if (rows % 64)
        v[w - 1] ^= rnd(r) << (rows % 64);
    return v;
}

static bool vbit(const uint64_t *v, uint32_t i)
{
    return K_VALID(v, i);
}

/* A bitmap with every row valid (div/mod need a non-NULL out_valid). */
static uint64_t *valid_or_full(const uint64_t *v, uint32_t rows)
{
    uint32_t w = k_bitmap_words(rows);
    uint64_t *o = xalloc((size_t)w * 8);
    for (uint32_t i = 0; i < w; i++)
        o[i] = v ? v[i] : ~(uint64_t)0;
    return o;
}

/* ---- value generators ----------------------------------------------------
** Mostly small values (so equal pairs are common); with probability
** ext/256 a special value: extremes, 0, -1, full-range random, and for f64
** NaN (two payloads), -0.0 and infinities. */
static int32_t gen_i32(rng *r, unsigned ext)
{
    uint64_t x = rnd(r);
    if ((x & 255) < ext) {
        switch ((x >> 8) % 5) {
        case 0: return INT32_MIN;
        case 1: return INT32_MAX;
        case 2: return 0;
        case 3: return -1;
        default: return (int32_t)(x >> 32);
        }
    }
    return (int32_t)((x >> 16) % 21) - 10;
}

static int64_t gen_i64(rng *r, unsigned ext)
{
    uint64_t x = rnd(r);
    if ((x & 255) < ext) {
        switch ((x >> 8) % 6) {
        case 0: return INT64_MIN;
        case 1: return INT64_MAX;
        case 2: return 0;
        case 3: return -1;
        case 4: return (int64_t)rnd(r) >> 20;
        default: return (int64_t)rnd(r);
        }
    }
    return (int64_t)((x >> 16) % 21) - 10;
}

static double bits_to_f64(uint64_t b)
{
    double d;
    memcpy(&d, &b, 8);
    return d;
}

static double gen_f64(rng *r, unsigned ext)
{
    uint64_t x = rnd(r);
    if ((x & 255) < ext) {
        switch ((x >> 8) % 9) {
        case 0: return NAN;
        case 1: return bits_to_f64(0xfff8000000000123ULL); /* negative NaN with payload */
        case 2: return -0.0;
        case 3: return 0.0;
        case 4: return INFINITY;
        case 5: return -INFINITY;
        case 6: return (double)(int64_t)rnd(r) / 1024.0;
        case 7: return ldexp((double)(rnd(r) >> 11), -53);
        default: return -1e300;
        }
    }
    return (double)((int64_t)((x >> 16) % 21) - 10) * 0.5;
}

#define DEF_GEN_ARRAY(T, CT)                                  \
    static CT *gen_##T##_array(rng *r, uint32_t n, unsigned ext) \
    {                                                         \
        CT *a = xalloc((size_t)n * sizeof(CT));               \
        for (uint32_t i = 0; i < n; i++)                      \
            a[i] = gen_##T(r, ext);                           \
        return a;                                             \
    }
K_NUM_TYPES(DEF_GEN_ARRAY)

/* Same value: NaN matches any NaN, otherwise bit-equal (so -0.0 != 0.0). */
static bool same_i32(int32_t x, int32_t y) { return x == y; }
static bool same_i64(int64_t x, int64_t y) { return x == y; }
static bool same_f64(double x, double y)
{
    return (isnan(x) && isnan(y)) || memcmp(&x, &y, 8) == 0;
}

/* ========================================================================
** Comparisons -> selection vectors and bool vectors (numeric types)
** ====================================================================== */
#define DEF_SELOPS(T, CT)                                                                          \
    typedef uint32_t (*selvc_##T)(const CT *, CT, const uint64_t *, const uint32_t *, uint32_t,    \
                                  uint32_t *);                                                     \
    typedef uint32_t (*selvv_##T)(const CT *, const CT *, const uint64_t *, const uint64_t *,      \
                                  const uint32_t *, uint32_t, uint32_t *);                         \
    typedef void (*cmpfn_##T)(const CT *, const CT *, const uint32_t *, uint32_t, uint8_t *);      \
    typedef struct {                                                                               \
        const char *op;                                                                            \
        selvc_##T vc, vc_ref;                                                                      \
        selvv_##T vv, vv_ref;                                                                      \
        cmpfn_##T cmp, cmp_ref;                                                                    \
    } selops_##T;
K_NUM_TYPES(DEF_SELOPS)

#define SELROW(op, T)                                                                              \
    { #op, k_sel_##op##_##T##_vc, k_sel_##op##_##T##_vc_ref, k_sel_##op##_##T##_vv,                \
      k_sel_##op##_##T##_vv_ref, k_cmp_##op##_##T, k_cmp_##op##_##T##_ref },
#define SELROW_i32(op) SELROW(op, i32)
#define SELROW_i64(op) SELROW(op, i64)
#define SELROW_f64(op) SELROW(op, f64)
static const selops_i32 SELOPS_i32[] = { K_CMP_OPS(SELROW_i32) };
static const selops_i64 SELOPS_i64[] = { K_CMP_OPS(SELROW_i64) };
static const selops_f64 SELOPS_f64[] = { K_CMP_OPS(SELROW_f64) };
#define NOPS 6

#define SEL_CTX "%s %s rows=%u sel=%s va=%s"
#define DEF_SEL_CHECK(T, CT)                                                                       \
    static void sel_check_##T(uint64_t seed)                                                       \
    {                                                                                              \
        rng r = { seed };                                                                          \
        for (int o = 0; o < NOPS; o++) {                                                           \
            const selops_##T *op = &SELOPS_##T[o];                                                 \
            for (size_t li = 0; li < NLENS; li++) {                                                \
                uint32_t rows = LENS[li];                                                          \
                CT *a = gen_##T##_array(&r, rows, 96), *b = gen_##T##_array(&r, rows, 96);         \
                for (uint32_t i = 0; i < rows; i++)                                                \
                    if (rndn(&r, 4) == 0)                                                          \
                        b[i] = a[i];                                                               \
                CT c = rows ? a[rndn(&r, rows)] : gen_##T(&r, 96);                                 \
                for (int sm = 0; sm < NSEL; sm++) {                                                \
                    uint32_t n, k1, k2;                                                            \
                    uint32_t *sel = make_sel(&r, rows, sm, &n);                                    \
                    uint32_t *o1 = xalloc((size_t)n * 4), *o2 = xalloc((size_t)n * 4);             \
                    for (int vm = 0; vm < NVAL; vm++) {                                            \
                        uint64_t *va = make_valid(&r, rows, vm);                                   \
                        k1 = op->vc(a, c, va, sel, n, o1);                                         \
                        k2 = op->vc_ref(a, c, va, sel, n, o2);                                     \
                        cr_assert_eq(k1, k2, "vc count " SEL_CTX, op->op, #T, rows, SELNAME[sm],   \
                                     VNAME[vm]);                                                   \
                        cr_assert(!memcmp(o1, o2, (size_t)k1 * 4), "vc rows " SEL_CTX, op->op, #T, \
                                  rows, SELNAME[sm], VNAME[vm]);                                   \
                        if (sel) { /* refining a selection in place */                             \
                            uint32_t *inpl = xdup(sel, (size_t)n * 4);                             \
                            k1 = op->vc(a, c, va, inpl, n, inpl);                                  \
                            cr_assert(k1 == k2 && !memcmp(inpl, o2, (size_t)k1 * 4),               \
                                      "vc in place " SEL_CTX, op->op, #T, rows, SELNAME[sm],       \
                                      VNAME[vm]);                                                  \
                            free(inpl);                                                            \
                        }                                                                          \
                        for (int wm = 0; wm < NVAL; wm++) {                                        \
                            uint64_t *vb = make_valid(&r, rows, wm);                               \
                            k1 = op->vv(a, b, va, vb, sel, n, o1);                                 \
                            k2 = op->vv_ref(a, b, va, vb, sel, n, o2);                             \
                            cr_assert(k1 == k2 && !memcmp(o1, o2, (size_t)k1 * 4),                 \
                                      "vv " SEL_CTX " vb=%s", op->op, #T, rows, SELNAME[sm],       \
                                      VNAME[vm], VNAME[wm]);                                       \
                            free(vb);                                                              \
                        }                                                                          \
                        free(va);                                                                  \
                    }                                                                              \
                    uint8_t *c1 = xalloc(rows), *c2 = xalloc(rows);                                \
                    memset(c1, 0xAA, rows);                                                        \
                    memset(c2, 0xAA, rows);                                                        \
                    op->cmp(a, b, sel, n, c1);                                                     \
                    op->cmp_ref(a, b, sel, n, c2);                                                 \
                    cr_assert(!memcmp(c1, c2, rows), "cmp %s %s rows=%u sel=%s", op->op, #T, rows, \
                              SELNAME[sm]);                                                        \
                    free(c1);                                                                      \
                    free(c2);                                                                      \
                    free(o1);                                                                      \
                    free(o2);                                                                      \
                    free(sel);                                                                     \
                }                                                                                  \
                free(a);                                                                           \
                free(b);                                                                           \
            }                                                                                      \
        }                                                                                          \
    }
K_NUM_TYPES(DEF_SEL_CHECK)

Test(kernels, sel_i32_awkward_lengths) { sel_check_i32(101); }
Test(kernels, sel_i64_awkward_lengths) { sel_check_i64(102); }
Test(kernels, sel_f64_awkward_lengths) { sel_check_f64(103); }

/* Every position of an 8-row block and of the tail must come out right. */
Test(kernels, sel_single_hits_every_position)
{
    for (uint32_t rows = 1; rows <= 40; rows++) {
        for (uint32_t p = 0; p < rows; p++) {
            int64_t *a = xalloc(rows * 8);
            double *d = xalloc(rows * 8);
            int32_t *s = xalloc(rows * 4);
            uint32_t *out = xalloc(rows * 4);
            for (uint32_t i = 0; i < rows; i++) {
                a[i] = i == p ? 7 : 1;
                d[i] = i == p ? 7.0 : 1.0;
                s[i] = i == p ? 7 : 1;
            }
            cr_assert_eq(k_sel_gt_i64_vc(a, 5, NULL, NULL, rows, out), 1);
            cr_assert_eq(out[0], p);
            cr_assert_eq(k_sel_ge_f64_vc(d, 7.0, NULL, NULL, rows, out), 1);
            cr_assert_eq(out[0], p);
            cr_assert_eq(k_sel_eq_i32_vc(s, 7, NULL, NULL, rows, out), 1);
            cr_assert_eq(out[0], p);
            cr_assert_eq(k_sel_ne_i32_vc(s, 1, NULL, NULL, rows, out), 1);
            cr_assert_eq(out[0], p);
            free(a);
            free(d);
            free(s);
            free(out);
        }
    }
}

Test(kernels, sel_f64_nan_and_negative_zero)
{
    double a[9] = { NAN, -0.0, 0.0, 1.0, -INFINITY, INFINITY, NAN, -1.0, 0.0 };
    uint32_t out[9];
    /* -0.0 == 0.0 */
    cr_assert_eq(k_sel_eq_f64_vc(a, 0.0, NULL, NULL, 9, out), 3);
    cr_assert(out[0] == 1 && out[1] == 2 && out[2] == 8);
    cr_assert_eq(k_sel_eq_f64_vc(a, -0.0, NULL, NULL, 9, out), 3);
    /* NaN: false for every comparison but ne */
    cr_assert_eq(k_sel_eq_f64_vc(a, NAN, NULL, NULL, 9, out), 0);
    cr_assert_eq(k_sel_lt_f64_vc(a, NAN, NULL, NULL, 9, out), 0);
    cr_assert_eq(k_sel_ge_f64_vc(a, NAN, NULL, NULL, 9, out), 0);
    cr_assert_eq(k_sel_ne_f64_vc(a, NAN, NULL, NULL, 9, out), 9);
    cr_assert_eq(k_sel_lt_f64_vc(a, 0.5, NULL, NULL, 9, out), 5); /* -0, 0, -inf, -1, 0 */
    cr_assert_eq(k_sel_ne_f64_vc(a, 1.0, NULL, NULL, 9, out), 8);  /* NaNs included */
    cr_assert_eq(k_sel_eq_f64_vv(a, a, NULL, NULL, NULL, 9, out), 7);
    uint8_t b[9];
    k_cmp_ne_f64(a, a, NULL, 9, b);
    cr_assert(b[0] == 1 && b[6] == 1 && b[1] == 0 && b[3] == 0);
    k_cmp_le_f64(a, a, NULL, 9, b);
    cr_assert(b[0] == 0 && b[1] == 1 && b[4] == 1);
}

Test(kernels, sel_nulls_never_qualify)
{
    int32_t a[70];
    uint64_t va[2] = { 0, 0 }, vb[2] = { ~(uint64_t)0, ~(uint64_t)0 };
    uint32_t out[70];
    for (int i = 0; i < 70; i++)
        a[i] = 3;
    va[1] = 1; /* only row 64 valid */
    cr_assert_eq(k_sel_eq_i32_vc(a, 3, va, NULL, 70, out), 1);
    cr_assert_eq(out[0], 64);
    cr_assert_eq(k_sel_ne_i32_vc(a, 4, va, NULL, 70, out), 1);
    cr_assert_eq(k_sel_eq_i32_vv(a, a, vb, va, NULL, 70, out), 1);
    cr_assert_eq(k_sel_eq_i32_vv(a, a, NULL, va, NULL, 70, out), 1);
    cr_assert_eq(k_sel_eq_i32_vv(a, a, NULL, NULL, NULL, 70, out), 70);
}

Test(kernels, cmp_bool_values)
{
    /* bytes other than 0/1 count as true */
    uint8_t a[4] = { 0, 0, 1, 2 }, b[4] = { 0, 1, 0, 1 }, o[4], r[4];
    k_cmp_eq_bool(a, b, NULL, 4, o);
    cr_assert(o[0] == 1 && o[1] == 0 && o[2] == 0 && o[3] == 1);
    k_cmp_lt_bool(a, b, NULL, 4, o);
    cr_assert(o[0] == 0 && o[1] == 1 && o[2] == 0 && o[3] == 0);
    k_cmp_ge_bool(a, b, NULL, 4, o);
    k_cmp_ge_bool_ref(a, b, NULL, 4, r);
    cr_assert(!memcmp(o, r, 4));
    k_cmp_ne_bool(a, b, NULL, 4, o);
    k_cmp_ne_bool_ref(a, b, NULL, 4, r);
    cr_assert(!memcmp(o, r, 4));
}

/* ========================================================================
** Strings
** ====================================================================== */
/* A set of strings whose long bytes live in exact-size buffers. */
typedef struct strset {
    tir_str *v;
    char **owned;
    uint32_t n;
} strset;

/* Makes s hold bytes[0..len); inline padding gets garbage. */
static void set_str(rng *r, tir_str *s, const char *bytes, uint32_t len, char **owned)
{
    for (size_t k = 0; k < sizeof *s; k++)
        ((unsigned char *)s)[k] = (unsigned char)rnd(r);
    s->len = len;
    *owned = NULL;
    if (len <= TIR_STR_INLINE) {
        memcpy(s->prefix, bytes, len);
        return;
    }
    char *p = xalloc(len);
    memcpy(p, bytes, len);
    memcpy(s->prefix, bytes, 4);
    s->u.ptr = p;
    *owned = p;
}

static const uint32_t STRLENS[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 16, 17, 24, 40 };

/* Random strings over a tiny alphabet so equal strings, shared prefixes
** and substring hits are common; now and then a byte that is not UTF-8
** or a 2- or 3-byte UTF-8 character (cut short at the end of the string). */
static void rand_bytes(rng *r, char *buf, uint32_t len)
{
    static const char *const tok[] = { "a", "b", "c", "\xff", "\xc3\xa9", "\xe2\x82\xac" };
    for (uint32_t k = 0; k < len;) {
        const char *t = tok[rndn(r, 8) == 0 ? rndn(r, 6) : rndn(r, 2)];
        for (; *t && k < len; t++)
            buf[k++] = *t;
    }
}

static strset gen_strs(rng *r, uint32_t n)
{
    strset s = { xalloc((size_t)n * sizeof(tir_str)), xalloc((size_t)n * sizeof(char *)), n };
    char buf[64];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = STRLENS[rndn(r, sizeof STRLENS / sizeof STRLENS[0])];
        rand_bytes(r, buf, len);
        set_str(r, &s.v[i], buf, len, &s.owned[i]);
    }
    return s;
}

/* b[i] = a variation of a[i]: an equal copy (other storage garbage), one
** byte changed, shortened or extended by one byte, or unrelated. */
static strset vary_strs(rng *r, const strset *a)
{
    strset s = { xalloc((size_t)a->n * sizeof(tir_str)), xalloc((size_t)a->n * sizeof(char *)), a->n };
    char buf[64];
    for (uint32_t i = 0; i < a->n; i++) {
        uint32_t len = a->v[i].len;
        memcpy(buf, tir_str_ptr(&a->v[i]), len);
        switch (rndn(r, 5)) {
        case 0:
        case 1: break;
        case 2:
            if (len)
                buf[rndn(r, len)] ^= 1;
            break;
        case 3:
            if (len)
                len--;
            else
                buf[len++] = 'a';
            break;
        default:
            len = STRLENS[rndn(r, sizeof STRLENS / sizeof STRLENS[0])];
            rand_bytes(r, buf, len);
        }
        set_str(r, &s.v[i], buf, len, &s.owned[i]);
    }
    return s;
}

static void free_strs(strset *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        free(s->owned[i]);
    free(s->owned);
    free(s->v);
}

typedef uint32_t (*selvc_str)(const tir_str *, const tir_str *, const uint64_t *, const uint32_t *,
                              uint32_t, uint32_t *);
typedef uint32_t (*selvv_str)(const tir_str *, const tir_str *, const uint64_t *, const uint64_t *,
                              const uint32_t *, uint32_t, uint32_t *);
typedef void (*cmpfn_str)(const tir_str *, const tir_str *, const uint32_t *, uint32_t, uint8_t *);
typedef struct {
    const char *op;
    selvc_str vc, vc_ref;
    selvv_str vv, vv_ref;
    cmpfn_str cmp, cmp_ref;
} selops_str;
#define SELROW_str(op) SELROW(op, str)
static const selops_str SELOPS_str[] = { K_CMP_OPS(SELROW_str) };

Test(kernels, sel_str_awkward_lengths)
{
    rng r = { 104 };
    for (int o = 0; o < NOPS; o++) {
        const selops_str *op = &SELOPS_str[o];
        for (size_t li = 0; li < NLENS; li++) {
            uint32_t rows = LENS[li];
            strset a = gen_strs(&r, rows), b = vary_strs(&r, &a), cs = gen_strs(&r, 1);
            const tir_str *c = rows ? &a.v[rndn(&r, rows)] : &cs.v[0];
            for (int sm = 0; sm < NSEL; sm++) {
                uint32_t n, k1, k2;
                uint32_t *sel = make_sel(&r, rows, sm, &n);
                uint32_t *o1 = xalloc((size_t)n * 4), *o2 = xalloc((size_t)n * 4);
                for (int vm = 0; vm < NVAL; vm++) {
                    uint64_t *va = make_valid(&r, rows, vm), *vb = make_valid(&r, rows, (vm + sm) % NVAL);
                    k1 = op->vc(a.v, c, va, sel, n, o1);
                    k2 = op->vc_ref(a.v, c, va, sel, n, o2);
                    cr_assert(k1 == k2 && !memcmp(o1, o2, (size_t)k1 * 4), "vc " SEL_CTX, op->op, "str",
                              rows, SELNAME[sm], VNAME[vm]);
                    k1 = op->vv(a.v, b.v, va, vb, sel, n, o1);
                    k2 = op->vv_ref(a.v, b.v, va, vb, sel, n, o2);
                    cr_assert(k1 == k2 && !memcmp(o1, o2, (size_t)k1 * 4), "vv " SEL_CTX, op->op, "str",
                              rows, SELNAME[sm], VNAME[vm]);
                    free(va);
                    free(vb);
                }
                uint8_t *c1 = xalloc(rows), *c2 = xalloc(rows);
                memset(c1, 0xAA, rows);
                memset(c2, 0xAA, rows);
                op->cmp(a.v, b.v, sel, n, c1);
                op->cmp_ref(a.v, b.v, sel, n, c2);
                cr_assert(!memcmp(c1, c2, rows), "cmp %s str rows=%u", op->op, rows);
                free(c1);
                free(c2);
                free(o1);
                free(o2);
                free(sel);
            }
            free_strs(&a);
            free_strs(&b);
            free_strs(&cs);
        }
    }
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* Strings around the 12/13-byte inline/pointer boundary, and short ones
** whose garbage prefix bytes must not matter. */
Test(kernels, str_compare_across_inline_boundary)
{
    rng r = { 105 };
    static const char *const w[] = {
        "", "a", "ab", "abc", "abcd", "abcde", "abcdefghijk", "abcdefghijkl", "abcdefghijklm",
        "abcdefghijklmn", "abcdefghijkm", "abcdefghijkla", "abd", "abcdefghijklmnopqrstuvwxyz",
        "abcdefghijklmnopqrstuvwxyy", "\xff", "a\xff", "abcdefghijkl\xff",
    };
    enum { NW = sizeof w / sizeof w[0] };
    tir_str s[NW], t[NW];
    char *own_s[NW], *own_t[NW];
    for (int i = 0; i < NW; i++) {
        set_str(&r, &s[i], w[i], (uint32_t)strlen(w[i]), &own_s[i]);
        set_str(&r, &t[i], w[i], (uint32_t)strlen(w[i]), &own_t[i]);
    }
    for (int i = 0; i < NW; i++) {
        for (int j = 0; j < NW; j++) {
            size_t li = strlen(w[i]), lj = strlen(w[j]), m = li < lj ? li : lj;
            int want = memcmp(w[i], w[j], m);
            want = want ? sign(want) : (li > lj) - (li < lj);
            cr_assert_eq(sign(k_str_cmp(&s[i], &t[j])), want, "cmp \"%s\" \"%s\"", w[i], w[j]);
            cr_assert_eq(k_str_eq(&s[i], &t[j]), i == j, "eq \"%s\" \"%s\"", w[i], w[j]);
        }
    }
    /* pointer strings with the same bytes at different addresses */
    cr_assert(k_str_eq(&s[8], &t[8]) && s[8].u.ptr != t[8].u.ptr);
    for (int i = 0; i < NW; i++) {
        free(own_s[i]);
        free(own_t[i]);
    }
}

/* ========================================================================
** LIKE
** ====================================================================== */
static void like_one(const char *pat, const char *str, int want)
{
    rng r = { 5 };
    tir_str s;
    char *own;
    set_str(&r, &s, str, (uint32_t)strlen(str), &own);
    const char *lit;
    uint32_t ll;
    k_like_shape shape = k_like_classify(pat, (uint32_t)strlen(pat), &lit, &ll);
    uint8_t o = 9, o2 = 9;
    k_like(shape, pat, (uint32_t)strlen(pat), &s, NULL, 1, &o);
    k_like_ref(pat, (uint32_t)strlen(pat), &s, NULL, 1, &o2);
    cr_assert_eq(o, want, "'%s' LIKE '%s'", str, pat);
    cr_assert_eq(o2, want, "ref: '%s' LIKE '%s'", str, pat);
    free(own);
}

Test(kernels, like_targeted)
{
    like_one("", "", 1);
    like_one("", "a", 0);
    like_one("%", "", 1);
    like_one("%", "anything at all, long enough", 1);
    like_one("_", "", 0);
    like_one("_", "x", 1);
    like_one("_", "xy", 0);
    like_one("%%", "", 1);
    like_one("a%b%c", "abc", 1);
    like_one("a%b%c", "axxbyyc", 1);
    like_one("a%b%c", "acb", 0);
    like_one("a%b%c", "abcabc", 1);
    like_one("a%b%c", "abcab", 0);
    like_one("abc%", "abc", 1);
    like_one("abc%", "ab", 0);
    like_one("abc%", "abd", 0);
    like_one("%abc", "xxabc", 1);
    like_one("%abc", "abcx", 0);
    like_one("%abc%", "xabcx", 1);
    like_one("%abc%", "ab", 0);
    like_one("a_c", "abc", 1);
    like_one("a_c", "ac", 0);
    like_one("%_", "", 0);
    like_one("_%_", "ab", 1);
    /* 12 / 13 / long strings against prefix, suffix, contains, exact */
    like_one("abcdefghijkl", "abcdefghijkl", 1);
    like_one("abcdefghijklm", "abcdefghijklm", 1);
    like_one("abcdefghijklm", "abcdefghijkl", 0);
    like_one("abcdefghijkl%", "abcdefghijklm", 1);
    like_one("abcdefghijklm%", "abcdefghijkl", 0);
    like_one("%bcdefghijklm", "abcdefghijklm", 1);
    like_one("%jklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz", 1);
    like_one("%mnop%", "abcdefghijklmnopqrstuvwxyz", 1);
    like_one("%mnoq%", "abcdefghijklmnopqrstuvwxyz", 0);
    like_one("a%m%z", "abcdefghijklmnopqrstuvwxyz", 1);
    like_one("ab%", "a", 0);
    like_one("abcde%", "abcdx", 0);
    like_one("abcde%", "abcd", 0);
    /* '_' is one UTF-8 character, '%' absorbs whole characters */
    like_one("_", "\xc3\xa9", 1);
    like_one("__", "\xc3\xa9", 0);
    like_one("a_c", "a\xe2\x82\xac" "c", 1);
    like_one("a__c", "a\xe2\x82\xac" "c", 0);
    like_one("%_", "\xe2\x82\xac", 1);
    like_one("caf_", "caf\xc3\xa9", 1);
    like_one("caf__", "caf\xc3\xa9", 0);
    like_one("%\xc3\xa9", "caf\xc3\xa9", 1);
    like_one("%_\xa9", "caf\xc3\xa9", 0);
    /* segments: found leftmost in turn, never overlapping each other or the ends */
    like_one("%special%requests%", "blithely special pending requests", 1);
    like_one("%special%requests%", "requests that are special", 0);
    like_one("%aba%aba%", "ababa", 0);
    like_one("%aba%aba%", "abaaba", 1);
    like_one("ab%ba", "aba", 0);
    like_one("ab%ba", "abba", 1);
    like_one("a%%a", "a", 0);
    like_one("a%%a", "aa", 1);
    like_one("%x%%y", "xy", 1);
    like_one("%x%%y", "yx", 0);
}

Test(kernels, like_classify_shapes)
{
    const char *lit;
    uint32_t ll;
    cr_assert_eq(k_like_classify("abc", 3, &lit, &ll), K_LIKE_EXACT);
    cr_assert(ll == 3 && !memcmp(lit, "abc", 3));
    cr_assert_eq(k_like_classify("abc%", 4, &lit, &ll), K_LIKE_PREFIX);
    cr_assert(ll == 3 && !memcmp(lit, "abc", 3));
    cr_assert_eq(k_like_classify("%abc", 4, &lit, &ll), K_LIKE_SUFFIX);
    cr_assert(ll == 3 && !memcmp(lit, "abc", 3));
    cr_assert_eq(k_like_classify("%abc%", 5, &lit, &ll), K_LIKE_CONTAINS);
    cr_assert(ll == 3 && !memcmp(lit, "abc", 3));
    cr_assert_eq(k_like_classify("", 0, &lit, &ll), K_LIKE_EXACT);
    cr_assert_eq(ll, 0);
    cr_assert_eq(k_like_classify("%", 1, &lit, &ll), K_LIKE_PREFIX);
    cr_assert_eq(ll, 0);
    cr_assert_eq(k_like_classify("%%", 2, &lit, &ll), K_LIKE_CONTAINS);
    cr_assert_eq(ll, 0);
    cr_assert_eq(k_like_classify("a_c", 3, &lit, &ll), K_LIKE_GENERAL);
    cr_assert_eq(k_like_classify("a%c", 3, &lit, &ll), K_LIKE_SEGMENTS);
    cr_assert_eq(k_like_classify("%a%c", 4, &lit, &ll), K_LIKE_SEGMENTS);
    cr_assert_eq(k_like_classify("%special%requests%", 18, &lit, &ll), K_LIKE_SEGMENTS);
    cr_assert_eq(k_like_classify("ab_%", 4, &lit, &ll), K_LIKE_GENERAL);
    cr_assert_eq(k_like_classify("%_b", 3, &lit, &ll), K_LIKE_GENERAL);
    cr_assert_eq(k_like_classify("_", 1, &lit, &ll), K_LIKE_GENERAL);
}

static const char *const PATTERNS[] = {
    "", "%", "%%", "_", "__", "a", "ab", "ab%", "%ab", "%ab%", "a%b%c", "a%b", "a_b", "%a_", "_%",
    "%_%", "_a%", "%b_", "abababababab%", "%babababababab", "%bab%", "a%", "%a", "%abababababababab%",
    "a%%b", "%b%a%", "abababababababababab", "%a%b%a%b%", "\xff%", "%\xff", "ab__%", "%c%",
    "_\xc3\xa9%", "%\xe2\x82\xac_", "a_\xe2\x82\xac%", "%_%_%", "%\xc3\xa9%",
    /* more middle segments than the kernel cuts up front (16) */
    "%a%b%a%b%a%b%a%b%a%b%a%b%a%b%a%b%a%b%", "a%b%a%b%a%b%a%b%a%b%a%b%a%b%a%b%a%b%a%b%ab",
    "%aba%bab%aab%bba%abab%",
};

Test(kernels, like_random_against_ref)
{
    rng r = { 106 };
    for (size_t p = 0; p < sizeof PATTERNS / sizeof PATTERNS[0]; p++) {
        const char *pat = PATTERNS[p], *lit;
        uint32_t pl = (uint32_t)strlen(pat), ll;
        k_like_shape shape = k_like_classify(pat, pl, &lit, &ll);
        for (size_t li = 0; li < NLENS; li++) {
            uint32_t rows = LENS[li];
            strset a = gen_strs(&r, rows);
            for (int sm = 0; sm < NSEL; sm++) {
                uint32_t n;
                uint32_t *sel = make_sel(&r, rows, sm, &n);
                uint8_t *o1 = xalloc(rows), *o2 = xalloc(rows), *o3 = xalloc(rows);
                memset(o1, 7, rows);
                memset(o2, 7, rows);
                memset(o3, 7, rows);
                k_like(shape, pat, pl, a.v, sel, n, o1);
                k_like_ref(pat, pl, a.v, sel, n, o2);
                k_like(K_LIKE_GENERAL, pat, pl, a.v, sel, n, o3);
                cr_assert(!memcmp(o1, o2, rows), "pattern '%s' rows=%u sel=%s", pat, rows, SELNAME[sm]);
                cr_assert(!memcmp(o3, o2, rows), "general '%s' rows=%u sel=%s", pat, rows, SELNAME[sm]);
                free(o1);
                free(o2);
                free(o3);
                free(sel);
            }
            free_strs(&a);
        }
    }
}

/* The substring search against the plain loop: haystacks of every length
** up to 100 (allocated to their exact size, so a read past one fails
** under ASan) over a 3-letter alphabet, needles of 0 to 40 bytes taken
** from the haystack (a match at every place, the end included) or random. */
Test(kernels, find_against_ref)
{
    rng r = { 107 };
    for (uint32_t n = 0; n <= 100; n++) {
        for (int t = 0; t < 60; t++) {
            char *s = xalloc(n ? n : 1), nd[41];
            for (uint32_t i = 0; i < n; i++)
                s[i] = (char)('a' + rndn(&r, t % 3 ? 3 : 2));
            uint32_t k = rndn(&r, t < 30 ? 8 : 41);
            if (t % 2 && k <= n) {
                memcpy(nd, s + rndn(&r, n - k + 1), k);
            } else {
                for (uint32_t i = 0; i < k; i++)
                    nd[i] = (char)('a' + rndn(&r, 3));
            }
            const char *want = k_find_ref(s, n, nd, k), *got = k_find(s, n, nd, k);
            cr_assert(got == want, "n=%u k=%u: at %td, want %td", n, k, got ? got - s : -1, want ? want - s : -1);
            free(s);
        }
    }
}

/* `in` over strings against k_str_eq per constant: constants that are
** variations of rows (equal with other padding, a byte changed, one
** shorter or longer, unrelated; inline and long), lists of 0 to 70 (more
** than a chunk), fresh or or-ed into what out held. */
Test(kernels, in_str_against_ref)
{
    rng r = { 108 };
    static const uint32_t NKS[] = {0, 1, 3, 7, 32, 33, 70};
    for (size_t li = 0; li < NLENS; li++) {
        uint32_t rows = LENS[li];
        strset a = gen_strs(&r, rows);
        strset v = vary_strs(&r, &a);
        for (size_t ki = 0; ki < sizeof NKS / sizeof NKS[0]; ki++) {
            uint32_t nk = NKS[ki] < rows ? NKS[ki] : rows;
            for (int sm = 0; sm < NSEL; sm++) {
                uint32_t n;
                uint32_t *sel = make_sel(&r, rows, sm, &n);
                for (int acc = 0; acc < 2; acc++) {
                    uint8_t *o1 = xalloc(rows ? rows : 1), *o2 = xalloc(rows ? rows : 1);
                    for (uint32_t i = 0; i < rows; i++)
                        o1[i] = o2[i] = (uint8_t)rndn(&r, 2);
                    k_in_str(a.v, sel, n, v.v, nk, acc, o1);
                    k_in_str_ref(a.v, sel, n, v.v, nk, acc, o2);
                    cr_assert(!memcmp(o1, o2, rows), "rows=%u constants=%u sel=%s acc=%d", rows, nk, SELNAME[sm], acc);
                    free(o1);
                    free(o2);
                }
                free(sel);
            }
        }
        free_strs(&v);
        free_strs(&a);
    }
}

/* Numeric in-lists: every row compared with 0 to 70 constants (more than
** one chunk of vectors), values drawn from a small domain so rows hit,
** f64 with -0.0, 0.0 and NaN among rows and constants; fresh or or-ed. */
#define IN_NUM_TEST(T, CT, VAL)                                                                          \
    {                                                                                                    \
        static const uint32_t NKS[] = {0, 1, 3, 8, 9, 31, 32, 33, 70};                                   \
        for (size_t li = 0; li < NLENS; li++) {                                                          \
            uint32_t rows = LENS[li];                                                                    \
            CT *a = xalloc((rows ? rows : 1) * sizeof *a), ks[70];                                       \
            for (uint32_t i = 0; i < rows; i++)                                                          \
                a[i] = VAL(rndn(&r, 40));                                                                \
            for (size_t ki = 0; ki < sizeof NKS / sizeof NKS[0]; ki++) {                                 \
                uint32_t nk = NKS[ki];                                                                   \
                for (uint32_t j = 0; j < nk; j++)                                                        \
                    ks[j] = VAL(rndn(&r, 40));                                                           \
                for (int sm = 0; sm < NSEL; sm++) {                                                      \
                    uint32_t n;                                                                          \
                    uint32_t *sel = make_sel(&r, rows, sm, &n);                                          \
                    for (int acc = 0; acc < 2; acc++) {                                                  \
                        uint8_t *o1 = xalloc(rows ? rows : 1), *o2 = xalloc(rows ? rows : 1);            \
                        for (uint32_t i = 0; i < rows; i++)                                              \
                            o1[i] = o2[i] = (uint8_t)rndn(&r, 2);                                        \
                        k_in_##T(a, sel, n, ks, nk, acc, o1);                                            \
                        k_in_##T##_ref(a, sel, n, ks, nk, acc, o2);                                      \
                        cr_assert(!memcmp(o1, o2, rows), #T " rows=%u constants=%u sel=%s acc=%d", rows, \
                                  nk, SELNAME[sm], acc);                                                 \
                        free(o1);                                                                        \
                        free(o2);                                                                        \
                    }                                                                                    \
                    free(sel);                                                                           \
                }                                                                                        \
            }                                                                                            \
            free(a);                                                                                     \
        }                                                                                                \
    }
/* values: small integers at both ends of the type; f64 adds -0.0 and NaN */
#define IN_I32_VAL(v) ((v) < 20 ? INT32_MIN + (int32_t)(v) : INT32_MAX - (int32_t)(v))
#define IN_I64_VAL(v) ((v) < 20 ? INT64_MIN + (int64_t)(v) : (v) < 30 ? (int64_t)(v) << 33 : INT64_MAX - (int64_t)(v))
#define IN_F64_VAL(v) ((v) == 0 ? -0.0 : (v) == 1 ? 0.0 : (v) == 2 ? NAN : (double)(v) / 4)
Test(kernels, in_num_against_ref)
{
    rng r = { 109 };
    IN_NUM_TEST(i32, int32_t, IN_I32_VAL)
    IN_NUM_TEST(i64, int64_t, IN_I64_VAL)
    IN_NUM_TEST(f64, double, IN_F64_VAL)
}

/* like with an escape character: the prepared pattern (its shape found
** after the escapes are resolved) against the recursive definition. */
static void like_esc_one(const char *pat, const char *esc, const char *str, int want)
{
    rng r = { 7 };
    tir_str s;
    char *own;
    set_str(&r, &s, str, (uint32_t)strlen(str), &own);
    uint32_t pl = (uint32_t)strlen(pat), el = (uint32_t)strlen(esc);
    char buf[64];
    k_like_pat lp;
    cr_assert(k_like_prepare(&lp, pat, pl, esc, el, buf), "prepare '%s' escape '%s'", pat, esc);
    uint8_t o = 9, o2 = 9;
    k_like_run(&lp, &s, NULL, 1, &o);
    k_like_ref_esc(pat, pl, esc, el, &s, NULL, 1, &o2);
    cr_assert_eq(o, want, "'%s' LIKE '%s' ESCAPE '%s'", str, pat, esc);
    cr_assert_eq(o2, want, "ref: '%s' LIKE '%s' ESCAPE '%s'", str, pat, esc);
    cr_assert_eq(k_like_match(&lp, str, (uint32_t)strlen(str)), want);
    free(own);
}

Test(kernels, like_escape_targeted)
{
    like_esc_one("100!%", "!", "100%", 1);
    like_esc_one("100!%", "!", "1000", 0);
    like_esc_one("%!%%", "!", "50% off", 1);
    like_esc_one("%!%%", "!", "fifty", 0);
    like_esc_one("a!_c", "!", "a_c", 1);
    like_esc_one("a!_c", "!", "abc", 0);
    like_esc_one("a!!c", "!", "a!c", 1);
    like_esc_one("a!!c", "!", "a!!c", 0);
    like_esc_one("%!!", "!", "wow!", 1);
    like_esc_one("!a!b", "!", "ab", 1);            /* an escaped ordinary character is itself */
    like_esc_one("%c%%d", "%", "c%d", 1);           /* '%' as the escape: '%%' is a literal '%' */
    like_esc_one("%c%%d", "%", "cd", 0);
    like_esc_one("x%_y", "%", "x_y", 1);            /* '%_' is a literal '_' */
    like_esc_one("x%_y", "%", "xay", 0);
    like_esc_one("x%_y%%", "%", "x_y%", 1);
    like_esc_one("\xc2\xa7%%", "\xc2\xa7", "%", 1); /* a two-byte escape character */
    like_esc_one("\xc2\xa7%%", "\xc2\xa7", "%x", 1);
    like_esc_one("\xc2\xa7%%", "\xc2\xa7", "x%", 0);
    like_esc_one("_!__", "!", "\xc3\xa9_x", 1);
    like_esc_one("_!__", "!", "\xc3\xa9xx", 0);
    like_esc_one("%a!%b%", "!", "xxa%byy", 1);      /* general: escapes between wildcards */
    like_esc_one("%a!%b%", "!", "xxabyy", 0);
    like_esc_one("ab", "!", "ab", 1);               /* no escape used: the plain shapes */
    char buf[8];
    k_like_pat lp;
    cr_assert(!k_like_prepare(&lp, "ab!", 3, "!", 1, buf));
    cr_assert(!k_like_prepare(&lp, "a%", 2, "%", 1, buf));
    cr_assert(!k_like_prepare(&lp, "x%_y%", 5, "%", 1, buf));
    cr_assert(k_like_prepare(&lp, "a!!", 3, "!", 1, buf));
    cr_assert_eq(lp.shape, K_LIKE_EXACT);
    cr_assert(lp.litlen == 2 && !memcmp(lp.lit, "a!", 2));
    cr_assert(k_like_prepare(&lp, "%!%%", 4, "!", 1, buf));
    cr_assert_eq(lp.shape, K_LIKE_CONTAINS);
    cr_assert(k_like_prepare(&lp, "!%%", 3, "!", 1, buf));
    cr_assert_eq(lp.shape, K_LIKE_PREFIX);
    cr_assert(k_like_prepare(&lp, "%!_", 3, "!", 1, buf));
    cr_assert_eq(lp.shape, K_LIKE_SUFFIX);
    cr_assert(k_like_prepare(&lp, "a!%_", 4, "!", 1, buf));
    cr_assert_eq(lp.shape, K_LIKE_GENERAL);
}

/* Random strings over the wildcards, the escape and a multibyte letter
** against random escaped patterns: kernel (batch and one row) = reference. */
Test(kernels, like_escape_random_against_ref)
{
    static const char *const alpha[] = { "a", "b", "%", "_", "!", "\xc3\xa9" };
    rng r = { 311 };
    enum { ROWS = 200 };
    tir_str s[ROWS];
    char *own[ROWS], text[ROWS][32];
    for (int it = 0; it < 400; it++) {
        char pat[32] = "";
        int pn = (int)(rnd(&r) % 7);
        for (int k = 0; k < pn; k++)
            strcat(pat, alpha[rnd(&r) % 6]);
        uint32_t pl = (uint32_t)strlen(pat);
        char buf[32];
        k_like_pat lp;
        bool ok = k_like_prepare(&lp, pat, pl, "!", 1, buf);
        /* a pattern ends with a dangling escape exactly when an odd run of '!' ends it */
        uint32_t run = 0;
        for (uint32_t k = pl; k > 0 && pat[k - 1] == '!'; k--)
            run++;
        cr_assert_eq(ok, run % 2 == 0, "prepare '%s'", pat);
        if (!ok)
            continue;
        for (int i = 0; i < ROWS; i++) {
            text[i][0] = 0;
            int sn = (int)(rnd(&r) % 6);
            for (int k = 0; k < sn; k++)
                strcat(text[i], alpha[rnd(&r) % 6]);
            set_str(&r, &s[i], text[i], (uint32_t)strlen(text[i]), &own[i]);
        }
        uint8_t o1[ROWS], o2[ROWS];
        k_like_run(&lp, s, NULL, ROWS, o1);
        k_like_ref_esc(pat, pl, "!", 1, s, NULL, ROWS, o2);
        for (int i = 0; i < ROWS; i++) {
            cr_assert_eq(o1[i], o2[i], "'%s' LIKE '%s' ESCAPE '!'", text[i], pat);
            free(own[i]);
        }
    }
}

/* Many '%' against a long non-matching string: exponential backtracking
** would not finish; the general matcher is O(len * patlen). */
Test(kernels, like_general_is_not_exponential, .timeout = 20)
{
    enum { L = 20000 };
    char *buf = xalloc(L);
    memset(buf, 'a', L);
    tir_str s = { 0 };
    s.len = L;
    memcpy(s.prefix, buf, 4);
    s.u.ptr = buf;
    const char *pat = "%a%a%a%a%a%a%a%a%a%a%a%a%b";
    uint8_t o = 9;
    k_like(K_LIKE_GENERAL, pat, (uint32_t)strlen(pat), &s, NULL, 1, &o);
    cr_assert_eq(o, 0);
    free(buf);
}

/* ========================================================================
** Arithmetic
** ====================================================================== */
#define DEF_ARITH_CHECK(T, CT)                                                                     \
    typedef bool (*bin_##T)(const CT *, const CT *, const uint64_t *, const uint32_t *, uint32_t,  \
                            CT *);                                                                 \
    typedef bool (*dm_##T)(const CT *, const CT *, uint64_t *, const uint32_t *, uint32_t, CT *);  \
    typedef bool (*un_##T)(const CT *, const uint64_t *, const uint32_t *, uint32_t, CT *);        \
    static void arith_check_##T(uint64_t seed)                                                     \
    {                                                                                              \
        static const struct { const char *name; bin_##T f, ref; } bins[] = {                      \
            { "add", k_add_##T, k_add_##T##_ref },                                                 \
            { "sub", k_sub_##T, k_sub_##T##_ref },                                                 \
            { "mul", k_mul_##T, k_mul_##T##_ref },                                                 \
        };                                                                                         \
        static const struct { const char *name; dm_##T f, ref; } dms[] = {                        \
            { "div", k_div_##T, k_div_##T##_ref },                                                 \
            { "mod", k_mod_##T, k_mod_##T##_ref },                                                 \
        };                                                                                         \
        static const struct { const char *name; un_##T f, ref; } uns[] = {                        \
            { "neg", k_neg_##T, k_neg_##T##_ref },                                                 \
            { "abs", k_abs_##T, k_abs_##T##_ref },                                                 \
        };                                                                                         \
        rng r = { seed };                                                                          \
        unsigned nfail = 0, npass = 0;                                                             \
        for (unsigned ext = 0; ext <= 4; ext += 2) {                                               \
            for (size_t li = 0; li < NLENS; li++) {                                                \
                uint32_t rows = LENS[li];                                                          \
                CT *a = gen_##T##_array(&r, rows, ext), *b = gen_##T##_array(&r, rows, ext);       \
                CT *o1 = xalloc((size_t)rows * sizeof(CT)), *o2 = xalloc((size_t)rows * sizeof(CT)); \
                for (int sm = 0; sm < NSEL; sm++) {                                                \
                    uint32_t n;                                                                    \
                    uint32_t *sel = make_sel(&r, rows, sm, &n);                                    \
                    for (int vm = 0; vm < NVAL; vm++) {                                            \
                        uint64_t *va = make_valid(&r, rows, vm);                                   \
                        for (size_t f = 0; f < 3; f++) {                                           \
                            bool r1 = bins[f].f(a, b, va, sel, n, o1);                             \
                            bool r2 = bins[f].ref(a, b, va, sel, n, o2);                           \
                            cr_assert_eq(r1, r2, "%s %s rows=%u sel=%s va=%s ext=%u", bins[f].name, \
                                         #T, rows, SELNAME[sm], VNAME[vm], ext);                   \
                            if (r1)                                                                \
                                npass++;                                                           \
                            else                                                                   \
                                nfail++;                                                           \
                            for (uint32_t j = 0; r1 && j < n; j++) {                               \
                                uint32_t i = sel ? sel[j] : j;                                     \
                                cr_assert(!vbit(va, i) || same_##T(o1[i], o2[i]),                  \
                                          "%s %s row %u", bins[f].name, #T, i);                    \
                            }                                                                      \
                        }                                                                          \
                        for (size_t f = 0; f < 2; f++) {                                           \
                            uint64_t *ov1 = valid_or_full(va, rows), *ov2 = valid_or_full(va, rows); \
                            bool r1 = dms[f].f(a, b, ov1, sel, n, o1);                             \
                            bool r2 = dms[f].ref(a, b, ov2, sel, n, o2);                           \
                            cr_assert_eq(r1, r2, "%s %s rows=%u sel=%s va=%s ext=%u", dms[f].name, \
                                         #T, rows, SELNAME[sm], VNAME[vm], ext);                   \
                            cr_assert(!memcmp(ov1, ov2, (size_t)k_bitmap_words(rows) * 8),         \
                                      "%s %s validity rows=%u", dms[f].name, #T, rows);            \
                            for (uint32_t j = 0; r1 && j < n; j++) {                               \
                                uint32_t i = sel ? sel[j] : j;                                     \
                                cr_assert(!vbit(ov1, i) || same_##T(o1[i], o2[i]),                 \
                                          "%s %s row %u", dms[f].name, #T, i);                     \
                            }                                                                      \
                            free(ov1);                                                             \
                            free(ov2);                                                             \
                        }                                                                          \
                        for (size_t f = 0; f < 2; f++) {                                           \
                            bool r1 = uns[f].f(a, va, sel, n, o1);                                 \
                            bool r2 = uns[f].ref(a, va, sel, n, o2);                               \
                            cr_assert_eq(r1, r2, "%s %s rows=%u", uns[f].name, #T, rows);          \
                            for (uint32_t j = 0; r1 && j < n; j++) {                               \
                                uint32_t i = sel ? sel[j] : j;                                     \
                                cr_assert(!vbit(va, i) || same_##T(o1[i], o2[i]),                  \
                                          "%s %s row %u", uns[f].name, #T, i);                     \
                            }                                                                      \
                        }                                                                          \
                        free(va);                                                                  \
                    }                                                                              \
                    free(sel);                                                                     \
                }                                                                                  \
                free(a);                                                                           \
                free(b);                                                                           \
                free(o1);                                                                          \
                free(o2);                                                                          \
            }                                                                                      \
        }                                                                                          \
        /* both outcomes must have been exercised */                                               \
        cr_assert(npass > 100);                                                                    \
        if (#T[0] == 'i')                                                                          \
            cr_assert(nfail > 100);                                                                \
    }
K_NUM_TYPES(DEF_ARITH_CHECK)

Test(kernels, arith_i32_against_ref) { arith_check_i32(201); }
Test(kernels, arith_i64_against_ref) { arith_check_i64(202); }
Test(kernels, arith_f64_against_ref) { arith_check_f64(203); }

Test(kernels, add_overflow_only_counts_valid_selected_rows)
{
    for (uint32_t rows = 1; rows <= 70; rows++) {
        for (uint32_t p = 0; p < rows; p++) {
            int64_t *a = xalloc(rows * 8), *b = xalloc(rows * 8), *o = xalloc(rows * 8);
            int32_t *a4 = xalloc(rows * 4), *b4 = xalloc(rows * 4), *o4 = xalloc(rows * 4);
            uint64_t *v = valid_or_full(NULL, rows);
            for (uint32_t i = 0; i < rows; i++) {
                a[i] = i == p ? INT64_MAX : 1;
                b[i] = 1;
                a4[i] = i == p ? INT32_MIN : 5;
                b4[i] = i == p ? -1 : 2;
            }
            cr_assert(!k_add_i64(a, b, NULL, NULL, rows, o), "INT64_MAX + 1 at %u/%u", p, rows);
            cr_assert(!k_add_i64(a, b, v, NULL, rows, o));
            cr_assert(!k_mul_i32(a4, b4, NULL, NULL, rows, o4), "INT32_MIN * -1 at %u/%u", p, rows);
            v[p >> 6] &= ~((uint64_t)1 << (p & 63));
            cr_assert(k_add_i64(a, b, v, NULL, rows, o), "NULL row %u/%u overflowed", p, rows);
            cr_assert(k_mul_i32(a4, b4, v, NULL, rows, o4));
            if (rows > 1)
                cr_assert_eq(o[p ? 0 : 1], 2);
            /* the row outside sel does not count either */
            uint32_t *sel = xalloc(rows * 4), n = 0;
            for (uint32_t i = 0; i < rows; i++)
                if (i != p)
                    sel[n++] = i;
            cr_assert(k_add_i64(a, b, NULL, sel, n, o));
            cr_assert(k_mul_i32(a4, b4, NULL, sel, n, o4));
            free(sel);
            free(a);
            free(b);
            free(o);
            free(a4);
            free(b4);
            free(o4);
            free(v);
        }
    }
}

Test(kernels, overflow_edges)
{
    int64_t a[2], b[2], o[2];
    int32_t x[2], y[2], z[2];
    a[0] = INT64_MIN, b[0] = 1;
    cr_assert(!k_sub_i64(a, b, NULL, NULL, 1, o));
    a[0] = INT64_MIN, b[0] = -1;
    cr_assert(!k_mul_i64(a, b, NULL, NULL, 1, o));
    a[0] = (int64_t)1 << 32, b[0] = (int64_t)1 << 31;
    cr_assert(!k_mul_i64(a, b, NULL, NULL, 1, o));
    a[0] = (int64_t)1 << 31, b[0] = -((int64_t)1 << 32);
    cr_assert(k_mul_i64(a, b, NULL, NULL, 1, o));
    cr_assert_eq(o[0], INT64_MIN);
    x[0] = 46341, y[0] = 46341;
    cr_assert(!k_mul_i32(x, y, NULL, NULL, 1, z));
    x[0] = 46340, y[0] = -46340;
    cr_assert(k_mul_i32(x, y, NULL, NULL, 1, z));
    cr_assert_eq(z[0], -2147395600);
    x[0] = 65536, y[0] = 65536;
    cr_assert(!k_mul_i32(x, y, NULL, NULL, 1, z));
    x[0] = INT32_MAX, y[0] = 1;
    cr_assert(!k_add_i32(x, y, NULL, NULL, 1, z));
    x[0] = INT32_MIN, y[0] = 1;
    cr_assert(!k_sub_i32(x, y, NULL, NULL, 1, z));
    x[0] = INT32_MIN;
    cr_assert(!k_neg_i32(x, NULL, NULL, 1, z));
    cr_assert(!k_abs_i32(x, NULL, NULL, 1, z));
    a[0] = INT64_MIN;
    cr_assert(!k_neg_i64(a, NULL, NULL, 1, o));
    cr_assert(!k_abs_i64(a, NULL, NULL, 1, o));
    uint64_t none = 0;
    cr_assert(k_abs_i64(a, &none, NULL, 1, o));
    x[0] = -5, x[1] = 5;
    cr_assert(k_abs_i32(x, NULL, NULL, 2, z));
    cr_assert(z[0] == 5 && z[1] == 5);
}

Test(kernels, div_mod_zero_is_null_and_truncates)
{
    int32_t a[8] = { 7, -7, 7, -7, INT32_MIN, 5, 9, 0 };
    int32_t b[8] = { 2, 2, -2, -3, -1, 0, 0, 0 };
    int32_t o[8];
    uint64_t v = 0xff;
    cr_assert(!k_div_i32(a, b, &v, NULL, 8, o), "INT32_MIN / -1 must overflow");
    v = 0xef; /* the INT32_MIN row is NULL: no overflow */
    cr_assert(k_div_i32(a, b, &v, NULL, 8, o));
    cr_assert(o[0] == 3 && o[1] == -3 && o[2] == -3 && o[3] == 2);
    cr_assert(o[5] == 0 && o[6] == 0 && o[7] == 0);
    cr_assert_eq(v, 0x0f, "zero divisors become NULL: %#llx", (unsigned long long)v);
    v = 0xff;
    cr_assert(k_mod_i32(a, b, &v, NULL, 8, o));
    cr_assert(o[0] == 1 && o[1] == -1 && o[2] == 1 && o[3] == -1 && o[4] == 0);
    cr_assert_eq(v, 0x1f);

    int64_t c[3] = { INT64_MIN, -9, 9 }, d[3] = { -1, 4, 0 }, p[3];
    v = 7;
    cr_assert(!k_div_i64(c, d, &v, NULL, 3, p));
    v = 7;
    cr_assert(k_mod_i64(c, d, &v, NULL, 3, p));
    cr_assert(p[0] == 0 && p[1] == -1 && v == 3);

    double e[10] = { 1, -1, 0, 6, 1, 2, 3, 4, 5, 7 }, f[10] = { 0.0, -0.0, 0.0, 4, 2, 2, 2, 2, 2, -0.0 }, g[10];
    v = 0x3ff;
    cr_assert(k_div_f64(e, f, &v, NULL, 10, g));
    cr_assert_eq(v, 0x1f8);
    cr_assert(g[0] == 0 && g[3] == 1.5 && g[8] == 2.5 && g[9] == 0);
    v = 0x3ff;
    cr_assert(k_mod_f64(e, f, &v, NULL, 10, g));
    cr_assert_eq(v, 0x1f8);
    cr_assert(g[3] == 2 && g[6] == 1);
}

Test(kernels, casts)
{
    double d[12] = { 0x1p63, -0x1p63, NAN, INFINITY, -INFINITY, 1e300, -1.9, 2.9, -0.0,
                     2147483647.9, -2147483648.9, 2147483648.0 };
    int64_t o[12];
    int32_t q[12];
    cr_assert(!k_cast_f64_i64(d, NULL, NULL, 1, o));
    cr_assert(k_cast_f64_i64(d + 1, NULL, NULL, 1, o));
    cr_assert_eq(o[0], INT64_MIN);
    for (int i = 2; i < 6; i++)
        cr_assert(!k_cast_f64_i64(d + i, NULL, NULL, 1, o), "row %d", i);
    cr_assert(k_cast_f64_i64(d + 6, NULL, NULL, 6, o));
    cr_assert(o[0] == -1 && o[1] == 2 && o[2] == 0 && o[3] == 2147483647 && o[4] == -2147483648LL);
    uint64_t v = 0x3; /* rows 0-1 valid: 2^63 fails */
    uint32_t sel[2] = { 6, 7 };
    cr_assert(!k_cast_f64_i64(d, &v, NULL, 2, o));
    v = 0xfc0; /* 2^63, NaN, infinities, 1e300 only at NULL rows */
    cr_assert(k_cast_f64_i64(d, &v, NULL, 12, o));
    cr_assert(k_cast_f64_i64(d, NULL, sel, 2, o));
    cr_assert(o[6] == -1 && o[7] == 2);

    cr_assert(k_cast_f64_i32(d + 6, NULL, NULL, 5, q));
    cr_assert(q[0] == -1 && q[1] == 2 && q[3] == INT32_MAX && q[4] == INT32_MIN);
    cr_assert(!k_cast_f64_i32(d + 11, NULL, NULL, 1, q));
    double m = -2147483649.0;
    cr_assert(!k_cast_f64_i32(&m, NULL, NULL, 1, q));
    cr_assert(!k_cast_f64_i32(d + 2, NULL, NULL, 1, q));

    int64_t w[4] = { INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1 };
    cr_assert(k_cast_i64_i32(w, NULL, NULL, 2, q));
    cr_assert(q[0] == INT32_MAX && q[1] == INT32_MIN);
    cr_assert(!k_cast_i64_i32(w + 2, NULL, NULL, 1, q));
    cr_assert(!k_cast_i64_i32(w + 3, NULL, NULL, 1, q));
    v = 0x3;
    cr_assert(k_cast_i64_i32(w, &v, NULL, 4, q));

    /* widening, random, dense and sparse */
    rng r = { 7 };
    for (size_t li = 0; li < NLENS; li++) {
        uint32_t rows = LENS[li], n;
        int32_t *a = gen_i32_array(&r, rows, 96);
        int64_t *b = gen_i64_array(&r, rows, 96), *wi = xalloc((size_t)rows * 8);
        double *f1 = xalloc((size_t)rows * 8), *f2 = xalloc((size_t)rows * 8);
        for (int sm = 0; sm < NSEL; sm++) {
            uint32_t *s = make_sel(&r, rows, sm, &n);
            k_cast_i32_i64(a, s, n, wi);
            k_cast_i32_f64(a, s, n, f1);
            k_cast_i64_f64(b, s, n, f2);
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = s ? s[j] : j;
                cr_assert(wi[i] == a[i] && f1[i] == (double)a[i] && f2[i] == (double)b[i]);
            }
            free(s);
        }
        free(a);
        free(b);
        free(wi);
        free(f1);
        free(f2);
    }
}

Test(kernels, fill)
{
    for (size_t li = 0; li < NLENS; li++) {
        uint32_t n = LENS[li];
        int32_t *a = xalloc((size_t)n * 4);
        int64_t *b = xalloc((size_t)n * 8);
        double *c = xalloc((size_t)n * 8);
        k_fill_i32(-3, n, a);
        k_fill_i64(INT64_MIN, n, b);
        k_fill_f64(2.5, n, c);
        for (uint32_t i = 0; i < n; i++)
            cr_assert(a[i] == -3 && b[i] == INT64_MIN && c[i] == 2.5);
        free(a);
        free(b);
        free(c);
    }
}

/* ========================================================================
** Three-valued logic, bool selections, bitmaps
** ====================================================================== */
/* 0 = false, 1 = true, 2 = NULL */
static int sql_and(int x, int y)
{
    if (x == 0 || y == 0)
        return 0;
    return x == 2 || y == 2 ? 2 : 1;
}
static int sql_or(int x, int y)
{
    if (x == 1 || y == 1)
        return 1;
    return x == 2 || y == 2 ? 2 : 0;
}

Test(kernels, and_or_truth_table_with_nulls)
{
    /* 9 combinations, repeated with different garbage in NULL slots */
    enum { N = 36 };
    uint8_t a[N], b[N], o[N];
    uint64_t va = 0, vb = 0, ov;
    static const uint8_t garbage[4] = { 0, 1, 2, 255 };
    for (int i = 0; i < N; i++) {
        int x = i % 3, y = (i / 3) % 3;
        a[i] = x == 2 ? garbage[i / 9] : (uint8_t)x;
        b[i] = y == 2 ? garbage[(i / 9 + 1) % 4] : (uint8_t)y;
        va |= (uint64_t)(x != 2) << i;
        vb |= (uint64_t)(y != 2) << i;
    }
    for (int pass = 0; pass < 2; pass++) {
        uint32_t sel[N];
        for (int i = 0; i < N; i++)
            sel[i] = (uint32_t)i;
        ov = 0xdead000000000000ULL; /* bits past the rows must survive */
        k_and_bool(a, &va, b, &vb, pass ? sel : NULL, N, o, &ov);
        for (int i = 0; i < N; i++) {
            int want = sql_and(i % 3, (i / 3) % 3), got = (ov >> i) & 1 ? o[i] : 2;
            cr_assert_eq(got, want, "AND row %d", i);
        }
        cr_assert_eq(ov >> N, 0xdead000000000000ULL >> N);
        ov = 0;
        k_or_bool(a, &va, b, &vb, pass ? sel : NULL, N, o, &ov);
        for (int i = 0; i < N; i++) {
            int want = sql_or(i % 3, (i / 3) % 3), got = (ov >> i) & 1 ? o[i] : 2;
            cr_assert_eq(got, want, "OR row %d", i);
        }
    }
    /* no bitmaps: plain boolean logic, all valid */
    uint8_t t[4] = { 0, 0, 1, 1 }, u[4] = { 0, 1, 0, 1 };
    ov = 0;
    k_and_bool(t, NULL, u, NULL, NULL, 4, o, &ov);
    cr_assert(ov == 0xf && o[0] == 0 && o[1] == 0 && o[2] == 0 && o[3] == 1);
    k_or_bool(t, NULL, u, NULL, NULL, 4, o, &ov);
    cr_assert(ov == 0xf && o[0] == 0 && o[1] == 1 && o[2] == 1 && o[3] == 1);
}

static uint8_t *gen_bools(rng *r, uint32_t n)
{
    uint8_t *a = xalloc(n);
    for (uint32_t i = 0; i < n; i++)
        a[i] = rndn(r, 16) == 0 ? (uint8_t)rnd(r) : (uint8_t)(rnd(r) & 1);
    return a;
}

Test(kernels, logic_random)
{
    rng r = { 301 };
    for (size_t li = 0; li < NLENS; li++) {
        uint32_t rows = LENS[li], w = k_bitmap_words(rows);
        uint8_t *a = gen_bools(&r, rows), *b = gen_bools(&r, rows), *o = xalloc(rows);
        for (int sm = 0; sm < NSEL; sm++) {
            uint32_t n;
            uint32_t *sel = make_sel(&r, rows, sm, &n);
            for (int vm = 0; vm < NVAL; vm++) {
                uint64_t *va = make_valid(&r, rows, vm), *vb = make_valid(&r, rows, (vm + 1 + sm) % NVAL);
                uint64_t *ov = make_valid(&r, rows, V_RANDOM), *before = xdup(ov, (size_t)w * 8);
                for (int is_or = 0; is_or < 2; is_or++) {
                    memcpy(ov, before, (size_t)w * 8);
                    (is_or ? k_or_bool : k_and_bool)(a, va, b, vb, sel, n, o, ov);
                    uint32_t j = 0;
                    for (uint32_t i = 0; i < rows; i++) {
                        bool in = sel ? (j < n && sel[j] == i) : true;
                        if (!in) {
                            cr_assert_eq(vbit(ov, i), vbit(before, i), "row %u outside sel changed", i);
                            continue;
                        }
                        j++;
                        int x = vbit(va, i) ? a[i] != 0 : 2, y = vbit(vb, i) ? b[i] != 0 : 2;
                        int want = is_or ? sql_or(x, y) : sql_and(x, y);
                        int got = vbit(ov, i) ? o[i] : 2;
                        cr_assert_eq(got, want, "%s row %u rows=%u sel=%s", is_or ? "or" : "and", i, rows,
                                     SELNAME[sm]);
                    }
                }
                /* k_sel_true against its twin */
                uint32_t *s1 = xalloc((size_t)n * 4), *s2 = xalloc((size_t)n * 4);
                uint32_t k1 = k_sel_true(a, va, sel, n, s1), k2 = k_sel_true_ref(a, va, sel, n, s2);
                cr_assert(k1 == k2 && !memcmp(s1, s2, (size_t)k1 * 4), "sel_true rows=%u sel=%s va=%s",
                          rows, SELNAME[sm], VNAME[vm]);
                /* k_sel_valid / k_count_valid against the bits */
                for (int want_null = 0; want_null < 2; want_null++) {
                    k1 = k_sel_valid(va, want_null, sel, n, s1);
                    k2 = 0;
                    for (uint32_t t = 0; t < n; t++) {
                        uint32_t i = sel ? sel[t] : t;
                        if (vbit(va, i) != want_null)
                            s2[k2++] = i;
                    }
                    cr_assert(k1 == k2 && !memcmp(s1, s2, (size_t)k1 * 4), "sel_valid null=%d rows=%u",
                              want_null, rows);
                }
                k2 = 0;
                for (uint32_t t = 0; t < n; t++)
                    k2 += vbit(va, sel ? sel[t] : t);
                cr_assert_eq(k_count_valid(va, sel, n), k2);
                free(s1);
                free(s2);
                free(va);
                free(vb);
                free(ov);
                free(before);
            }
            uint8_t *no = xalloc(rows);
            memset(no, 9, rows);
            k_not_bool(a, sel, n, no);
            for (uint32_t t = 0; t < n; t++) {
                uint32_t i = sel ? sel[t] : t;
                cr_assert_eq(no[i], a[i] == 0);
            }
            free(no);
            free(sel);
        }
        free(a);
        free(b);
        free(o);
    }
}

Test(kernels, valid_and_and_set_all)
{
    rng r = { 302 };
    for (size_t li = 0; li < NLENS; li++) {
        uint32_t rows = LENS[li], w = k_bitmap_words(rows);
        for (int am = 0; am < NVAL; am++) {
            for (int bm = 0; bm < NVAL; bm++) {
                uint64_t *a = make_valid(&r, rows, am), *b = make_valid(&r, rows, bm);
                uint64_t *o = xalloc((size_t)w * 8);
                k_valid_and(a, b, rows, o);
                for (uint32_t i = 0; i < rows; i++)
                    cr_assert_eq(vbit(o, i), vbit(a, i) && vbit(b, i), "row %u rows=%u", i, rows);
                if (a) { /* in place */
                    uint64_t *a2 = xdup(a, (size_t)w * 8);
                    k_valid_and(a2, b, rows, a2);
                    for (uint32_t i = 0; i < rows; i++)
                        cr_assert_eq(vbit(a2, i), vbit(o, i));
                    free(a2);
                }
                free(a);
                free(b);
                free(o);
            }
        }
        uint64_t *o = xalloc((size_t)w * 8);
        memset(o, 0, (size_t)w * 8);
        k_valid_set_all(o, rows);
        cr_assert_eq(k_count_valid(o, NULL, rows), rows);
        free(o);
    }
}

/* ========================================================================
** Gather
** ====================================================================== */
Test(kernels, gather_all_types)
{
    rng r = { 401 };
    for (size_t li = 0; li < NLENS; li++) {
        uint32_t n = LENS[li], src_rows = n ? 3 * n / 2 + 1 : 5;
        uint32_t *idx = xalloc((size_t)n * 4);
        for (uint32_t i = 0; i < n; i++)
            idx[i] = rndn(&r, src_rows);
        uint8_t *s8 = xalloc(src_rows), *d8 = xalloc(n);
        uint32_t *s32 = xalloc((size_t)src_rows * 4), *d32 = xalloc((size_t)n * 4);
        uint64_t *s64 = xalloc((size_t)src_rows * 8), *d64 = xalloc((size_t)n * 8), *e64 = xalloc((size_t)n * 8);
        strset ss = gen_strs(&r, src_rows);
        tir_str *dst = xalloc((size_t)n * sizeof(tir_str));
        for (uint32_t i = 0; i < src_rows; i++) {
            s8[i] = (uint8_t)rnd(&r);
            s32[i] = (uint32_t)rnd(&r);
            s64[i] = rnd(&r);
        }
        k_gather_u8(s8, idx, n, d8);
        k_gather_u32(s32, idx, n, d32);
        k_gather_u64(s64, idx, n, d64);
        k_gather_u64_ref(s64, idx, n, e64);
        k_gather_str(ss.v, idx, n, dst);
        cr_assert(!memcmp(d64, e64, (size_t)n * 8));
        for (uint32_t i = 0; i < n; i++) {
            cr_assert(d8[i] == s8[idx[i]] && d32[i] == s32[idx[i]] && d64[i] == s64[idx[i]]);
            cr_assert(k_str_eq(&dst[i], &ss.v[idx[i]]));
        }
        for (int vm = 0; vm < NVAL; vm++) {
            uint64_t *sv = make_valid(&r, src_rows, vm), *dv = xalloc((size_t)k_bitmap_words(n) * 8);
            bool all = k_gather_valid(sv, idx, n, dv), want_all = true;
            for (uint32_t i = 0; i < n; i++) {
                cr_assert_eq(vbit(dv, i), vbit(sv, idx[i]));
                want_all &= vbit(sv, idx[i]);
            }
            cr_assert_eq(all, want_all, "rows=%u va=%s", n, VNAME[vm]);
            free(sv);
            free(dv);
        }
        free(idx);
        free(s8);
        free(d8);
        free(s32);
        free(d32);
        free(s64);
        free(d64);
        free(e64);
        free(dst);
        free_strs(&ss);
    }
}

/* ========================================================================
** Hashing
** ====================================================================== */
#define DEF_HASH_CHECK(T, CT)                                                                      \
    static void hash_check_##T(uint64_t seed)                                                      \
    {                                                                                              \
        rng r = { seed };                                                                          \
        for (size_t li = 0; li < NLENS; li++) {                                                    \
            uint32_t rows = LENS[li];                                                              \
            CT *a = gen_##T##_array(&r, rows, 96);                                                 \
            uint64_t *h1 = xalloc((size_t)rows * 8), *h2 = xalloc((size_t)rows * 8);               \
            for (int sm = 0; sm < NSEL; sm++) {                                                    \
                uint32_t n;                                                                        \
                uint32_t *sel = make_sel(&r, rows, sm, &n);                                        \
                for (int vm = 0; vm < NVAL; vm++) {                                                \
                    uint64_t *va = make_valid(&r, rows, vm);                                       \
                    for (int combine = 0; combine < 2; combine++) {                                \
                        for (uint32_t i = 0; i < rows; i++)                                        \
                            h1[i] = h2[i] = rnd(&r);                                               \
                        k_hash_##T(a, va, sel, n, combine, h1);                                    \
                        k_hash_##T##_ref(a, va, sel, n, combine, h2);                              \
                        cr_assert(!memcmp(h1, h2, (size_t)rows * 8),                               \
                                  "hash %s rows=%u sel=%s va=%s combine=%d", #T, rows,             \
                                  SELNAME[sm], VNAME[vm], combine);                                \
                    }                                                                              \
                    free(va);                                                                      \
                }                                                                                  \
                free(sel);                                                                         \
            }                                                                                      \
            free(a);                                                                               \
            free(h1);                                                                              \
            free(h2);                                                                              \
        }                                                                                          \
    }
K_NUM_TYPES(DEF_HASH_CHECK)

Test(kernels, hash_i32_against_ref) { hash_check_i32(501); }
Test(kernels, hash_i64_against_ref) { hash_check_i64(502); }
Test(kernels, hash_f64_against_ref) { hash_check_f64(503); }

Test(kernels, hash_str_against_ref)
{
    rng r = { 504 };
    for (size_t li = 0; li < NLENS; li++) {
        uint32_t rows = LENS[li];
        strset a = gen_strs(&r, rows);
        uint64_t *h1 = xalloc((size_t)rows * 8), *h2 = xalloc((size_t)rows * 8);
        for (int sm = 0; sm < NSEL; sm++) {
            uint32_t n;
            uint32_t *sel = make_sel(&r, rows, sm, &n);
            for (int vm = 0; vm < NVAL; vm++) {
                uint64_t *va = make_valid(&r, rows, vm);
                for (int combine = 0; combine < 2; combine++) {
                    for (uint32_t i = 0; i < rows; i++)
                        h1[i] = h2[i] = rnd(&r);
                    k_hash_str(a.v, va, sel, n, combine, h1);
                    k_hash_str_ref(a.v, va, sel, n, combine, h2);
                    cr_assert(!memcmp(h1, h2, (size_t)rows * 8), "rows=%u sel=%s va=%s combine=%d", rows,
                              SELNAME[sm], VNAME[vm], combine);
                }
                free(va);
            }
            free(sel);
        }
        free_strs(&a);
        free(h1);
        free(h2);
    }
}

static uint64_t hash_f64_1(double x)
{
    uint64_t h;
    k_hash_f64(&x, NULL, NULL, 1, false, &h);
    return h;
}

Test(kernels, hash_f64_zero_and_nan)
{
    cr_assert_eq(hash_f64_1(-0.0), hash_f64_1(0.0));
    cr_assert_eq(hash_f64_1(NAN), hash_f64_1(bits_to_f64(0xfff8000000000123ULL)));
    cr_assert_eq(hash_f64_1(NAN), hash_f64_1(bits_to_f64(0x7ff0000000000001ULL)));
    cr_assert_neq(hash_f64_1(1.0), hash_f64_1(0.0));
    cr_assert_neq(hash_f64_1(INFINITY), hash_f64_1(NAN));
    /* the same through the 8-wide path */
    double a[16] = { -0.0, 0.0, NAN, -NAN, 1, 2, 3, 4, 0.0, -0.0, -NAN, NAN, 1, 2, 3, 4 };
    uint64_t h[16];
    k_hash_f64(a, NULL, NULL, 16, false, h);
    cr_assert(h[0] == h[1] && h[0] == h[8] && h[0] == h[9]);
    cr_assert(h[2] == h[3] && h[2] == h[10] && h[2] == h[11]);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

Test(kernels, hash_properties)
{
    /* integers hash by value whatever their width; bool like 0/1 */
    int32_t x[9] = { -5, 0, 1, INT32_MIN, INT32_MAX, 7, 8, 9, -1 };
    int64_t y[9];
    uint8_t bo[9] = { 0, 1, 0, 1, 0, 1, 0, 1, 0 };
    int64_t y01[9];
    uint64_t h1[9], h2[9];
    for (int i = 0; i < 9; i++) {
        y[i] = x[i];
        y01[i] = bo[i];
    }
    k_hash_i32(x, NULL, NULL, 9, false, h1);
    k_hash_i64(y, NULL, NULL, 9, false, h2);
    cr_assert(!memcmp(h1, h2, sizeof h1));
    k_hash_bool(bo, NULL, NULL, 9, false, h1);
    k_hash_i64(y01, NULL, NULL, 9, false, h2);
    cr_assert(!memcmp(h1, h2, sizeof h1));

    /* NULL rows hash to one constant for every type */
    uint64_t none[1] = { 0 };
    tir_str s = { 0 };
    double d = 3;
    uint64_t hn[4];
    k_hash_i32(x, none, NULL, 1, false, &hn[0]);
    k_hash_i64(y, none, NULL, 1, false, &hn[1]);
    k_hash_f64(&d, none, NULL, 1, false, &hn[2]);
    k_hash_str(&s, none, NULL, 1, false, &hn[3]);
    cr_assert(hn[0] == hn[1] && hn[1] == hn[2] && hn[2] == hn[3]);
    k_hash_i64(y, NULL, NULL, 1, false, &hn[1]);
    cr_assert_neq(hn[0], hn[1]);

    /* distinct integers never collide (bijective mixer) */
    enum { N = 4096 };
    int64_t *v = xalloc(N * 8);
    uint64_t *h = xalloc(N * 8);
    for (int i = 0; i < N; i++)
        v[i] = (int64_t)i - N / 2;
    k_hash_i64(v, NULL, NULL, N, false, h);
    uint64_t *sorted = xdup(h, N * 8);
    qsort(sorted, N, 8, cmp_u64);
    for (int i = 1; i < N; i++)
        cr_assert_neq(sorted[i], sorted[i - 1]);
    free(sorted);
    /* and the low 12 bits, used for buckets, spread: no bucket over 16 */
    int *bucket = calloc(4096, sizeof(int));
    cr_assert_not_null(bucket);
    for (int i = 0; i < N; i++)
        cr_assert(++bucket[h[i] & 4095] <= 16, "bucket overflow");
    free(bucket);

    /* combine is order sensitive: (a, b) and (b, a) differ */
    int64_t p[2] = { 1, 2 }, q[2] = { 2, 1 };
    uint64_t hp[2], hq[2];
    k_hash_i64(p, NULL, NULL, 2, false, hp);
    k_hash_i64(q, NULL, NULL, 2, true, hp);
    cr_assert_neq(hp[0], hp[1]);
    k_hash_i64(q, NULL, NULL, 2, false, hq);
    k_hash_i64(p, NULL, NULL, 2, true, hq);
    cr_assert_eq(hp[0], hq[1]);
    free(v);
    free(h);
}

Test(kernels, hash_str_equal_strings_equal_hashes)
{
    rng r = { 505 };
    static const char *const w[] = { "", "a", "abcd", "abcdefgh", "abcdefghijkl", "abcdefghijklm",
                                     "abcdefghijklmnopqrstuvwxyz0123456789" };
    enum { NW = sizeof w / sizeof w[0] };
    tir_str s[NW], t[NW];
    char *os[NW], *ot[NW];
    uint64_t hs[NW], ht[NW];
    for (int i = 0; i < NW; i++) {
        set_str(&r, &s[i], w[i], (uint32_t)strlen(w[i]), &os[i]);
        set_str(&r, &t[i], w[i], (uint32_t)strlen(w[i]), &ot[i]);
    }
    k_hash_str(s, NULL, NULL, NW, false, hs);
    k_hash_str(t, NULL, NULL, NW, false, ht);
    for (int i = 0; i < NW; i++) {
        cr_assert_eq(hs[i], ht[i], "\"%s\"", w[i]);
        for (int j = 0; j < i; j++)
            cr_assert_neq(hs[i], hs[j]);
    }
    /* "a" and "a\0" differ: the length is hashed */
    tir_str z;
    char *oz;
    set_str(&r, &z, "a\0", 2, &oz);
    uint64_t hz;
    k_hash_str(&z, NULL, NULL, 1, false, &hz);
    cr_assert_neq(hz, hs[1]);
    for (int i = 0; i < NW; i++) {
        free(os[i]);
        free(ot[i]);
    }
}

/* ========================================================================
** Aggregates
** ====================================================================== */
#define DEF_MINMAX_CHECK(T, CT, SAME_AGG)                                                          \
    static void minmax_check_##T(uint64_t seed)                                                    \
    {                                                                                              \
        rng r = { seed };                                                                          \
        for (size_t li = 0; li < NLENS; li++) {                                                    \
            uint32_t rows = LENS[li];                                                              \
            CT *a = gen_##T##_array(&r, rows, 32);                                                 \
            for (int sm = 0; sm < NSEL; sm++) {                                                    \
                uint32_t n;                                                                        \
                uint32_t *sel = make_sel(&r, rows, sm, &n);                                        \
                for (int vm = 0; vm < NVAL; vm++) {                                                \
                    uint64_t *va = make_valid(&r, rows, vm);                                       \
                    for (int start = 0; start < 2; start++) {                                      \
                        CT init = gen_##T(&r, 32);                                                 \
                        CT a1 = init, a2 = init;                                                   \
                        bool h1 = start, h2 = start;                                               \
                        k_min_##T(a, va, sel, n, &a1, &h1);                                        \
                        k_min_##T##_ref(a, va, sel, n, &a2, &h2);                                  \
                        cr_assert(h1 == h2 && SAME_AGG(a1, a2), "min %s rows=%u sel=%s va=%s", #T, \
                                  rows, SELNAME[sm], VNAME[vm]);                                   \
                        a1 = a2 = init;                                                            \
                        h1 = h2 = start;                                                           \
                        k_max_##T(a, va, sel, n, &a1, &h1);                                        \
                        k_max_##T##_ref(a, va, sel, n, &a2, &h2);                                  \
                        cr_assert(h1 == h2 && SAME_AGG(a1, a2), "max %s rows=%u sel=%s va=%s", #T, \
                                  rows, SELNAME[sm], VNAME[vm]);                                   \
                    }                                                                              \
                    free(va);                                                                      \
                }                                                                                  \
                free(sel);                                                                         \
            }                                                                                      \
            free(a);                                                                               \
        }                                                                                          \
    }
#define SAME_INT(x, y) ((x) == (y))
/* min/max may return either zero when both -0.0 and 0.0 occur */
#define SAME_AGG_F64(x, y) ((isnan(x) && isnan(y)) || (x) == (y))
DEF_MINMAX_CHECK(i32, int32_t, SAME_INT)
DEF_MINMAX_CHECK(i64, int64_t, SAME_INT)
DEF_MINMAX_CHECK(f64, double, SAME_AGG_F64)

Test(kernels, min_max_against_ref)
{
    minmax_check_i32(601);
    minmax_check_i64(602);
    minmax_check_f64(603);
}

Test(kernels, min_max_edges)
{
    double d[10] = { NAN, 1, 2, NAN, -3, NAN, NAN, NAN, NAN, NAN };
    double acc = 99;
    bool has = false;
    k_min_f64(d, NULL, NULL, 10, &acc, &has);
    cr_assert(has && acc == -3);
    has = false;
    k_max_f64(d, NULL, NULL, 10, &acc, &has);
    cr_assert(has && acc == 2);
    has = false;
    uint32_t sel[3] = { 0, 5, 9 };
    k_max_f64(d, NULL, sel, 3, &acc, &has);
    cr_assert(has && isnan(acc), "all NaN -> NaN");
    k_max_f64(d + 5, NULL, NULL, 5, &acc, &has);
    cr_assert(has && isnan(acc));
    k_max_f64(d, NULL, NULL, 3, &acc, &has);
    cr_assert(acc == 2, "a NaN accumulator gives way to a number");
    /* all NULL: nothing changes */
    uint64_t none[1] = { 0 };
    int32_t x[9] = { 5, -4, 3, 2, 1, 0, 9, 8, 7 };
    int32_t m = 77;
    has = false;
    k_min_i32(x, none, NULL, 9, &m, &has);
    cr_assert(!has && m == 77);
    k_min_i32(x, NULL, NULL, 0, &m, &has);
    cr_assert(!has && m == 77);
    has = true;
    m = -10;
    k_min_i32(x, NULL, NULL, 9, &m, &has);
    cr_assert(has && m == -10);
    k_max_i32(x, NULL, NULL, 9, &m, &has);
    cr_assert(m == 9);
    int64_t y[9] = { INT64_MIN, 4, INT64_MAX, 0, 0, 0, 0, 0, -1 };
    int64_t my;
    has = false;
    k_max_i64(y, NULL, NULL, 9, &my, &has);
    cr_assert(has && my == INT64_MAX);
    has = false;
    k_min_i64(y, NULL, NULL, 9, &my, &has);
    cr_assert(my == INT64_MIN);
    uint64_t v[1] = { 0x1fe };
    has = false;
    k_min_i64(y, v, NULL, 9, &my, &has);
    cr_assert(my == -1);
}

static void sum_f64_check(const double *a, const uint64_t *va, const uint32_t *sel, uint32_t n, double init,
                          const char *ctx)
{
    double s1 = init, s2 = init, mag = fabs(init);
    k_sum_f64(a, va, sel, n, &s1);
    k_sum_f64_ref(a, va, sel, n, &s2);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (vbit(va, i))
            mag += fabs(a[i]);
    }
    if (isnan(s2) || isinf(s2))
        cr_assert(same_f64(s1, s2), "%s: %g vs %g", ctx, s1, s2);
    else
        cr_assert(fabs(s1 - s2) <= 1e-12 * mag, "%s: %.17g vs %.17g", ctx, s1, s2);
}

Test(kernels, sums_against_ref)
{
    rng r = { 701 };
    char ctx[96];
    for (unsigned ext = 0; ext <= 128; ext += 64) {
        for (size_t li = 0; li < NLENS; li++) {
            uint32_t rows = LENS[li];
            int32_t *a = gen_i32_array(&r, rows, ext);
            int64_t *b = gen_i64_array(&r, rows, ext);
            double *d = gen_f64_array(&r, rows, ext ? 8 : 0);
            for (uint32_t i = 0; !ext && i < rows; i++) /* large, mixed signs: cancellation */
                d[i] = ldexp((double)(int64_t)rnd(&r), -20);
            for (int sm = 0; sm < NSEL; sm++) {
                uint32_t n;
                uint32_t *sel = make_sel(&r, rows, sm, &n);
                for (int vm = 0; vm < NVAL; vm++) {
                    uint64_t *va = make_valid(&r, rows, vm);
                    snprintf(ctx, sizeof ctx, "rows=%u sel=%s va=%s ext=%u", rows, SELNAME[sm], VNAME[vm], ext);
                    int64_t inits[3] = { 0, INT64_MAX - 3, INT64_MIN + 3 };
                    for (int k = 0; k < 3; k++) {
                        int64_t s1 = inits[k], s2 = inits[k];
                        bool o1 = false, o2 = false;
                        k_sum_i32(a, va, sel, n, &s1, &o1);
                        k_sum_i32_ref(a, va, sel, n, &s2, &o2);
                        cr_assert(o1 == o2 && (o1 || s1 == s2), "sum_i32 %s init=%d", ctx, k);
                        s1 = s2 = inits[k];
                        o1 = o2 = false;
                        k_sum_i64(b, va, sel, n, &s1, &o1);
                        k_sum_i64_ref(b, va, sel, n, &s2, &o2);
                        cr_assert(o1 == o2 && (o1 || s1 == s2), "sum_i64 %s init=%d", ctx, k);
                    }
                    sum_f64_check(d, va, sel, n, 0.0, ctx);
                    sum_f64_check(d, va, sel, n, 12345.5, ctx);
                    free(va);
                }
                free(sel);
            }
            free(a);
            free(b);
            free(d);
        }
    }
}

Test(kernels, sum_overflow)
{
    int64_t a[20] = { INT64_MAX, 1 };
    int64_t acc = 0;
    bool ovf = false;
    k_sum_i64(a, NULL, NULL, 2, &acc, &ovf);
    cr_assert(ovf, "INT64_MAX + 1");
    /* exact per call: an intermediate wrap that comes back is not overflow */
    a[2] = -1;
    acc = 0;
    ovf = false;
    k_sum_i64(a, NULL, NULL, 3, &acc, &ovf);
    cr_assert(!ovf && acc == INT64_MAX);
    /* the same through the 8-wide path, NULL rows ignored */
    for (int i = 0; i < 20; i++)
        a[i] = i % 2 ? INT64_MAX : INT64_MIN;
    acc = 0;
    ovf = false;
    k_sum_i64(a, NULL, NULL, 20, &acc, &ovf);
    cr_assert(!ovf && acc == -10);
    uint64_t v = 0xaaaaa; /* only the INT64_MAX rows */
    acc = 0;
    k_sum_i64(a, &v, NULL, 20, &acc, &ovf);
    cr_assert(ovf);
    v = 0x2; /* one INT64_MAX row */
    acc = 0;
    ovf = false;
    k_sum_i64(a, &v, NULL, 20, &acc, &ovf);
    cr_assert(!ovf && acc == INT64_MAX);
    /* accumulator near the edge */
    int32_t x[9] = { 3, 3, 0, 0, 0, 0, 0, 0, 0 };
    acc = INT64_MAX - 5;
    ovf = false;
    k_sum_i32(x, NULL, NULL, 9, &acc, &ovf);
    cr_assert(ovf);
    acc = INT64_MAX - 6;
    ovf = false;
    k_sum_i32(x, NULL, NULL, 9, &acc, &ovf);
    cr_assert(!ovf && acc == INT64_MAX);
    /* i32 extremes never overflow an i64 total on their own */
    int32_t *big = xalloc(2049 * 4);
    for (int i = 0; i < 2049; i++)
        big[i] = INT32_MIN;
    acc = 0;
    k_sum_i32(big, NULL, NULL, 2049, &acc, &ovf);
    cr_assert(!ovf && acc == 2049LL * INT32_MIN);
    free(big);
    /* f64 NaN propagates; NULL NaN does not */
    double d[9] = { 1, 2, NAN, 4, 5, 6, 7, 8, 9 }, s = 0;
    k_sum_f64(d, NULL, NULL, 9, &s);
    cr_assert(isnan(s));
    v = 0x1fb;
    s = 0;
    k_sum_f64(d, &v, NULL, 9, &s);
    cr_assert_eq(s, 42.0);
}

/* ---- split-block bloom filters ------------------------------------------ */

/* Sizing: 10 bits per distinct value in 256-bit blocks, at least one. */
Test(kernels, bloom_nblocks)
{
    cr_assert_eq(k_bloom_nblocks(0), 1);
    cr_assert_eq(k_bloom_nblocks(1), 1);
    cr_assert_eq(k_bloom_nblocks(25), 1);
    cr_assert_eq(k_bloom_nblocks(26), 2);
    cr_assert_eq(k_bloom_nblocks(1000), 40);
    cr_assert_eq(k_bloom_nblocks(32768), 1280);
}

/* Parquet's bit layout: the high half of the hash picks the block by
** multiply-shift, the low half times each salt picks a bit per word. */
Test(kernels, bloom_bit_layout_is_parquets)
{
    uint32_t w[4 * 8] = { 0 };
    k_bloom_insert(w, 1, (const uint64_t[]){ 1 }, NULL, 1);
    static const uint32_t one[8] = { 0x100, 0x100, 0x20000, 0x100000, 0x4000, 0x20, 0x80000, 0x800 };
    cr_assert(memcmp(w, one, 32) == 0);
    memset(w, 0, sizeof w);
    /* high 32 bits 0x80000000 of 4 blocks -> block 2 */
    uint64_t h = 0x8000000012345678ULL;
    k_bloom_insert(w, 4, &h, NULL, 1);
    static const uint32_t blk2[8] = { 0x1000, 0x20000000, 0x800000, 0x4, 0x8000, 0x400, 0x10, 0x4 };
    for (int b = 0; b < 4; b++)
        for (int i = 0; i < 8; i++)
            cr_assert_eq(w[8 * b + i], b == 2 ? blk2[i] : 0u, "block %d word %d", b, i);
    cr_assert(k_bloom_check(w, 4, h));
    cr_assert(!k_bloom_check(w, 4, 0x0000000012345678ULL)); /* same bits, block 0 */
    cr_assert(!k_bloom_check(w, 4, 0xffffffff12345678ULL)); /* block 3 */
}

Test(kernels, bloom_no_false_negatives_few_false_positives)
{
    rng r = { 601 };
    enum { N = 10000 };
    int64_t *keys = xalloc(2 * N * 8);
    for (int i = 0; i < 2 * N; i++)
        keys[i] = (int64_t)rnd(&r);
    uint64_t *h = xalloc(2 * N * 8);
    k_hash_i64(keys, NULL, NULL, 2 * N, false, h);
    uint32_t nb = k_bloom_nblocks(N);
    uint32_t *w = xalloc((size_t)nb * 32);
    memset(w, 0, (size_t)nb * 32);
    k_bloom_insert(w, nb, h, NULL, N);
    for (int i = 0; i < N; i++)
        cr_assert(k_bloom_check(w, nb, h[i]), "key %d inserted but not found", i);
    uint32_t fp = 0;
    for (int i = N; i < 2 * N; i++)
        fp += k_bloom_check(w, nb, h[i]);
    cr_assert_lt(fp, N * 3 / 100, "%u false positives in %d absent keys", fp, N);
    cr_assert_gt(fp, 0u, "a filter that never says maybe is suspicious at this size");
    /* the probe kernel agrees: every present key qualifies */
    uint32_t *out = xalloc(N * 4);
    cr_assert_eq(k_bloom_probe_sel(w, nb, h, NULL, N, out), (uint32_t)N);
    cr_assert_eq(k_bloom_probe_sel(w, nb, h + N, NULL, N, out), fp);
    free(keys);
    free(h);
    free(w);
    free(out);
}

Test(kernels, bloom_probe_sel_against_ref)
{
    rng r = { 602 };
    const uint32_t sizes[] = { 1, 3, 64 };
    for (size_t si = 0; si < 3; si++) {
        uint32_t nb = sizes[si];
        uint32_t *w = xalloc((size_t)nb * 32);
        memset(w, 0, (size_t)nb * 32);
        for (size_t li = 0; li < NLENS; li++) {
            uint32_t rows = LENS[li];
            uint64_t *h = xalloc((size_t)rows * 8);
            for (uint32_t i = 0; i < rows; i++)
                h[i] = rnd(&r);
            /* about half the rows go in, so both outcomes occur */
            for (uint32_t i = 0; i < rows; i++)
                if (rnd(&r) & 1)
                    k_bloom_insert(w, nb, h + i, NULL, 1);
            for (int sm = 0; sm < NSEL; sm++) {
                uint32_t n;
                uint32_t *sel = make_sel(&r, rows, sm, &n);
                uint32_t *o1 = xalloc((size_t)n * 4), *o2 = xalloc((size_t)n * 4);
                uint32_t k1 = k_bloom_probe_sel(w, nb, h, sel, n, o1);
                uint32_t k2 = k_bloom_probe_sel_ref(w, nb, h, sel, n, o2);
                cr_assert_eq(k1, k2, "nblocks=%u rows=%u sel=%s", nb, rows, SELNAME[sm]);
                cr_assert(k1 == 0 || memcmp(o1, o2, (size_t)k1 * 4) == 0, "nblocks=%u rows=%u sel=%s", nb, rows,
                          SELNAME[sm]);
                for (uint32_t j = 0; j < k1; j++)
                    cr_assert(k_bloom_check(w, nb, h[o1[j]]));
                free(sel);
                free(o1);
                free(o2);
            }
            free(h);
        }
        free(w);
    }
}

/* The key bitmap filter against its reference: ranges inside i32 (where
** eight keys a step are gathered) at both ends of the type, ranges reaching
** past it (the scalar path), keys on both sides of the range, at its ends
** and at the ends of the type, every selection and validity mode. */
Test(kernels, kbits_sel_i32_against_ref)
{
    rng r = { 603 };
    const struct { int64_t lo; uint64_t range; } spans[] = {
        { -1000, 5000 }, { INT32_MIN, 3000 }, { (int64_t)INT32_MAX - 2999, 3000 }, { 0, 1 },
        { (int64_t)INT32_MAX - 99, 1000 }, { (int64_t)INT32_MIN - 64, 5000 },
    };
    for (size_t si = 0; si < sizeof spans / sizeof spans[0]; si++) {
        int64_t lo = spans[si].lo;
        uint64_t range = spans[si].range, words = range / 64 + 1;
        uint64_t *bits = xalloc(words * 8);
        for (uint64_t w = 0; w < words; w++)
            bits[w] = rnd(&r) & rnd(&r);
        for (size_t li = 0; li < NLENS; li++) {
            uint32_t rows = LENS[li];
            int32_t *a = xalloc((size_t)rows * 4 + 4);
            for (uint32_t i = 0; i < rows; i++) {
                int64_t k = lo + (int64_t)(rnd(&r) % (range + 40)) - 20; /* and a few outside */
                if (i % 13 == 0)
                    k = i % 2 ? lo : lo + (int64_t)range - 1;
                if (i % 17 == 0) /* far outside: d = key - lo modulo 2^32 must not wrap into the range */
                    k = i % 2 ? INT32_MIN : INT32_MAX;
                a[i] = k < INT32_MIN ? INT32_MIN : k > INT32_MAX ? INT32_MAX : (int32_t)k;
            }
            for (int vm = 0; vm < NVAL; vm++) {
                uint64_t *va = make_valid(&r, rows, vm);
                for (int sm = 0; sm < NSEL; sm++) {
                    uint32_t n;
                    uint32_t *sel = make_sel(&r, rows, sm, &n);
                    uint32_t *o1 = xalloc((size_t)n * 4 + 4), *o2 = xalloc((size_t)n * 4 + 4);
                    uint32_t k1 = k_kbits_sel_i32(bits, lo, range, a, va, sel, n, o1);
                    uint32_t k2 = k_kbits_sel_i32_ref(bits, lo, range, a, va, sel, n, o2);
                    cr_assert_eq(k1, k2, "lo=%lld range=%llu rows=%u valid=%s sel=%s: %u rows, want %u",
                                 (long long)lo, (unsigned long long)range, rows, VNAME[vm], SELNAME[sm], k1, k2);
                    cr_assert(k1 == 0 || memcmp(o1, o2, (size_t)k1 * 4) == 0, "lo=%lld rows=%u sel=%s",
                              (long long)lo, rows, SELNAME[sm]);
                    free(sel);
                    free(o1);
                    free(o2);
                }
                free(va);
            }
            free(a);
        }
        free(bits);
    }
}

/* ========================================================================
** Comparison masks (dense conjunctions) and k_sel_mask
** ====================================================================== */
#define DEF_MASKOPS(T, CT)                                                                         \
    typedef void (*maskfn_##T)(const CT *, CT, const uint64_t *, uint32_t, bool, uint64_t *);      \
    typedef struct {                                                                               \
        const char *op;                                                                            \
        maskfn_##T fn, ref;                                                                        \
    } maskops_##T;
K_NUM_TYPES(DEF_MASKOPS)
#define MASKROW(op, T) { #op, k_mask_##op##_##T##_vc, k_mask_##op##_##T##_vc_ref },
#define MASKROW_i32(op) MASKROW(op, i32)
#define MASKROW_i64(op) MASKROW(op, i64)
#define MASKROW_f64(op) MASKROW(op, f64)
static const maskops_i32 MASKOPS_i32[] = { K_CMP_OPS(MASKROW_i32) };
static const maskops_i64 MASKOPS_i64[] = { K_CMP_OPS(MASKROW_i64) };
static const maskops_f64 MASKOPS_f64[] = { K_CMP_OPS(MASKROW_f64) };

/* Bits [0, rows) of two masks are equal. */
static bool same_bits(const uint64_t *x, const uint64_t *y, uint32_t rows)
{
    for (uint32_t i = 0; i < rows; i++)
        if (((x[i / 64] >> (i % 64)) & 1) != ((y[i / 64] >> (i % 64)) & 1))
            return false;
    return true;
}

/* Each op against its twin, written and ANDed into a random mask, then the
** selection made from the mask against the selection kernel of the same
** comparison. */
#define DEF_MASK_CHECK(T, CT)                                                                      \
    static void mask_check_##T(uint64_t seed)                                                      \
    {                                                                                              \
        rng r = { seed };                                                                          \
        for (int o = 0; o < NOPS; o++) {                                                           \
            const maskops_##T *op = &MASKOPS_##T[o];                                               \
            for (size_t li = 0; li < NLENS; li++) {                                                \
                uint32_t rows = LENS[li], words = rows / 64 + 1;                                   \
                CT *a = gen_##T##_array(&r, rows, 96);                                             \
                CT c = rows ? a[rndn(&r, rows)] : gen_##T(&r, 96);                                 \
                for (int vm = 0; vm < NVAL; vm++) {                                                \
                    uint64_t *va = make_valid(&r, rows, vm);                                       \
                    uint64_t *m1 = xalloc(words * 8), *m2 = xalloc(words * 8);                     \
                    for (int and_into = 0; and_into < 2; and_into++) {                             \
                        for (uint32_t w = 0; w < words; w++)                                       \
                            m1[w] = m2[w] = rnd(&r);                                               \
                        op->fn(a, c, va, rows, and_into, m1);                                      \
                        op->ref(a, c, va, rows, and_into, m2);                                     \
                        cr_assert(same_bits(m1, m2, rows), "mask %s %s rows=%u va=%s and=%d",      \
                                  op->op, #T, rows, VNAME[vm], and_into);                          \
                    }                                                                              \
                    /* written (not ANDed): its selection is the comparison's */                  \
                    op->fn(a, c, va, rows, false, m1);                                             \
                    uint32_t *s1 = xalloc((size_t)rows * 4 + 4), *s2 = xalloc((size_t)rows * 4 + 4); \
                    uint32_t k1 = k_sel_mask(m1, NULL, rows, s1);                                  \
                    uint32_t k2 = SELOPS_##T[o].vc_ref(a, c, va, NULL, rows, s2);                  \
                    cr_assert(k1 == k2 && !memcmp(s1, s2, (size_t)k1 * 4),                         \
                              "sel_mask %s %s rows=%u va=%s", op->op, #T, rows, VNAME[vm]);       \
                    for (int sm = 0; sm < NSEL; sm++) {                                            \
                        uint32_t n;                                                                \
                        uint32_t *sel = make_sel(&r, rows, sm, &n);                                \
                        k1 = k_sel_mask(m1, sel, n, s1);                                           \
                        k2 = k_sel_mask_ref(m1, sel, n, s2);                                       \
                        cr_assert(k1 == k2 && !memcmp(s1, s2, (size_t)k1 * 4),                     \
                                  "sel_mask over sel=%s %s rows=%u", SELNAME[sm], #T, rows);       \
                        free(sel);                                                                 \
                    }                                                                              \
                    free(s1);                                                                      \
                    free(s2);                                                                      \
                    free(m1);                                                                      \
                    free(m2);                                                                      \
                    free(va);                                                                      \
                }                                                                                  \
                free(a);                                                                           \
            }                                                                                      \
        }                                                                                          \
    }
K_NUM_TYPES(DEF_MASK_CHECK)

Test(kernels, mask_i32_matches_reference_and_selection) { mask_check_i32(201); }
Test(kernels, mask_i64_matches_reference_and_selection) { mask_check_i64(202); }
Test(kernels, mask_f64_matches_reference_and_selection) { mask_check_f64(203); }

/* Range masks: each form against its twin (written and ANDed), and against
** the two single-bound masks it replaces, ANDed one after the other. The
** bounds are values of the column, so rows sit exactly on them. */
#define DEF_MASKR_CHECK(T, CT)                                                                     \
    typedef void (*maskrfn_##T)(const CT *, CT, CT, const uint64_t *, uint32_t, bool, uint64_t *); \
    static void maskr_check_##T(uint64_t seed)                                                     \
    {                                                                                              \
        static const struct {                                                                      \
            const char *name;                                                                      \
            maskrfn_##T fn, ref;                                                                   \
            maskfn_##T lo, hi;                                                                     \
        } forms[] = {                                                                              \
            {"ge_le", k_mask_ge_le_##T##_vcc, k_mask_ge_le_##T##_vcc_ref, k_mask_ge_##T##_vc, k_mask_le_##T##_vc}, \
            {"ge_lt", k_mask_ge_lt_##T##_vcc, k_mask_ge_lt_##T##_vcc_ref, k_mask_ge_##T##_vc, k_mask_lt_##T##_vc}, \
            {"gt_le", k_mask_gt_le_##T##_vcc, k_mask_gt_le_##T##_vcc_ref, k_mask_gt_##T##_vc, k_mask_le_##T##_vc}, \
            {"gt_lt", k_mask_gt_lt_##T##_vcc, k_mask_gt_lt_##T##_vcc_ref, k_mask_gt_##T##_vc, k_mask_lt_##T##_vc}, \
        };                                                                                         \
        rng r = { seed };                                                                          \
        for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {                                \
            for (size_t li = 0; li < NLENS; li++) {                                                \
                uint32_t rows = LENS[li], words = rows / 64 + 1;                                   \
                CT *a = gen_##T##_array(&r, rows, 96);                                             \
                CT lo = rows ? a[rndn(&r, rows)] : gen_##T(&r, 96);                                \
                CT hi = rows ? a[rndn(&r, rows)] : gen_##T(&r, 96);                                \
                if (rnd(&r) % 4 && hi < lo) { /* mostly a non-empty range */                       \
                    CT t = lo;                                                                     \
                    lo = hi;                                                                       \
                    hi = t;                                                                        \
                }                                                                                  \
                for (int vm = 0; vm < NVAL; vm++) {                                                \
                    uint64_t *va = make_valid(&r, rows, vm);                                       \
                    uint64_t *m1 = xalloc(words * 8), *m2 = xalloc(words * 8), *m3 = xalloc(words * 8); \
                    for (int and_into = 0; and_into < 2; and_into++) {                             \
                        for (uint32_t w = 0; w < words; w++)                                       \
                            m1[w] = m2[w] = m3[w] = rnd(&r);                                       \
                        forms[f].fn(a, lo, hi, va, rows, and_into, m1);                            \
                        forms[f].ref(a, lo, hi, va, rows, and_into, m2);                           \
                        forms[f].lo(a, lo, va, rows, and_into, m3);                                \
                        forms[f].hi(a, hi, va, rows, true, m3);                                    \
                        cr_assert(same_bits(m1, m2, rows), "range mask %s %s rows=%u va=%s and=%d", \
                                  forms[f].name, #T, rows, VNAME[vm], and_into);                   \
                        cr_assert(same_bits(m1, m3, rows), "range mask %s %s rows=%u va=%s and=%d vs two masks", \
                                  forms[f].name, #T, rows, VNAME[vm], and_into);                   \
                    }                                                                              \
                    free(m1);                                                                      \
                    free(m2);                                                                      \
                    free(m3);                                                                      \
                    free(va);                                                                      \
                }                                                                                  \
                free(a);                                                                           \
            }                                                                                      \
        }                                                                                          \
    }
K_NUM_TYPES(DEF_MASKR_CHECK)

Test(kernels, range_mask_i32_matches_reference_and_two_masks) { maskr_check_i32(211); }
Test(kernels, range_mask_i64_matches_reference_and_two_masks) { maskr_check_i64(212); }
Test(kernels, range_mask_f64_matches_reference_and_two_masks) { maskr_check_f64(213); }

/* ---- normalized sort keys ------------------------------------------------
** The property that matters: memcmp of two keys orders them as the values
** (NULLs first or last, desc reversing values but not NULLs), with f64 in
** the total order (NaN above +inf, -0.0 = 0.0) and strings bytewise, long
** strings tying on their prefix and saturated length byte. */

/* value order of i and j in column a (NULL placement included), -1/0/1 */
static int f64_total(double x, double y)
{
    if (x != x || y != y)
        return (x != x) - (y != y);
    return (x > y) - (x < y);
}

static int sk_sign(int v)
{
    return (v > 0) - (v < 0);
}

#define SK_CHECK(T, CT, CMP)                                                                                 \
    static void sk_check_##T(const CT *a, const uint64_t *va, uint32_t n, unsigned flags)                   \
    {                                                                                                        \
        size_t kw = k_sortkey_width(sk_type_##T, flags), stride = kw + 3;                                    \
        uint8_t *out = xalloc(stride * n);                                                                   \
        memset(out, 0xa5, stride * n);                                                                       \
        k_sortkey_##T(a, va, NULL, n, flags, out, stride);                                                   \
        for (uint32_t i = 0; i < n; i++)                                                                     \
            for (uint32_t j = 0; j < n; j++) {                                                               \
                bool vi = K_VALID(va, i), vj = K_VALID(va, j);                                               \
                int want;                                                                                    \
                if (!vi || !vj)                                                                              \
                    want = vi == vj ? 0 : (!vi) == ((flags & K_SK_NULLS_FIRST) != 0) ? -1 : 1;               \
                else                                                                                         \
                    want = (flags & K_SK_DESC ? -1 : 1) * sk_sign(CMP(a[i], a[j]));                          \
                int got = sk_sign(memcmp(out + i * stride, out + j * stride, kw));                           \
                cr_assert_eq(got, want, "flags %u rows %u and %u: memcmp %d, values %d", flags, i, j, got, want); \
            }                                                                                                \
        /* bytes past the key are not touched */                                                            \
        for (uint32_t i = 0; i < n; i++)                                                                     \
            cr_assert(out[i * stride + kw] == 0xa5);                                                         \
        free(out);                                                                                           \
    }
static const tir_type sk_type_i32 = TIR_I32, sk_type_i64 = TIR_I64, sk_type_f64 = TIR_F64, sk_type_bool = TIR_BOOL,
                      sk_type_str = TIR_STRING, sk_type_d128 = TIR_DECIMAL128, sk_type_iv = TIR_INTERVAL;

/* DuckDB's order of intervals written out part by part (its
** Interval::Normalize, then months, days, micros compared in turn): the
** oracle for k_iv_key, which packs the same into one integer. */
static int iv_ref_cmp(tir_interval a, tir_interval b)
{
    const int64_t day = INT64_C(86400000000);
    int64_t k[2][3];
    for (int i = 0; i < 2; i++) {
        const tir_interval *v = i ? &b : &a;
        int64_t days = v->days + v->micros / day;
        k[i][0] = v->months + days / 30, k[i][1] = days % 30, k[i][2] = v->micros % day;
    }
    for (int j = 0; j < 3; j++)
        if (k[0][j] != k[1][j])
            return k[0][j] < k[1][j] ? -1 : 1;
    return 0;
}
#define SK_NUM_CMP(x, y) (((x) > (y)) - ((x) < (y)))
#define SK_STR_CMP(x, y) k_str_cmp(&(x), &(y))
SK_CHECK(i32, int32_t, SK_NUM_CMP)
SK_CHECK(i64, int64_t, SK_NUM_CMP)
SK_CHECK(f64, double, f64_total)
SK_CHECK(bool, uint8_t, SK_NUM_CMP)
SK_CHECK(str, tir_str, SK_STR_CMP)
SK_CHECK(d128, __int128, SK_NUM_CMP)
SK_CHECK(iv, tir_interval, iv_ref_cmp)

static const unsigned sk_flags[] = {0, K_SK_DESC, K_SK_NULLABLE, K_SK_NULLABLE | K_SK_NULLS_FIRST,
                                    K_SK_NULLABLE | K_SK_DESC, K_SK_NULLABLE | K_SK_DESC | K_SK_NULLS_FIRST};

Test(kernels, sortkey_order_numbers)
{
    rng r = {601};
    enum { N = 160 };
    int32_t a32[N];
    int64_t a64[N];
    uint8_t ab[N];
    double af[N];
    uint64_t va[(N + 63) / 64];
    static const int64_t edge64[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
    static const double edgef[] = {-INFINITY, -1e300, -1.5, -0.0, 0.0, 5e-324, 2.5, 1e300, INFINITY, NAN, -NAN};
    for (int i = 0; i < N; i++) {
        a32[i] = i < 7 ? (int32_t)(edge64[i] >> 32) : (int32_t)(rnd(&r) % 2000) - 1000;
        a64[i] = i < 7 ? edge64[i] : (int64_t)rnd(&r) >> (rnd(&r) % 60);
        ab[i] = (uint8_t)(rnd(&r) & 1);
        af[i] = i < 11 ? edgef[i] : (double)((int64_t)(rnd(&r) % 4001) - 2000) / 8.0;
    }
    for (size_t w = 0; w < sizeof va / 8; w++)
        va[w] = rnd(&r) | rnd(&r); /* about a quarter NULL */
    for (size_t f = 0; f < sizeof sk_flags / sizeof *sk_flags; f++) {
        const uint64_t *v = sk_flags[f] & K_SK_NULLABLE ? va : NULL;
        sk_check_i32(a32, v, N, sk_flags[f]);
        sk_check_i64(a64, v, N, sk_flags[f]);
        sk_check_f64(af, v, N, sk_flags[f]);
        sk_check_bool(ab, v, N, sk_flags[f]);
    }
}

/* Random intervals with parts that often carry into one another: many
** pairs DuckDB calls equal in different forms, and the extremes. */
static tir_interval wide_iv(rng *r, int i)
{
    static const tir_interval edge[] = {{0, 0, 0}, {1, 0, 0}, {0, 30, 0}, {0, 29, INT64_C(86400000000)},
                                        {1, -1, 0}, {0, 29, 0}, {-1, 0, 0}, {0, -30, 0}, {0, 0, -INT64_C(2592000000000)},
                                        {INT32_MIN, INT32_MIN, INT64_MIN}, {INT32_MAX, INT32_MAX, INT64_MAX},
                                        {INT32_MAX, 0, 0}, {INT32_MIN, 0, 0}, {0, 0, INT64_MAX}, {0, 0, INT64_MIN}};
    if (i < (int)(sizeof edge / sizeof *edge))
        return edge[i];
    static const int32_t days[] = {-31, -30, -1, 0, 1, 29, 30, 31, 60};
    static const int64_t us[] = {0, 1, -1, INT64_C(43200000000), INT64_C(86400000000), -INT64_C(86400000000),
                                 INT64_C(2592000000000)};
    return (tir_interval){(int32_t)(rnd(r) % 4) - 1, days[rnd(r) % 9], us[rnd(r) % 7]};
}

Test(kernels, sortkey_order_wide_decimals_and_intervals)
{
    rng r = {611};
    enum { N = 150 };
    __int128 aw[N];
    tir_interval ai[N];
    uint64_t va[(N + 63) / 64];
    static const __int128 edge[] = {0, 1, -1, (__int128)INT64_MAX, (__int128)INT64_MAX + 1, (__int128)INT64_MIN,
                                    (__int128)INT64_MIN - 1, (__int128)UINT64_MAX, (__int128)UINT64_MAX + 1,
                                    -(__int128)UINT64_MAX - 1, -(__int128)UINT64_MAX - 2};
    for (int i = 0; i < N; i++) {
        /* two's complement: negatives have the high word's sign, not smaller bytes */
        aw[i] = i < 11 ? edge[i] : (__int128)((unsigned __int128)rnd(&r) << 64 | rnd(&r)) >> (rnd(&r) % 120);
        ai[i] = wide_iv(&r, i);
    }
    for (size_t w = 0; w < sizeof va / 8; w++)
        va[w] = rnd(&r) | rnd(&r);
    for (size_t f = 0; f < sizeof sk_flags / sizeof *sk_flags; f++) {
        const uint64_t *v = sk_flags[f] & K_SK_NULLABLE ? va : NULL;
        sk_check_d128(aw, v, N, sk_flags[f]);
        sk_check_iv(ai, v, N, sk_flags[f]);
    }
}

/* k_iv_from_key undoes k_iv_key: the interval it gives is the normalized
** one (DuckDB's Interval::Normalize, as iv_ref_cmp computes it), equal to
** the original in DuckDB's order, and of the same key, negatives and the
** ends of the months' range included. */
Test(kernels, interval_key_decodes_to_the_normalized_interval)
{
    rng r = {613};
    const int64_t day = INT64_C(86400000000);
    int skipped = 0;
    for (int i = 0; i < 2000; i++) {
        tir_interval v = i < 6 ? (tir_interval[]){{0, 0, 0}, {INT32_MAX, 29, day - 1},
                                                  {INT32_MIN, -29, 1 - day}, {0, 29, day - 1},
                                                  {-1, -29, 1 - day}, {1, -30, -day}}[i]
                               : wide_iv(&r, i);
        int64_t days = v.days + v.micros / day;   /* the normalized parts, as the oracle has them */
        if (v.months + days / 30 > INT32_MAX || v.months + days / 30 < INT32_MIN) {
            skipped++;   /* wide_iv's extremes normalize beyond an i32 of months */
            continue;
        }
        tir_interval n = k_iv_from_key(k_iv_key(v));
        cr_assert(k_iv_key(n) == k_iv_key(v), "row %d: the same key", i);
        cr_assert_eq(iv_ref_cmp(n, v), 0, "row %d: an equal interval", i);
        cr_assert(n.months == v.months + days / 30 && n.days == days % 30 && n.micros == v.micros % day,
                  "row %d: %d %d %lld -> %d %d %lld", i, v.months, v.days, (long long)v.micros, n.months, n.days,
                  (long long)n.micros);
    }
    cr_assert_leq(skipped, 2);
}

/* Equal keys hash alike (intervals in DuckDB's sense: "1 month" and
** "30 days"), NULL as every type's NULL, and combining is order-sensitive. */
Test(kernels, hash_wide_decimals_and_intervals)
{
    rng r = {612};
    enum { N = 150 };
    tir_interval ai[N];
    uint64_t hi[N], hw[2], hn[2];
    for (int i = 0; i < N; i++)
        ai[i] = wide_iv(&r, i);
    k_hash_iv(ai, NULL, NULL, N, false, hi);
    int equal = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            if (iv_ref_cmp(ai[i], ai[j]) == 0) {
                equal += i != j && memcmp(&ai[i], &ai[j], sizeof ai[i]) != 0;
                cr_assert_eq(hi[i], hi[j], "rows %d and %d are equal intervals", i, j);
            } else {
                cr_assert_neq(hi[i], hi[j], "rows %d and %d differ (a collision is possible, not here)", i, j);
            }
        }
    cr_assert_gt(equal, 20, "the data has equal intervals in different forms");
    __int128 w[2] = {-1, (__int128)UINT64_MAX};   /* the same low word */
    k_hash_d128(w, NULL, NULL, 2, false, hw);
    cr_assert_neq(hw[0], hw[1]);
    uint64_t none = 0;
    int64_t i64 = 5;
    k_hash_d128(w, &none, NULL, 1, false, &hn[0]);
    k_hash_i64(&i64, &none, NULL, 1, false, &hn[1]);
    cr_assert_eq(hn[0], hn[1], "NULL hashes as every NULL");
    k_hash_iv(ai, &none, NULL, 1, false, &hn[0]);
    cr_assert_eq(hn[0], hn[1]);
    uint64_t ab[2], ba[2];
    k_hash_d128(w, NULL, NULL, 1, false, ab);
    k_hash_iv(ai + 1, NULL, NULL, 1, true, ab);
    k_hash_iv(ai + 1, NULL, NULL, 1, false, ba);
    k_hash_d128(w, NULL, NULL, 1, true, ba);
    cr_assert_neq(ab[0], ba[0]);
}

Test(kernels, sortkey_order_strings)
{
    /* short, exactly the prefix, one past it, sharing 12+ bytes, embedded NUL, empty */
    static const char *const s[] = {"", "a", "ab", "ab\0", "abcdefghijkl", "abcdefghijk", "abcdefghijklm",
                                    "abcdefghijklmn", "abcdefghijklx", "b", "\xff", "zzzzzzzzzzzzzzzz", "abcdefghijkl\0"};
    static const uint32_t len[] = {0, 1, 2, 3, 12, 11, 13, 14, 13, 1, 1, 16, 13};
    enum { N = sizeof s / sizeof *s };
    tir_str a[N];
    uint64_t va[1] = {~(UINT64_C(1) << 5)};
    for (int i = 0; i < N; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].len = len[i];
        if (len[i] <= TIR_STR_INLINE) {
            memcpy(a[i].prefix, s[i], len[i]);
        } else {
            memcpy(a[i].prefix, s[i], 4);
            a[i].u.ptr = s[i];
        }
    }
    size_t kw = k_sortkey_width(TIR_STRING, 0);
    uint8_t out[N][32];
    k_sortkey_str(a, NULL, NULL, N, 0, &out[0][0], 32);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int c = sk_sign(memcmp(out[i], out[j], kw)), want = sk_sign(k_str_cmp(&a[i], &a[j]));
            /* the keys decide unless both saturate the length byte */
            if (out[i][kw - 1] == K_SK_STR_PREFIX + 1 && out[j][kw - 1] == K_SK_STR_PREFIX + 1 && c == 0)
                continue;
            cr_assert_eq(c, want, "'%s' vs '%s'", s[i], s[j]);
        }
    for (size_t f = 0; f < sizeof sk_flags / sizeof *sk_flags; f++) {
        /* with the tie-break out of the way: distinct short strings only */
        tir_str b[9];
        memcpy(b, a, sizeof b);
        sk_check_str(b, sk_flags[f] & K_SK_NULLABLE ? va : NULL, 5, sk_flags[f]);
    }
}

Test(kernels, sortkey_f64_roundtrip)
{
    static const double v[] = {-INFINITY, -2.5, -0.0, 0.0, 1e-310, 3.25, INFINITY};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        cr_assert(k_sortkey_f64_value(k_sortkey_f64_bits(v[i])) == v[i]);
    cr_assert(isnan(k_sortkey_f64_value(k_sortkey_f64_bits(NAN))));
    cr_assert_eq(k_sortkey_f64_bits(-0.0), k_sortkey_f64_bits(0.0));
    cr_assert_eq(k_sortkey_f64_bits(NAN), k_sortkey_f64_bits(-NAN));
    cr_assert(k_sortkey_f64_bits(NAN) > k_sortkey_f64_bits(INFINITY));
}

Test(kernels, topn_cut_f64_against_ref)
{
    rng r = {611};
    static const uint32_t lens[] = {0, 1, 3, 4, 5, 64, 1031};
    static const double cuts[] = {0.0, -0.0, 3.5, -7.25, NAN, INFINITY, -INFINITY};
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        uint32_t n = lens[li];
        double *a = xalloc(sizeof *a * n);
        uint64_t *va = xalloc(8 * ((n + 63) / 64 + 1));
        uint32_t *sel = xalloc(sizeof *sel * n), *o1 = xalloc(sizeof *o1 * n), *o2 = xalloc(sizeof *o2 * n);
        uint32_t ns = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t k = rnd(&r) % 20;
            a[i] = k == 0 ? NAN : k == 1 ? -0.0 : k == 2 ? 0.0 : k == 3 ? INFINITY : (double)((int)(rnd(&r) % 41) - 20) / 4;
            if (rnd(&r) & 1)
                sel[ns++] = i;
        }
        for (uint32_t w = 0; w < (n + 63) / 64 + 1; w++)
            va[w] = rnd(&r) | rnd(&r);
        for (size_t ci = 0; ci < sizeof cuts / sizeof *cuts; ci++)
            for (int desc = 0; desc < 2; desc++)
                for (int shape = 0; shape < 3; shape++) {
                    const uint32_t *s = shape == 2 ? sel : NULL;
                    uint32_t m = shape == 2 ? ns : n;
                    const uint64_t *v = shape >= 1 ? va : NULL;
                    uint32_t k1 = k_sel_topn_f64(a, cuts[ci], desc, v, s, m, o1);
                    uint32_t k2 = k_sel_topn_f64_ref(a, cuts[ci], desc, v, s, m, o2);
                    cr_assert_eq(k1, k2, "n %u cut %g desc %d shape %d", n, cuts[ci], desc, shape);
                    cr_assert(!memcmp(o1, o2, sizeof *o1 * k1));
                    /* the reference keeps exactly the rows at or before the cut in key order */
                    for (uint32_t i = 0; i < k2; i++) {
                        int c = f64_total(a[o2[i]], cuts[ci] == 0.0 ? 0.0 : cuts[ci]);
                        if (a[o2[i]] == 0.0 && cuts[ci] == 0.0)
                            c = 0;
                        cr_assert(desc ? c >= 0 : c <= 0);
                    }
                }
        free(a);
        free(va);
        free(sel);
        free(o1);
        free(o2);
    }
}

/* round: a decimal half stored just below it (2.675) rounds away from zero
** as it prints; zero results are 0, not -0; integers round to negative
** digits and report overflow; huge digit counts leave the value. */
Test(kernels, round_halves_digits_and_overflow)
{
    const double x[] = {2.675, -3.085, 1.005, -0.4, 2.5, -2.5, 1e300, 0.1234, -1.549999999999997};
    const int64_t d[] = {2, 2, 2, 0, 0, 0, 2, 400, 1};
    const double want[] = {2.68, -3.09, 1.01, 0.0, 3.0, -3.0, 1e300, 0.1234, -1.5};
    double out[9];
    k_round_f64(x, d, NULL, 9, out);
    for (int i = 0; i < 9; i++) {
        cr_expect_eq(out[i], want[i], "round(%.17g, %lld) = %.17g, want %.17g", x[i], (long long)d[i], out[i], want[i]);
        cr_expect(!signbit(out[i]) || want[i] < 0, "round(%.17g) is -0", x[i]);
    }
    const int64_t xi[] = {15, -15, 1234, INT64_MAX, 7};
    const int64_t di[] = {-1, -1, -2, -1, 3};
    int64_t oi[5];
    cr_expect(!k_round_i64(xi, NULL, di, NULL, 4, oi), "rounding INT64_MAX to tens overflows");
    cr_expect(k_round_i64(xi, NULL, di, NULL, 3, oi));
    cr_expect_eq(oi[0], 20);
    cr_expect_eq(oi[1], -20);
    cr_expect_eq(oi[2], 1200);
    const uint32_t sel[] = {4};
    cr_expect(k_round_i64(xi, NULL, di, sel, 1, oi));
    cr_expect_eq(oi[4], 7);
}

/* sqrt, ln and power clear the validity of rows whose result is not a
** finite double, and only those. */
Test(kernels, partial_math_functions_null_out_of_domain)
{
    const double x[] = {4, -1, 0, 1e308};
    const double y[] = {0.5, 0.5, -1, 2};
    double out[4];
    uint64_t v = 0xF;
    k_sqrt_f64(x, NULL, NULL, 4, out, &v);
    cr_expect_eq(v, 0xD, "sqrt(-1) is NULL");
    cr_expect_eq(out[0], 2);
    v = 0xF;
    k_ln_f64(x, NULL, NULL, 4, out, &v);
    cr_expect_eq(v, 0x9, "ln of -1 and 0 are NULL");
    v = 0xF;
    k_power_f64(x, y, NULL, 4, out, &v);
    cr_expect_eq(v, 0x1, "power(-1, .5), power(0, -1) and power(1e308, 2) are NULL");
}

/* The default build runs the best kernels the CPU has (kernels/dispatch.h);
** test_kernels_v1 and _v3 run this file against those levels too. */
Test(kernels, dispatch_runs_the_cpus_best_level)
{
    const char *k = tir_kernels();
    if (!strstr(k, "chosen at run time")) {
        cr_expect(strstr(k, "-march=native") || strstr(k, "dispatch off"), "%s", k);
        return;
    }
    int level = k_cpu_level();
    const char *want = level == 4 ? "x86-64-v4 (AVX-512)" : level == 3 ? "x86-64-v3 (AVX2)" : "x86-64 (SSE2)";
    cr_expect(!strncmp(k, want, strlen(want)), "kernels: %s, the CPU: %s", k, want);
#ifndef K_VARIANT   /* this file's own build: k_add_i64 is the ifunc */
    /* the address of an ifunc is the variant its resolver chose */
    extern void k_add_i64_v1(void) __attribute__((weak)), k_add_i64_v3(void) __attribute__((weak)),
        k_add_i64_v4(void) __attribute__((weak)); /* absent from a build without dispatch */
    void (*chosen)(void) = level == 4 ? k_add_i64_v4 : level == 3 ? k_add_i64_v3 : k_add_i64_v1;
    cr_expect((void *)k_add_i64 == (void *)chosen, "k_add_i64 is not the level %d variant", level);
#endif
}

/* Decimal values of every length up to 18 digits: all nines, ties at the
** last digit, both signs; sel the rows backwards. */
static void dec_values(int64_t *a, uint32_t *sel, int N)
{
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int digits = (int)(x % 19);
        a[i] = (int64_t)(x >> 8) % k_pow10(digits);
        if (i % 5 == 0)
            a[i] = k_pow10(digits) - 1;                 /* all nines */
        if (i % 7 == 0)
            a[i] = a[i] / 10 * 10 + 5;                  /* a tie when one digit drops */
        if (i % 2)
            a[i] = -a[i];
        sel[i] = (uint32_t)(N - 1 - i);
    }
}

/* ---- decimal: the rescale kernel against its 128-bit twin, at every
** pair of scales, with values at the precision limit, ties at the dropped
** digit, negative numbers and invalid rows (whose overflow is ignored). */
Test(kernels, decimal_rescale_matches_ref)
{
    enum { N = 257 };
    int64_t a[N], out[N], ref[N];
    uint64_t valid[(N + 63) / 64];
    uint32_t sel[N];
    dec_values(a, sel, N);
    memset(valid, 0xff, sizeof valid);
    for (int from = 0; from <= 18; from += 3)
        for (int to = 0; to <= 18; to++)
            for (int prec = 1; prec <= 18; prec += 17) {
                bool ok = k_dec_rescale(a, NULL, NULL, N, from, to, prec, out);
                bool ok_ref = k_dec_rescale_ref(a, NULL, NULL, N, from, to, prec, ref);
                cr_assert_eq(ok, ok_ref, "from %d to %d prec %d", from, to, prec);
                for (int i = 0; i < N; i++)
                    cr_assert_eq(out[i], ref[i], "row %d (%lld) from %d to %d prec %d: %lld vs %lld", i,
                                 (long long)a[i], from, to, prec, (long long)out[i], (long long)ref[i]);
                /* through a selection, with the failing rows invalid: never a failure */
                for (int i = 0; i < N; i++)
                    if (!ok_ref && !k_dec_rescale_ref(&a[i], NULL, NULL, 1, from, to, prec, &ref[i]))
                        valid[i / 64] &= ~(1ULL << (i % 64));
                cr_assert(k_dec_rescale(a, valid, sel, N, from, to, prec, out));
                memset(valid, 0xff, sizeof valid);
            }
    /* rounding is half away from zero */
    int64_t t[4] = {125, -125, 124, -135}, o[4];
    cr_assert(k_dec_rescale(t, NULL, NULL, 4, 2, 1, 18, o));
    cr_expect_eq(o[0], 13);
    cr_expect_eq(o[1], -13);
    cr_expect_eq(o[2], 12);
    cr_expect_eq(o[3], -14);
}

/* Wide decimal values of every length up to 38 digits, as dec_values. */
static void dec_wide_values(__int128 *a, uint32_t *sel, int N)
{
    uint64_t x = 0x13198a2e03707344ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int digits = (int)(x % 39);
        uint64_t y = x * 0x9e3779b97f4a7c15ULL;
        __int128 v = (__int128)(((unsigned __int128)(x >> 1) << 64) | y) % k_pow10_128(digits);
        if (i % 5 == 0)
            v = k_pow10_128(digits) - 1;                 /* all nines */
        if (i % 7 == 0)
            v = v / 10 * 10 + 5;                         /* a tie when one digit drops */
        a[i] = i % 2 ? -v : v;
        sel[i] = (uint32_t)(N - 1 - i);
    }
}

/* The casts of the wide form against their twin, at every pair of scales
** (0..38), with values at the 38-digit limit, ties, both signs and invalid
** rows: wide to wide, narrow to wide (the twin given the same values
** widened) and wide to narrow (the twin's results narrowed). */
Test(kernels, decimal_wide_casts_match_ref)
{
    enum { N = 257 };
    __int128 a[N], out[N], ref[N], a64w[N];
    int64_t a64[N], out64[N];
    uint64_t valid[(N + 63) / 64];
    uint32_t sel[N], sel64[N];
    dec_wide_values(a, sel, N);
    dec_values(a64, sel64, N);
    for (int i = 0; i < N; i++)
        a64w[i] = a64[i];
    for (int from = 0; from <= 38; from += 2)
        for (int to = 0; to <= 38; to++)
            for (int prec = 19; prec <= 38; prec += 19) {
                bool ok = k_dec_wide_rescale(a, NULL, NULL, N, from, to, prec, out);
                bool ok_ref = k_dec_wide_rescale_ref(a, NULL, NULL, N, from, to, prec, ref);
                cr_assert_eq(ok, ok_ref, "from %d to %d prec %d", from, to, prec);
                for (int i = 0; i < N; i++)
                    cr_assert(out[i] == ref[i], "row %d from %d to %d prec %d", i, from, to, prec);
                memset(valid, 0xff, sizeof valid);
                for (int i = 0; i < N; i++)
                    if (!ok_ref && !k_dec_wide_rescale_ref(&a[i], NULL, NULL, 1, from, to, prec, &ref[i]))
                        valid[i / 64] &= ~(1ULL << (i % 64));
                cr_assert(k_dec_wide_rescale(a, valid, sel, N, from, to, prec, out));
                if (from <= 18) {   /* from the narrow form */
                    ok = k_dec_to128(a64, NULL, NULL, N, from, to, prec, out);
                    ok_ref = k_dec_wide_rescale_ref(a64w, NULL, NULL, N, from, to, prec, ref);
                    cr_assert_eq(ok, ok_ref, "narrow from %d to %d prec %d", from, to, prec);
                    for (int i = 0; i < N; i++)
                        cr_assert(out[i] == ref[i], "narrow row %d from %d to %d prec %d", i, from, to, prec);
                }
                for (int p = 5; p <= 18 && to <= 18; p += 13) {   /* to the narrow form */
                    ok = k_dec_wide_to64(a, NULL, NULL, N, from, to, p, out64);
                    ok_ref = k_dec_wide_rescale_ref(a, NULL, NULL, N, from, to, p, ref);
                    cr_assert_eq(ok, ok_ref, "to narrow from %d to %d prec %d", from, to, p);
                    for (int i = 0; i < N; i++)
                        cr_assert(out64[i] == ref[i], "to narrow row %d from %d to %d prec %d", i, from, to, p);
                }
            }
    /* rounding is half away from zero, also at a 38-digit divisor */
    __int128 t[5] = {125, -125, 124, -135, k_pow10_128(38) / 2}, o[5];
    cr_assert(k_dec_wide_rescale(t, NULL, NULL, 5, 2, 1, 38, o));
    cr_expect(o[0] == 13 && o[1] == -13 && o[2] == 12 && o[3] == -14);
    cr_assert(k_dec_wide_rescale(t + 4, NULL, NULL, 1, 38, 0, 38, o));
    cr_expect(o[0] == 1, "0.5 at scale 38 rounds to 1");
    double f[3] = {1.5, -2.25, 1e40}, g[3];
    cr_assert(k_dec_wide_from_f64(f, NULL, NULL, 2, 38, 2, o));
    cr_expect(o[0] == 150 && o[1] == -225);
    k_dec_wide_to_f64(o, NULL, 2, 2, g);
    cr_expect(g[0] == 1.5 && g[1] == -2.25);
    cr_assert_not(k_dec_wide_from_f64(f + 2, NULL, NULL, 1, 38, 0, o), "1e40 has 41 digits");
}

/* floor, ceil, trunc and round to a coarser scale against their 128-bit
** twin: every number of dropped digits (19: all of them), some powers
** after, both precisions, through a selection with the rows that overflow
** invalid. */
Test(kernels, decimal_round_modes_match_ref)
{
    enum { N = 257 };
    typedef bool (*kfn)(const int64_t *, const uint64_t *, const uint32_t *, uint32_t, int, int, int, int64_t *);
    static const kfn fns[] = {k_dec_trunc, k_dec_floor, k_dec_ceil, k_dec_round};
    static const k_dec_mode modes[] = {K_DEC_TRUNC, K_DEC_FLOOR, K_DEC_CEIL, K_DEC_ROUND};
    int64_t a[N], out[N], ref[N];
    uint64_t valid[(N + 63) / 64];
    uint32_t sel[N];
    dec_values(a, sel, N);
    for (int m = 0; m < 4; m++)
        for (int drop = 0; drop <= 19; drop++)
            for (int up = 0; up <= 18; up += 3)
                for (int prec = 1; prec <= 18; prec += 17) {
                    bool ok = fns[m](a, NULL, NULL, N, drop, up, prec, out);
                    bool ok_ref = k_dec_round_ref(a, NULL, NULL, N, drop, up, prec, modes[m], ref);
                    cr_assert_eq(ok, ok_ref, "mode %d drop %d up %d prec %d", m, drop, up, prec);
                    for (int i = 0; i < N; i++)
                        cr_assert_eq(out[i], ref[i], "mode %d row %d (%lld) drop %d up %d prec %d: %lld vs %lld", m,
                                     i, (long long)a[i], drop, up, prec, (long long)out[i], (long long)ref[i]);
                    memset(valid, 0xff, sizeof valid);
                    for (int i = 0; i < N; i++)
                        if (!ok_ref && !k_dec_round_ref(&a[i], NULL, NULL, 1, drop, up, prec, modes[m], &ref[i]))
                            valid[i / 64] &= ~(1ULL << (i % 64));
                    cr_assert(fns[m](a, valid, sel, N, drop, up, prec, out));
                }
    /* by hand, at scale 2 to scale 0: 1.25, -1.25, 1.50, -1.50, 0.00, -0.01 */
    int64_t t[6] = {125, -125, 150, -150, 0, -1}, o[6];
    static const int64_t want[4][6] = {
        {1, -1, 1, -1, 0, 0}, {1, -2, 1, -2, 0, -1}, {2, -1, 2, -1, 0, 0}, {1, -1, 2, -2, 0, 0}};
    for (int m = 0; m < 4; m++) {
        cr_assert(fns[m](t, NULL, NULL, 6, 2, 0, 18, o));
        for (int i = 0; i < 6; i++)
            cr_expect_eq(o[i], want[m][i], "mode %d row %d: %lld", m, i, (long long)o[i]);
    }
    /* round(x, -1) at scale 0: 15 -> 20, -15 -> -20, 14 -> 10; 95 in 2 digits -> 100 overflows */
    int64_t r[3] = {15, -15, 14};
    cr_assert(k_dec_round(r, NULL, NULL, 3, 1, 1, 18, o));
    cr_expect_eq(o[0], 20);
    cr_expect_eq(o[1], -20);
    cr_expect_eq(o[2], 10);
    int64_t big = 95;
    cr_expect(!k_dec_round(&big, NULL, NULL, 1, 1, 1, 2, o));
}

Test(kernels, decimal_fits_and_f64)
{
    int64_t a[3] = {999, -999, 1000};
    uint64_t valid = 3;   /* row 2 (1000, 4 digits) invalid */
    cr_expect(k_dec_fits(a, &valid, NULL, 3, 3));
    cr_expect(!k_dec_fits(a, NULL, NULL, 3, 3));
    double d[4] = {0.125, -2.675, 1e300, 12.345}, back[2];
    int64_t o[4];
    cr_expect(!k_dec_from_f64(d, NULL, NULL, 4, 18, 2, o), "1e300 does not fit");
    uint64_t v = 0xb;   /* all but 1e300 */
    cr_assert(k_dec_from_f64(d, &v, NULL, 4, 18, 2, o));
    cr_expect_eq(o[0], 13);    /* 12.5 rounds away from zero */
    cr_expect_eq(o[3], 1235);  /* 1234.5 in double: away from zero */
    int64_t s[2] = {1, -12345};
    k_dec_to_f64(s, NULL, 2, 3, back);
    cr_expect_eq(back[0], 0.001);
    cr_expect_eq(back[1], -12.345);
}

/* Comparisons of wide decimals against their twin (signed high halves, then
** unsigned low ones): values of every length and both signs, pairs that
** differ only in the low half or only in the sign, equal pairs, through a
** selection, with NULLs on either side; vc against vv with the constant
** broadcast. */
Test(kernels, decimal_wide_cmp_match_ref)
{
    enum { N = 257 };
    __int128 a[N], b[N], cb[N];
    uint32_t sel[N], out[N], ref[N];
    uint8_t bo[N], br[N];
    uint64_t va[(N + 63) / 64], vb[(N + 63) / 64];
    dec_wide_values(a, sel, N);
    dec_wide_values(b, sel, N);
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0)
            b[i] = a[i];                                  /* equal */
        else if (i % 3 == 1)
            b[i] = a[(i * 7) % N];
        if (i % 11 == 0)
            b[i] = a[i] ^ 1;                              /* the low bit only */
        if (i % 13 == 0)
            b[i] = -a[i];                                 /* the sign only */
        if (i % 17 == 0)
            b[i] = a[i] + ((__int128)1 << 64);            /* the high half only */
    }
    memset(va, 0xff, sizeof va);
    memset(vb, 0xff, sizeof vb);
    va[0] &= ~0x10ULL, vb[1] &= ~0x3ULL, va[3] &= ~(1ULL << 63);
    uint32_t (*vv[6])(const __int128 *, const __int128 *, const uint64_t *, const uint64_t *, const uint32_t *,
                      uint32_t, uint32_t *) = {k_sel_eq_d128_vv, k_sel_ne_d128_vv, k_sel_lt_d128_vv,
                                               k_sel_le_d128_vv, k_sel_gt_d128_vv, k_sel_ge_d128_vv};
    uint32_t (*vc[6])(const __int128 *, __int128, const uint64_t *, const uint32_t *, uint32_t, uint32_t *) = {
        k_sel_eq_d128_vc, k_sel_ne_d128_vc, k_sel_lt_d128_vc, k_sel_le_d128_vc, k_sel_gt_d128_vc, k_sel_ge_d128_vc};
    void (*cmp[6])(const __int128 *, const __int128 *, const uint32_t *, uint32_t, uint8_t *) = {
        k_cmp_eq_d128, k_cmp_ne_d128, k_cmp_lt_d128, k_cmp_le_d128, k_cmp_gt_d128, k_cmp_ge_d128};
    for (int op = 0; op < 6; op++)
        for (int s = 0; s < 2; s++) {
            const uint32_t *sl = s ? sel : NULL;
            uint32_t n = vv[op](a, b, va, vb, sl, N, out), m = k_sel_d128_ref((k_cmp_op)op, a, b, va, vb, sl, N, ref);
            cr_assert_eq(n, m, "op %d sel %d", op, s);
            cr_assert(!memcmp(out, ref, n * sizeof *out), "op %d sel %d", op, s);
            cmp[op](a, b, sl, N, bo);
            k_cmp_d128_ref((k_cmp_op)op, a, b, sl, N, br);
            cr_assert(!memcmp(bo, br, N), "cmp op %d sel %d", op, s);
            for (int k = 0; k < N; k += 37) {   /* a constant: each of some values */
                for (int i = 0; i < N; i++)
                    cb[i] = a[k];
                n = vc[op](a, a[k], va, sl, N, out);
                m = k_sel_d128_ref((k_cmp_op)op, a, cb, va, NULL, sl, N, ref);
                cr_assert_eq(n, m, "vc op %d sel %d k %d", op, s, k);
                cr_assert(!memcmp(out, ref, n * sizeof *out), "vc op %d sel %d k %d", op, s, k);
            }
        }
}

/* + - * of wide decimals against the twin's 64-bit limbs: values of every
** length (products up to 76 digits, so both the wrap of __int128 and the
** precision cap fail rows), each precision from 19 to 38; the failing rows
** invalid, the rest must pass; - and abs at the 38-digit limit. */
Test(kernels, decimal_wide_arith_match_ref)
{
    enum { N = 257 };
    __int128 a[N], b[N], out[N], ref[N];
    uint32_t sel[N], sel2[N];
    uint64_t valid[(N + 63) / 64];
    dec_wide_values(a, sel, N);
    dec_wide_values(b, sel2, N);
    for (int i = 0; i < N; i++)
        b[i] = i % 4 == 0 ? b[(i * 5) % N] / k_pow10_128(i % 39) : b[(i * 5) % N];
    bool (*fn[3])(const __int128 *, const __int128 *, const uint64_t *, const uint32_t *, uint32_t, int,
                  __int128 *) = {k_dec_wide_add, k_dec_wide_sub, k_dec_wide_mul};
    const char ops[3] = {'+', '-', '*'};
    int fails = 0;
    for (int o = 0; o < 3; o++)
        for (int prec = 19; prec <= 38; prec++) {
            bool ok = fn[o](a, b, NULL, NULL, N, prec, out);
            bool ok_ref = k_dec_wide_arith_ref(ops[o], a, b, NULL, NULL, N, prec, ref);
            cr_assert_eq(ok, ok_ref, "%c prec %d", ops[o], prec);
            for (int i = 0; i < N; i++)
                cr_assert(out[i] == ref[i], "%c row %d prec %d", ops[o], i, prec);
            memset(valid, 0xff, sizeof valid);
            for (int i = 0; i < N; i++)
                if (!k_dec_wide_arith_ref(ops[o], &a[i], &b[i], NULL, NULL, 1, prec, &ref[i])) {
                    valid[i / 64] &= ~(1ULL << (i % 64));
                    fails++;
                }
            cr_assert(fn[o](a, b, valid, sel, N, prec, out), "%c prec %d: only invalid rows fail", ops[o], prec);
        }
    cr_assert_gt(fails, 100, "the values reach the limits");
    __int128 lim = k_pow10_128(38) - 1, t[2] = {lim, -lim}, one[2] = {1, -1}, r[2];
    cr_assert_not(k_dec_wide_add(t, one, NULL, NULL, 2, 38, r), "10^38 - 1 + 1 has 39 digits");
    cr_assert(k_dec_wide_sub(t, one, NULL, NULL, 1, 38, r) && r[0] == lim - 1);
    k_dec_wide_neg(t, NULL, 2, r);
    cr_expect(r[0] == -lim && r[1] == lim);
    k_dec_wide_abs(t, NULL, 2, r);
    cr_expect(r[0] == lim && r[1] == lim);
    __int128 s[3] = {lim, -lim - 1, 5};   /* the sums' check: 39 digits fail unless the row is NULL */
    uint64_t v = 5;
    cr_expect(k_dec_wide_fits(s, NULL, NULL, 1, 38) && !k_dec_wide_fits(s, NULL, NULL, 2, 38));
    cr_expect(k_dec_wide_fits(s, &v, NULL, 3, 38) && !k_dec_wide_fits(s, NULL, NULL, 1, 37));
}

/* floor, ceil, trunc and round of wide decimals against the twin, which
** drops digits one at a time from the magnitude: values of every length and
** both signs, half-way values (…5 followed by zeros, a digit under and
** over), every drop 0..39 with up 0 and 1..3 (round to tens), precisions
** 19 and 38 (the failing rows then invalid, the rest must pass); sign and %
** against theirs, zero divisors NULL. */
Test(kernels, decimal_wide_round_sign_mod_match_ref)
{
    enum { N = 257 };
    __int128 a[N], b[N], out[N], ref[N];
    uint32_t sel[N], sel2[N];
    uint64_t valid[(N + 63) / 64], vo[(N + 63) / 64], vr[(N + 63) / 64];
    dec_wide_values(a, sel, N);
    dec_wide_values(b, sel2, N);
    for (int i = 0; i < N; i += 5) {   /* ties: 5 * 10^k, and its neighbours, either sign */
        int k = i % 38;
        __int128 h = 5 * k_pow10_128(k) * (i % 2 ? -1 : 1);
        a[i] = h;
        if (i + 1 < N)
            a[i + 1] = h + (i % 3 ? 1 : -1);
        if (i + 2 < N && k < 37)
            a[i + 2] = h + 7 * k_pow10_128(k + 1);   /* 75 followed by zeros: a tie too */
    }
    bool (*fn[4])(const __int128 *, const uint64_t *, const uint32_t *, uint32_t, int, int, int, __int128 *) = {
        k_dec_wide_trunc, k_dec_wide_floor, k_dec_wide_ceil, k_dec_wide_round};
    int fails = 0;
    for (int m = 0; m < 4; m++)
        for (int drop = 0; drop <= 39; drop++)
            for (int up = 0; up <= 3; up++)
                for (int prec = 19; prec <= 38; prec += 19) {
                    for (int s = 0; s < 2; s++) {
                        const uint32_t *sl = s ? sel : NULL;
                        memset(out, 0, sizeof out);
                        memset(ref, 0, sizeof ref);
                        bool ok = fn[m](a, NULL, sl, N, drop, up, prec, out);
                        bool okr = k_dec_wide_round_ref(a, NULL, sl, N, drop, up, prec, (k_dec_mode)m, ref);
                        cr_assert_eq(ok, okr, "mode %d drop %d up %d prec %d", m, drop, up, prec);
                        for (int i = 0; i < N; i++)
                            cr_assert(out[i] == ref[i], "mode %d drop %d up %d prec %d row %d", m, drop, up, prec, i);
                    }
                    memset(valid, 0xff, sizeof valid);
                    for (int i = 0; i < N; i++)
                        if (!k_dec_wide_round_ref(&a[i], NULL, NULL, 1, drop, up, prec, (k_dec_mode)m, &ref[i])) {
                            valid[i / 64] &= ~(1ULL << (i % 64));
                            fails++;
                        }
                    cr_assert(fn[m](a, valid, NULL, N, drop, up, prec, out), "only invalid rows fail");
                }
    cr_assert_gt(fails, 100, "the values reach the limits");
    /* by hand: 2.5 -> 3, -2.5 -> -3, 2.4 -> 2; floor -2.5 -> -3, ceil -2.5 -> -2; 38 nines round up past 38 digits */
    __int128 t[3] = {25, -25, 24}, o[3];
    cr_assert(k_dec_wide_round(t, NULL, NULL, 3, 1, 0, 38, o));
    cr_expect(o[0] == 3 && o[1] == -3 && o[2] == 2);
    cr_assert(k_dec_wide_floor(t, NULL, NULL, 2, 1, 0, 38, o) && o[1] == -3);
    cr_assert(k_dec_wide_ceil(t, NULL, NULL, 2, 1, 0, 38, o) && o[1] == -2);
    __int128 nines = k_pow10_128(38) - 1;
    cr_expect_not(k_dec_wide_round(&nines, NULL, NULL, 1, 1, 1, 38, o), "10^38 has 39 digits");
    cr_expect(k_dec_wide_trunc(&nines, NULL, NULL, 1, 1, 1, 38, o) && o[0] == nines - 9);

    int32_t sg[N], sgr[N];
    for (int s = 0; s < 2; s++) {
        k_dec_wide_sign(a, s ? sel : NULL, N, sg);
        k_dec_wide_sign_ref(a, s ? sel : NULL, N, sgr);
        for (int i = 0; i < N; i++)   /* sel names every row, backwards */
            cr_assert_eq(sg[i], sgr[i], "sign row %d", i);
    }
    for (int i = 0; i < N; i++)
        b[i] = i % 7 == 0 ? 0 : i % 4 == 0 ? b[i] / k_pow10_128(i % 39) : b[i];
    memset(vo, 0xff, sizeof vo);
    memset(vr, 0xff, sizeof vr);
    k_dec_wide_mod(a, b, vo, NULL, N, out);
    k_dec_wide_mod_ref(a, b, vr, NULL, N, ref);
    cr_assert(!memcmp(vo, vr, sizeof vo), "the zero divisors' rows are NULL");
    for (int i = 0; i < N; i++) {
        cr_assert(out[i] == ref[i], "%% row %d", i);
        cr_assert_eq((vo[i / 64] >> (i % 64)) & 1, (uint64_t)(b[i] != 0));
    }
    __int128 x[2] = {-7, 7}, y[2] = {2, -2}, r[2];
    uint64_t vv = 3;
    k_dec_wide_mod(x, y, &vv, NULL, 2, r);
    cr_expect(r[0] == -1 && r[1] == 1, "the sign of the dividend");
}
