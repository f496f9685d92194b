/*
** intervalfn.c — the instructions of interval values (months, days and
** microseconds apart, storage/timestamp.h): timestamp - timestamp,
** timestamp + interval, interval ± interval, interval * integer, negation
** and DuckDB's comparisons, one instruction each over the rows of a
** selection. A NULL operand gives NULL; under it the result holds zero
** (what later instructions read there) and no overflow is checked.
*/
#include "intervalfn.h"
#include "datefn.h"
#include "timestamp.h"

/* r[c] = OP(r[a][r], r[b][r]) over the selection, NULL where either is;
** false when OP (a bool expression writing out[r]) overflows on a row
** where both are valid. */
#define IV_BINARY(NAME, A, B, OUT, OP)                                                   \
    bool NAME(xpipe *x, const vm_ins *in)                                                \
    {                                                                                    \
        SEL(x, in->d, in->frame, sel, n);                                                \
        const A *a = x->r[in->a].data;                                                   \
        const B *b = x->r[in->b].data;                                                   \
        OUT *out = x->rbuf[in->c];                                                       \
        const uint64_t *v = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n); \
        x->r[in->c].validity = (uint64_t *)v;                                            \
        bool ok = true;                                                                  \
        for (uint32_t i = 0; i < n; i++) {                                               \
            uint32_t r = sel ? sel[i] : i;                                               \
            if (vm_bit_get(v, r))                                                        \
                ok &= OP;                                                                \
            else                                                                         \
                out[r] = (OUT){0};                                                       \
        }                                                                                \
        return ok;                                                                       \
    }

IV_BINARY(vm_op_ts_sub_ts, int64_t, int64_t, vm_interval, vm_ts_sub(a[r], b[r], &out[r]))
IV_BINARY(vm_op_ts_add_iv, int64_t, vm_interval, int64_t, vm_ts_add_interval(a[r], &b[r], &out[r]))
IV_BINARY(vm_op_iv_add, vm_interval, vm_interval, vm_interval, vm_iv_add(a[r], b[r], &out[r]))
IV_BINARY(vm_op_iv_sub, vm_interval, vm_interval, vm_interval, vm_iv_sub(a[r], b[r], &out[r]))
IV_BINARY(vm_op_iv_mul, vm_interval, int64_t, vm_interval, vm_iv_mul(a[r], b[r], &out[r]))

/* The comparisons cannot fail: the bool each returns is always true. */
#define IV_CMP(NAME, REL) IV_BINARY(NAME, vm_interval, vm_interval, uint8_t, ((out[r] = vm_iv_cmp(a[r], b[r]) REL 0), true))
IV_CMP(vm_op_iv_eq, ==)
IV_CMP(vm_op_iv_ne, !=)
IV_CMP(vm_op_iv_lt, <)
IV_CMP(vm_op_iv_le, <=)
IV_CMP(vm_op_iv_gt, >)
IV_CMP(vm_op_iv_ge, >=)

bool vm_op_iv_neg(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_vec *a = &x->r[in->a];
    vm_interval *out = x->rbuf[in->c];
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (vm_bit_get(a->validity, r))
            ok &= vm_iv_neg(((const vm_interval *)a->data)[r], &out[r]);
        else
            out[r] = (vm_interval){0, 0, 0};
    }
    x->r[in->c].validity = a->validity;
    return ok;
}

/* DuckDB's parts of an interval: the years (and decades, centuries,
** millennia) and the months left of its months, its days, and the hours,
** then the minutes, seconds, milliseconds
** and microseconds within the minute, of its microseconds (all toward zero). */
static int64_t iv_part(vm_interval v, ir_datepart p)
{
    const int64_t hour = 3600 * VM_US_PER_SEC, minute = 60 * VM_US_PER_SEC;
    switch (p) {
    case IR_DP_YEAR: return v.months / 12;
    case IR_DP_DECADE: return v.months / 120;
    case IR_DP_CENTURY: return v.months / 1200;
    case IR_DP_MILLENNIUM: return v.months / 12000;
    case IR_DP_QUARTER: return v.months % 12 / 3 + 1;
    case IR_DP_MONTH: return v.months % 12;
    case IR_DP_DAY: return v.days;
    case IR_DP_HOUR: return v.micros / hour;
    case IR_DP_MINUTE: return v.micros % hour / minute;
    case IR_DP_SECOND: return v.micros % minute / VM_US_PER_SEC;
    case IR_DP_MILLISECOND: return v.micros % minute / 1000;
    case IR_DP_MICROSECOND: return v.micros % minute;
    default: return 0;   /* the checker refuses the others */
    }
}

/* DuckDB's: a year is 365.25 days, a month 30 */
static double iv_epoch(vm_interval v)
{
    int64_t days = (int64_t)(v.months % 12) * 30 + v.days;
    return (double)(v.months / 12) * 31557600.0 + (double)days * 86400.0 + (double)v.micros / 1e6;
}

VM_PART_MAP(vm_op_iv_part, vm_interval, int64_t, iv_part(a[r], part))
VM_PART_MAP(vm_op_iv_epoch, vm_interval, double, iv_epoch(a[r]))
