/*
** decimal.c — kernels of the decimal(p, s) type: its values are int64_t
** scaled by 10^s, so + - * and comparisons are the i64 kernels; what is
** left is the precision check, rescaling between scales, rounding to a
** coarser scale (floor, ceil, trunc, round; of wide decimals too), and f64.
** The rescale and the roundings are written once by a macro; each _ref twin
** is the plain per-row form in 128-bit arithmetic the unit tests hold them
** to (the wide roundings' twin is in dec128.c).
*/
#include "kernels.h"

#include <math.h>

static const int64_t pow10s[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL, 1000000000LL,
    10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL, 1000000000000000000LL,
};

int64_t k_pow10(int k)
{
    return pow10s[k < 0 ? 0 : k > 18 ? 18 : k];
}

static inline bool valid_at(const uint64_t *v, uint32_t r)
{
    return !v || ((v[r >> 6] >> (r & 63)) & 1);
}

/* Branch-free over all rows: the check is rare to fail. Both forms (the
** wide one's k_pow10_128 is below). */
#define K_DEF_DEC_FITS(name, T, POW)                                                             \
    bool name(const T *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec)      \
    {                                                                                            \
        T lim = POW(prec);                                                                       \
        bool bad = false;                                                                        \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            bad |= (a[r] >= lim || a[r] <= -lim) && valid_at(valid, r);                          \
        }                                                                                        \
        return !bad;                                                                             \
    }
K_DEF_DEC_FITS(k_dec_fits, int64_t, k_pow10)

/* Up: a multiplication that must not overflow nor pass 10^prec. Down: a
** division whose remainder of half the divisor or more rounds away from 0. */
#define DEC_UP(x, out, ok) (ok &= !__builtin_mul_overflow(x, m, &out) && out < lim && out > -lim)
#define DEC_DOWN(x, out, ok)                                                                     \
    do {                                                                                         \
        int64_t q = (x) / m, rem = (x) % m;                                                       \
        q += (2 * (rem < 0 ? -rem : rem) >= m) ? ((x) < 0 ? -1 : 1) : 0;                          \
        out = q;                                                                                 \
        ok &= q < lim && q > -lim;                                                               \
    } while (0)
#define K_DEF_RESCALE(name, VALID)                                                               \
    bool name(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to, \
              int prec, int64_t *out)                                                            \
    {                                                                                            \
        int64_t lim = k_pow10(prec), m = k_pow10(to > from ? to - from : from - to);             \
        bool ok = true;                                                                          \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            bool rok = true;                                                                     \
            int64_t v = a[r], o = 0;                                                             \
            if (to >= from)                                                                      \
                DEC_UP(v, o, rok);                                                               \
            else                                                                                 \
                DEC_DOWN(v, o, rok);                                                             \
            out[r] = rok ? o : 0;                                                                \
            ok &= rok || !VALID(valid, r);                                                       \
        }                                                                                        \
        return ok;                                                                               \
    }
K_DEF_RESCALE(k_dec_rescale, valid_at)

/* The twin: each row through exact 128-bit arithmetic, then the checks. */
bool k_dec_rescale_ref(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to,
                       int prec, int64_t *out)
{
    bool ok = true;
    __int128 lim = k_pow10(prec);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        __int128 v = a[r];
        if (to >= from) {
            v *= k_pow10(to - from);
        } else {
            __int128 d = k_pow10(from - to), q = v / d, rem = v - q * d;
            if (2 * (rem < 0 ? -rem : rem) >= d)
                q += v < 0 ? -1 : 1;
            v = q;
        }
        bool rok = v < lim && v > -lim;
        out[r] = rok ? (int64_t)v : 0;
        ok &= rok || !valid_at(valid, r);
    }
    return ok;
}

/* Rounding to a coarser scale, narrow and wide alike: q = a / m
** truncated, then moved by one toward -inf, +inf or away from zero as ADJ
** says from the remainder, then times u (10^up), which must neither
** overflow nor pass 10^prec. A drop past MAXD (10^19 for an int64_t, 10^39
** for an __int128: more digits than any value has) makes m 0, q 0 and the
** remainder a, which rounds to 0 (|a| is below half of 10^(MAXD + 1)). */
#define ADJ_TRUNC(v, rem, m, UT) ((void)(rem), 0)
#define ADJ_FLOOR(v, rem, m, UT) (rem < 0 ? -1 : 0)
#define ADJ_CEIL(v, rem, m, UT) (rem > 0 ? 1 : 0)
#define ADJ_ROUND(v, rem, m, UT) (m && 2 * (UT)(rem < 0 ? -rem : rem) >= (UT)(m) ? (v < 0 ? -1 : 1) : 0)
#define K_DEF_DEC_ROUND(name, ADJ, T, UT, POW, MAXD)                                             \
    bool name(const T *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int drop, int up, int prec, \
              T *out)                                                                            \
    {                                                                                            \
        T lim = POW(prec), u = POW(up), m = drop > MAXD ? 0 : POW(drop);                         \
        bool ok = true;                                                                          \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            T v = a[r], q = m ? v / m : 0, rem = m ? v % m : v, o;                               \
            q += ADJ(v, rem, m, UT);                                                             \
            bool rok = !__builtin_mul_overflow(q, u, &o) && o < lim && o > -lim;                 \
            out[r] = rok ? o : 0;                                                                \
            ok &= rok || !valid_at(valid, r);                                                    \
        }                                                                                        \
        return ok;                                                                               \
    }
K_DEF_DEC_ROUND(k_dec_trunc, ADJ_TRUNC, int64_t, uint64_t, k_pow10, 18)
K_DEF_DEC_ROUND(k_dec_floor, ADJ_FLOOR, int64_t, uint64_t, k_pow10, 18)
K_DEF_DEC_ROUND(k_dec_ceil, ADJ_CEIL, int64_t, uint64_t, k_pow10, 18)
K_DEF_DEC_ROUND(k_dec_round, ADJ_ROUND, int64_t, uint64_t, k_pow10, 18)
K_DEF_DEC_ROUND(k_dec_wide_trunc, ADJ_TRUNC, __int128, unsigned __int128, k_pow10_128, 38)
K_DEF_DEC_ROUND(k_dec_wide_floor, ADJ_FLOOR, __int128, unsigned __int128, k_pow10_128, 38)
K_DEF_DEC_ROUND(k_dec_wide_ceil, ADJ_CEIL, __int128, unsigned __int128, k_pow10_128, 38)
K_DEF_DEC_ROUND(k_dec_wide_round, ADJ_ROUND, __int128, unsigned __int128, k_pow10_128, 38)

/* The twin: exact 128-bit arithmetic, floor division written out. */
bool k_dec_round_ref(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int drop, int up,
                     int prec, k_dec_mode mode, int64_t *out)
{
    __int128 d = 1, u = 1, lim = k_pow10(prec);
    for (int k = 0; k < drop; k++)
        d *= 10;
    for (int k = 0; k < up; k++)
        u *= 10;
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        __int128 v = a[r], fl = v >= 0 ? v / d : -((-v + d - 1) / d), q;   /* floor(v / d) */
        __int128 below = v - fl * d;                                      /* 0 <= below < d */
        switch (mode) {
        case K_DEC_FLOOR: q = fl; break;
        case K_DEC_CEIL: q = below ? fl + 1 : fl; break;
        case K_DEC_TRUNC: q = v < 0 && below ? fl + 1 : fl; break;
        default:   /* the nearer multiple; at a tie, the one farther from zero */
            q = 2 * below > d || (2 * below == d && v > 0) ? fl + 1 : fl;
            break;
        }
        q *= u;
        bool rok = q < lim && q > -lim;
        out[r] = rok ? (int64_t)q : 0;
        ok &= rok || !valid_at(valid, r);
    }
    return ok;
}

/* To f64: one rounding when the value and 10^scale are exact doubles (up
** to 2^53; 10^scale up to 22 digits). From f64: round() goes half away
** from zero. Written once for both forms. */
#define K_DEF_DEC_F64(to_name, from_name, T, POW)                                                \
    void to_name(const T *a, const uint32_t *sel, uint32_t n, int scale, double *out)            \
    {                                                                                            \
        double d = (double)POW(scale);                                                           \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            out[r] = (double)a[r] / d;                                                           \
        }                                                                                        \
    }                                                                                            \
    bool from_name(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec, int scale, \
                   T *out)                                                                       \
    {                                                                                            \
        double m = (double)POW(scale), lim = (double)POW(prec);                                  \
        bool ok = true;                                                                          \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            double y = round(a[r] * m);                                                          \
            bool rok = y > -lim && y < lim;                                                      \
            out[r] = rok ? (T)y : 0;                                                             \
            ok &= rok || !valid_at(valid, r);                                                    \
        }                                                                                        \
        return ok;                                                                               \
    }
K_DEF_DEC_F64(k_dec_to_f64, k_dec_from_f64, int64_t, k_pow10)

/* ------------------------------------------------------- wide decimals */

#define E18 ((__int128)1000000000000000000LL)
static const __int128 pow10s_128[39] = {
    1LL, 10LL, 100LL, 1000LL,
    10000LL, 100000LL, 1000000LL, 10000000LL,
    100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
    1000000000000LL, 10000000000000LL, 100000000000000LL, 1000000000000000LL,
    10000000000000000LL, 100000000000000000LL, 1000000000000000000LL, E18 * 10LL,
    E18 * 100LL, E18 * 1000LL, E18 * 10000LL, E18 * 100000LL,
    E18 * 1000000LL, E18 * 10000000LL, E18 * 100000000LL, E18 * 1000000000LL,
    E18 * 10000000000LL, E18 * 100000000000LL, E18 * 1000000000000LL, E18 * 10000000000000LL,
    E18 * 100000000000000LL, E18 * 1000000000000000LL, E18 * 10000000000000000LL, E18 * 100000000000000000LL,
    E18 * 1000000000000000000LL, E18 * E18 * 10, E18 * E18 * 100
};

__int128 k_pow10_128(int k)
{
    return pow10s_128[k < 0 ? 0 : k > 38 ? 38 : k];
}

/* In __int128 whatever the ends: up must not overflow nor pass 10^prec;
** down compares the remainder with what is left of the divisor (2 * rem
** could overflow at 10^38). */
#define K_DEF_DEC_CAST(name, TIN, TOUT)                                                          \
    bool name(const TIN *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from, int to, \
              int prec, TOUT *out)                                                               \
    {                                                                                            \
        __int128 lim = k_pow10_128(prec), m = k_pow10_128(to > from ? to - from : from - to);    \
        bool ok = true;                                                                          \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            __int128 v = a[r], o;                                                                \
            bool rok;                                                                            \
            if (to >= from) {                                                                    \
                rok = !__builtin_mul_overflow(v, m, &o);                                         \
            } else {                                                                             \
                __int128 rem = v % m, arem = rem < 0 ? -rem : rem;                               \
                o = v / m + (arem >= m - arem ? (v < 0 ? -1 : 1) : 0);                           \
                rok = true;                                                                      \
            }                                                                                    \
            rok = rok && o < lim && o > -lim;                                                    \
            out[r] = rok ? (TOUT)o : 0;                                                          \
            ok &= rok || !valid_at(valid, r);                                                    \
        }                                                                                        \
        return ok;                                                                               \
    }
K_DEF_DEC_CAST(k_dec_to128, int64_t, __int128)
K_DEF_DEC_CAST(k_dec_wide_to64, __int128, int64_t)
K_DEF_DEC_CAST(k_dec_wide_rescale, __int128, __int128)

bool k_dec_wide_rescale_ref(const __int128 *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int from,
                            int to, int prec, __int128 *out)
{
    __int128 lim = k_pow10_128(prec), d = k_pow10_128(from > to ? from - to : 0);
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        __int128 v = a[r];
        bool rok = true;
        for (int k = from; k < to && rok; k++) {   /* a digit at a time, stopping before a step could wrap */
            rok = (v < 0 ? -v : v) <= (lim - 1) / 10;
            v = rok ? v * 10 : 0;
        }
        if (from > to) {   /* the nearer multiple of d; at a tie, the one farther from zero */
            __int128 fl = v / d - (v % d < 0), below = v - fl * d;   /* floor: -v + d could wrap */
            v = below > d - below || (below == d - below && v > 0) ? fl + 1 : fl;
        }
        rok = rok && v < lim && v > -lim;
        out[r] = rok ? v : 0;
        ok &= rok || !valid_at(valid, r);
    }
    return ok;
}

K_DEF_DEC_F64(k_dec_wide_to_f64, k_dec_wide_from_f64, __int128, k_pow10_128)
K_DEF_DEC_FITS(k_dec_wide_fits, __int128, k_pow10_128)
