/*
** dec128.c — computing with wide decimals (decimal(p, s), 19 <= p <= 38):
** __int128 values times 10^s, operands already at the scale the checker
** chose. Comparisons (selections and bools), + - * checked against 10^prec,
** negation and abs (|v| < 10^38 cannot wrap), sign and %, each written
** once by a macro (the roundings to a coarser scale share the narrow form's
** macro in decimal.c); here too the twin of those roundings.
** The _ref twins reach the same answers through two 64-bit halves (the
** tir_dec128 layout) and schoolbook products, not through __int128's
** operators, so that a wrong macro cannot agree with itself.
*/
#include "kernels.h"

#include <string.h>

static inline bool valid_at(const uint64_t *v, uint32_t r)
{
    return !v || ((v[r >> 6] >> (r & 63)) & 1);
}

#define K_W_eq(x, y) ((x) == (y))
#define K_W_ne(x, y) ((x) != (y))
#define K_W_lt(x, y) ((x) < (y))
#define K_W_le(x, y) ((x) <= (y))
#define K_W_gt(x, y) ((x) > (y))
#define K_W_ge(x, y) ((x) >= (y))

/* Branch-free: the index is always stored, the count moves by 0 or 1 (out
** may be sel). vc compares with one constant, vv row with row. */
#define K_DEF_WIDE_CMP(op)                                                                       \
    uint32_t k_sel_##op##_d128_vc(const __int128 *a, __int128 c, const uint64_t *va, const uint32_t *sel, \
                                  uint32_t n, uint32_t *out)                                     \
    {                                                                                            \
        uint32_t k = 0;                                                                          \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            out[k] = r;                                                                          \
            k += K_W_##op(a[r], c) & valid_at(va, r);                                            \
        }                                                                                        \
        return k;                                                                                \
    }                                                                                            \
    uint32_t k_sel_##op##_d128_vv(const __int128 *a, const __int128 *b, const uint64_t *va, const uint64_t *vb, \
                                  const uint32_t *sel, uint32_t n, uint32_t *out)                \
    {                                                                                            \
        uint32_t k = 0;                                                                          \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            out[k] = r;                                                                          \
            k += K_W_##op(a[r], b[r]) & valid_at(va, r) & valid_at(vb, r);                       \
        }                                                                                        \
        return k;                                                                                \
    }                                                                                            \
    void k_cmp_##op##_d128(const __int128 *a, const __int128 *b, const uint32_t *sel, uint32_t n, uint8_t *out) \
    {                                                                                            \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            out[r] = (uint8_t)K_W_##op(a[r], b[r]);                                              \
        }                                                                                        \
    }
K_CMP_OPS(K_DEF_WIDE_CMP)

/* The twin's order: signed high halves first, then unsigned low halves. */
static int cmp_halves(const __int128 *x, const __int128 *y)
{
    tir_dec128 a, b;
    memcpy(&a, x, sizeof a);
    memcpy(&b, y, sizeof b);
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static bool holds(k_cmp_op op, int c)
{
    switch (op) {
    case K_CMP_EQ: return c == 0;
    case K_CMP_NE: return c != 0;
    case K_CMP_LT: return c < 0;
    case K_CMP_LE: return c <= 0;
    case K_CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

uint32_t k_sel_d128_ref(k_cmp_op op, const __int128 *a, const __int128 *b, const uint64_t *va,
                        const uint64_t *vb, const uint32_t *sel, uint32_t n, uint32_t *out)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (valid_at(va, r) && valid_at(vb, r) && holds(op, cmp_halves(&a[r], &b[r])))
            out[k++] = r;
    }
    return k;
}

void k_cmp_d128_ref(k_cmp_op op, const __int128 *a, const __int128 *b, const uint32_t *sel, uint32_t n,
                    uint8_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = holds(op, cmp_halves(&a[r], &b[r]));
    }
}

/* + - * whose result must not wrap nor reach 10^prec; a row invalid in
** valid is not checked (its out is 0). */
#define K_WIDE_ADD(x, y, o) __builtin_add_overflow(x, y, o)
#define K_WIDE_SUB(x, y, o) __builtin_sub_overflow(x, y, o)
/* two factors of 64 bits cannot wrap 128 (|x y| <= 2^126): one imul, not
** the general overflow check (a call into libgcc) */
#define K_FITS64(v) ((v) == (__int128)(int64_t)(v))
#define K_WIDE_MUL(x, y, o)                                                                      \
    (K_FITS64(x) && K_FITS64(y) ? (*(o) = (__int128)(int64_t)(x) * (int64_t)(y), false)          \
                                : __builtin_mul_overflow(x, y, o))
#define K_DEF_WIDE_ARITH(name, OP)                                                               \
    bool name(const __int128 *a, const __int128 *b, const uint64_t *valid, const uint32_t *sel, uint32_t n, \
              int prec, __int128 *out)                                                           \
    {                                                                                            \
        __int128 lim = k_pow10_128(prec);                                                        \
        bool ok = true;                                                                          \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            __int128 o;                                                                          \
            bool rok = !OP(a[r], b[r], &o) && o < lim && o > -lim;                               \
            out[r] = rok ? o : 0;                                                                \
            ok &= rok || !valid_at(valid, r);                                                    \
        }                                                                                        \
        return ok;                                                                               \
    }
K_DEF_WIDE_ARITH(k_dec_wide_add, K_WIDE_ADD)
K_DEF_WIDE_ARITH(k_dec_wide_sub, K_WIDE_SUB)
K_DEF_WIDE_ARITH(k_dec_wide_mul, K_WIDE_MUL)

#define K_WIDE_NEG(v) (-(v))
#define K_WIDE_ABS(v) ((v) < 0 ? -(v) : (v))
#define K_DEF_WIDE_UNARY(name, OP)                                                               \
    void name(const __int128 *a, const uint32_t *sel, uint32_t n, __int128 *out)                 \
    {                                                                                            \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            out[r] = OP(a[r]);                                                                   \
        }                                                                                        \
    }
K_DEF_WIDE_UNARY(k_dec_wide_neg, K_WIDE_NEG)
K_DEF_WIDE_UNARY(k_dec_wide_abs, K_WIDE_ABS)

/* sign: -1, 0 or 1 as an i32 */
void k_dec_wide_sign(const __int128 *a, const uint32_t *sel, uint32_t n, int32_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = (a[r] > 0) - (a[r] < 0);
    }
}

/* x % y, the sign of x (C's and DuckDB's); a zero divisor makes the row NULL
** (bit cleared, value 0), as for integers. |x| < 10^38: nothing wraps. */
void k_dec_wide_mod(const __int128 *a, const __int128 *b, uint64_t *out_valid, const uint32_t *sel, uint32_t n,
                    __int128 *out)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        __int128 d = b[r];
        bool z = d == 0;
        out[r] = z ? 0 : a[r] % d;
        out_valid[r >> 6] &= ~((uint64_t)z << (r & 63));
    }
}


/* ---- the twins of sign, % and rounding: digits and magnitudes ------------- */

void k_dec_wide_sign_ref(const __int128 *a, const uint32_t *sel, uint32_t n, int32_t *out)
{
    static const __int128 zero = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = cmp_halves(&a[r], &zero);
    }
}

/* |x| mod |y| by unsigned division, then x's sign. */
void k_dec_wide_mod_ref(const __int128 *a, const __int128 *b, uint64_t *out_valid, const uint32_t *sel,
                        uint32_t n, __int128 *out)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (b[r] == 0) {
            out[r] = 0;
            out_valid[r / 64] &= ~((uint64_t)1 << (r % 64));
            continue;
        }
        unsigned __int128 x = a[r] < 0 ? -(unsigned __int128)a[r] : (unsigned __int128)a[r];
        unsigned __int128 y = b[r] < 0 ? -(unsigned __int128)b[r] : (unsigned __int128)b[r];
        __int128 m = (__int128)(x % y);
        out[r] = a[r] < 0 ? -m : m;
    }
}

/* The digits dropped one at a time from the magnitude: round looks at the
** first one dropped (5 or more: away from zero), floor and ceil at whether
** any is not 0; then a digit at a time back up, checked digit by digit. */
bool k_dec_wide_round_ref(const __int128 *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int drop,
                          int up, int prec, k_dec_mode mode, __int128 *out)
{
    unsigned __int128 lim = (unsigned __int128)k_pow10_128(prec);
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        bool neg = a[r] < 0, any = false;
        unsigned __int128 q = neg ? -(unsigned __int128)a[r] : (unsigned __int128)a[r];
        int last = 0;
        for (int k = 0; k < drop; k++) {
            last = (int)(q % 10);
            any |= last != 0;
            q /= 10;
        }
        bool away = mode == K_DEC_ROUND ? last >= 5 : mode == K_DEC_FLOOR ? neg && any
                    : mode == K_DEC_CEIL ? !neg && any : false;
        q += away;
        bool rok = q < lim;
        for (int k = 0; k < up && q && rok; k++) {
            rok = q < lim / 10;   /* q * 10 < 10^prec, asked before it could wrap */
            q *= 10;
        }
        out[r] = rok ? (neg ? -(__int128)q : (__int128)q) : 0;
        ok &= rok || !valid_at(valid, r);
    }
    return ok;
}

/* ---- the arithmetic twin: magnitudes as 64-bit limbs ---------------------- */

typedef struct { uint64_t w[4]; bool neg; } mag;   /* |v| = w[0] + w[1] 2^64 + ..., little end first */

static mag to_mag(__int128 v)
{
    tir_dec128 h;
    memcpy(&h, &v, sizeof h);
    mag m = {{h.lo, (uint64_t)h.hi, 0, 0}, h.hi < 0};
    if (m.neg) {   /* two's complement of the pair */
        m.w[0] = ~m.w[0] + 1;
        m.w[1] = ~m.w[1] + (m.w[0] == 0);
    }
    return m;
}

static int mag_cmp(const mag *a, const mag *b)
{
    for (int k = 3; k >= 0; k--)
        if (a->w[k] != b->w[k])
            return a->w[k] < b->w[k] ? -1 : 1;
    return 0;
}

static mag mag_add(mag a, mag b)   /* |a| + |b| */
{
    mag r = {{0}, false};
    uint64_t carry = 0;
    for (int k = 0; k < 4; k++) {
        uint64_t s = a.w[k] + carry;
        carry = s < carry;
        r.w[k] = s + b.w[k];
        carry += r.w[k] < s;
    }
    return r;
}

static mag mag_sub(mag a, mag b)   /* |a| - |b|, |a| >= |b| */
{
    mag r = {{0}, false};
    uint64_t borrow = 0;
    for (int k = 0; k < 4; k++) {
        uint64_t d = a.w[k] - b.w[k];
        uint64_t nb = a.w[k] < b.w[k] || d < borrow;
        r.w[k] = d - borrow;
        borrow = nb;
    }
    return r;
}

static mag mag_mul(mag a, mag b)   /* |a| |b|, 32-bit digits so no partial product wraps */
{
    uint32_t x[4], y[4];
    uint64_t acc[9] = {0};
    for (int k = 0; k < 4; k++) {
        x[k] = (uint32_t)(a.w[k / 2] >> (32 * (k & 1)));
        y[k] = (uint32_t)(b.w[k / 2] >> (32 * (k & 1)));
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            uint64_t p = (uint64_t)x[i] * y[j];
            for (int k = i + j; p; k++) {   /* add p at digit k, carrying up */
                uint64_t s = acc[k] + (p & 0xffffffffu);
                acc[k] = s & 0xffffffffu;
                p = (p >> 32) + (s >> 32);
            }
        }
    mag r = {{0}, false};
    for (int k = 0; k < 8; k++)
        r.w[k / 2] |= acc[k] << (32 * (k & 1));
    return r;
}

/* op: '+', '-' or '*'. */
bool k_dec_wide_arith_ref(char op, const __int128 *a, const __int128 *b, const uint64_t *valid,
                          const uint32_t *sel, uint32_t n, int prec, __int128 *out)
{
    mag lim = to_mag(k_pow10_128(prec));
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        mag x = to_mag(a[r]), y = to_mag(b[r]), z;
        if (op == '-')
            y.neg = !y.neg && (y.w[0] | y.w[1]);
        if (op == '*') {
            z = mag_mul(x, y);
            z.neg = x.neg != y.neg;
        } else if (x.neg == y.neg) {
            z = mag_add(x, y);
            z.neg = x.neg;
        } else if (mag_cmp(&x, &y) >= 0) {
            z = mag_sub(x, y);
            z.neg = x.neg;
        } else {
            z = mag_sub(y, x);
            z.neg = y.neg;
        }
        bool rok = mag_cmp(&z, &lim) < 0;
        /* unsigned: a magnitude past 2^127 (rok false) must not shift into the sign */
        __int128 v = (__int128)((unsigned __int128)z.w[1] << 64 | z.w[0]);
        out[r] = rok ? (z.neg ? -v : v) : 0;
        ok &= rok || !valid_at(valid, r);
    }
    return ok;
}
