/*
** arrow.h — what the Arrow interfaces (arrow_in.c, arrow_out.c) need from
** the engine (engine.c).
*/
#ifndef VM_ARROW_H
#define VM_ARROW_H

#include <stdatomic.h>

#include "tir.h"
#include "ast.h"
#include "column.h"
#include "hosttab.h"
#include "import.h"

/* The engine's registered tables. */
vm_hostreg *vm_engine_hosts(tir_engine *e);
/* The checked program (NULL unless it compiled). */
const ir_program *vm_program_ir(const tir_program *p);
tir_engine *vm_program_engine(const tir_program *p);
/* Moves the rows of output out (columns and strings) to the caller, who
** frees the table with vm_table_free; the result keeps the output's names
** and types with no rows. The moved table has no names or types (its
** columns carry their types). *batch: the result's rows per batch. NULL
** when out of memory or out is not an output (nothing moved). */
vm_table *vm_result_take_output(tir_result *r, size_t out, uint32_t *batch);

/* A live stream holds its program (and so its engine): tir_program_free
** and tir_engine_free release them only once every hold is dropped. */
void vm_program_hold(tir_program *p);
void vm_program_drop(tir_program *p);
/* Marks p as running in the engine's list of runs (TIR_ERR_ARG, with the
** calling thread's message, when it is running or held already), before
** vm_run_streamed runs it on another thread; vm_run_abandon undoes it
** when that thread could not start. */
tir_status vm_run_enter(tir_program *p);
void vm_run_abandon(tir_program *p);
/* Runs p (entered with vm_run_enter) with output out handed to rows (which takes each table) as it
** is made, when its statement emits a relation no pipeline reads; the run
** stops at the next batch when *cancel becomes non-zero. *res as tir_run's:
** what rows did not get (all of it for a sink's output). */
tir_status vm_run_streamed(tir_program *p, size_t out, tir_status (*rows)(void *ctx, vm_table *t), void *ctx,
                           const atomic_int *cancel, tir_result **res);

#endif
