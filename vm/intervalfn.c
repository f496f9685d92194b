/*
** intervalfn.c — the instructions of interval values (months, days and
** microseconds apart, storage/timestamp.h): timestamp - timestamp,
** timestamp + interval, interval ± interval, interval * integer, negation
** and DuckDB's comparisons, one instruction each over the rows of a
** selection. A NULL operand gives NULL; under it the result holds zero
** (what later instructions read there) and no overflow is checked.
*/
#include "intervalfn.h"
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
