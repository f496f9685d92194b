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
** Under a memory limit a full sort (and a window) spills: a worker whose
** sink would outgrow its share sorts what it holds, writes it out as a
** sorted run (sortrun.c) and starts again empty; at the end every worker's
** rest becomes a run too and the runs are merged, a chunk of each at a
** time, into the result. Each run row carries its sequence (morsel, row
** within the morsel), which breaks ties in the merge: the order is the
** in-memory one, whatever the runs and the threads.
**
** A top-N (sort :limit) keeps at most about 2N + a batch entries and rows
** per worker: rows that cannot beat the current N-th are dropped before
** they are copied, and the buffer is sorted and cut back to N when full.
*/
#ifndef VM_SORT_H
#define VM_SORT_H

#include "vm.h"
#include "sinks.h"

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
    bool dec;                 /* the argument is a decimal (held as i64) of scale `scale`: */
    uint8_t scale;            /* sums stay below 10^18 (wide: 10^38), avg divides by 10^scale */
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
    uint64_t ord;             /* its row number within the morsel (a morsel may span spills) */
} vm_sortrun;

/* A sorted run written to a spill file (sortrun.c), in chunks of about
** VM_SORT_CHUNK_BYTES, and where each chunk starts. */
#define VM_SORT_CHUNK_BYTES (128 * 1024)
typedef struct vm_sortfile {
    vm_spill_file *f;
    uint64_t rows;
    uint64_t chunk_bytes;     /* the largest chunk's bytes: what reading one back holds */
    uint32_t chunk_rows;      /* the most rows of a chunk */
    int level;                /* 0: written by a sink; k: merged from runs of level k - 1 and below */
    uint64_t nchunks, capchunks;
    uint64_t *coff, *crow;    /* per chunk: its first byte in the file, the rows before it */
    uint64_t *ckey;           /* per chunk: its first row's key words */
} vm_sortfile;

/* One worker's rows and entries. */
typedef struct vm_sink_sort {
    const vm_sortdef *def;
    int worker;
    vm_pool *pool;            /* the run's worker threads for its sorts (NULL: started per use) */
    uint8_t *rows;            /* the rows (vm_sort_layout), payload columns then hidden ones */
    uint64_t nrows, rcap;
    vm_strheap heap;          /* their long strings */
    uint8_t *ent;             /* full sort: an entry per row, in order; top-N: the buffer */
    uint64_t n, cap;          /* entries */
    uint64_t *kand, *kor;     /* AND and OR of every entry's key words: the bytes all entries share */
    vm_sortrun *runs;         /* full sort: where each morsel's entries start */
    size_t nruns, capruns;
    uint64_t seq;             /* rows seen in the current morsel (top-N: order words; full sort: vm_sortrun.ord) */
    uint64_t morsel;
    uint8_t *batch;           /* top-N: one batch's entries */
    uint32_t *keep;           /* top-N: rows of the batch that may enter */
    bool have_cut;            /* top-N: limit + offset entries were kept; cut_ent is the worst */
    uint8_t *cut_ent;
    bool cut_num;             /* ... and its first key is a value: cut_i or cut_f, for TOPN_CUT */
    int64_t cut_i;
    double cut_f;
    vm_sortfile *files;       /* full sort: the runs it spilled, in order */
    size_t nfiles, capfiles;
    vm_spill_stats spst;      /* bytes and files of those runs */
} vm_sink_sort;

bool vm_sink_sort_init(vm_sink_sort *s, const vm_sortdef *def, int worker, uint32_t batch);
void vm_sink_sort_free(vm_sink_sort *s);
size_t vm_sink_sort_bytes(const vm_sink_sort *s);
/* SORT_ADD: the rows sel[0..n) of the registers r (morsel: the one being
** run). False when out of memory. */
bool vm_sink_sort_add(vm_sink_sort *s, const vm_vec *r, const uint32_t *sel, uint32_t n, uint64_t morsel);
/* Can a full sort's sink take `more` rows and still be sorted and written
** out (vm_sink_sort_spill) within share bytes? When doubling its arrays
** would not fit but `more` rows would, they grow to just what fits. False:
** it must spill first. */
bool vm_sink_sort_room(vm_sink_sort *s, uint64_t more, uint64_t share);
/* The sink's entries sorted (stable, ties in input order), in a new buffer
** of s->n entries (vm_big_realloc; free with vm_big_free); s->ent is used
** as scratch. NULL when out of memory. */
uint8_t *vm_sink_sort_order(vm_sink_sort *s, int nthreads);
/* cols[c] (room for n rows; a bitmap for each nullable one) <- column c
** of the sink's rows of the n entries g, for every column of the rows. */
void vm_sink_sort_gather(const vm_sink_sort *s, const uint8_t *g, uint64_t n, vm_column *cols);
/* Empties the sink after its rows went to a run (the runs stay). */
void vm_sink_sort_clear(vm_sink_sort *s);
/* Columns for n rows of the sink's first ncols columns (exactly n rows; a
** bitmap for each nullable column); false when out of memory (what was
** made is freed with the columns). */
bool vm_sort_columns_new(const vm_sortdef *def, int ncols, uint64_t n, vm_column *cols);
/* Drops the bitmaps of columns that have no NULL in rows [0, n). */
void vm_sort_columns_trim(vm_column *cols, int ncols, uint64_t n);
/* res <- the payload columns of cols (the sink's columns in sorted order,
** m rows; they move, leaving cols empty), a window's functions computed
** from them first (part, peer: the starts of partitions and of peers). */
tir_status vm_sort_result_take(const vm_sortdef *def, vm_column *cols, const uint8_t *part, const uint8_t *peer,
                               uint64_t m, vm_pool *pool, int nthreads, vm_table *res, char *err, size_t errlen);

/* sortrun.c: closes a run and frees what it knows of its chunks. */
void vm_sortfile_close(vm_sortfile *rf);
/* Sorts the sink's rows and writes them to a new run, then empties the
** sink. nthreads: threads the sort may use. */
tir_status vm_sink_sort_spill(vm_sink_sort *s, vm_spill *sp, int nthreads, char *err, size_t errlen);
/* The bytes vm_sort_finish would allocate for the nw sinks s[]. */
uint64_t vm_sort_finish_need(vm_sink_sort *const *s, int nw);
/* The bytes of a result of m rows (window: with its function columns and
** the bounds of partitions and peers). */
uint64_t vm_sort_result_bytes(const vm_sortdef *def, uint64_t m);
/* vm_sort_finish for sinks of which some spilled (or whose in-memory sort
** would not fit, or force): the rest of every sink becomes a run too, and
** the runs are merged into *out (window: with the function columns). The
** merge reads a chunk of each run at a time; when the runs are more than
** budget allows at once (force: more than 4), groups of them are first
** merged into longer runs, pass by pass; the last merge is split over
** up to nthreads threads by key when memory allows. budget: bytes the finish may
** allocate (0 = no limit); the result must fit in it (else TIR_ERR_NOMEM,
** "its result alone ..."); *extra receives the most it held. stats gets
** the bytes, files and passes. cancel (may be NULL): once requested, stops the
** merge (TIR_ERR_CANCELLED). Every run is closed on return. With hand (a
** sort without a window) and a result over budget (or force), the last
** merge runs on one thread and its rows go to hand(hand_ctx, table) in
** order, a few chunks' rows at a time, as they are merged (a status from
** hand stops it): only those count against budget, and *out is an empty
** table. A result that fits is made in *out as without hand. */
tir_status vm_sort_finish_spilled(vm_sink_sort *const *s, int nw, vm_spill *sp, uint64_t budget, bool force,
                                  int nthreads, const vm_cancel *cancel, vm_rows_hand hand, void *hand_ctx,
                                  uint64_t *extra, vm_table **out, vm_spill_stats *stats, char *err, size_t errlen);

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
tir_status vm_sort_perm(const vm_column *const *cols, const unsigned *flags, int nkeys, uint64_t n, vm_pool *pool,
                        int nthreads, uint64_t **perm);

/* window.c: computes the function columns of win into out->cols[first ..]
** for rows [0, n) sorted by partition then order keys; part and peer
** mark (1) the first row of each partition and of each group of peers
** (rows equal on every key); in[c] are the sink's columns in sorted order. */
tir_status vm_window_eval(const vm_windef *win, const vm_column *in, const uint8_t *part, const uint8_t *peer,
                          uint64_t n, vm_pool *pool, int nthreads, vm_table *out, int first, char *err,
                          size_t errlen);

#endif
