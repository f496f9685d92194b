/*
** intervalfn.h — the instructions of interval values (intervalfn.c). Each
** returns false when a row's result overflows (the run fails).
*/
#ifndef VM_INTERVALFN_H
#define VM_INTERVALFN_H

#include "functions.h"
#include "xpipe.h"

bool vm_op_ts_sub_ts(xpipe *x, const vm_ins *in);   /* interval = timestamp r[a] - timestamp r[b] */
bool vm_op_ts_add_iv(xpipe *x, const vm_ins *in);   /* timestamp = timestamp r[a] + interval r[b] */
bool vm_op_iv_add(xpipe *x, const vm_ins *in);
bool vm_op_iv_sub(xpipe *x, const vm_ins *in);
bool vm_op_iv_mul(xpipe *x, const vm_ins *in);      /* interval r[a] * i64 r[b] */
bool vm_op_iv_neg(xpipe *x, const vm_ins *in);
/* bool r[c] = r[a] op r[b] in DuckDB's order (vm_iv_cmp); always true */
bool vm_op_iv_eq(xpipe *x, const vm_ins *in);
bool vm_op_iv_ne(xpipe *x, const vm_ins *in);
bool vm_op_iv_lt(xpipe *x, const vm_ins *in);
bool vm_op_iv_le(xpipe *x, const vm_ins *in);
bool vm_op_iv_gt(xpipe *x, const vm_ins *in);
bool vm_op_iv_ge(xpipe *x, const vm_ins *in);

/* part e (an ir_datepart: year .. microsecond) of interval r[a] (i64), and
** its seconds (f64), as DuckDB gives them */
void vm_op_iv_part(xpipe *x, const vm_ins *in);
void vm_op_iv_epoch(xpipe *x, const vm_ins *in);

#endif
