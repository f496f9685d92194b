/*
** vm.h — internal structures of the lowered program (vm_plan: one register
** bytecode program per pipeline) and of its execution. Lowering (lower.c)
** fixes every register's type and every instruction's kernel; exec.c runs
** the instructions batch by batch; explain.c prints them.
*/
#ifndef VM_VM_H
#define VM_VM_H

#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include "tir.h"
#include "ast.h"
#include "column.h"
#include "hashtable.h"
#include "opcodes.h"
#include "par.h"
#include "spill.h"
#include "store.h"

typedef struct vm_ins {
    uint16_t op;
    uint16_t frame;
    uint16_t stmt;            /* statement it belongs to (pipeline's n: scan/loop control), for profiles */
    int32_t a, b, c, d, e;
    ir_span span;             /* source of the expression, for runtime errors */
} vm_ins;

/* A vector register. Scan registers borrow the source's memory; the rest
** own a buffer of the frame's capacity. */
typedef struct vm_regdef {
    tir_type type;
    uint16_t frame;
    bool borrowed;
    int konst;                /* >= 0: broadcast of constant k[konst], filled when the pipeline starts */
    const char *what;         /* for --explain: "$in.freight", "freight > 10", ... */
} vm_regdef;

/* A literal, or a value resolved when this pipeline starts: another
** pipeline's tuple field (seed 002: scalar results substituted as
** literals) or a parameter's bound value. Also the type of bound values. */
typedef struct vm_const {
    tir_type type;
    bool is_null;
    uint8_t prec, scale;      /* prec > 0: a decimal(prec, scale) literal, i its scaled value (for explain) */
    int64_t i;
    __int128 w;               /* a wide decimal's scaled value (type TIR_DECIMAL128; prec, scale say which) */
    double f;
    tir_str s;
    int32_t months, days;     /* an interval (i its microseconds) */
    ir_stmt *ref;             /* non-NULL: value comes from this tuple ... */
    int field;                /* ... field */
    const ir_param *param;    /* non-NULL: the value bound to this parameter (vm_run_opts.params) */
} vm_const;

/* Block skipping on one scanned column of a native table: a block whose
** statistics show no value in [k[lo], k[hi]] (either may be -1: unbounded)
** is not read. From :minmaxes and from the simple predicates of a filter
** right after the scan (seed 002's simple quals). */
typedef struct vm_prune {
    int col;                  /* scan output column */
    int lo, hi;
} vm_prune;

/* :blooms = { "col": p.bf }: rows (and, on native tables, blocks) that
** cannot hold a value of the bloom filter are dropped. */
typedef struct vm_bloomuse {
    int col;                  /* scan output column */
    const ir_stmt *bf;        /* the build_bloom statement */
} vm_bloomuse;

/* One input of a pipeline's source: table_scan has one, union_all one per
** input, read one after the other. */
typedef struct vm_scanpart {
    const ir_table *table;    /* NULL for ... */
    const ir_stmt *rel;       /* ... another pipeline's relation */
    const int *cols;          /* per scan column: its column in the input */
    const tir_type *types;    /* per scan column: its type there; a narrower number is widened as it is read */
} vm_scanpart;

typedef struct vm_scan {
    ir_stmt *stmt;
    int ncols;
    vm_scanpart *parts;
    int nparts;
    int *regs;                /* register bound to each column */
    bool native;              /* an input is a native table: read block by block */
    int live_sel;             /* native: rows of the batch not deleted (dense when none is) */
    vm_prune *prunes;
    int nprunes;
    vm_bloomuse *blooms;
    int nblooms;
} vm_scan;

/* Scan counters per pipeline for profiles (vm_run_opts.prof_scan). */
enum { VM_SCAN_BLOCKS, VM_SCAN_SKIP_MINMAX, VM_SCAN_SKIP_BLOOM, VM_SCAN_BYTES, VM_SCAN_NSTAT };

typedef struct vm_join {
    ir_stmt *stmt;
    int nkeys;
    int *key_regs;            /* over the input frame */
    int in_frame, out_frame;
    int in_sel;               /* probe rows */
    int out_sel;              /* selection of the output frame (semi/anti: of the input frame); -1: all rows */
    int pc;                   /* the JOIN_PROBE or MJOIN_PROBE instruction */
    int end_pc;               /* the first instruction after its consumers (and its JOIN_LOOP) */
    ir_joinkind kind;
    bool merge;               /* merge_join: no hash table, a sorted right side */
    bool cond;                /* a :condition, evaluated over cand_sel, the pairs of a chunk */
    int cand_sel;
    /* Hash joins: the registers of the input frame that code in [pc,
    ** end_pc) reads and that hold values when the probe starts (constants
    ** aside). A probe row set aside while the build side is spilled is
    ** these values; put back, the code from pc on runs as if never paused. */
    int nlive;
    int *live;
    int *key_live;            /* per key: its index in live, or -1 (a constant) */
    int nregs_before;         /* registers that existed when the probe was lowered */
} vm_join;

typedef struct vm_aggslot {
    ir_aggfn fn;
    tir_type type;            /* argument type (result type for count) */
    uint8_t scale;            /* a decimal argument's: avg divides by 10^scale */
    const char *sep;          /* string_agg's separator */
    uint32_t seplen;
    bool nonnull;             /* a sum whose argument's type is not nullable: grouped, its
                                 groups keep no count (each has a value: it is never NULL) */
} vm_aggslot;

typedef struct vm_agg {       /* ungrouped aggregate -> tuple */
    ir_stmt *stmt;
    int nslots;
    vm_aggslot *slots;
} vm_agg;

typedef struct vm_group {     /* hash group-by -> relation */
    ir_stmt *stmt;
    int nkeys;
    int *key_regs;
    int nslots;
    vm_aggslot *slots;
    int gid_reg;
} vm_group;

typedef struct vm_build {     /* build_hash -> hash table */
    ir_stmt *stmt;
    int nkeys, nvals;
    int *regs;                /* keys then values */
} vm_build;

typedef struct vm_emit {      /* materialize a relation read by a later pipeline or an output */
    ir_stmt *stmt;
    const ir_schema *schema;  /* of the rows: stmt->out, or the input's for write_table and delete */
    int ncols;
    int *regs;
} vm_emit;

typedef struct vm_bloomdef {  /* build_bloom -> bloom filter */
    ir_stmt *stmt;
    int key_reg;
} vm_bloomdef;

typedef struct vm_limit {
    int64_t count, offset;
    int count_k, offset_k;    /* >= 0: a parameter's constant k[..] instead */
} vm_limit;

typedef struct vm_sortdef vm_sortdef;   /* sort.h */

/* A regular expression of a regexp_* call: its pattern is register pat,
** a constant (konst >= 0: compiled and JIT-compiled once when the
** pipeline starts, shared by the workers) or a value per row (compiled
** per distinct pattern, in each worker's small cache). */
typedef struct vm_rxdef {
    int pat;
    int konst;
    int flags;                /* IR_RX_* */
    int group;                /* regexp_extract: the group returned */
    ir_span span;             /* the pattern, for its errors */
} vm_rxdef;

/* A conjunction whose conjuncts run in the order that has cost the least
** so far (VM_OP_ADAPT): each conjunct is a block of code refining the
** selection `cur` into its own `out`. Only conjuncts that cannot fail are
** reordered, so the rows kept and the errors raised are the written
** order's. */
#define VM_ADAPT_MAX 16
typedef struct vm_adapt {
    int n;                    /* conjuncts, 2..VM_ADAPT_MAX, in written order */
    int start[VM_ADAPT_MAX], end[VM_ADAPT_MAX];   /* their code */
    int out[VM_ADAPT_MAX];    /* their selections */
    int stmt;                 /* the statement, for the profile */
    _Atomic uint64_t *shown;  /* the last order a worker chose, 4 bits per conjunct (profile) */
} vm_adapt;
/* adapt.c: order[0..n) as vm_adapt.shown keeps it. */
uint64_t vm_adapt_pack(const uint8_t *order, int n);

typedef struct vm_pipe {
    ir_pipeline *ir;
    vm_ins *code;
    int ncode;
    vm_regdef *regs;
    int nregs;
    int nsels;
    int nframes;
    vm_const *consts;
    int nconsts;
    vm_scan scan;
    vm_join *joins;
    int njoins;
    vm_agg *aggs;
    int naggs;
    vm_group *groups;
    int ngroups;
    vm_build *builds;
    int nbuilds;
    vm_emit *emits;
    int nemits;
    vm_limit *limits;
    int nlimits;
    vm_bloomdef *bloomdefs;
    int nbloomdefs;
    vm_sortdef *sorts;        /* sort and window statements */
    int nsorts;
    vm_rxdef *rxdefs;
    int nrxdefs;
    vm_adapt *adapts;
    int nadapts;
} vm_pipe;

/* A value produced by a statement and read by later pipelines or outputs. */
typedef struct vm_valdef {
    ir_stmt *stmt;
    int last_use;             /* order of the last pipeline reading it; INT32_MAX for outputs */
} vm_valdef;

typedef struct vm_plan {
    ir_program *prog;
    uint32_t batch;           /* rows per batch (multiple of 64) */
    bool fixed_order;         /* no adaptive conjunctions */
    vm_pipe *pipes;           /* in execution (topological) order */
    int npipes;
    vm_valdef *vals;
    int nvals;
} vm_plan;

/* lower.c */
/* fixed_order: conjunctions run as written (tir_config.fixed_order). */
bool vm_lower(ir_arena *a, ir_program *p, uint32_t batch, bool fixed_order, vm_plan **out, char *err, size_t errlen);
int vm_plan_value_index(const vm_plan *plan, const ir_stmt *s);

/* explain.c */
char *vm_explain(ir_arena *a, const vm_plan *plan);

/* A bloom filter built by build_bloom (kernels' split-block filter). The
** distinct key hashes are kept too while there are few, so a scan can test
** each against a block's own bloom filter and skip the block. An integer
** key whose range is small also gets a bitmap of that range, which scans
** test instead of the filter: exact, and no key is hashed. */
#define VM_BLOOM_MAX_HASHES 4096
typedef struct vm_bloom {
    tir_type type;
    uint32_t nblocks;
    uint32_t *words;
    uint64_t *hashes;         /* the distinct hashes; NULL when more than VM_BLOOM_MAX_HASHES */
    uint32_t nhashes;
    uint64_t nkeys;           /* distinct keys inserted (distinct hashes, unless counted by a bitmap of integer keys) */
    uint64_t *kbits;          /* NULL, or bit key - klo set for every key in klo .. klo + krange - 1 */
    int64_t klo;
    uint64_t krange;
} vm_bloom;
void vm_bloom_free(vm_bloom *b);
size_t vm_bloom_bytes(const vm_bloom *b);

/* joinspill.h: a build_hash's rows in spill files. */
typedef struct vm_hspill vm_hspill;
typedef struct vm_relspill vm_relspill;
void vm_hspill_free(vm_hspill *h);

/* exec.c: the run-time value of a statement. */
typedef struct vm_value {
    ir_valkind kind;
    vm_table *rel;            /* relation, or a tuple as a one-row table */
    vm_relspill *rs;          /* instead of rel: a relation held on disk between pipelines */
    vm_ht *ht;
    vm_hspill *hs;            /* instead of ht, when the build side did not fit */
    vm_bloom *bf;
} vm_value;

/* A table a pipeline scans: in memory (CSV) or a native table file. */
typedef struct vm_source {
    vm_table *mem;
    vm_store *store;
} vm_source;

/* Where a run learns it should stop: the engine's flag (tir_engine_cancel,
** every run), the program's (tir_program_cancel, its run only) or the
** run's own (a live Arrow stream released by its host). Atomic because
** another thread or a signal handler sets them while workers read. */
typedef struct vm_cancel {
    const atomic_int *engine;
    const atomic_int *program;
    const atomic_int *run;
} vm_cancel;

static inline bool vm_cancelled(const vm_cancel *c)
{
    return c && ((c->engine && atomic_load_explicit(c->engine, memory_order_relaxed)) ||
                 (c->program && atomic_load_explicit(c->program, memory_order_relaxed)) ||
                 (c->run && atomic_load_explicit(c->run, memory_order_relaxed)));
}

typedef struct vm_run vm_run;
typedef struct vm_run_opts {
    const vm_cancel *cancel;  /* requested: stop at the next batch */
    uint64_t memory_limit;    /* bytes; 0 = none */
    _Atomic uint64_t *peak_bytes; /* out: most bytes held at a batch boundary */
    _Atomic uint64_t *rows_done;  /* out: source rows scanned (progress) */
    _Atomic uint64_t *rows_total; /* out: rows of the sources of pipelines started */
    /* Non-NULL: tables come from here and stay owned by it (the engine's
    ** table cache); NULL: each run loads its tables and frees them. */
    /* budget: bytes the table may take while loading (0 = no bound) */
    tir_status (*load)(void *ctx, const ir_table *t, vm_source *out, uint64_t budget, char *err, size_t errlen);
    void *load_ctx;
    int threads;              /* workers per pipeline (morsel-driven); <= 1 = run on the caller's thread */
    vm_pool *pool;            /* the engine's worker threads (par.h); NULL: started per use */
    uint64_t *prof_rows;      /* out, optional: rows per statement, pipelines in plan order */
    double *prof_ms;          /* out, optional: wall time per pipeline */
    uint64_t *prof_ns;        /* out, optional: time per statement (same layout as prof_rows) */
    uint64_t *prof_scan;      /* out, optional: VM_SCAN_NSTAT counters per pipeline */
    bool no_pruning;          /* read every block and skip no row by bloom (results must not change) */
    vm_spill *spill;          /* where operators over the memory limit spill; NULL: they fail instead */
    bool force_spill;         /* testing: group-bys and sorts spill after every batch and merge in passes */
    uint64_t *prof_spill;     /* out, optional: VM_SPILL_NSTAT counters per statement (prof_rows' layout) */
    const vm_const *params;   /* per parameter of the program, its bound value (vm_binds_check passed) */
    /* Non-NULL: the relation this statement emits is handed over as it is
    ** made (its pipeline runs on one worker, so rows keep their order):
    ** stream_rows takes each table of at least a batch of rows; a status
    ** it returns stops the run. What is left at the end is the value. */
    const ir_stmt *stream_stmt;
    tir_status (*stream_rows)(void *ctx, vm_table *rows);
    void *stream_ctx;
} vm_run_opts;

/* Spill counters per statement for profiles (vm_run_opts.prof_spill). */
/* VM_SPILL_REL: bytes of the statement's relation held on disk between pipelines;
** VM_SPILL_DROPPED: a spilled join's probe rows its build keys' filter kept off disk. */
enum { VM_SPILL_BYTES, VM_SPILL_FILES, VM_SPILL_PASSES, VM_SPILL_REL, VM_SPILL_DROPPED, VM_SPILL_NSTAT };

/* Rows a worker takes at a time, and the most workers one pipeline uses. */
#define VM_MORSEL_ROWS (16 * 2048)
#define VM_MAX_WORKERS 64

/* Loads a declared CSV table, or opens a native one and checks it against
** the declaration (exec.c). */
tir_status vm_load_table(const ir_table *t, vm_source *out, uint64_t budget, char *err, size_t errlen);
void vm_source_free(vm_source *s);

/* Runs every pipeline; values[i] receives plan->vals[i] for the outputs
** (others are freed as soon as no later pipeline needs them). On failure
** returns the status and writes a message with its location to err. */
tir_status vm_execute(const vm_plan *plan, const vm_run_opts *o, vm_value *values, char *err, size_t errlen);
void vm_value_free(vm_value *v);

#endif
