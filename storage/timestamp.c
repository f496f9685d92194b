/*
** timestamp.c — timestamps as text: the parser the CSV loader, casts and
** parameters share, and the printer of results and casts to string.
*/
#include "timestamp.h"
#include "csv.h"
#include "dates.h"
#include "tir.h"

#include <stdio.h>
#include <string.h>

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

/* " HH:MM:SS" and the fraction without its trailing zeros, at p. */
static char *time_text(char *p, int64_t rest)
{
    int64_t secs = rest / VM_US_PER_SEC, frac = rest % VM_US_PER_SEC;
    *p++ = ' ';
    p = vm_two_digits(p, (int)(secs / 3600));
    *p++ = ':';
    p = vm_two_digits(p, (int)(secs / 60 % 60));
    *p++ = ':';
    p = vm_two_digits(p, (int)(secs % 60));
    if (frac) {
        *p++ = '.';
        for (int64_t d = 100000; d && frac; d /= 10) {
            *p++ = (char)('0' + frac / d);
            frac %= d;
        }
    }
    *p = '\0';
    return p;
}

/* The date as vm_date_text writes it (" (BC)" after the date, as DuckDB). */
size_t vm_timestamp_format(int64_t us, char *buf)
{
    int64_t rest;
    size_t n = vm_date_text(vm_ts_day(us, &rest), buf);
    return (size_t)(time_text(buf + n, rest) - buf);
}

int tir_timestamp_text(int64_t us, char *buf)
{
    return (int)vm_timestamp_format(us, buf);
}

/* The older contract's 27 bytes: ########## for the date outside years
** 0001-9999, as tir_date_format. */
void tir_timestamp_format(int64_t us, char *buf)
{
    int64_t rest;
    tir_date_format(vm_ts_day(us, &rest), buf);
    time_text(buf + 10, rest);
}

/* The unit named by s[0..n): its months, days and microseconds per one. */
static bool interval_unit(const char *s, size_t n, vm_interval *per)
{
    static const struct { const char *name; vm_interval per; } units[] = {
        {"year", {12, 0, 0}}, {"month", {1, 0, 0}}, {"week", {0, 7, 0}}, {"day", {0, 1, 0}},
        {"hour", {0, 0, 3600 * VM_US_PER_SEC}}, {"minute", {0, 0, 60 * VM_US_PER_SEC}},
        {"second", {0, 0, VM_US_PER_SEC}}, {"millisecond", {0, 0, 1000}}, {"microsecond", {0, 0, 1}},
    };
    if (n > 1 && s[n - 1] == 's')   /* plural */
        n--;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (strlen(units[k].name) == n && !memcmp(units[k].name, s, n)) {
            *per = units[k].per;
            return true;
        }
    return false;
}

/* [-]HH:MM[:SS[.ffffff]] at s[0..n) as microseconds. */
static bool interval_time(const char *s, size_t n, int64_t *us)
{
    bool neg = n && s[0] == '-';
    s += neg, n -= neg;
    size_t colon = 0;
    while (colon < n && s[colon] != ':')
        colon++;
    int64_t h = 0;
    for (size_t i = 0; i < colon; i++) {
        if ((unsigned)(s[i] - '0') > 9 || h > 1000000000)
            return false;
        h = h * 10 + (s[i] - '0');
    }
    /* the rest is a time of day's MM[:SS[.f]]: reuse the timestamp parser on 00:MM... */
    char t[32] = "1970-01-01 00:";
    if (!colon || colon == n || n - colon - 1 > sizeof t - 15)
        return false;
    memcpy(t + 14, s + colon + 1, n - colon - 1);
    int64_t rest;
    if (!vm_parse_timestamp(t, 14 + n - colon - 1, &rest))
        return false;
    /* the magnitude in 64 unsigned bits: -2562047788:00:54.775808 is INT64_MIN */
    uint64_t mag;
    if (__builtin_mul_overflow((uint64_t)h, (uint64_t)3600 * VM_US_PER_SEC, &mag) ||
        __builtin_add_overflow(mag, (uint64_t)rest, &mag) || mag > (uint64_t)INT64_MAX + neg)
        return false;
    *us = (int64_t)(neg ? 0 - mag : mag);
    return true;
}

bool vm_parse_interval(const char *s, size_t len, vm_interval *out)
{
    vm_interval v = {0, 0, 0};
    size_t i = 0;
    bool any = false;
    while (i < len) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && s[j] != ' ')
            j++;
        if (memchr(s + i, ':', j - i)) {   /* a time */
            int64_t us;
            if (!interval_time(s + i, j - i, &us) || __builtin_add_overflow(v.micros, us, &v.micros))
                return false;
            any = true;
            i = j;
            continue;
        }
        int64_t n;   /* a number, then its unit */
        vm_interval per;
        size_t u = j;
        while (u < len && s[u] == ' ')
            u++;
        size_t ue = u;
        while (ue < len && s[ue] != ' ')
            ue++;
        if (!vm_parse_i64(s + i, j - i, &n) || u == len || !interval_unit(s + u, ue - u, &per))
            return false;
        int64_t m = 0, d = 0, us = 0;
        if (__builtin_mul_overflow(n, per.months, &m) || __builtin_mul_overflow(n, per.days, &d) ||
            __builtin_mul_overflow(n, per.micros, &us) || __builtin_add_overflow(v.micros, us, &v.micros) ||
            __builtin_add_overflow(v.months, m, &m) || __builtin_add_overflow(v.days, d, &d) ||
            m < INT32_MIN || m > INT32_MAX || d < INT32_MIN || d > INT32_MAX)
            return false;
        v.months = (int32_t)m, v.days = (int32_t)d;
        any = true;
        i = ue;
    }
    if (!any)
        return false;
    *out = v;
    return true;
}

void vm_interval_format(const vm_interval *v, char *buf)
{
    int n = 0;
    if (v->months)
        n += sprintf(buf + n, "%s%d month%s", n ? " " : "", (int)v->months, v->months == 1 ? "" : "s");
    if (v->days || (!v->months && !v->micros))
        n += sprintf(buf + n, "%s%d day%s", n ? " " : "", (int)v->days, v->days == 1 ? "" : "s");
    if (v->micros)
        sprintf(buf + n, "%s%lld microsecond%s", n ? " " : "", (long long)v->micros, v->micros == 1 ? "" : "s");
}

/* n and its unit, plural unless n is 1 or -1, after a space when not first. */
static int iv_part(char *buf, int at, int64_t n, const char *unit)
{
    return sprintf(buf + at, "%s%lld %s%s", at ? " " : "", (long long)n, unit, n == 1 || n == -1 ? "" : "s");
}

int tir_interval_format(tir_interval v, char *buf)
{
    int n = 0;
    int32_t years = v.months / 12, months = v.months % 12;
    if (years)
        n += iv_part(buf, n, years, "year");
    if (months)
        n += iv_part(buf, n, months, "month");
    if (v.days)
        n += iv_part(buf, n, v.days, "day");
    if (v.micros || !n) {
        /* unsigned: the magnitude of INT64_MIN */
        uint64_t us = v.micros < 0 ? -(uint64_t)v.micros : (uint64_t)v.micros;
        uint64_t s = us / 1000000, frac = us % 1000000;
        n += sprintf(buf + n, "%s%s%02llu:%02llu:%02llu", n ? " " : "", v.micros < 0 ? "-" : "",
                     (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
        if (frac) {
            int digits = 6;
            for (; frac % 10 == 0; frac /= 10)
                digits--;
            n += sprintf(buf + n, ".%0*llu", digits, (unsigned long long)frac);
        }
    }
    return n;
}

bool vm_ts_add_interval(int64_t us, const vm_interval *v, int64_t *out)
{
    int64_t rest;
    int64_t day = vm_ts_day(us, &rest);
    if (v->months) {
        int32_t y;
        int m, d;
        vm_civil_from_days((int32_t)day, &y, &m, &d);
        int64_t mm = (int64_t)y * 12 + (m - 1) + v->months;
        int64_t ny = vm_floordiv(mm, 12);
        int nm = (int)(mm - ny * 12) + 1;
        if (ny < -5000000 || ny > 5000000)
            return false;
        int last = vm_days_in_month((int32_t)ny, nm);
        day = vm_days_from_civil((int32_t)ny, nm, d > last ? last : d);
    }
    int64_t t;
    return !__builtin_mul_overflow(day + v->days, VM_US_PER_DAY, &t) && !__builtin_add_overflow(t, rest, &t) &&
           !__builtin_add_overflow(t, v->micros, out);
}
