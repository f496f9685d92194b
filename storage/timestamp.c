/*
** timestamp.c — timestamps as text: the parser the CSV loader, casts and
** parameters share, and the printer of results and casts to string.
*/
#include "timestamp.h"
#include "csv.h"
#include "dates.h"
#include "tir.h"

/* n digits at s as a number; -1 when one is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned)(s[i] - '0') > 9)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool vm_parse_timestamp(const char *s, size_t len, int64_t *us)
{
    int32_t days;
    if (len < 10 || !vm_parse_date(s, 10, &days) || days < -719162)   /* 0001-01-01 */
        return false;
    int64_t t = 0;
    if (len > 10) {
        if ((s[10] != ' ' && s[10] != 'T') || len < 16 || s[13] != ':')
            return false;
        int h = digits(s + 11, 2), m = digits(s + 14, 2), sec = 0;
        if (h < 0 || h > 23 || m < 0 || m > 59)
            return false;
        size_t i = 16;
        if (len > 16) {
            if (len < 19 || s[16] != ':' || (sec = digits(s + 17, 2)) < 0 || sec > 59)
                return false;
            i = 19;
        }
        int64_t frac = 0;
        if (i < len) {
            if (s[i] != '.' || len - i < 2 || len - i > 7)
                return false;
            int n = (int)(len - i - 1), f = digits(s + i + 1, n);
            if (f < 0)
                return false;
            frac = f;
            for (int k = n; k < 6; k++)
                frac *= 10;
        }
        t = ((int64_t)h * 3600 + m * 60 + sec) * VM_US_PER_SEC + frac;
    }
    *us = days * VM_US_PER_DAY + t;
    return true;
}

static char *two(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

size_t vm_timestamp_format(int64_t us, char *buf)
{
    int64_t rest;
    tir_date_format(vm_ts_day(us, &rest), buf);   /* ########## outside years 0000-9999 */
    int64_t secs = rest / VM_US_PER_SEC, frac = rest % VM_US_PER_SEC;
    char *p = buf + 10;
    *p++ = ' ';
    p = two(p, (int)(secs / 3600));
    *p++ = ':';
    p = two(p, (int)(secs / 60 % 60));
    *p++ = ':';
    p = two(p, (int)(secs % 60));
    if (frac) {
        *p++ = '.';
        for (int64_t d = 100000; d && frac; d /= 10) {
            *p++ = (char)('0' + frac / d);
            frac %= d;
        }
    }
    *p = '\0';
    return (size_t)(p - buf);
}

void tir_timestamp_format(int64_t us, char *buf)
{
    vm_timestamp_format(us, buf);
}
