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

#endif
