/*
** regexfn.h — regexp_matches, regexp_replace and regexp_extract through
** PCRE2 (regexfn.c): the constant patterns of a pipeline compiled once when
** it starts and shared by its workers; match data, a JIT stack and a small
** cache of patterns that vary by row per worker.
*/
#ifndef VM_REGEXFN_H
#define VM_REGEXFN_H

#include "xpipe.h"

/* Compiles the constant patterns of the pipeline of x[0..nw) (its
** constants resolved) and gives every worker its own matching state. */
tir_status vm_rx_start(xpipe *x, int nw);
/* Frees what vm_rx_start made (any part of it). */
void vm_rx_end(xpipe *x, int nw);
/* REGEXP_MATCHES, REGEXP_REPLACE and REGEXP_EXTRACT, by in->op. */
tir_status vm_op_regexp(xpipe *x, const vm_ins *in);

#endif
