/*
** decimal.h — the decimal(p, s) type's values: an int64_t holding the number
** times 10^s, at most p digits (p <= 18, so every value and every sum of two
** fits an int64_t). Text in and out without a trip through double, rescaling
** with SQL's rounding (half away from zero), and the precision checks the
** CSV loader, the checker, the VM and the printers share.
**
** decimal(p, s) with 19 <= p <= 38 is the wide form, TIR_DECIMAL128: an
** __int128 (16 bytes, little-endian two's complement as Arrow's decimal128)
** holding the number times 10^s. The checker picks the form from p, so no
** kernel switches on the width per row.
*/
#ifndef VM_DECIMAL_H
#define VM_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_DEC_MAXPREC 18
#define VM_DEC128_MAXPREC 38

/* The type decimal(p, s) is held as: TIR_DECIMAL (int64_t) up to 18
** digits, TIR_DECIMAL128 (__int128) beyond. */
#define VM_DEC_TYPE(p) ((p) > VM_DEC_MAXPREC ? TIR_DECIMAL128 : TIR_DECIMAL)

/* 10^k for k in 0..18. */
int64_t vm_pow10(int k);

/* NULL when decimal(p, s) is a valid type, else what is wrong with it. */
const char *vm_dec_check(long p, long s);

typedef enum vm_dec_err { VM_DEC_OK = 0, VM_DEC_SYNTAX, VM_DEC_OVERFLOW } vm_dec_err;

/* Text [+-]digits[.digits] (surrounding blanks allowed, exponent not) as a
** decimal(prec, scale): extra fraction digits round half away from zero;
** more than prec - scale integer digits is VM_DEC_OVERFLOW. */
vm_dec_err vm_dec_parse(const char *s, size_t len, int prec, int scale, int64_t *out);

/* v at scale as text with exactly scale fraction digits; buf >= 24 bytes.
** Returns the length. */
int vm_dec_format(int64_t v, int scale, char *buf);

/* v rescaled from scale `from` to scale `to` (rounding half away from zero
** when to < from); false when the result has more than prec digits. */
bool vm_dec_rescale(int64_t v, int from, int to, int prec, int64_t *out);

/* A double as a decimal(prec, scale), rounded half away from zero; false
** when out of range or not finite. */
bool vm_dec_from_f64(double x, int prec, int scale, int64_t *out);

/* 10^k for k in 0..38. */
__int128 vm_pow10_128(int k);

/* As vm_dec_parse and vm_dec_format for the wide form (prec <= 38; buf
** >= 42 bytes). */
vm_dec_err vm_dec128_parse(const char *s, size_t len, int prec, int scale, __int128 *out);
int vm_dec128_format(__int128 v, int scale, char *buf);

/* |v| < 10^prec */
static inline bool vm_dec_fits(int64_t v, int prec)
{
    int64_t lim = vm_pow10(prec);
    return v < lim && v > -lim;
}

#endif
