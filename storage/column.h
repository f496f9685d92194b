/*
** column.h — run-time data: borrowed vectors, owned growable columns, a
** string heap that owns the bytes of long strings, and in-memory tables.
** Run-time memory is malloc'd (or mapped, vm_big_realloc) and has one owner
** with a *_free function.
*/
#ifndef VM_COLUMN_H
#define VM_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tir.h"

/* Bytes of one value of each storage type. */
size_t vm_type_width(tir_type t);
/* The type run-time data has: a decimal is its scaled int64_t and a
** timestamp its int64_t microseconds, so every path for i64 (hashing,
** sorting, joins, min/max, statistics) serves them unchanged. */
static inline tir_type vm_phys(tir_type t)
{
    return t == TIR_DECIMAL || t == TIR_TIMESTAMP ? TIR_I64 : t;
}

/* A borrowed view of one column of a batch: data is an array of the
** storage type, validity a bitmap (NULL = all valid). */
typedef struct vm_vec {
    tir_type type;
    void *data;
    uint64_t *validity;
} vm_vec;

/* Owns the bytes of strings longer than TIR_STR_INLINE. Chunks never
** move, so tir_str pointers into them stay valid until vm_strheap_free. */
typedef struct vm_strchunk vm_strchunk;
typedef struct vm_strheap {
    vm_strchunk *head;
    size_t used, cap;
    size_t bytes;             /* total allocated, for memory accounting */
} vm_strheap;

/* The largest block a heap allocates (but for a longer string). */
enum { VM_STRCHUNK = 256 * 1024 };

void vm_strheap_init(vm_strheap *h);
void vm_strheap_free(vm_strheap *h);
/* Moves every string of from into into (no byte is copied; from ends empty). */
void vm_strheap_move(vm_strheap *into, vm_strheap *from);
/* Makes a tir_str for bytes s[0..len), copying long strings into h.
** Returns false when out of memory. */
bool vm_str_make(vm_strheap *h, const char *s, uint32_t len, tir_str *out);
/* *out = a copy of *s that lives as long as h: a short string's header as it
** is, a long one's bytes copied into h. False when out of memory. */
bool vm_str_copy(vm_strheap *h, const tir_str *s, tir_str *out);

/* An owned, growable column. validity is NULL until the first NULL is
** appended (then allocated with all earlier rows valid). */
typedef struct vm_column {
    tir_type type;
    void *data;
    uint64_t *validity;
    uint64_t len, cap;
} vm_column;

void vm_column_init(vm_column *c, tir_type t);
void vm_column_free(vm_column *c);
bool vm_column_reserve(vm_column *c, uint64_t cap);
/* Room for exactly cap values (vm_column_reserve doubles): for a column
** whose final size comes in a few known steps. */
bool vm_column_reserve_exact(vm_column *c, uint64_t cap);
/* Appends n values from v at rows sel (NULL = 0..n-1). Strings are copied
** into heap when long (heap may be NULL only for non-string columns). */
bool vm_column_append(vm_column *c, const vm_vec *v, const uint32_t *sel, uint32_t n, vm_strheap *heap);
/* Appends every value of from (same type) as it is: a long string's bytes
** stay where from's points to, in a heap the caller hands over to c's owner
** (vm_strheap_move). */
bool vm_column_append_column(vm_column *c, const vm_column *from);
/* The validity of values at.. at + n - 1 (within the capacity) from the
** bits of validity at sel (NULL: 0..n-1; validity NULL: all valid), the
** values themselves and the length left alone. False when out of memory. */
bool vm_column_set_validity(vm_column *c, uint64_t at, const uint64_t *validity, const uint32_t *sel, uint32_t n);
bool vm_column_append_null(vm_column *c);
/* Arrays that may grow big (column data, group-by state, direct hash
** arrays): from 2 MiB they are mapped on their own, so fresh pages come
** zeroed from the kernel, on huge pages, in a reservation of address space
** rounded up to 64 MiB that they grow in without moving (beyond it their
** pages move, page tables and not bytes, to a bigger one).
** The grown part [old_bytes, new_bytes) is zero. The caller keeps the size:
** it is needed to grow and to free (p NULL with old_bytes 0 allocates).
** NULL when out of memory, p then unchanged. */
void *vm_big_realloc(void *p, size_t old_bytes, size_t new_bytes);
void vm_big_free(void *p, size_t bytes);
/* Makes bytes [from, to) of p (size bytes, from vm_big_realloc) writable
** pages now. For an array read before it is written (a direct hash
** array): each first read of a page maps the shared zero page, and the
** write after it is a copy-on-write fault whose TLB flush interrupts
** every other thread of the process (groupby_high_card on 2 threads:
** 12 % of its time in those flushes). Best effort: nothing on kernels
** before 5.14. */
void vm_big_populate(void *p, size_t size, size_t from, size_t to);
size_t vm_column_bytes(const vm_column *c);

/* A table held in memory, columnar; row order is file order. */
typedef struct vm_table {
    int ncols;
    char **names;             /* owned */
    tir_type *types;          /* owned */
    vm_column *cols;          /* owned */
    uint64_t nrows;
    vm_strheap heap;
} vm_table;

void vm_table_free(vm_table *t);
/* Bytes held by t: column arrays, bitmaps and string heap. */
size_t vm_table_bytes(const vm_table *t);

/* Bit helpers for validity bitmaps. */
static inline bool vm_bit_get(const uint64_t *v, uint64_t i)
{
    return !v || ((v[i >> 6] >> (i & 63)) & 1);
}
static inline void vm_bit_set(uint64_t *v, uint64_t i, bool on)
{
    if (on)
        v[i >> 6] |= (uint64_t)1 << (i & 63);
    else
        v[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

#endif
