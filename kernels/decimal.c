/*
** decimal.c — kernels of the decimal(p, s) type: its values are int64_t
** scaled by 10^s, so + - * and comparisons are the i64 kernels; what is
** left is the precision check, rescaling between scales, and f64. The
** rescale is written once per direction by a macro; its _ref twin is the
** plain per-row form the unit tests hold it to.
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

bool k_dec_fits(const int64_t *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec)
{
    int64_t lim = k_pow10(prec);
    bool bad = false;
    /* branch-free over all rows: the check is rare to fail */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        bad |= (a[r] >= lim || a[r] <= -lim) && valid_at(valid, r);
    }
    return !bad;
}

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

void k_dec_to_f64(const int64_t *a, const uint32_t *sel, uint32_t n, int scale, double *out)
{
    double d = (double)k_pow10(scale);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = (double)a[r] / d;   /* one rounding: both are exact doubles up to 2^53 */
    }
}

bool k_dec_from_f64(const double *a, const uint64_t *valid, const uint32_t *sel, uint32_t n, int prec, int scale,
                    int64_t *out)
{
    double m = (double)k_pow10(scale), lim = (double)k_pow10(prec);
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        double y = round(a[r] * m);   /* round() goes half away from zero */
        bool rok = y > -lim && y < lim;
        out[r] = rok ? (int64_t)y : 0;
        ok &= rok || !valid_at(valid, r);
    }
    return ok;
}
