/*
** relspill.h — relations held on disk between pipelines.
**
** A relation that later pipelines read (not an output) is written to a
** spill file when the values held between pipelines would take more than
** half the memory limit, or always under force_spill. It is written in
** chunks of VM_MORSEL_ROWS rows, one chunk a morsel, so a pipeline scanning
** it reads one chunk per morsel into its worker's buffer and its rows flow
** exactly as from memory, in the same order.
*/
#ifndef VM_RELSPILL_H
#define VM_RELSPILL_H

#include "spill.h"
#include "vm.h"

struct vm_relspill {
    vm_spill_file *f;
    int ncols;
    uint64_t nrows;
    uint32_t nchunks, cap;
    uint64_t *at;             /* per chunk: where it starts in f */
};

/* Columns of a relation spilled at once (IR schemas hold fewer). */
#define VM_RELSPILL_MAXCOLS 256

/* Rows from first (a multiple of 64) of t's columns, to write. */
void vm_relspill_cols(const vm_table *t, uint64_t first, vm_spcol *cols);
/* Writes every row of t; *out owns the file. */
tir_status vm_relspill_write(vm_spill *sp, const vm_table *t, vm_relspill **out, char *err, size_t errlen);
/* Reads chunk k (rows [k * VM_MORSEL_ROWS, ...)) into c. Several threads
** may read one relation at once, each into its own chunk. */
tir_status vm_relspill_read(const vm_relspill *r, uint32_t k, vm_spchunk *c, char *err, size_t errlen);
uint64_t vm_relspill_bytes(const vm_relspill *r);
void vm_relspill_free(vm_relspill *r);

/* A relation written row by row (a pipeline's emitted rows gathered in
** order): the rows are staged until they make a chunk. */
typedef struct vm_relwriter vm_relwriter;
tir_status vm_relwriter_new(vm_spill *sp, const ir_schema *schema, vm_relwriter **out, char *err, size_t errlen);
/* Appends the rows idx[0..n) of cols (one vector per column of schema). */
tir_status vm_relwriter_add(vm_relwriter *w, const vm_vec *cols, const uint32_t *idx, uint32_t n, char *err,
                            size_t errlen);
/* Writes the last rows; *out receives the relation. Frees w either way. */
tir_status vm_relwriter_finish(vm_relwriter *w, vm_relspill **out, char *err, size_t errlen);
size_t vm_relwriter_bytes(const vm_relwriter *w);
void vm_relwriter_free(vm_relwriter *w);

#endif
