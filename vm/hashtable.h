/*
** hashtable.h — the one hash table design shared by hash joins and hash
** group-by. Entries are numbered densely 0..count-1 in insertion order and
** their key and value columns are stored columnar (vm_column), so a probe
** gathers build-side values by entry id. The directory is open addressing
** (linear probing) of 32-bit entry ids with a 32-bit hash tag beside each
** id in one 64-bit slot, kept at most half full. Join builds keep duplicate
** keys: entries with equal keys are chained (next[]), so a probe walks only
** true matches. Keys are equal when every column is: f64 by value with
** -0.0 == 0.0 and NaN == NaN, strings by bytes. A table with one integer
** key over a small range indexes entries in an array by key instead of the
** directory (direct mode), and a join table has a filter in front of its
** directory (a bitmap of its key range, or a bloom filter); neither changes
** what any function below returns. See docs/HASHTABLE.md.
**
** When vm_ht_insert or vm_ht_find_or_insert returns false (out of memory,
** or key/value vectors whose types do not match the table's) the table is
** left unusable: free it (vm_ht_bytes still works; probes find nothing).
*/
#ifndef VM_HASHTABLE_H
#define VM_HASHTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "column.h"

#define VM_HT_NONE UINT32_MAX

typedef struct vm_ht vm_ht;

/* mode_group: keys are distinct (group-by); NULL keys form their own group
** (NULL equals NULL). Otherwise (join build): rows whose key has a NULL are
** not inserted, since they never match. A group table has no value columns
** (nvals must be 0). Returns NULL when out of memory or on bad arguments. */
vm_ht *vm_ht_new(int nkeys, const tir_type *key_types, int nvals, const tir_type *val_types, bool mode_group);
void vm_ht_free(vm_ht *ht);
/* Optional size hint: room for n more entries (and as many distinct keys)
** without growing. False when out of memory; the table stays usable. */
bool vm_ht_reserve(vm_ht *ht, uint32_t n);
/* Group mode: the keys a direct array spans (0 when the table has none),
** and a hint that the first array should span that many keys at once
** instead of doubling up to it (a sink emptied by a spill meets as wide
** a range of keys again, most likely). */
uint64_t vm_ht_direct_keys(const vm_ht *ht);
void vm_ht_direct_hint(vm_ht *ht, uint64_t keys);

/* Join build: appends the rows sel[0..n) (sel NULL = 0..n-1) of keys[]/vals[]. */
bool vm_ht_insert(vm_ht *ht, const vm_vec *keys, const vm_vec *vals, const uint32_t *sel, uint32_t n);
/* Join build in two steps: vm_ht_append only stores the rows (keys with a
** NULL are dropped), and vm_ht_index then enters every stored entry into a
** directory sized once for all of them, in insertion order, so probes see
** exactly what vm_ht_insert row by row would give. A table must be indexed
** before it is probed; vm_ht_insert after vm_ht_append without an index in
** between is not allowed. False when out of memory (the table is then
** unusable). */
bool vm_ht_append(vm_ht *ht, const vm_vec *keys, const vm_vec *vals, const uint32_t *sel, uint32_t n);
bool vm_ht_index(vm_ht *ht);
/* vm_ht_append of every entry of from (a table of the same keys and values,
** not indexed, as another worker's build makes): its columns copied whole
** and its strings' heap handed over (from keeps its entries, whose long
** strings are then ht's). False when out of memory (ht is then unusable). */
bool vm_ht_take(vm_ht *ht, vm_ht *from);
/* vm_ht_index on nthreads threads of pool (vm_par_run), where it can share
** the work: a big table over one integer key laid out as a direct array. */
typedef struct vm_pool vm_pool;
bool vm_ht_index_par(vm_ht *ht, vm_pool *pool, int nthreads);
/* Frees an indexed join table's filter (a bitmap of its key range or a
** bloom filter in front of the directory; only a speed-up, and up to 8
** bytes per directory slot) for a table that must fit a budget. */
void vm_ht_drop_filter(vm_ht *ht);
/* Spills split the rows of a one-integer-key join into 1 << VM_HT_IPART_BITS
** partitions by vm_ht_ipart of the key instead of its hash: its low bits,
** turned by a hash of the others. Of any 16 consecutive keys each goes to
** another partition (an even spread without hashing whole keys), and two
** keys of one partition differ in key >> VM_HT_IPART_BITS, so the direct
** array of a partition's table needs a slot per 16 keys of its range
** (vm_ht_one_part). */
#define VM_HT_IPART_BITS 4
static inline unsigned vm_ht_ipart(int64_t key)
{
    uint64_t k = (uint64_t)key, turn = (k >> VM_HT_IPART_BITS) * 0x9E3779B97F4A7C15ull;
    return (unsigned)((k ^ turn >> (64 - VM_HT_IPART_BITS)) & ((1u << VM_HT_IPART_BITS) - 1));
}
/* Before any row: the keys are of one vm_ht_ipart partition, which lets a
** direct array take a slot per 16 keys (checked: a join table whose keys are
** not keeps the directory, a group table leaves the array when one comes).
** vm_ht_reserve then reserves the columns only: a join table so marked is
** built by vm_ht_append and vm_ht_index, which sizes a directory if it needs
** one, and a group table sizes one for the entries it was told of when it
** leaves the array (or never takes one). */
void vm_ht_one_part(vm_ht *ht);
/* Join build, before any row: vm_ht_append stores rows with a NULL key
** too, as entries no probe finds (a right or full join outputs them as
** unmatched). */
void vm_ht_keep_null_keys(vm_ht *ht);
/* Group-by: gids[i] = group id of row sel[i] (dense output, i in [0,n)),
** inserting new groups (their keys copied in; they have no values). Group
** ids are dense and deterministic; new groups are numbered in the order their
** rows appear. */
bool vm_ht_find_or_insert(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids);
/* Probe: first[i] = first entry whose key equals row sel[i], or VM_HT_NONE
** (a row with a NULL key never matches). */
void vm_ht_probe(const vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *first);
/* Group-by lookup without inserting: gids[i] = group of row sel[i] (NULL
** equals NULL), or VM_HT_NONE. Reads the table only, so several threads
** may look up at once. */
void vm_ht_find(const vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids);
/* Group-by: appends the rows sel[0..n) as new groups count..count+n-1 in
** order without looking them up (merging partial group-bys, where the
** caller knows the keys are distinct from each other and from every group
** of the table). The directory does not learn them, so the table is sealed:
** lookups find nothing and inserts fail as after a failed mutation, but
** more groups may be appended (vm_ht_count, vm_ht_key, vm_ht_take_keys,
** vm_ht_bytes and vm_ht_free remain valid). False when out of memory. */
bool vm_ht_append_groups(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n);
/* vm_ht_append_groups in two steps, for several threads: the first makes
** room for the n groups and their keys' validity, and returns false
** (nothing done) when a key is a bool; vm_ht_fill_groups copies the keys of
** sel[from..to) into groups count0 + from.., where count0 is the count
** before the first step, for disjoint ranges at once, each thread with a
** heap of its own for long strings (false when out of memory), which
** vm_ht_adopt_heap then hands to the table, on one thread. */
bool vm_ht_append_groups_room(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n);
bool vm_ht_fill_groups(vm_ht *ht, uint32_t count0, const vm_vec *keys, const uint32_t *sel, uint32_t from,
                       uint32_t to, vm_strheap *heap);
void vm_ht_adopt_heap(vm_ht *ht, vm_strheap *heap);
/* Next entry with the same key as entry e, or VM_HT_NONE. */
uint32_t vm_ht_next(const vm_ht *ht, uint32_t e);
/* The array behind vm_ht_next of a join table (next[e] for every entry e
** a probe found), for walking long chains without a call per entry. */
const uint32_t *vm_ht_chains(const vm_ht *ht);

uint32_t vm_ht_count(const vm_ht *ht);
/* Whether the table indexes its entries by key in an array (direct mode). */
bool vm_ht_is_direct(const vm_ht *ht);
const vm_column *vm_ht_key(const vm_ht *ht, int i);
const vm_column *vm_ht_val(const vm_ht *ht, int i);
/* Moves the key columns into cols[0..nkeys) and the string heap their long
** strings live in into *heap (both must be empty, as from vm_column_init
** and vm_strheap_init). The table keeps its entry count but is left as
** after a failed mutation: only vm_ht_count, vm_ht_bytes and vm_ht_free
** remain valid. */
void vm_ht_take_keys(vm_ht *ht, vm_column *cols, vm_strheap *heap);
/* About the bytes vm_ht_index adds to a join table of n entries: a
** directory at most half full (a power of two, 8-byte slots) and chains. */
size_t vm_ht_index_bytes(uint64_t n);
/* Bytes held (directory or direct array, chains, filters, columns, string heap). */
size_t vm_ht_bytes(const vm_ht *ht);
/* At most the bytes vm_ht_bytes may grow by when more new keys come in
** (columns and directory doubling; not the bytes of long strings). */
size_t vm_ht_growth(const vm_ht *ht, uint32_t more);

/* h[r] = the hash of row r of the key columns, for the rows sel[0..n)
** (NULL: 0..n-1): the kernels' k_hash_* combined over the keys. It is
** not the table's own hash; spills partition rows by its low bits. */
void vm_hash_vecs(const vm_vec *keys, int nkeys, const uint32_t *sel, uint32_t n, uint64_t *h);
/* The range of the non-NULL values of an integer vector (i32, date, i64)
** at rows[0..n) (rows NULL: 0..n-1) widens *lo..*hi (any: they hold a
** range already); false when there is none. */
bool vm_int_range(const vm_vec *v, const uint32_t *rows, uint32_t n, int64_t *lo, int64_t *hi, bool any);
/* h[i] = the same hash of row start + i, i in [0, n) (start a multiple of 64). */
void vm_hash_rows(const vm_vec *keys, int nkeys, uint64_t start, uint32_t n, uint64_t *h);

#endif
