/*
** sort.h — the sink behind `sort` (and its top-N form) and `window`.
**
** Each worker appends its rows to a table of its own and, per row, an
** entry: the row's normalized sort keys (kernels' k_sortkey_*: bytes whose
** memcmp order is the requested order) and an 8-byte locator of the row
** (worker << 48 | row). When the pipeline ends, the entries of all workers
** are sorted — a stable most-significant-byte radix sort over the key
** bytes, its first pass and its largest buckets split across threads, the
** rest of the buckets shared out, and a comparison sort only where long
** strings tie on their prefix — and the rows are gathered once, in that
** order, into the result. Ties keep the input order: the entries are read
** in morsel order and every pass is stable, so 1 and N threads give the
** same rows in the same order.
**
** A top-N (sort :limit) keeps at most about 2N + a batch entries and rows
** per worker: rows that cannot beat the current N-th are dropped before
** they are copied, and the buffer is sorted and cut back to N when full.
*/
#ifndef VM_SORT_H
#define VM_SORT_H

#include "vm.h"

/* A key of the entries. */
typedef struct vm_sortkey {
    tir_type type;
    unsigned flags;           /* K_SK_* */
    uint32_t off, width;      /* its bytes in an entry */
    int reg;                  /* register holding its values */
    int col;                  /* column of the sink's rows holding them (strings: the full tie-break), or -1 */
} vm_sortkey;

/* One window function, lowered (window.c evaluates it). */
typedef struct vm_winfndef {
    ir_winkind kind;
    tir_type type;            /* of the result */
    tir_type arg_type;
    int arg, def;             /* columns of the sink's rows, or -1 */
    int64_t n;                /* lag/lead offset, ntile buckets, nth_value position */
    ir_frame frame;
    ir_span span;
} vm_winfndef;

typedef struct vm_windef {
    const ir_program *prog;   /* for the location of a runtime error */
    int npart;                /* the first npart keys partition, the rest order */
    uint32_t part_bytes;      /* bytes of the partition keys at the start of an entry */
    int nfns;
    vm_winfndef *fns;         /* output column npayload + i */
} vm_windef;

typedef struct vm_sortdef {
    ir_stmt *stmt;
    int ncols;                /* columns of the sink's rows: the output's first (npayload), then hidden ones */
    int npayload;
    tir_type *types;
    bool *nullable;
    int *regs;                /* register of each column */
    /* a row of the sink: each column's value at rowoff[c], a NULL bit
    ** (nullbit[c] >= 0: bit of the bytes at null_off) per nullable one */
    uint32_t *rowoff;
    int *nullbit;
    uint32_t null_off, row_bytes;
    int nkeys;
    vm_sortkey *keys;
    uint32_t key_bytes;
    uint32_t entry_bytes;     /* keys rounded up to 8 bytes; top-N: an 8-byte order word; the 8-byte locator */
    int64_t limit, offset;    /* limit >= 0: top-N; offset rows of the order are skipped */
    const vm_windef *win;     /* window: functions evaluated over the sorted rows; NULL for sort */
} vm_sortdef;

/* Bytes an entry of def's keys takes (what lowering stores in entry_bytes). */
uint32_t vm_sort_entry_bytes(uint32_t key_bytes, bool topn);
/* Lays out the sink's rows: fills rowoff, nullbit, null_off and row_bytes
** from ncols, types and nullable. */
void vm_sort_layout(vm_sortdef *def);

typedef struct vm_sortrun {
    uint64_t morsel;
    uint64_t start;           /* first entry of the run */
} vm_sortrun;

/* One worker's rows and entries. */
typedef struct vm_sink_sort {
    const vm_sortdef *def;
    int worker;
    uint8_t *rows;            /* the rows (vm_sort_layout), payload columns then hidden ones */
    uint64_t nrows, rcap;
    vm_strheap heap;          /* their long strings */
    uint8_t *ent;             /* full sort: an entry per row, in order; top-N: the buffer */
    uint64_t n, cap;          /* entries */
    uint64_t *kand, *kor;     /* AND and OR of every entry's key words: the bytes all entries share */
    vm_sortrun *runs;         /* full sort: where each morsel's entries start */
    size_t nruns, capruns;
    uint64_t seq;             /* top-N: rows seen in the current morsel (order words) */
    uint64_t morsel;
    uint8_t *batch;           /* top-N: one batch's entries */
    uint32_t *keep;           /* top-N: rows of the batch that may enter */
    bool have_cut;            /* top-N: limit + offset entries were kept; cut_ent is the worst */
    uint8_t *cut_ent;
    bool cut_num;             /* ... and its first key is a value: cut_i or cut_f, for TOPN_CUT */
    int64_t cut_i;
    double cut_f;
} vm_sink_sort;

bool vm_sink_sort_init(vm_sink_sort *s, const vm_sortdef *def, int worker, uint32_t batch);
void vm_sink_sort_free(vm_sink_sort *s);
size_t vm_sink_sort_bytes(const vm_sink_sort *s);
/* SORT_ADD: the rows sel[0..n) of the registers r (morsel: the one being
** run). False when out of memory. */
bool vm_sink_sort_add(vm_sink_sort *s, const vm_vec *r, const uint32_t *sel, uint32_t n, uint64_t morsel);
/* TOPN_CUT: the rows of sel[0..n) whose first key (values a, validity va)
** may still enter s's top-N, into out; returns how many. Every row while
** the top-N is not full. */
uint32_t vm_sink_sort_cut_i32(const vm_sink_sort *s, const int32_t *a, const uint64_t *va, const uint32_t *sel,
                              uint32_t n, uint32_t *out);
uint32_t vm_sink_sort_cut_i64(const vm_sink_sort *s, const int64_t *a, const uint64_t *va, const uint32_t *sel,
                              uint32_t n, uint32_t *out);
uint32_t vm_sink_sort_cut_f64(const vm_sink_sort *s, const double *a, const uint64_t *va, const uint32_t *sel,
                              uint32_t n, uint32_t *out);

/* Sorts the rows of the nw workers' sinks s[] into *out (window: with the
** function columns) on nthreads threads. budget: bytes it may allocate on
** top of the sinks (0 = no limit); *extra receives the most it held.
** The sinks' rows are consumed (their string bytes move to *out). */
tir_status vm_sort_finish(vm_sink_sort *const *s, int nw, int nthreads, uint64_t budget, uint64_t *extra,
                          vm_table **out, char *err, size_t errlen);

/* The order of rows [0, n) by the key columns cols[0..nkeys) (K_SK_* flags
** each: desc, nulls first; a key of a column with NULLs needs
** K_SK_NULLABLE), stable: *perm (malloc'd) receives the row numbers in
** order. */
tir_status vm_sort_perm(const vm_column *const *cols, const unsigned *flags, int nkeys, uint64_t n, int nthreads,
                        uint64_t **perm);

/* window.c: computes the function columns of win into out->cols[first ..]
** for rows [0, n) sorted by partition then order keys; part and peer
** mark (1) the first row of each partition and of each group of peers
** (rows equal on every key); in[c] are the sink's columns in sorted order. */
tir_status vm_window_eval(const vm_windef *win, const vm_column *in, const uint8_t *part, const uint8_t *peer,
                          uint64_t n, int nthreads, vm_table *out, int first, char *err, size_t errlen);

#endif
