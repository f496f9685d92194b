/*
** dates.c — conversion between day counts and calendar dates, after
** Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms": the year
** is shifted to start on March 1 so the leap day ends it, and 400-year
** eras make the arithmetic branch-free. 64-bit intermediates keep the
** extremes of int32 day counts from overflowing.
*/
#include <stdbool.h>
#include <string.h>

#include "dates.h"
#include "tir.h"

int32_t vm_days_from_civil(int32_t y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

void vm_civil_from_days(int32_t days, int32_t *y, int *m, int *d)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int32_t)(yoe + era * 400 + (*m <= 2));
}

int vm_days_in_month(int32_t y, int m)
{
    static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return mdays[m - 1];
}

/* As DuckDB prints dates: at least four digits of year, all of them past
** 9999, and a year y before 1 as 1 - y followed by " (BC)" (year 0 is
** 1 BC). The longest, day INT32_MIN, is "5877642-06-23 (BC)": 18 bytes. */
size_t vm_date_text(int32_t days, char *buf)
{
    int32_t y;
    int m, d;
    vm_civil_from_days(days, &y, &m, &d);
    bool bc = y <= 0;
    int64_t yy = bc ? 1 - (int64_t)y : y;
    char digits[12];
    int n = 0;
    do {
        digits[n++] = (char)('0' + yy % 10);
        yy /= 10;
    } while (yy);
    while (n < 4)
        digits[n++] = '0';
    char *p = buf;
    while (n)
        *p++ = digits[--n];
    *p++ = '-';
    p = vm_two_digits(p, m);
    *p++ = '-';
    p = vm_two_digits(p, d);
    if (bc) {
        memcpy(p, " (BC)", 5);
        p += 5;
    }
    *p = '\0';
    return (size_t)(p - buf);
}

int tir_date_text(int32_t days, char *buf)
{
    return (int)vm_date_text(days, buf);
}

/* The older contract gives buf 11 bytes, enough for years 0001-9999 only
** (the range the parsers accept). Dates outside it, which only arithmetic
** can produce, are shown as ########## rather than cut: tir_date_text
** prints every date. */
void tir_date_format(int32_t days, char *buf)
{
    int32_t y;
    int m, d;
    vm_civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999) {
        memset(buf, '#', 10);
        buf[10] = '\0';
        return;
    }
    vm_date_text(days, buf);
}
