/*
** timestamp.h — the timestamp type (int64 microseconds since
** 1970-01-01 00:00:00, no time zone) as text and as calendar parts.
** Shared by the CSV loader, literals, casts, parameters and printing.
*/
#ifndef VM_TIMESTAMP_H
#define VM_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tir.h"
#include "kernels.h"

#define VM_US_PER_SEC INT64_C(1000000)
#define VM_US_PER_DAY INT64_C(86400000000)

/* a / b rounded toward minus infinity (b > 0): days of a timestamp before 1970. */
static inline int64_t vm_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q - (a % b != 0 && a < 0);
}

/* "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" or with a fraction
** of 1 to 6 digits ("…SS.ffffff"); 'T' may stand for the space. Years 0001
** to 9999, no time zone. False when s is no such timestamp. */
bool vm_parse_timestamp(const char *s, size_t len, int64_t *us);
/* Writes "YYYY-MM-DD HH:MM:SS" and, when not zero, the fraction without its
** trailing zeros, for every timestamp as DuckDB prints them (the date as
** vm_date_text writes it); buf holds TIR_TIMESTAMP_TEXT_SIZE (34) bytes.
** Returns the length. */
size_t vm_timestamp_format(int64_t us, char *buf);
/* The day (days since 1970-01-01) and the microseconds into it, 0 .. a day - 1. */
static inline int32_t vm_ts_day(int64_t us, int64_t *rest)
{
    /* floor division by parts: d * VM_US_PER_DAY can overflow near INT64_MIN */
    int64_t d = us / VM_US_PER_DAY, r = us % VM_US_PER_DAY;
    if (r < 0)
        d--, r += VM_US_PER_DAY;
    *rest = r;
    return (int32_t)d;
}


/* An interval, as DuckDB keeps one: months, days and microseconds, each
** with its own sign (a month is not a fixed number of days, nor a day of
** microseconds across a time change). The public tir_interval. */
typedef tir_interval vm_interval;

/* "1 year 2 months -3 days 04:05:06.5": numbers with units (year, month,
** week, day, hour, minute, second, millisecond, microsecond, singular or
** plural) and at most one [-]HH:MM[:SS[.ffffff]], in any order, separated
** by spaces. False when s is no such interval or a part overflows. */
bool vm_parse_interval(const char *s, size_t len, vm_interval *out);
/* Text that vm_parse_interval reads back: "14 months 3 days 5000000 microseconds"
** (zero parts left out; "0 days" for none). buf holds 80 bytes. */
void vm_interval_format(const vm_interval *v, char *buf);
/* us + v as DuckDB adds it: the months first, a day past the end of the
** month clamped to its last day (2024-01-31 + 1 month = 2024-02-29), then
** the days, then the microseconds. False when the result overflows. */
bool vm_ts_add_interval(int64_t us, const vm_interval *v, int64_t *out);
/* The interval from b to a (a - b of timestamps), as DuckDB gives it: the
** whole days and the microseconds left, both toward zero, no months.
** False when a - b overflows. */
static inline bool vm_ts_sub(int64_t a, int64_t b, vm_interval *out)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        return false;
    int64_t days = d / VM_US_PER_DAY;   /* |days| < 2^37 / 864 fits */
    *out = (vm_interval){0, (int32_t)days, d - days * VM_US_PER_DAY};
    return true;
}

/* Part by part, as DuckDB computes them; false when a part overflows. */
static inline bool vm_iv_add(vm_interval a, vm_interval b, vm_interval *out)
{
    return !__builtin_add_overflow(a.months, b.months, &out->months) &&
           !__builtin_add_overflow(a.days, b.days, &out->days) &&
           !__builtin_add_overflow(a.micros, b.micros, &out->micros);
}
static inline bool vm_iv_sub(vm_interval a, vm_interval b, vm_interval *out)
{
    return !__builtin_sub_overflow(a.months, b.months, &out->months) &&
           !__builtin_sub_overflow(a.days, b.days, &out->days) &&
           !__builtin_sub_overflow(a.micros, b.micros, &out->micros);
}
static inline bool vm_iv_neg(vm_interval a, vm_interval *out)
{
    return vm_iv_sub((vm_interval){0, 0, 0}, a, out);
}
/* DuckDB takes the factor as an i32 (a larger one is an error, even for a
** zero interval). */
static inline bool vm_iv_mul(vm_interval a, int64_t n, vm_interval *out)
{
    return n >= INT32_MIN && n <= INT32_MAX && !__builtin_mul_overflow(a.months, (int32_t)n, &out->months) &&
           !__builtin_mul_overflow(a.days, (int32_t)n, &out->days) &&
           !__builtin_mul_overflow(a.micros, n, &out->micros);
}

/* DuckDB's order of intervals: each is normalized, microseconds carried
** into days (24 hours a day) and days into months (30 days a month), the
** divisions toward zero, then (months, days, microseconds) compare in that
** order. So "1 month" == "30 days" and "1 day" == "24 hours", but "1 month
** -1 day" > "29 days" (it stays 1 month -1 day). -1, 0 or 1. The one
** notion of it is k_iv_key, which sort keys and hashes use too. */
static inline int vm_iv_cmp(vm_interval a, vm_interval b)
{
    __int128 x = k_iv_key(a), y = k_iv_key(b);
    return (x > y) - (x < y);
}

#endif
