/*
** hosttab.h — tables the host registered (tir_arrow.h): their columns in
** chunks that borrow the host's buffers where the layouts agree, the
** engine's registry of them by name, and the references compiled programs
** hold so that the data outlives a re-registration.
*/
#ifndef VM_HOSTTAB_H
#define VM_HOSTTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "tir.h"
#include "ast.h"
#include "column.h"

/* Called once when the last reference goes: gives the host's buffers back. */
typedef void (*vm_host_release)(void *ctx);

typedef struct vm_hostbuf {
    void *p;
    size_t bytes;
} vm_hostbuf;

typedef struct vm_hosttab {
    _Atomic int refs;
    int ncols;
    char **names;             /* owned */
    tir_type *types;          /* owned */
    bool *nullable;           /* owned */
    const char **formats;     /* for messages: the Arrow format of each column (owned copies) */
    /* Chunks of rows, scanned one after another. Their vm_tables are views:
    ** column data either borrowed from the host or one of owned[]; never
    ** passed to vm_table_free. */
    vm_table *chunks;
    int nchunks;
    size_t capchunks;
    vm_hostbuf *owned;        /* slabs holding converted buffers, freed with the table */
    size_t nowned, capowned;
    size_t slab_used;         /* bytes handed out of the last slab */
    uint64_t nrows;
    vm_host_release release;  /* the host's data */
    void *release_ctx;
} vm_hosttab;

/* Room for element n of the growable array *pv of *cap elements of elem
** bytes (doubling from 8); false when out of memory, the array unchanged. */
bool vm_grow(void *pv, size_t n, size_t *cap, size_t elem);

/* A table of ncols columns (names and Arrow formats copied), no chunk yet. */
vm_hosttab *vm_hosttab_new(int ncols, const char *const *names, const tir_type *types, const char *const *formats);
/* A new chunk of rows with its columns zeroed (NULL when out of memory). */
vm_table *vm_hosttab_add_chunk(vm_hosttab *t, uint64_t rows);
/* A buffer of bytes (zeroed, 16-byte aligned) freed with the table; NULL
** when out of memory. Carved from slabs growing to VM_HOST_SLAB bytes (huge
** pages from 2 MiB): a stream's small batches would otherwise each fault in
** fresh 4 KiB pages (DuckDB's 2048-row batches of strings: 11 -> 5 ns a row). */
enum { VM_HOST_SLAB = 8 << 20 };
void *vm_hosttab_alloc(vm_hosttab *t, size_t bytes);
void vm_hosttab_ref(vm_hosttab *t);
/* Drops a reference; the last one releases the host's data and frees t. */
void vm_hosttab_unref(vm_hosttab *t);

/* The engine's registry: name -> table, locked (compiles on other threads read it). */
typedef struct vm_hostreg vm_hostreg;
vm_hostreg *vm_hostreg_new(void);
void vm_hostreg_free(vm_hostreg *r);
/* Takes the caller's reference to t; a table already under name is dropped. */
bool vm_hostreg_put(vm_hostreg *r, const char *name, vm_hosttab *t);
bool vm_hostreg_drop(vm_hostreg *r, const char *name);

/* The tables a program holds (ir_table.host points at them). */
typedef struct vm_hostrefs {
    vm_hostreg *reg;
    vm_hosttab **v;
    size_t n, cap;
} vm_hostrefs;
void vm_hostrefs_free(vm_hostrefs *h);
/* ir_host_resolver over a vm_hostrefs: the checker's view of a registered table. */
bool vm_host_resolve(void *ctx, ir_arena *a, const char *name, ir_schema *out, void **handle, char *err,
                     size_t errlen);

/* arrow_in.c: the unit ('s', 'm', 'u', 'n') of an Arrow timestamp without a
** time zone or in UTC, 0 for any other format. */
char vm_arrow_timestamp(const char *f);
/* arrow_in.c: whether Arrow format f is a decimal128 "d:P,S" tir reads
** (P <= 18), and its precision and scale. */
bool vm_arrow_decimal(const char *f, int *prec, int *scale);

#endif
