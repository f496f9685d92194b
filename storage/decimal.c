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
    if (p > VM_DEC_MAXPREC)
        return "decimal precision above 18 is not supported yet";
    if (s < 0 || s > p)
        return "decimal scale must be between 0 and the precision";
    return NULL;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

vm_dec_err vm_dec_parse(const char *s, size_t len, int prec, int scale, int64_t *out)
{
    size_t i = 0;
    while (i < len && blank(s[i]))
        i++;
    while (len > i && blank(s[len - 1]))
        len--;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    /* integer digits (leading zeros do not count toward the precision) */
    int64_t v = 0, lim = vm_pow10(prec - scale);
    int ndig = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, ndig++) {
        v = v * 10 + (s[i] - '0');
        if (v >= lim)
            return VM_DEC_OVERFLOW;
    }
    int frac = 0, nfrac = 0;
    bool up = false;
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
            if (frac < scale) {
                v = v * 10 + (s[i] - '0');
                frac++;
            } else if (frac == scale && nfrac == scale) {
                up = s[i] >= '5';   /* the first digit dropped decides: half away from zero */
            }
        }
    }
    if (i != len || (ndig == 0 && nfrac == 0))
        return VM_DEC_SYNTAX;
    v = v * vm_pow10(scale - frac) + up;
    if (!vm_dec_fits(v, prec))
        return VM_DEC_OVERFLOW;   /* 9.995 as decimal(3,2) rounds up to 10.00 */
    *out = neg ? -v : v;
    return VM_DEC_OK;
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
