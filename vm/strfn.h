/*
** strfn.h — the string functions' instructions (strfn.c), called by the
** dispatch in exec.c. Operands as in opcodes.h.
*/
#ifndef VM_STRFN_H
#define VM_STRFN_H

#include "xpipe.h"

void vm_op_substr(xpipe *x, const vm_ins *in);
void vm_op_length(xpipe *x, const vm_ins *in, bool bytes);
tir_status vm_op_case(xpipe *x, const vm_ins *in, bool upper);
void vm_op_trim(xpipe *x, const vm_ins *in);
/* STARTS_WITH, ENDS_WITH, CONTAINS (bool) and STRPOS (i64), by in->op */
void vm_op_match(xpipe *x, const vm_ins *in);
tir_status vm_op_replace(xpipe *x, const vm_ins *in);
tir_status vm_op_pad(xpipe *x, const vm_ins *in, bool left);
tir_status vm_op_concat(xpipe *x, const vm_ins *in);

#endif
