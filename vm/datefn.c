/*
** datefn.c — the date functions of expressions: a field of a date
** (year ... day of year, ISO week and year, decade ... millennium),
** date_trunc and date_diff, one instruction each over the rows of a
** selection. Dates are days since 1970-01-01 in the proleptic Gregorian
** calendar (storage/dates.h), years astronomical (year 0 is 1 BC); weeks
** are ISO weeks, which start on Monday.
*/
#include "datefn.h"
#include "dates.h"
#include "timestamp.h"

/* 1970-01-01 was a Thursday: ISO day of week, Monday 1 .. Sunday 7. */
static int isodow(int32_t days)
{
    int64_t k = ((int64_t)days + 3) % 7;
    return (int)(k < 0 ? k + 7 : k) + 1;
}

static int32_t day_of_year(int32_t days, int32_t y)
{
    return days - vm_days_from_civil(y, 1, 1) + 1;
}

/* days + delta within the int32 range (days near its ends: a date that
** arithmetic carried millions of years away). */
static int32_t shift(int32_t days, int delta)
{
    int64_t d = (int64_t)days + delta;
    return d > INT32_MAX ? INT32_MAX : d < INT32_MIN ? INT32_MIN : (int32_t)d;
}

/* ISO 8601 week number: week 1 holds the year's first Thursday. */
static int32_t iso_week(int32_t days)
{
    int32_t thursday = shift(days, 4 - isodow(days)), y;
    int m, d;
    vm_civil_from_days(thursday, &y, &m, &d);
    return (day_of_year(thursday, y) - 1) / 7 + 1;
}

/* The ISO week-numbering year: its weeks are wholly in it, so the first
** days of January can be in the year before and the last of December in
** the next. */
static int32_t iso_year(int32_t days)
{
    int32_t y;
    int m, d;
    vm_civil_from_days(shift(days, 4 - isodow(days)), &y, &m, &d);
    return y;
}

/* Centuries and millennia as DuckDB numbers them: there is no 0th, the
** first starts at year 1 (2000 ends the 20th century), and year 0 (1 BC)
** starts the -1st, which runs back to -99 (or -999). */
static int32_t nth(int32_t y, int32_t span)
{
    return y > 0 ? (y - 1) / span + 1 : y / span - 1;
}

static int32_t field(int32_t days, ir_datepart part)
{
    int32_t y;
    int m, d;
    vm_civil_from_days(days, &y, &m, &d);
    switch (part) {
    case IR_DP_YEAR: return y;
    case IR_DP_QUARTER: return (m - 1) / 3 + 1;
    case IR_DP_MONTH: return m;
    case IR_DP_WEEK: return iso_week(days);
    case IR_DP_DAY: return d;
    case IR_DP_DOW: return isodow(days) % 7;
    case IR_DP_ISODOW: return isodow(days);
    case IR_DP_DOY: return day_of_year(days, y);
    case IR_DP_DECADE: return y / 10;   /* toward zero, as DuckDB: -9 is in decade 0 */
    case IR_DP_CENTURY: return nth(y, 100);
    case IR_DP_MILLENNIUM: return nth(y, 1000);
    case IR_DP_ISOYEAR: return iso_year(days);
    default: return 0;
    }
}

static int32_t trunc_to(int32_t days, ir_datepart part)
{
    int32_t y;
    int m, d;
    vm_civil_from_days(days, &y, &m, &d);
    switch (part) {
    case IR_DP_YEAR: return vm_days_from_civil(y, 1, 1);
    case IR_DP_QUARTER: return vm_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case IR_DP_MONTH: return vm_days_from_civil(y, m, 1);
    case IR_DP_WEEK: return shift(days, 1 - isodow(days));
    /* DuckDB's starts are year / span * span, toward zero, not the firsts
    ** of the numbered centuries: 2005 truncates to 2000, -150 to -100 */
    case IR_DP_DECADE: return vm_days_from_civil(y / 10 * 10, 1, 1);
    case IR_DP_CENTURY: return vm_days_from_civil(y / 100 * 100, 1, 1);
    case IR_DP_MILLENNIUM: return vm_days_from_civil(y / 1000 * 1000, 1, 1);
    case IR_DP_ISOYEAR: return shift(shift(days, 1 - isodow(days)), -7 * (iso_week(days) - 1));
    default: return days;
    }
}

/* r[c] = fn(r[a], part e) over the selection: the date functions of one date. */
static void date_map(xpipe *x, const vm_ins *in, int32_t (*fn)(int32_t, ir_datepart))
{
    SEL(x, in->d, in->frame, sel, n);
    const int32_t *a = x->r[in->a].data;
    int32_t *out = x->rbuf[in->c];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = fn(a[r], (ir_datepart)in->e);
    }
    x->r[in->c].validity = x->r[in->a].validity;
}

void vm_op_date_part(xpipe *x, const vm_ins *in)
{
    date_map(x, in, field);
}

void vm_op_date_trunc(xpipe *x, const vm_ins *in)
{
    date_map(x, in, trunc_to);
}

/* Boundaries of the part crossed from a to b (negative when b is earlier),
** as DuckDB's date_diff counts them: months between 01-31 and 02-01 is 1.
** Weeks are DuckDB's too: whole 7-day spans of days, truncated toward zero,
** not Mondays crossed. */
static int64_t diff(int32_t a, int32_t b, ir_datepart part)
{
    int32_t ya, yb;
    int ma, mb, da, db;
    vm_civil_from_days(a, &ya, &ma, &da);
    vm_civil_from_days(b, &yb, &mb, &db);
    switch (part) {
    case IR_DP_YEAR: return (int64_t)yb - ya;
    case IR_DP_QUARTER: return ((int64_t)yb * 4 + (mb - 1) / 3) - ((int64_t)ya * 4 + (ma - 1) / 3);
    case IR_DP_MONTH: return ((int64_t)yb * 12 + mb) - ((int64_t)ya * 12 + ma);
    case IR_DP_WEEK: return ((int64_t)b - a) / 7;
    /* the spans date_trunc starts, not the numbered centuries: 2000 to 2001 is 0 */
    case IR_DP_DECADE: return (int64_t)yb / 10 - ya / 10;
    case IR_DP_CENTURY: return (int64_t)yb / 100 - ya / 100;
    case IR_DP_MILLENNIUM: return (int64_t)yb / 1000 - ya / 1000;
    case IR_DP_ISOYEAR: return (int64_t)iso_year(b) - iso_year(a);
    default: return (int64_t)b - a;
    }
}

void vm_op_date_diff(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const int32_t *a = x->r[in->a].data, *b = x->r[in->b].data;
    int64_t *out = x->rbuf[in->c];
    x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = diff(a[r], b[r], (ir_datepart)in->e);
    }
}

/* ------------------------------------------------------------ timestamps */

static int32_t ts_field(int64_t us, ir_datepart part)
{
    int64_t rest;
    int32_t day = vm_ts_day(us, &rest);
    switch (part) {
    case IR_DP_HOUR: return (int32_t)(rest / (3600 * VM_US_PER_SEC));
    case IR_DP_MINUTE: return (int32_t)(rest / (60 * VM_US_PER_SEC) % 60);
    case IR_DP_SECOND: return (int32_t)(rest / VM_US_PER_SEC % 60);
    /* of the minute, seconds included, as DuckDB counts them */
    case IR_DP_MILLISECOND: return (int32_t)(rest % (60 * VM_US_PER_SEC) / 1000);
    case IR_DP_MICROSECOND: return (int32_t)(rest % (60 * VM_US_PER_SEC));
    default: return field(day, part);
    }
}

/* Length of the parts of a day in microseconds (0: a calendar part). */
static int64_t unit(ir_datepart part)
{
    switch (part) {
    case IR_DP_DAY: return VM_US_PER_DAY;
    case IR_DP_HOUR: return 3600 * VM_US_PER_SEC;
    case IR_DP_MINUTE: return 60 * VM_US_PER_SEC;
    case IR_DP_SECOND: return VM_US_PER_SEC;
    case IR_DP_MILLISECOND: return 1000;
    case IR_DP_MICROSECOND: return 1;
    default: return 0;
    }
}

/* The starts of parts before the first timestamp (an i64 cast near its
** minimum) wrap rather than overflow: no literal, CSV field or interval
** sum comes near them. */
static int64_t ts_trunc(int64_t us, ir_datepart part)
{
    int64_t u = unit(part), rest, r;
    if (u)
        __builtin_mul_overflow(vm_floordiv(us, u), u, &r);
    else
        __builtin_mul_overflow((int64_t)trunc_to(vm_ts_day(us, &rest), part), VM_US_PER_DAY, &r);
    return r;
}

/* The date functions' boundaries for the calendar parts; the parts of a
** day count their starts crossed. */
static int64_t ts_diff(int64_t a, int64_t b, ir_datepart part)
{
    int64_t u = unit(part), ra, rb, r;
    if (u) {   /* wraps only between the ends of the i64 range, as ts_trunc */
        __builtin_sub_overflow(vm_floordiv(b, u), vm_floordiv(a, u), &r);
        return r;
    }
    return diff(vm_ts_day(a, &ra), vm_ts_day(b, &rb), part);
}

VM_PART_MAP(vm_op_ts_part, int64_t, int32_t, ts_field(a[r], part))
VM_PART_MAP(vm_op_ts_epoch, int64_t, double, (double)a[r] / 1e6)
VM_PART_MAP(vm_op_ts_trunc, int64_t, int64_t, ts_trunc(a[r], part))
VM_PART_MAP(vm_op_cast_ts_date, int64_t, int32_t, (int32_t)vm_floordiv(a[r], VM_US_PER_DAY))

void vm_op_ts_diff(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const int64_t *a = x->r[in->a].data, *b = x->r[in->b].data;
    int64_t *out = x->rbuf[in->c];
    x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        out[r] = ts_diff(a[r], b[r], (ir_datepart)in->e);
    }
}

bool vm_op_cast_date_ts(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_vec *a = &x->r[in->a];
    int64_t *out = x->rbuf[in->c];
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        /* a date that arithmetic carried past 292,000 years has no timestamp */
        if (__builtin_mul_overflow((int64_t)((const int32_t *)a->data)[r], VM_US_PER_DAY, &out[r]))
            ok &= !vm_bit_get(a->validity, r);
    }
    x->r[in->c].validity = a->validity;
    return ok;
}

bool vm_op_ts_add_interval(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_vec *a = &x->r[in->a];
    int64_t md = ((const int64_t *)x->r[in->b].data)[0];   /* broadcast constants */
    vm_interval v = {(int32_t)(uint32_t)((uint64_t)md >> 32), (int32_t)(uint32_t)md,
                     ((const int64_t *)x->r[in->e].data)[0]};
    int64_t *out = x->rbuf[in->c];
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (vm_bit_get(a->validity, r))
            ok &= vm_ts_add_interval(((const int64_t *)a->data)[r], &v, &out[r]);
        else
            out[r] = 0;   /* what later instructions read under the NULL */
    }
    x->r[in->c].validity = a->validity;
    return ok;
}
