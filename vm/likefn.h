/*
** likefn.h — like and ilike with a pattern per row, an escape character or
** case folding (likefn.c); literal patterns without them run LIKE (exec.c).
*/
#ifndef VM_LIKEFN_H
#define VM_LIKEFN_H

#include "xpipe.h"

/* LIKE_V (fold false) and ILIKE_V (fold true). */
tir_status vm_op_like_v(xpipe *x, const vm_ins *in, bool fold);

#endif
