/*
** sinks.h — pipeline breakers' state: ungrouped aggregates (-> a one-row
** tuple), hash group-by (-> a relation) and materialized relations. Each
** update function is typed (chosen by the opcode), loops over a selection,
** and returns false only on integer overflow of a sum.
*/
#ifndef VM_SINKS_H
#define VM_SINKS_H

#include "vm.h"
#include "spill.h"

typedef struct vm_aggstate {
    int64_t cnt;              /* valid input rows seen */
    int64_t isum;
    __int128 wsum;            /* avg of integers (cannot overflow); sum and avg of wide decimals */
    double fsum;
    double mean, m2;          /* var/stddev: Welford's running mean and sum of squared deviations */
    union {
        int32_t i32;
        int64_t i64;
        double f64;
        tir_str s;
        __int128 w;
        tir_interval iv;
    } m;                      /* min or max so far (valid when cnt > 0); string_agg's string (stragg.h) */
} vm_aggstate;

typedef struct vm_sink_agg {
    const vm_agg *def;
    vm_aggstate *st;
    vm_strheap heap;          /* bytes of long string minima/maxima */
    size_t sabytes;           /* string_agg's buffers */
} vm_sink_agg;

typedef struct vm_gslot {
    int64_t *cnt;             /* per group: valid input rows; NULL for a nonnull sum (vm_aggslot) */
    void *acc;                /* per group: sum (i64/f64; __int128 for avg of integers), min/max,
                                 var/stddev's {mean, m2} (two doubles), or string_agg's tir_str
                                 whose long bytes it owns (stragg.h) */
    size_t cnt_bytes, acc_bytes; /* allocated (vm_big_realloc) */
} vm_gslot;

/* A group's stretch perm[start, end) of the current batch's rows. */
typedef struct vm_grun {
    uint32_t gid, start, end;
} vm_grun;

/* Batches of a table with at most this many groups are sorted into runs. */
#define VM_GROUP_RUNS_MAX 256

/* A group-by that spills writes its groups to VM_GSPILL_PARTS files chosen
** by VM_GSPILL_BITS bits of their keys' hash (k_hash_*), the low bits first:
** the hash table itself places keys by the high bits, so a partition's keys
** still spread over its own table. A partition read back that does not fit
** either spills again by the next bits, up to VM_GSPILL_LEVELS times. */
#define VM_GSPILL_BITS 4
#define VM_GSPILL_PARTS (1 << VM_GSPILL_BITS)
#define VM_GSPILL_LEVELS 8

/* For profiles: bytes written to spill files, files made, and passes (how
** many times the deepest group was read back). */
typedef struct vm_spill_stats {
    uint64_t bytes, files, passes;
    uint64_t dropped;         /* probe rows a filter of the build's keys kept from the partitions */
} vm_spill_stats;

typedef struct vm_sink_group {
    const vm_group *def;
    vm_ht *ht;
    uint32_t cap;             /* groups the slot arrays can hold */
    uint32_t ninit;           /* groups whose state is initialized */
    uint32_t hint;            /* groups the arrays are first made for (a spilled partition's rows), or 0 */
    vm_gslot *slots;
    vm_strheap heap;
    size_t sabytes;           /* string_agg's buffers (counted as the sink's memory) */
    /* The current batch, as vm_sink_group_find saw it. With few groups its
    ** rows are also sorted into runs, one per group (perm holds the row
    ** numbers, in row order within a run), so an aggregate adds a group's
    ** values in a register; sums of f64 are then deferred to the batch's
    ** last aggregate and added together, several slots per pass. */
    const uint32_t *bgids, *bsel;
    uint32_t bn;
    uint32_t nruns;           /* 0: the batch has no runs */
    vm_grun *runs;            /* VM_GROUP_RUNS_MAX */
    uint32_t *perm;
    uint32_t permcap;
    int npend;                /* deferred f64 sums: slots and their values */
    int *pend_slot;
    const double **pend_data;
    vm_spill_file **parts;    /* NULL until the sink first spills */
    int level;                /* partitions by hash bits [VM_GSPILL_BITS x level, + VM_GSPILL_BITS) */
    vm_spill_stats spst;
    bool null_seen;           /* a NULL reached a nonnull sum: a wrong type, an error */
} vm_sink_group;

#define VM_SINK_AGG_OPS(X)                                                     \
    X(AGG_COUNT) X(AGG_COUNT_STAR) X(AGG_SUM_I32) X(AGG_SUM_I64) X(AGG_SUM_F64) \
    X(AGG_AVG_I32) X(AGG_AVG_I64) X(AGG_VAR_F64) X(AGG_STRAGG)                 \
    X(AGG_MIN_I32) X(AGG_MIN_I64) X(AGG_MIN_F64) X(AGG_MIN_STR)                \
    X(AGG_MAX_I32) X(AGG_MAX_I64) X(AGG_MAX_F64) X(AGG_MAX_STR)                \
    X(AGG_SUM_D128) X(AGG_AVG_D128) X(AGG_MIN_D128) X(AGG_MAX_D128)            \
    X(AGG_MIN_IV) X(AGG_MAX_IV)
#define VM_SINK_GAGG_OPS(X)                                                    \
    X(GAGG_COUNT) X(GAGG_COUNT_STAR) X(GAGG_SUM_I32) X(GAGG_SUM_I64) X(GAGG_SUM_F64) \
    X(GAGG_AVG_I32) X(GAGG_AVG_I64) X(GAGG_VAR_F64) X(GAGG_STRAGG)             \
    X(GAGG_MIN_I32) X(GAGG_MIN_I64) X(GAGG_MIN_F64) X(GAGG_MIN_STR)            \
    X(GAGG_MAX_I32) X(GAGG_MAX_I64) X(GAGG_MAX_F64) X(GAGG_MAX_STR)            \
    X(GAGG_SUM_D128) X(GAGG_AVG_D128) X(GAGG_MIN_D128) X(GAGG_MAX_D128)        \
    X(GAGG_MIN_IV) X(GAGG_MAX_IV)

#define VM_X_DECL(OPN) bool vm_agg_##OPN(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n);
VM_SINK_AGG_OPS(VM_X_DECL)
#undef VM_X_DECL
#define VM_X_DECL(OPN)                                                          \
    bool vm_gagg_##OPN(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, \
                       const uint32_t *sel, uint32_t n);
VM_SINK_GAGG_OPS(VM_X_DECL)
#undef VM_X_DECL

bool vm_sink_agg_init(vm_sink_agg *a, const vm_agg *def);
void vm_sink_agg_free(vm_sink_agg *a);
vm_table *vm_sink_agg_finish(vm_sink_agg *a);
/* Adds the partial state of another worker into a; TIR_ERR_RUNTIME when an
** integer sum overflows. */
tir_status vm_sink_agg_merge(vm_sink_agg *a, const vm_sink_agg *from);

bool vm_sink_group_init(vm_sink_group *g, const vm_group *def);
void vm_sink_group_free(vm_sink_group *g);
/* gids[i] = group of row sel[i]; grows the aggregate arrays for new groups. */
bool vm_sink_group_find(vm_sink_group *g, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids);
vm_table *vm_sink_group_finish(vm_sink_group *g);
size_t vm_sink_group_bytes(const vm_sink_group *g);
/* At most the bytes vm_sink_group_bytes may grow by with more new groups. */
size_t vm_sink_group_growth(const vm_sink_group *g, uint32_t more);
/* Adds another worker's groups into g (keys found or inserted, aggregates
** combined), its lookups shared by several threads:
**     m = vm_gmerge_new(g, from, nparts, last);
**     vm_gmerge_part(m, p) for every p in [0, nparts), concurrently;
**     st = vm_gmerge_end(m, the first failure of the parts, or TIR_OK);
**     between the two, when k = vm_gmerge_adds(m) > 0: vm_gmerge_add_part(m, p)
**     for every p in [0, k), concurrently;
** (nparts at most VM_MAX_WORKERS). A part looks up its share of from's
** groups in g and combines those g has (each into a different group of g,
** so parts do not collide), and lists those g lacks for vm_gmerge_adds
** when it may use them; the end
** adds the groups g lacks, after g's and in from's order, and combines
** string minima and maxima, on one thread. vm_gmerge_adds appends the keys
** of the groups g lacks instead, so that the add parts fill in their
** aggregates on several threads: on a last merge without string
** aggregates, with enough such groups (0 otherwise; -1 when out of memory). last: g will only be finished
** after this merge, so the groups it lacks are appended without indexing
** them. TIR_ERR_RUNTIME when an integer sum overflows. vm_gmerge_end frees
** m and returns st when st is not TIR_OK; vm_gmerge_new returns NULL when
** out of memory. */
typedef struct vm_gmerge vm_gmerge;
vm_gmerge *vm_gmerge_new(vm_sink_group *g, const vm_sink_group *from, int nparts, bool last);
tir_status vm_gmerge_part(vm_gmerge *m, int part);
int vm_gmerge_adds(vm_gmerge *m);
tir_status vm_gmerge_add_part(vm_gmerge *m, int part);
tir_status vm_gmerge_end(vm_gmerge *m, tir_status st);

/* Writes every group of g to its partition's spill file and leaves g
** empty (its tables and arrays freed), ready for more rows. */
tir_status vm_sink_group_spill(vm_sink_group *g, vm_spill *sp, char *err, size_t errlen);
/* The result of a group-by whose workers' sinks gs[0..n) (any of them
** spilled) hold partial state: whatever is still in memory is spilled too,
** then each partition is read back and merged on its own, in partition
** order, into one relation. budget: bytes the merge may hold (a partition's
** groups and the result so far; 0: no bound); a partition over it spills
** again by the next hash bits. force: every partition spills again down to
** level 2 whatever its size (testing: results must not change). The
** partitions are shared out to nthreads threads of pool, each merging into its own
** table with an equal share of the budget; the tables are joined in
** partition order, so the result does not depend on the scheduling. stats
** gets the spills of gs and of the merge.
**
** With hand, the result is not assembled: each partition's table goes to
** hand(ctx, table) as soon as it and those before it are merged (in
** partition order, one call at a time, on any of the threads), and is no
** longer counted in the budget; *out is then an empty table. A status
** from hand (its message in err) stops the merge. */
typedef tir_status (*vm_rows_hand)(void *ctx, vm_table *t, char *err, size_t errlen);
tir_status vm_sink_group_finish_spilled(vm_sink_group **gs, int n, vm_spill *sp, uint64_t budget, bool force,
                                        vm_pool *pool, int nthreads, vm_rows_hand hand, void *hand_ctx,
                                        vm_table **out, vm_spill_stats *stats, char *err, size_t errlen);

/* An empty table with the schema's column names and types. */
vm_table *vm_sink_table_new(const ir_schema *s);

#endif
