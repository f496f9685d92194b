/*
** datefn.h — the date functions' instructions (datefn.c) and the parts of
** a date they take (an instruction's e operand: an ir_datepart).
*/
#ifndef VM_DATEFN_H
#define VM_DATEFN_H

#include "functions.h"
#include "xpipe.h"

/* r[c] = field e of date r[a] (i32) */
void vm_op_date_part(xpipe *x, const vm_ins *in);
/* r[c] = date r[a] truncated to the start of its part e */
void vm_op_date_trunc(xpipe *x, const vm_ins *in);
/* r[c] = part e boundaries from r[a] to r[b] (i64) */
void vm_op_date_diff(xpipe *x, const vm_ins *in);
/* The same of timestamps (i64 microseconds): a field (i32), seconds since
** 1970 (f64), truncation (i64), boundaries crossed (i64); and the casts
** between dates and timestamps. */
void vm_op_ts_part(xpipe *x, const vm_ins *in);
void vm_op_ts_epoch(xpipe *x, const vm_ins *in);
void vm_op_ts_trunc(xpipe *x, const vm_ins *in);
void vm_op_ts_diff(xpipe *x, const vm_ins *in);
bool vm_op_cast_date_ts(xpipe *x, const vm_ins *in);
/* false: a result out of the timestamps' range */
bool vm_op_ts_add_interval(xpipe *x, const vm_ins *in);   /* false: a date out of the timestamps' range */
void vm_op_cast_ts_date(xpipe *x, const vm_ins *in);

/* Defines void NAME(x, in): r[c] = EXPR (of IN a[r] and part e) over the
** selection, NULL where r[a] is. */
#define VM_PART_MAP(NAME, IN, OUT, EXPR)                                                        \
    void NAME(xpipe *x, const vm_ins *in)                                                       \
    {                                                                                           \
        SEL(x, in->d, in->frame, sel, n);                                                       \
        const IN *a = x->r[in->a].data;                                                         \
        OUT *out = x->rbuf[in->c];                                                              \
        ir_datepart part = (ir_datepart)in->e;                                                  \
        (void)part;                                                                             \
        for (uint32_t i = 0; i < n; i++) {                                                      \
            uint32_t r = sel ? sel[i] : i;                                                      \
            out[r] = EXPR;                                                                      \
        }                                                                                       \
        x->r[in->c].validity = x->r[in->a].validity;                                            \
    }

#endif
