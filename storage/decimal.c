/*
** decimal.c — decimal values as text and across scales (decimal.h). Exact:
** text is read digit by digit into an integer, never through a double.
*/
#include "decimal.h"
#include "kernels.h"
#include "tir.h"

#include <stdio.h>

int64_t vm_pow10(int k)
{
    return k_pow10(k);
}

const char *vm_dec_check(long p, long s)
{
    if (p < 1 || p > 38)
        return "decimal precision must be between 1 and 38";
    if (s < 0 || s > p)
        return "decimal scale must be between 0 and the precision";
    return NULL;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One parser for both forms: T is the integer type, POW its 10^k. Integer
** digits (leading zeros do not count toward the precision) are checked as
** they come, so T never overflows. */
#define DEC_PARSE(name, T, POW)                                                                  \
    vm_dec_err name(const char *s, size_t len, int prec, int scale, T *out)                      \
    {                                                                                            \
        size_t i = 0;                                                                            \
        while (i < len && blank(s[i]))                                                           \
            i++;                                                                                 \
        while (len > i && blank(s[len - 1]))                                                     \
            len--;                                                                               \
        bool neg = false;                                                                        \
        if (i < len && (s[i] == '-' || s[i] == '+'))                                             \
            neg = s[i++] == '-';                                                                 \
        /* v * 10 + d >= lim = q * 10 + rm, asked before it could wrap */                        \
        T v = 0, lim = POW(prec - scale), q = lim / 10;                                          \
        int ndig = 0, rm = (int)(lim % 10);                                                      \
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, ndig++) {                             \
            int d_ = s[i] - '0';                                                                 \
            if (v > q || (v == q && d_ >= rm))                                                   \
                return VM_DEC_OVERFLOW;                                                          \
            v = v * 10 + d_;                                                                     \
        }                                                                                        \
        int frac = 0, nfrac = 0;                                                                 \
        bool up = false;                                                                         \
        if (i < len && s[i] == '.') {                                                            \
            i++;                                                                                 \
            for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {                        \
                if (frac < scale) {                                                              \
                    v = v * 10 + (s[i] - '0');                                                   \
                    frac++;                                                                      \
                } else if (frac == scale && nfrac == scale) {                                    \
                    up = s[i] >= '5'; /* the first digit dropped decides: half away from zero */ \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
        if (i != len || (ndig == 0 && nfrac == 0))                                               \
            return VM_DEC_SYNTAX;                                                                \
        v = v * POW(scale - frac) + up;                                                          \
        T plim = POW(prec);                                                                      \
        if (v >= plim) /* 9.995 as decimal(3,2) rounds up to 10.00 */                            \
            return VM_DEC_OVERFLOW;                                                              \
        *out = neg ? -v : v;                                                                     \
        return VM_DEC_OK;                                                                        \
    }
DEC_PARSE(vm_dec_parse, int64_t, vm_pow10)
DEC_PARSE(vm_dec128_parse, __int128, vm_pow10_128)

__int128 vm_pow10_128(int k)
{
    return k_pow10_128(k);
}

int vm_dec128_format(__int128 v, int scale, char *buf)
{
    /* digits from the right, then the sign: |v| < 10^38 < 2^127 */
    unsigned __int128 m = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    char tmp[48];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m || n <= scale);
    int len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n > 0) {
        if (n == scale)
            buf[len++] = '.';
        buf[len++] = tmp[--n];
    }
    buf[len] = 0;
    return len;
}

int vm_dec_format(int64_t v, int scale, char *buf)
{
    uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
    uint64_t p = (uint64_t)vm_pow10(scale);
    if (scale == 0)
        return sprintf(buf, "%s%llu", v < 0 ? "-" : "", (unsigned long long)m);
    return sprintf(buf, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(m / p), scale,
                   (unsigned long long)(m % p));
}

bool vm_dec_rescale(int64_t v, int from, int to, int prec, int64_t *out)
{
    return k_dec_rescale(&v, NULL, NULL, 1, from, to, prec, out);
}

bool vm_dec_from_f64(double x, int prec, int scale, int64_t *out)
{
    return k_dec_from_f64(&x, NULL, NULL, 1, prec, scale, out);
}

int tir_decimal_format(int64_t v, int scale, char *buf)
{
    return vm_dec_format(v, scale < 0 ? 0 : scale > VM_DEC_MAXPREC ? VM_DEC_MAXPREC : scale, buf);
}

int tir_decimal128_format(tir_dec128 v, int scale, char *buf)
{
    __int128 x = (__int128)((unsigned __int128)(uint64_t)v.hi << 64 | v.lo);
    return vm_dec128_format(x, scale < 0 ? 0 : scale > VM_DEC128_MAXPREC ? VM_DEC128_MAXPREC : scale, buf);
}
