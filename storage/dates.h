/*
** dates.h — calendar arithmetic for the date type (int32 days since
** 1970-01-01, proleptic Gregorian calendar). Shared by the CSV loader,
** literal handling and result formatting.
*/
#ifndef VM_DATES_H
#define VM_DATES_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31). Exact for
** every date whose day count fits in an int32. */
int32_t vm_days_from_civil(int32_t y, int m, int d);
/* The inverse: splits a day count into year, month (1-12) and day (1-31). */
void vm_civil_from_days(int32_t days, int32_t *y, int *m, int *d);
/* The date as DuckDB prints it, for every day count: years past 9999 in
** full, years before 1 as "0044-03-15 (BC)"; buf holds
** TIR_DATE_TEXT_SIZE (19) bytes. Returns the length. */
size_t vm_date_text(int32_t days, char *buf);
/* Days in month m (1-12) of year y, leap years included. */
int vm_days_in_month(int32_t y, int m);
/* Writes v (0-99) as two digits at p; returns the byte after them. */
static inline char *vm_two_digits(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

#endif
