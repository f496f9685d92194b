/*
** xpipe.h — run-time state of one pipeline on one worker, shared by the
** interpreter (exec.c) and the morsel scheduler (parallel.c). A pipeline run
** by T workers has T xpipes: registers and sinks are per worker, the plan,
** constants' sources, input values and the source table are shared and
** read-only.
*/
#ifndef VM_XPIPE_H
#define VM_XPIPE_H

#include <stdatomic.h>
#include "vm.h"
#include "sinks.h"

typedef struct xframe {
    uint32_t n;
} xframe;

typedef struct xsel {
    uint32_t *idx;
    uint32_t n;
} xsel;

typedef struct xjoin {
    vm_ht *ht;
    uint32_t *first;          /* per probe row (in sel order) */
    uint32_t *pidx, *hent;    /* output chunk: probe row, hash-table entry */
    uint32_t nin, cursor, chain;
    bool pending;
} xjoin;

typedef struct xshared xshared;

typedef struct xpipe {
    const vm_plan *plan;
    const vm_pipe *p;
    vm_value *values;
    vm_table *src;
    uint64_t src_off, src_end;
    uint32_t cap;
    vm_vec *r;                /* registers */
    void **rbuf;              /* owned data buffers */
    uint64_t **rvalid;        /* owned validity buffers */
    xsel *s;
    xframe *f;
    vm_const *k;              /* constants with refs resolved */
    xjoin *joins;
    vm_sink_agg *aggs;
    vm_sink_group *groups;
    vm_ht **builds;
    vm_table **emits;
    int64_t *limit_seen;
    uint64_t *stmt_ns;        /* profile: time per statement (same layout), when timing */
    bool timing;
    uint64_t tick_last;
    int tick_stmt;
    uint64_t *stmt_rows;      /* profile: rows out (sinks: in) per statement, then rows read from the source */
    vm_strheap batch_heap;    /* strings made by casts, reset per batch */
    uint64_t base_bytes;      /* values and tables alive when the pipeline started */
    uint64_t reg_bytes;       /* register, selection and join buffers */
    char *err;
    size_t errlen;
    /* parallel runs: */
    xshared *sh;
    int worker;
    uint64_t *morsels;        /* per morsel done: its index, then rows emitted per emit */
    size_t nmorsels, capmorsels;
} xpipe;

tir_status vm_x_setup(xpipe *x);
void vm_x_teardown(xpipe *x);
/* Runs the batches of source rows [from, to). */
tir_status vm_x_run_range(xpipe *x, const vm_run_opts *o, uint64_t from, uint64_t to);
tir_status vm_x_check_memory(xpipe *x, const vm_run_opts *o);
/* Moves the finished sinks of x into the run's value slots. */
tir_status vm_x_publish(xpipe *x);
uint64_t vm_x_sink_bytes(const xpipe *x);
/* Records worker w's own bytes and returns the sum over all workers. */
uint64_t vm_x_shared_bytes(xshared *sh, int w, uint64_t own);

/* parallel.c: runs pipeline p with the given workers; on return x[0] holds
** the merged sinks (published by the caller). */
tir_status vm_run_parallel(xpipe *x, int nworkers, const vm_run_opts *o);

#endif
