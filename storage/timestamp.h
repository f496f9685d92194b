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
** trailing zeros (as DuckDB prints); buf holds 27 bytes. Returns the length. */
size_t vm_timestamp_format(int64_t us, char *buf);
/* The day (days since 1970-01-01) and the microseconds into it, 0 .. a day - 1. */
static inline int32_t vm_ts_day(int64_t us, int64_t *rest)
{
    int64_t d = vm_floordiv(us, VM_US_PER_DAY);
    *rest = us - d * VM_US_PER_DAY;
    return (int32_t)d;
}

#endif
