/*
** joinspill.h — hash joins whose build side does not fit under the memory
** limit (a grace hash join, radix-partitioned on the keys' hash).
**
** The build pipeline writes its rows into VM_JSPILL_PARTS partition files
** by the low bits of the key hash (of one integer key, by vm_ht_ipart of
** the key itself) instead of keeping a hash table; that set
** of files (vm_hspill) is the statement's value. A probe pipeline meeting
** it sets each probe row aside, with the registers the rest of its
** pipeline reads (vm_join.live), into the partition of the row's key hash
** (vm_jprobe). When the source is done, partition by partition, the build
** rows become a hash table and the probe rows set aside are put back into
** their registers and run from the probe on, exactly as they would have
** run. A partition whose table would not fit is split again by the next
** bits of the hash, both sides, up to VM_JSPILL_LEVELS times.
*/
#ifndef VM_JOINSPILL_H
#define VM_JOINSPILL_H

#include "xpipe.h"

#define VM_JSPILL_BITS 4
#define VM_JSPILL_PARTS (1 << VM_JSPILL_BITS)
#define VM_JSPILL_LEVELS 8

/* Spill files holding one partition, with their rows and bytes. */
typedef struct vm_jfiles {
    vm_spill_file **f;
    int n, cap;
    uint64_t rows, bytes;
} vm_jfiles;

/* A build side on disk: rows of keys then values, by partition. */
struct vm_hspill {
    int nkeys, nvals;
    tir_type *types;
    bool keep_null_keys;
    /* A table in memory given up by a pipeline with a right or full join
    ** on it: the last value column is each row's entry id in that table,
    ** whose matched flags the partitions' tables start from. */
    bool ids;
    vm_jfiles parts[VM_JSPILL_PARTS];
    vm_spill_stats st;
    /* Hybrid: one table in memory of the partitions in resident (a bit
    ** each), read back when a probe pipeline starts with room for them;
    ** its probe rows join at once and only the others are set aside. */
    vm_ht *mem;
    uint32_t resident;
    /* A bloom filter of every row's key hash (vm_hash_vecs), read back
    ** with the resident partitions: inner, semi and right joins set aside
    ** only the probe rows it may hold. */
    uint32_t *bloom, bloom_blocks;
    /* One integer key: rows are partitioned by vm_ht_ipart of the key, not
    ** by its hash, so that a partition's table can be a direct array and
    ** no probe row is hashed; lo..hi is the range of the non-NULL keys
    ** written (has_range), and instead of the bloom filter, when it is
    ** not much bigger, kbits is a bitmap of that range (exact). */
    bool ipart, has_range;
    int64_t lo, hi;
    uint64_t *kbits;
};

/* keep_null_keys: its tables keep rows with a NULL key (vm_ht_keep_null_keys);
** ids: a table written out adds a last value column, each row's entry id there. */
vm_hspill *vm_hspill_new(int nkeys, int nvals, const tir_type *types, bool keep_null_keys, bool ids);
/* Writes the rows of ht into h's partitions (ht is only read). */
tir_status vm_hspill_write(vm_hspill *h, const vm_ht *ht, vm_spill *sp, char *err, size_t errlen);
/* The same, then replaces *ht by an empty table of the same kind. */
tir_status vm_hspill_add(vm_hspill *h, vm_ht **ht, vm_spill *sp, char *err, size_t errlen);
/* Reads back into h->mem the smallest partitions whose table fits in
** budget together (none when none does); every other non-empty one,
** whatever their size, when budget is 0 (testing: force_spill). Once per h. */
tir_status vm_hspill_load(vm_hspill *h, uint64_t budget, char *err, size_t errlen);
/* Makes h->bloom when its bytes fit budget (0: no limit), once per h; only
** a speed-up, so none when memory is short. */
tir_status vm_hspill_filter(vm_hspill *h, uint64_t budget, char *err, size_t errlen);
/* The bytes h holds in memory: its resident table and its filter. */
size_t vm_hspill_bytes(const vm_hspill *h);
/* The bytes of its filter alone. */
size_t vm_hspill_filter_bytes(const vm_hspill *h);
/* Moves every file of from into into (from ends empty). */
bool vm_hspill_merge(vm_hspill *into, vm_hspill *from);

/* One worker's probe rows set aside for one join: a buffer of rows per
** partition, written out in chunks of a size fit for the memory limit
** (0: none). */
vm_jprobe *vm_jprobe_new(const vm_pipe *p, const vm_join *jd, uint32_t batch, uint64_t limit);
void vm_jprobe_free(vm_jprobe *jp);
size_t vm_jprobe_bytes(const vm_jprobe *jp);
/* Counts st (a build side written for this join) in jp's profile. */
void vm_jprobe_note(vm_jprobe *jp, const vm_spill_stats *st);
/* Sets aside the rows sel[0..n) of the join's live registers in x; with a
** table of resident partitions (xjoin.hybrid), their rows go to
** j->rsel instead, to be probed now. */
tir_status vm_jprobe_add(xpipe *x, int ji, const uint32_t *sel, uint32_t n, vm_spill *sp);

/* When every worker's source is done: flushes the workers' buffers of
** join ji and gathers their files into x[0]'s. */
tir_status vm_jspill_gather(xpipe *x, int nw, int ji, vm_spill *sp);
/* Joins partition part of join ji on worker x (whose probe files are in
** x0's), running the probe rows set aside through the rest of the
** pipeline. share: bytes one partition's table may take (0: no limit). */
tir_status vm_jspill_run_part(xpipe *x, xpipe *x0, const vm_run_opts *o, int ji, int part, uint64_t share);
/* Spill counters of join ji on worker x, for the profile. */
vm_spill_stats vm_jspill_stats(const xpipe *x, int ji);

#endif
