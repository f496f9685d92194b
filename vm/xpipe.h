/*
** xpipe.h — run-time state of one pipeline on one worker, shared by the
** interpreter (exec.c) and the morsel scheduler (parallel.c). A pipeline run
** by T workers has T xpipes: registers and sinks are per worker, the plan,
** constants' sources, input values and the source table are shared and
** read-only.
*/
#ifndef VM_XPIPE_H
#define VM_XPIPE_H

#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include "vm.h"
#include "relspill.h"
#include "sinks.h"
#include "sort.h"

typedef struct xframe {
    uint32_t n;
} xframe;

typedef struct xsel {
    uint32_t *idx;
    uint32_t n;
    bool dense;               /* all n rows of the frame (only a native scan's live rows are ever dense) */
} xsel;

/* An adaptive conjunction's state on one worker (adapt.c). */
typedef struct xadapt {
    uint8_t order[VM_ADAPT_MAX];  /* conjuncts in the order they run now */
    uint64_t ns[VM_ADAPT_MAX], in[VM_ADAPT_MAX], out[VM_ADAPT_MAX];  /* time, rows in and out, per conjunct */
    uint64_t batches;
    bool started;
} xadapt;

/* build_bloom's state on one worker: the key hashes seen. */
typedef struct xbloomsink {
    uint64_t *h;
    int64_t *k;               /* an integer key: the keys too (a bitmap of their range may do better) */
    size_t n, cap;
} xbloomsink;

typedef struct xmjoin xmjoin;
typedef struct vm_mjside vm_mjside;

typedef struct vm_jprobe vm_jprobe;

typedef struct xjoin {
    vm_ht *ht;                /* hash_join: the table probed (a spilled build: the partition being joined) */
    vm_hspill *hs;            /* hash_join: the build side when it spilled ... */
    vm_jprobe *jp;            /* ... and the probe rows set aside for it */
    bool hybrid;              /* ht is the spilled build's resident partitions: rows of the others are set aside */
    uint32_t *rsel, rn;       /* hybrid: this batch's rows of resident partitions */
    xmjoin *mj;               /* merge_join: the cursor into the right side */
    uint32_t *first;          /* per probe row (in sel order) */
    uint32_t *pidx, *hent;    /* output chunk: probe row, hash-table entry */
    uint32_t nin, cursor, chain;
    bool pending;
    uint8_t phase;            /* what the output chunk holds (xj_phase) */
    uint8_t *passed;          /* :condition: per row of the input frame, a pair of it held */
    /* right and full joins: per entry of ht, a pair matched it. Workers
    ** probing one table share its flags: each only ever stores 1 (relaxed
    ** atomic stores, a plain byte store on x86), and they are read once
    ** every worker is done (the pool's join orders the stores before). */
    _Atomic uint8_t *matched;
    bool own_matched;         /* this worker frees them */
    uint32_t tail_cur, tail_end; /* XJ_BUILD_MISSES: the entries left to look at */
} xjoin;

/* The rows of a hash join's output chunk: pairs (and, without a
** :condition, left and full joins' unmatched input rows in input order),
** then with a condition those input rows in a chunk of their own, and
** once every probe is done the build rows no pair matched (right, full). */
typedef enum xj_phase { XJ_PAIRS = 0, XJ_INPUT_MISSES, XJ_BUILD_MISSES } xj_phase;

typedef struct xshared xshared;
typedef struct vm_rxset vm_rxset;
typedef struct vm_rxlocal vm_rxlocal;

/* The hash tables a pipeline probes from memory, given up for spill files
** when the pipeline runs short and its own state cannot spill enough. One
** per pipeline run, shared by its workers: each switches its joins to
** setting rows aside at its next batch boundary (a worker done with the
** source probes nothing), and the tables are freed when no worker probes
** them. Only while the source is read: joining spilled partitions, no
** table goes (closed). */
typedef struct xevict {
    pthread_mutex_t mu;
    atomic_int requested, closed;
    atomic_int switched, idle; /* workers switched, and done with the source unswitched */
    int nw;
    _Atomic uint64_t freed;   /* bytes of tables freed since the pipeline started */
} xevict;

/* One input of the pipeline's source (vm_scanpart) as a run reads it,
** shared by the workers. Morsels are numbered across the inputs in order,
** so rows gathered in morsel order come input after input. */
typedef struct xsource {
    vm_table *mem;            /* in memory, or NULL when ... */
    vm_store *store;          /* ... a native table, or ... */
    const vm_relspill *rs;    /* ... a relation on disk, read a chunk (a morsel) at a time */
    const int *cols;          /* per scan column: its column in mem, rs or the store */
    bool own_cols;            /* cols was made for this run (a store's or registered table's map) */
    const tir_type *types;    /* per scan column: its type there */
    uint64_t rows;
    uint64_t morsel_rows;     /* a native table's block, else VM_MORSEL_ROWS */
    uint64_t first_morsel;
    bool cont;                /* the next chunk of the previous input's registered table */
    int lead;                 /* the input whose morsel this one's rows join (small chunks
                               * run together as one morsel), or its own index */
} xsource;

typedef struct xpipe {
    const vm_plan *plan;
    const vm_pipe *p;
    vm_value *values;
    const xsource *srcs;      /* the source's inputs (p->scan.parts) */
    int nsrcs;
    const xsource *in;        /* the one being read: rows are numbered from 0 in each */
    vm_spchunk rchunk;        /* its chunk being scanned (a relation on disk), rows from rchunk_first */
    uint64_t rchunk_first;
    bool rchunk_loaded;
    vm_store_chunk *chunks;   /* per scan column: the current block's data */
    tir_str **dicts;          /* per scan column: its dictionary-encoded chunk's values, decoded */
    uint32_t *dict_cap;
    uint64_t blk_first;       /* first row of the current block */
    uint64_t scan_stat[VM_SCAN_NSTAT];
    bool no_pruning;
    const vm_bloom **bloomuse;/* per :blooms entry of the scan */
    vm_mjside **mjsides;      /* per join: merge_join's right side (NULL for hash joins) */
    vm_sink_sort *sorts;      /* per sort or window statement */
    vm_table **sorted;        /* per sort or window: its finished relation (worker 0) */
    xbloomsink *bsinks;       /* per build_bloom */
    uint64_t src_off, src_end;
    uint32_t cap;
    vm_vec *r;                /* registers */
    void **rbuf;              /* owned data buffers */
    uint64_t **rvalid;        /* owned validity buffers */
    xsel *s;
    xadapt *adapt;            /* per adaptive conjunction */
    xframe *f;
    vm_const *k;              /* constants with refs and parameters resolved */
    const vm_const *params;   /* the run's bound parameter values (vm_run_opts.params) */
    vm_pool *pool;            /* the run's worker threads (vm_run_opts.pool) */
    xjoin *joins;
    vm_sink_agg *aggs;
    vm_sink_group *groups;
    bool *gspill;             /* per group-by: finished from spill files (decided when the source is done) */
    vm_table **grouped;       /* per group-by finished that way: its relation (worker 0) */
    vm_ht **builds;
    vm_hspill **bspill;       /* per build_hash: its rows written to spill files, or NULL */
    vm_table **emits;
    const bool *rel_kept;     /* per value: a relation that must stay in memory (an output, a merge join's right side) */
    bool *espillable;         /* per emit: a later pipeline scans it (rel_kept false): it may go to disk */
    int stream_e;             /* the emit handed over as it is made (vm_run_opts.stream_stmt), or -1 */
    tir_status (*stream_rows)(void *ctx, vm_table *rows);
    void *stream_ctx;
    vm_spill_file **espill;   /* per emit: the rows this worker wrote out, or NULL */
    uint64_t *eflushed;       /* per emit: how many */
    vm_relspill **erel;       /* per emit (worker 0): its rows gathered on disk when any worker wrote some */
    int64_t *limit_seen;
    uint64_t *stmt_ns;        /* profile: time per statement (same layout), when timing */
    bool timing;
    uint64_t tick_last;
    int tick_stmt;
    uint64_t *stmt_rows;      /* profile: rows out (sinks: in) per statement, then rows read from the source */
    vm_strheap batch_heap;    /* strings made by casts and functions, reset per batch */
    vm_rxset *rx;             /* the pipeline's constant regular expressions, shared (regexfn.c) */
    vm_rxlocal *rxl;          /* this worker's matching state */
    locale_t ctype;           /* C.UTF-8 for upper/lower, made at first use */
    bool ctype_failed;        /* that locale is missing: ASCII only */
    uint64_t memory_limit;    /* the run's (vm_run_opts.memory_limit), 0 for none */
    uint64_t base_bytes;      /* values and tables alive when the pipeline started */
    uint64_t reg_bytes;       /* register, selection and join buffers */
    char *err;
    size_t errlen;
    xevict *ev;
    bool evicted;             /* this worker's joins no longer probe tables in memory */
    bool idle;                /* done with the source, not switched */
    /* parallel runs: */
    xshared *sh;
    int worker;
    int nworkers;             /* of this pipeline */
    uint64_t morsel;          /* the morsel being run (0 on one worker, which runs the source as one) */
    uint64_t *morsels;        /* per morsel done: its index, then rows emitted per emit */
    size_t nmorsels, capmorsels;
} xpipe;

tir_status vm_x_setup(xpipe *x);
/* Writes "FILE:LINE:COL: error: " and the message into x->err; returns st. */
tir_status vm_x_fail(xpipe *x, tir_status st, ir_span at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* In an instruction: SP = the rows of selection si (NULL: all N rows of
** frame fr, or a dense selection), N = their count. */
#define SEL(x, si, fr, SP, N)                                                      \
    const uint32_t *SP = (si) < 0 || (x)->s[(si)].dense ? NULL : (x)->s[(si)].idx; \
    uint32_t N = (si) < 0 ? (x)->f[(fr)].n : (x)->s[(si)].n
/* Validity of a result of a and b (b may be NULL) over n rows, in register
** out's bitmap: NULL when both are all-valid; _owned: always the bitmap
** (for kernels that clear bits). */
uint64_t *vm_x_valid2(xpipe *x, int out, const vm_vec *a, const vm_vec *b, uint32_t n);
uint64_t *vm_x_valid2_owned(xpipe *x, int out, const vm_vec *a, const vm_vec *b, uint32_t n);
void vm_x_teardown(xpipe *x);
/* The index of stmt in its pipeline p (profile counters). */
int vm_x_stmt_index(const vm_pipe *p, const ir_stmt *stmt);

/* emitspill.c: rows emitted so far by this worker (written out or not);
** bytes of the emits that may spill; whether any worker wrote emit e out;
** writing out this worker's spillable emits; gathering the written ones
** into x[0].erel when the pipeline ends. */
uint64_t vm_x_emitted(const xpipe *x, int e);
uint64_t vm_x_emit_spillable_bytes(const xpipe *x);
uint64_t vm_x_emit_growth(const xpipe *x);
bool vm_x_emit_spilled(const xpipe *x, int nw, int e);
tir_status vm_x_flush_emits(xpipe *x, const vm_run_opts *o);
tir_status vm_x_gather_emits(xpipe *x, int nw, const vm_run_opts *o, uint64_t *prof_spill);

/* scan.c: sets the rows and morsels of each input from its data; returns
** the rows of them all (a store's deleted rows included). */
uint64_t vm_x_sources_index(xsource *s, int n);
/* Morsels of the source, over all its inputs. */
uint64_t vm_x_nmorsels(const xpipe *x);
/* Runs the rows of morsel m (below vm_x_nmorsels), of one input or of
** several small ones. */
tir_status vm_x_run_morsel(xpipe *x, const vm_run_opts *o, uint64_t m);
/* Runs the batches of rows [from, to) of the input being read. */
tir_status vm_x_run_range(xpipe *x, const vm_run_opts *o, uint64_t from, uint64_t to);
/* Runs every row of the source, input after input (one worker). */
tir_status vm_x_run_all(xpipe *x, const vm_run_opts *o);
tir_status vm_x_check_memory(xpipe *x, const vm_run_opts *o);
/* Moves the finished sinks of x into the run's value slots (hash tables
** indexed on the run's threads). */
tir_status vm_x_publish(xpipe *x, const vm_run_opts *o);
uint64_t vm_x_sink_bytes(const xpipe *x);
/* The part of them that can spill: group-by and build_hash state. */
uint64_t vm_x_spillable_bytes(const xpipe *x);
/* Records worker w's own bytes and returns the sum over all workers. */
uint64_t vm_x_shared_bytes(xshared *sh, int w, uint64_t own);
/* The same for the bytes of worker w's group-by state (which can spill). */
uint64_t vm_x_shared_spillable(xshared *sh, int w, uint64_t own);
/* Decides, when every worker is done, which group-bys finish from spill
** files: those that spilled, and those whose merge of the workers' states
** would not fit (sets x[0].gspill; parallel.c merges only the others). */
void vm_x_plan_group_spills(xpipe *x, int nw, const vm_run_opts *o);

/* Decides, when every worker is done, which build_hash tables go to spill
** files: those that spilled, and those whose merge and index would not
** fit. The workers' rows then all go to x[0].bspill. */
tir_status vm_x_plan_build_spills(xpipe *x, int nw, const vm_run_opts *o);
/* Switches this worker's joins from the tables in memory to spill files
** (x->ev decided so); the first worker writes the files, the last frees
** the tables. */
tir_status vm_x_evict(xpipe *x, const vm_run_opts *o);
/* A worker done with the source: switches if asked to, else stops counting
** as one that probes the tables. */
tir_status vm_x_retire(xpipe *x, const vm_run_opts *o);
/* Runs code[pc, stop) (stop -1: to the end) on the registers as they are. */
tir_status vm_x_run_code(xpipe *x, const vm_run_opts *o, int pc, int stop);
/* adapt.c: VM_OP_ADAPT. */
tir_status vm_x_adapt(xpipe *x, const vm_run_opts *o, const vm_ins *in);

/* bloomsink.c: build_bloom's per-worker state and its finished filter. */
/* Adds the hashes h of the non-NULL rows sel[0..n) (NULL: 0..n-1) of key,
** and for an integer key (i32, date, i64) the keys themselves. */
bool vm_bloomsink_add(xbloomsink *bs, const uint64_t *h, const vm_vec *key, const uint32_t *sel, uint32_t n);
bool vm_bloomsink_merge(xbloomsink *into, xbloomsink *from);
vm_bloom *vm_bloomsink_finish(xbloomsink *bs, tir_type t);
/* The rows sel[0..n) (NULL: 0..n-1) of an integer vector v (i32, date,
** i64), not NULL, whose key's bit is set in kbits, a bitmap of the keys
** lo .. lo + range - 1, into out; how many. A build_bloom's key bitmap
** and a spilled join's filter of its build keys. */
uint32_t vm_kbits_sel(const uint64_t *kbits, int64_t lo, uint64_t range, const vm_vec *v, const uint32_t *sel,
                      uint32_t n, uint32_t *out);

/* scan.c: binds the next batch of the source (the SCAN instruction). */
void vm_x_scan(xpipe *x);
/* exec.c: runs batches of source rows [from, to) that lie in one block. */
tir_status vm_x_run_batches(xpipe *x, const vm_run_opts *o, uint64_t from, uint64_t to);

/* mergejoin.c: merge_join's right side, shared by the workers (open it
** before the pipeline runs: a table's mem or store, or a relation's mem),
** and each worker's cursor into it. */
tir_status vm_mj_side_open(const ir_stmt *join, const vm_table *mem, vm_store *store, vm_mjside **out, char *err,
                           size_t errlen);
void vm_mj_side_free(vm_mjside *s);
xmjoin *vm_mj_new(const vm_mjside *s, uint32_t cap, char *err, size_t errlen);
void vm_mj_free(xmjoin *m);
tir_status vm_mj_probe(xpipe *x, const vm_ins *in);
tir_status vm_mj_right_W1(xpipe *x, const vm_ins *in);
tir_status vm_mj_right_W4(xpipe *x, const vm_ins *in);
tir_status vm_mj_right_W8(xpipe *x, const vm_ins *in);
tir_status vm_mj_right_W16(xpipe *x, const vm_ins *in);
tir_status vm_mj_right_X16(xpipe *x, const vm_ins *in);

/* exec.c: the shared matched flags of the right and full joins of the nw
** workers that probe a table in memory. */
tir_status vm_x_share_matched(xpipe *x, int nw);
/* Runs the rest of the pipeline over the entries [from, to) of join ji's
** table that no pair matched, with NULL input columns. */
tir_status vm_x_join_misses(xpipe *x, const vm_run_opts *o, int ji, uint32_t from, uint32_t to);

/* parallel.c: runs pipeline p with the given workers; on return x[0] holds
** the merged sinks (published by the caller). */
tir_status vm_run_parallel(xpipe *x, int nworkers, const vm_run_opts *o);
/* Joins the probe rows set aside for spilled build sides, partitions
** shared out to the nw workers, and outputs the unmatched build rows of
** right and full joins probing tables in memory, in code order; wst[w]
** receives each worker's status. */
tir_status vm_x_run_spilled_joins(xpipe *x, int nw, const vm_run_opts *o, tir_status *wst);

#endif
