/*
** hashtable.c — the hash table behind hash joins and hash group-by (design:
** hashtable.h and docs/HASHTABLE.md). Rows are handled a chunk at a time:
** hash every key column with one typed loop per column, walk the directory
** for all rows of the chunk, then check the candidate entries with one typed
** equality loop per key column. Rows whose candidate had the same tag but a
** different key walk on in another round. A key's home slot is the top bits
** of its hash, which are the top bits of its tag, so the directory grows by
** moving slot words without the keys. Group tables first try a small-domain
** front (one 64-bit code per key, below).
*/
#include "hashtable.h"
#include "kernels.h"
#include "par.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Rows per internal step. Bounds the stack scratch (about 31 KiB) and how
** far ahead of need the directory grows (it is sized for a whole chunk of
** new keys before the chunk is probed, so it never grows mid-chunk). */
enum { HT_CHUNK = 512 };

/* Join tables of at least this many entries get a bloom filter (vm_ht_index):
** even a directory in L1 costs a mispredicted walk per absent key, which the
** SIMD bloom check avoids (seed example's left join, 99.9 % misses: 54 -> 26 ms). */
enum { HT_BLOOM_MIN = 64 };

/* Directories of at least this many slots (2 MiB) are prefetched. */
enum { HT_PREFETCH_SLOTS = 1 << 18 };

#define HT_NULL_HASH 0x6e756c6c6b657973ULL /* hash of a NULL value */
#define HT_TAG_MASK 0xffffffff00000000ULL

/* Group mode's front for small key domains (docs/HASHTABLE.md, "Small
** domains"): every key column gets a bit field of a 64-bit code; a field is
** 0 for NULL, else an injective code of the value. */
typedef struct ht_field {
    uint8_t shift, width;     /* bit position and width of the field */
    uint8_t slen;             /* string: longest length that fits */
    int64_t base;             /* integer: v is coded v - base + 1 */
    uint64_t lim;             /* integer: v fits when (uint64_t)(v - base) < lim */
} ht_field;

typedef struct ht_small {
    uint64_t *codes;          /* per slot; HT_SMALL_EMPTY = free */
    uint32_t *ids;            /* per slot: group id */
    uint32_t mask;            /* slots - 1 */
    int shift;                /* slot = code * HT_FIB >> shift */
    uint32_t used;
    ht_field f[];             /* per key column */
} ht_small;

enum { HT_SMALL_UNTRIED, HT_SMALL_ON, HT_SMALL_OFF };

struct vm_ht {
    int nkeys, nvals;
    bool group;
    bool keep_nulls;          /* join mode: rows with a NULL key are stored too, never indexed */
    uint32_t nnull;           /* how many such entries */
    bool broken;              /* a mutation failed half-way: only free/bytes are valid */
    bool sealed;              /* broken by vm_ht_append_groups, which may still append */
    vm_column *cols;          /* nkeys key columns, then nvals value columns */
    vm_strheap heap;          /* bytes of long key and value strings */
    uint64_t *dir;            /* slot = tag << 32 | entry id; all ones = empty */
    uint64_t dmask;           /* slots - 1; dir is NULL until the first insert */
    int dshift;               /* 64 - log2(slots): the home slot is hash >> dshift */
    uint32_t heads;           /* occupied slots = distinct keys */
    uint32_t count;           /* entries */
    uint32_t indexed;         /* join mode: entries [0, indexed) are in the directory (vm_ht_append defers) */
    uint32_t *bloom;          /* join mode, big tables: a bloom filter of the entries' hashes, probed first */
    uint32_t bloom_blocks;
    uint64_t *kbits;          /* instead of the bloom filter, one integer key: bit key - kbase set if present */
    int64_t kbase;
    uint64_t krange;
    uint32_t ncap;            /* capacity of next[] */
    uint32_t *next;           /* join mode: next entry with the same key */
    ht_small *small;          /* group mode: the small-domain front, NULL when off */
    uint8_t small_state;      /* HT_SMALL_UNTRIED, _ON or _OFF (for good) */
    uint32_t *direct;         /* direct mode (below): per key - dbase, entry id + 1 (0 = none); no dir */
    int64_t dbase;
    uint64_t drange;          /* slots: keys dbase .. dbase + (drange << dsh) - 1 */
    uint64_t dpop;            /* group mode: slots [0, dpop) are writable pages (ht_direct_touch) */
    uint64_t dhint;           /* group mode: keys the first direct array spans (vm_ht_direct_hint) */
    bool one_part;            /* every key has one vm_ht_ipart (vm_ht_one_part) */
    uint32_t hint;            /* one_part: the entries vm_ht_reserve was told of, for a directory made later */
    uint8_t dsh;              /* 0, or VM_HT_IPART_BITS: a slot per 16 keys, all of partition dpart */
    uint8_t dpart;
    int64_t dmin, dmax;       /* direct group mode: the range of the keys in it */
    uint32_t dnull;           /* group mode, one key: the NULL key's group once known, or VM_HT_NONE */
    uint8_t direct_state;     /* group mode: HT_SMALL_UNTRIED, _ON or _OFF (for good) */
};

/* Scratch for one chunk; positions i index rows[] (the chunk's input rows). */
typedef struct ht_chunk {
    uint32_t rows[HT_CHUNK];
    uint64_t h[HT_CHUNK];
    uint64_t pos[HT_CHUNK];   /* directory slot reached */
    uint32_t cand[HT_CHUNK];  /* entry whose tag matched at pos */
    uint32_t todo[HT_CHUNK];  /* positions still walking */
    uint32_t chk[HT_CHUNK];   /* positions with a candidate to compare */
    uint32_t ent[HT_CHUNK];   /* join: each position's own new entry */
    uint32_t newrows[HT_CHUNK];
    uint32_t claim[HT_CHUNK]; /* group mode: position that made each new group, in id order */
    uint32_t nclaim;
    bool retried;             /* a row went on to a second round */
    uint8_t ok[HT_CHUNK];     /* per chk index: candidate key equal so far */
    uint8_t nul[HT_CHUNK];    /* some key column is NULL */
    uint64_t code[HT_CHUNK];  /* small-domain codes */
    uint32_t miss[HT_CHUNK];  /* small domain: positions of rows it did not find */
    uint32_t mout[HT_CHUNK];  /* their groups */
    uint32_t nheads;          /* ht_chunk_insert: slots it claimed */
    uint32_t ndefer;          /* ... and the positions whose walk reached its stop slot */
    uint32_t defer[HT_CHUNK];
} ht_chunk;

/* ht_chunk_insert's stop for walks that may go round the whole directory. */
#define HT_NO_STOP UINT64_MAX

/* ---- hashing --------------------------------------------------------------
** Stand-ins for kernels k_hash_* with the same contract: one value hash per
** column mixed into the running hash, NULL hashes to a constant, f64 -0.0
** hashes like 0.0 and every NaN alike (they compare equal here).
*/
static inline uint64_t ht_rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

/* murmur3's 64-bit finalizer: a bijection with full avalanche */
static inline uint64_t ht_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* Folds the hash x of a further key column into h. Both are mixed already:
** one multiply keeps the columns' order apart (as DuckDB's CombineHash),
** where a full mix per column was a third of hashing a 4-column key. */
static inline uint64_t ht_combine(uint64_t h, uint64_t x)
{
    return h * 0xbf58476d1ce4e5b9ULL ^ x;
}

static inline uint64_t ht_hash_int(uint64_t x)
{
    return ht_mix(x ^ 0x9e3779b97f4a7c15ULL);
}

static inline uint64_t ht_hash_f64(double d)
{
    uint64_t b;
    if (d == 0)
        d = 0.0;
    if (d != d)
        b = 0x7ff8000000000000ULL;
    else
        memcpy(&b, &d, 8);
    return ht_hash_int(b);
}

/* The 12 inline bytes of a short string as two words, bytes past len
** cleared (padding is garbage). */
static inline void ht_str_words(const tir_str *s, uint64_t *w0, uint64_t *w1)
{
    uint32_t len = s->len, hi;
    memcpy(w0, s->prefix, 8);
    memcpy(&hi, s->u.inl + 4, 4);
    *w1 = hi;
    *w0 &= len >= 8 ? ~0ULL : len ? ~0ULL >> (64 - 8 * len) : 0;
    *w1 &= len <= 8 ? 0 : ~0ULL >> (64 - 8 * (len - 8));
}

/* Only the len bytes count: the padding of inline strings is garbage.
** Equal strings have equal lengths, so they always take the same path. */
static inline uint64_t ht_hash_str(const tir_str *s)
{
    if (s->len <= TIR_STR_INLINE) {
        uint64_t w0, w1;
        ht_str_words(s, &w0, &w1);
        return ht_mix((w0 ^ s->len) * 0x9e3779b97f4a7c15ULL ^ ht_rotl(w1 * 0xc2b2ae3d27d4eb4fULL, 29));
    }
    /* words, then the last 8 bytes overlapping the word before them: a
    ** partial word copied byte by byte and read back whole stalled on
    ** store forwarding (a fifth of the hashing of TPC-H Q16's p_type) */
    const char *p = tir_str_ptr(s), *end = p + s->len;
    uint64_t h = 0x243f6a8885a308d3ULL ^ s->len, w;
    for (; end - p > 8; p += 8) {
        memcpy(&w, p, 8);
        h = ht_rotl((h ^ w) * 0x9e3779b97f4a7c15ULL, 31);
    }
    memcpy(&w, end - 8, 8);
    h = ht_rotl((h ^ w) * 0x9e3779b97f4a7c15ULL, 31);
    return ht_mix(h);
}

#define HT_H_BOOL(x) ht_hash_int((x) != 0)
#define HT_H_I32(x) ht_hash_int((uint64_t)(int64_t)(x))
#define HT_H_I64(x) ht_hash_int((uint64_t)(x))
#define HT_H_F64(x) ht_hash_f64(x)
#define HT_H_STR(x) ht_hash_str(&(x))
/* 16-byte keys: an interval by its place in DuckDB's order (k_iv_key), so
** "1 month" and "30 days" meet */
static inline uint64_t ht_hash_w(__int128 x)
{
    return ht_mix(ht_rotl(ht_hash_int((uint64_t)x), 29) ^ (uint64_t)((unsigned __int128)x >> 64));
}
#define HT_H_D128(x) ht_hash_w(x)
#define HT_H_IV(x) ht_hash_w(k_iv_key(x))

#define HT_HASH_FN(NAME, CT, HASH)                                                             \
    static void ht_hashcol_##NAME(const vm_vec *v, const uint32_t *rows, uint32_t n, bool combine, \
                               uint64_t *h, uint8_t *nul)                                      \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        const uint64_t *va = v->validity;                                                      \
        for (uint32_t i = 0; i < n; i++) {                                                     \
            uint32_t r = rows[i];                                                              \
            uint64_t x;                                                                        \
            if (va && !vm_bit_get(va, r)) {                                                    \
                x = HT_NULL_HASH;                                                              \
                nul[i] = 1;                                                                    \
            } else {                                                                           \
                x = HASH(a[r]);                                                                \
            }                                                                                  \
            h[i] = combine ? ht_combine(h[i], x) : x;                                          \
        }                                                                                      \
    }
HT_HASH_FN(bool, uint8_t, HT_H_BOOL)
HT_HASH_FN(i32, int32_t, HT_H_I32)
HT_HASH_FN(i64, int64_t, HT_H_I64)
HT_HASH_FN(f64, double, HT_H_F64)
HT_HASH_FN(str, tir_str, HT_H_STR)
HT_HASH_FN(d128, __int128, HT_H_D128)
HT_HASH_FN(iv, tir_interval, HT_H_IV)

/* ---- key equality ----------------------------------------------------------
** Group semantics for every mode: NULL equals NULL (join builds never store
** NULL keys and probes skip them, so it only matters for group-by), f64 by
** value with -0.0 == 0.0 and NaN == NaN, strings by length and bytes.
*/
static inline bool ht_str_eq(const tir_str *a, const tir_str *b)
{
    if (a->len != b->len)
        return false;
    if (a->len <= TIR_STR_INLINE) {
        uint64_t a0, a1, b0, b1;
        ht_str_words(a, &a0, &a1);
        ht_str_words(b, &b0, &b1);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (a->len >= 4 && memcmp(a->prefix, b->prefix, 4) != 0)
        return false;
    return memcmp(tir_str_ptr(a), tir_str_ptr(b), a->len) == 0;
}

#define HT_EQ_BOOL(x, y) (((x) != 0) == ((y) != 0))
#define HT_EQ_INT(x, y) ((x) == (y))
#define HT_EQ_F64(x, y) ((x) == (y) || ((x) != (x) && (y) != (y)))
#define HT_EQ_STR(x, y) ht_str_eq(&(x), &(y))
#define HT_EQ_IV(x, y) (k_iv_key(x) == k_iv_key(y))

/* ok[j] &= key column of entry cand[chk[j]] equals input row rows[chk[j]] */
#define HT_EQ_FN(NAME, CT, EQ)                                                                 \
    static void ht_eqcol_##NAME(const vm_column *col, const vm_vec *v, const ht_chunk *ck,         \
                             uint32_t m, uint8_t *ok)                                          \
    {                                                                                          \
        const CT *a = col->data, *b = v->data;                                                 \
        const uint64_t *va = col->validity, *vb = v->validity;                                 \
        if (!va && !vb) {                                                                      \
            for (uint32_t j = 0; j < m; j++) {                                                 \
                uint32_t i = ck->chk[j];                                                       \
                ok[j] &= EQ(a[ck->cand[i]], b[ck->rows[i]]);                                   \
            }                                                                                  \
            return;                                                                            \
        }                                                                                      \
        for (uint32_t j = 0; j < m; j++) {                                                     \
            uint32_t i = ck->chk[j], e = ck->cand[i], r = ck->rows[i];                         \
            bool x = vm_bit_get(va, e), y = vm_bit_get(vb, r);                                 \
            ok[j] &= x && y ? EQ(a[e], b[r]) : x == y;                                         \
        }                                                                                      \
    }
HT_EQ_FN(bool, uint8_t, HT_EQ_BOOL)
HT_EQ_FN(i32, int32_t, HT_EQ_INT)
HT_EQ_FN(i64, int64_t, HT_EQ_INT)
HT_EQ_FN(f64, double, HT_EQ_F64)
HT_EQ_FN(str, tir_str, HT_EQ_STR)
HT_EQ_FN(d128, __int128, HT_EQ_INT)
HT_EQ_FN(iv, tir_interval, HT_EQ_IV)

/* ---- chunk steps ------------------------------------------------------------ */

static void ht_chunk_load(ht_chunk *ck, const uint32_t *sel, uint32_t off, uint32_t n)
{
    if (sel) {
        memcpy(ck->rows, sel + off, n * sizeof *sel);
    } else {
        for (uint32_t i = 0; i < n; i++)
            ck->rows[i] = off + i;
    }
}

static void ht_chunk_hash(const vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t n)
{
    memset(ck->nul, 0, n);
    for (int c = 0; c < ht->nkeys; c++) {
        bool comb = c > 0;
        switch (ht->cols[c].type) {
        case TIR_BOOL: ht_hashcol_bool(&keys[c], ck->rows, n, comb, ck->h, ck->nul); break;
        case TIR_I32:
        case TIR_DATE: ht_hashcol_i32(&keys[c], ck->rows, n, comb, ck->h, ck->nul); break;
        case TIR_I64: ht_hashcol_i64(&keys[c], ck->rows, n, comb, ck->h, ck->nul); break;
        case TIR_F64: ht_hashcol_f64(&keys[c], ck->rows, n, comb, ck->h, ck->nul); break;
        case TIR_STRING: ht_hashcol_str(&keys[c], ck->rows, n, comb, ck->h, ck->nul); break;
        case TIR_DECIMAL128: ht_hashcol_d128(&keys[c], ck->rows, n, comb, ck->h, ck->nul); break;
        case TIR_INTERVAL: ht_hashcol_iv(&keys[c], ck->rows, n, comb, ck->h, ck->nul); break;
        default: break; /* vm_ht_new admits only the types above */
        }
    }
}

/* ck->ok[j] = key of entry cand[chk[j]] equals the key of its row */
static void ht_chunk_eq(const vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t m)
{
    memset(ck->ok, 1, m);
    for (int c = 0; c < ht->nkeys; c++) {
        const vm_column *col = &ht->cols[c];
        switch (col->type) {
        case TIR_BOOL: ht_eqcol_bool(col, &keys[c], ck, m, ck->ok); break;
        case TIR_I32:
        case TIR_DATE: ht_eqcol_i32(col, &keys[c], ck, m, ck->ok); break;
        case TIR_I64: ht_eqcol_i64(col, &keys[c], ck, m, ck->ok); break;
        case TIR_F64: ht_eqcol_f64(col, &keys[c], ck, m, ck->ok); break;
        case TIR_STRING: ht_eqcol_str(col, &keys[c], ck, m, ck->ok); break;
        case TIR_DECIMAL128: ht_eqcol_d128(col, &keys[c], ck, m, ck->ok); break;
        case TIR_INTERVAL: ht_eqcol_iv(col, &keys[c], ck, m, ck->ok); break;
        default: break;
        }
    }
}

static inline bool ht_slot_empty(uint64_t s)
{
    return (uint32_t)s == VM_HT_NONE;
}

/* Big directories are asked to live on huge pages: every probe of a big
** table lands on a random page, and with 4 KiB pages each one also misses
** the TLB. */
static uint64_t *ht_dir_alloc(uint64_t slots)
{
    size_t bytes = slots * sizeof(uint64_t);
#ifdef MADV_HUGEPAGE
    if (bytes >= (4u << 20)) {
        void *p = NULL;
        if (posix_memalign(&p, 2u << 20, bytes) != 0)
            return NULL;
        madvise(p, bytes, MADV_HUGEPAGE);
        return p;
    }
#endif
    return malloc(bytes);
}

/* Doubling from 1024 up to at least need (< VM_HT_NONE). */
static uint32_t ht_grow_cap(uint32_t cap, uint64_t need)
{
    uint64_t c = cap ? cap : 1024;
    while (c < need)
        c *= 2;
    return c >= VM_HT_NONE ? VM_HT_NONE - 1 : (uint32_t)c;
}

/* Puts slot word s in the first free slot from its home on. */
static void ht_dir_put(uint64_t *d, uint64_t mask, int shift, uint64_t s)
{
    uint64_t q = (s & HT_TAG_MASK) >> shift;
    while (!ht_slot_empty(d[q]))
        q = (q + 1) & mask;
    d[q] = s;
}

/* The size of a directory of at least need slots grown from one of slots
** (0: none), and the shift that makes a hash its home; false: too big. */
static bool ht_dir_size(uint64_t slots, uint64_t need, uint64_t *ns, int *shift)
{
    *ns = slots ? slots * 2 : 1024;
    *shift = 64 - 10;
    for (uint64_t x = 1024; x < *ns; x *= 2)
        (*shift)--;
    while (*ns < need) {
        *ns *= 2;
        (*shift)--;
    }
    /* homes are the tag's top bits: at most 2^32 slots */
    return *shift >= 32 && *ns <= SIZE_MAX / sizeof(uint64_t);
}

/* Room for `more` entries and as many new distinct keys, the directory
** staying at most half full. On failure the table is unchanged in content. */
static bool ht_reserve(vm_ht *ht, uint64_t more)
{
    uint64_t ne = (uint64_t)ht->count + more;
    if (ne >= VM_HT_NONE)
        return false;
    if (!ht->group && ne > ht->ncap) {
        uint32_t cap = ht_grow_cap(ht->ncap, ne);
        uint32_t *nx = realloc(ht->next, (size_t)cap * sizeof *nx);
        if (!nx)
            return false;
        ht->next = nx;
        ht->ncap = cap;
    }
    uint64_t slots = ht->dir ? ht->dmask + 1 : 0;
    uint64_t need = 2 * ((uint64_t)ht->heads + more);
    if (need > slots) {
        uint64_t ns;
        int shift;
        if (!ht_dir_size(slots, need, &ns, &shift))
            return false;
        uint64_t *d = ht_dir_alloc(ns);
        if (!d)
            return false;
        memset(d, 0xff, ns * sizeof *d);
        uint64_t mask = ns - 1;
        /* Move the slot words (tag and id) unchanged, each to the home its
        ** tag gives. The homes of the old directory come in increasing order
        ** and stay so, so this reads and writes both directories in order.
        ** Eight slots at a time, the full ones found as bits: a branch per
        ** slot on whether it is empty mispredicts half the time. */
        const uint64_t *o = ht->dir;
        for (uint64_t p = 0; p < slots; p += 8) {
            unsigned full = 0;
            for (unsigned j = 0; j < 8; j++)
                full |= (unsigned)!ht_slot_empty(o[p + j]) << j;
            for (; full; full &= full - 1)
                ht_dir_put(d, mask, shift, o[p + (unsigned)__builtin_ctz(full)]);
        }
        free(ht->dir);
        ht->dir = d;
        ht->dmask = mask;
        ht->dshift = shift;
    }
    return true;
}

/* Inserts the positions todo[0..ntodo) of a hashed chunk (directory
** already reserved). Group mode: out[i] = found or new group of position i;
** a row reaching an empty slot claims it for a new entry and the keys of
** the round's new entries are appended before candidates are compared, so
** later rows of the chunk find them. Join mode: out[i] is the entry already
** appended for position i; it becomes the head of its key's chain, and a
** walk that reaches slot stop (HT_NO_STOP: none) is left, its position in
** ck->defer. The slots claimed are counted in ck->nheads, not ht->heads. */
static bool ht_chunk_insert(vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t ntodo, uint32_t *out,
                            uint64_t stop)
{
    uint64_t *dir = ht->dir, mask = ht->dmask;
    /* a directory bigger than the caches misses on most rows: overlap the misses */
    bool big = mask >= HT_PREFETCH_SLOTS;
    ck->nclaim = 0;
    ck->nheads = 0;
    ck->ndefer = 0;
    ck->retried = false;
    for (uint32_t k = 0; k < ntodo; k++) {
        uint32_t i = ck->todo[k];
        ck->pos[i] = ck->h[i] >> ht->dshift;
        if (big)
            __builtin_prefetch(&dir[ck->pos[i]]);
    }
    while (ntodo) {
        uint32_t m = 0, nnew = 0;
        for (uint32_t k = 0; k < ntodo; k++) {
            uint32_t i = ck->todo[k], tag = (uint32_t)(ck->h[i] >> 32);
            uint64_t p = ck->pos[i];
            for (;;) {
                uint64_t s = dir[p];
                if (ht_slot_empty(s)) {
                    uint32_t e;
                    if (ht->group) {
                        e = ht->count + nnew;
                        ck->newrows[nnew++] = ck->rows[i];
                        ck->claim[ck->nclaim++] = i;
                        out[i] = e;
                    } else {
                        e = out[i];
                        ht->next[e] = VM_HT_NONE;
                    }
                    dir[p] = (uint64_t)tag << 32 | e;
                    ck->nheads++;
                    break;
                }
                if ((uint32_t)(s >> 32) == tag) {
                    ck->cand[i] = (uint32_t)s;
                    ck->chk[m++] = i;
                    break;
                }
                p = (p + 1) & mask;
                if (p == stop) {
                    ck->defer[ck->ndefer++] = i;
                    break;
                }
            }
            ck->pos[i] = p;
        }
        if (nnew) {
            for (int c = 0; c < ht->nkeys; c++)
                if (!vm_column_append(&ht->cols[c], &keys[c], ck->newrows, nnew, &ht->heap))
                    return false;
            ht->count += nnew;
        }
        ht_chunk_eq(ht, keys, ck, m);
        ntodo = 0;
        for (uint32_t j = 0; j < m; j++) {
            uint32_t i = ck->chk[j];
            if (!ck->ok[j]) {
                ck->pos[i] = (ck->pos[i] + 1) & mask;
                if (ck->pos[i] == stop)
                    ck->defer[ck->ndefer++] = i;
                else
                    ck->todo[ntodo++] = i;
            } else if (ht->group) {
                out[i] = ck->cand[i];
            } else {
                uint64_t *slot = &dir[ck->pos[i]];
                ht->next[out[i]] = (uint32_t)*slot;
                *slot = (*slot & HT_TAG_MASK) | out[i];
            }
        }
        ck->retried |= ntodo > 0;
    }
    return true;
}

/* Moves entry first + k of column c to first + rank[k], k < n (n <= HT_CHUNK). */
static void ht_permute_col(vm_column *c, uint32_t first, uint32_t n, const uint32_t *rank)
{
    size_t w = vm_type_width(c->type);
    char tmp[HT_CHUNK * sizeof(tir_str)], *d = (char *)c->data + w * first;
    uint8_t valid[HT_CHUNK];
    memcpy(tmp, d, w * n);
    for (uint32_t k = 0; k < n; k++) {
        valid[k] = vm_bit_get(c->validity, first + k);
        memcpy(d + w * rank[k], tmp + w * k, w);
    }
    if (c->validity)
        for (uint32_t k = 0; k < n; k++)
            vm_bit_set(c->validity, first + rank[k], valid[k]);
}

/* A row that went on to a later round and then made a new group got its id
** after the groups made in earlier rounds by rows that come after it.
** Renumbers the chunk's new groups (ids first..count-1) in order of first
** appearance: in out[0..cn), the directory and the key columns. Uses
** ck->cand as scratch. */
static void ht_first_appearance(vm_ht *ht, ht_chunk *ck, uint32_t cn, uint32_t *out, uint32_t first)
{
    uint32_t n = ht->count - first, next = 0, *rank = ck->cand;
    bool moved = false;
    for (uint32_t k = 0; k < n; k++)
        rank[k] = VM_HT_NONE;
    for (uint32_t i = 0; i < cn; i++) {
        uint32_t k = out[i] - first;
        if (out[i] >= first && rank[k] == VM_HT_NONE) {
            moved |= k != next;
            rank[k] = next++;
        }
    }
    if (!moved)
        return;
    for (uint32_t i = 0; i < cn; i++)
        if (out[i] >= first)
            out[i] = first + rank[out[i] - first];
    for (uint32_t k = 0; k < n; k++) {
        uint64_t *slot = &ht->dir[ck->pos[ck->claim[k]]];
        *slot = (*slot & HT_TAG_MASK) | (first + rank[k]);
    }
    for (int c = 0; c < ht->nkeys; c++)
        ht_permute_col(&ht->cols[c], first, n, rank);
}

/* ---- small domains ----------------------------------------------------------
** While a group table holds at most HT_SMALL_MAX groups and the keys of a
** chunk fit the current layout, each row's key is packed into one 64-bit
** code (a bit field per key column, all below 2^63) and looked up in a small
** open-addressing table of (code, group id): one multiply to hash and one
** compare per row, whatever the key columns. The rows it does not find go
** through the general path, which numbers new groups and stores their keys
** as always, and their codes are added; so group ids and key columns are
** exactly those of the general path alone. A chunk with a value outside the
** layout gets a new layout made from the table's groups and that chunk;
** such a value is a new group, so this happens at most HT_SMALL_MAX times.
** Keys that cannot be coded (f64, strings longer than 7 bytes, more than 63
** bits) or too many groups turn the front off for good.
*/
enum { HT_SMALL_MAX = 1024, HT_SMALL_MIN_SLOTS = 64 };
#define HT_SMALL_EMPTY UINT64_MAX
#define HT_FIB 0x9e3779b97f4a7c15ULL

typedef struct ht_stat {
    bool any;                 /* some value is not NULL */
    int64_t lo, hi;           /* integers: range of the values */
    uint32_t maxlen;          /* strings: the longest */
} ht_stat;

static void ht_stat_col(const vm_vec *v, const uint32_t *rows, uint32_t n, ht_stat *st)
{
    const uint64_t *va = v->validity;
    switch (v->type) {
    case TIR_I32:
    case TIR_DATE:
    case TIR_I64:
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = rows[i];
            if (!vm_bit_get(va, r))
                continue;
            int64_t x = v->type == TIR_I64 ? ((const int64_t *)v->data)[r] : ((const int32_t *)v->data)[r];
            if (!st->any || x < st->lo)
                st->lo = x;
            if (!st->any || x > st->hi)
                st->hi = x;
            st->any = true;
        }
        break;
    case TIR_STRING:
        for (uint32_t i = 0; i < n; i++)
            if (vm_bit_get(va, rows[i]) && ((const tir_str *)v->data)[rows[i]].len > st->maxlen)
                st->maxlen = ((const tir_str *)v->data)[rows[i]].len;
        break;
    default: break;
    }
}

/* bits needed to write x */
static int ht_bits(uint64_t x)
{
    return x ? 64 - __builtin_clzll(x) : 0;
}

static bool ht_is_int(tir_type t)
{
    return t == TIR_I32 || t == TIR_DATE || t == TIR_I64;
}

/* Fields for values within st. Strings get up to half the spare bits (all
** of them when there is no integer column) a byte at a time, integers share
** the rest, centred on the values seen, so later chunks rarely fall out. */
static bool ht_small_layout(const vm_ht *ht, const ht_stat *st, ht_field *f)
{
    int used = 0, nint = 0;
    for (int c = 0; c < ht->nkeys; c++) {
        tir_type t = ht->cols[c].type;
        memset(&f[c], 0, sizeof f[c]);
        if (t == TIR_BOOL) {
            f[c].width = 2;
        } else if (ht_is_int(t)) {
            uint64_t range = st[c].any ? (uint64_t)st[c].hi - (uint64_t)st[c].lo : 0;
            if (range >= (1ULL << 62))
                return false;
            f[c].width = (uint8_t)ht_bits(range + 1);
            nint++;
        } else if (t == TIR_STRING && st[c].maxlen <= 7) {
            f[c].slen = (uint8_t)st[c].maxlen;
            f[c].width = (uint8_t)(8 * f[c].slen + ht_bits(f[c].slen + 1u));
        } else {
            return false;
        }
        used += f[c].width;
    }
    if (used > 63)
        return false;
    int spare = 63 - used, sbudget = nint ? spare / 2 : spare;
    for (bool more = true; more;) {
        more = false;
        for (int c = 0; c < ht->nkeys; c++) {
            if (ht->cols[c].type != TIR_STRING || f[c].slen == 7)
                continue;
            int extra = 8 + ht_bits(f[c].slen + 2u) - ht_bits(f[c].slen + 1u);
            if (extra <= sbudget) {
                f[c].slen++;
                f[c].width = (uint8_t)(f[c].width + extra);
                sbudget -= extra;
                spare -= extra;
                more = true;
            }
        }
    }
    for (int c = 0, left = nint; c < ht->nkeys; c++) {
        tir_type t = ht->cols[c].type;
        if (!ht_is_int(t))
            continue;
        int maxw = t == TIR_I64 ? 63 : 33; /* 33 bits code every i32 */
        int add = spare / left--;
        if (add > maxw - f[c].width)
            add = maxw - f[c].width;
        f[c].width = (uint8_t)(f[c].width + add);
        spare -= add;
        /* codes 1 .. 2^width - 1; the unused ones split below and above */
        uint64_t range = st[c].any ? (uint64_t)st[c].hi - (uint64_t)st[c].lo : 0;
        __int128 lo = st[c].any ? st[c].lo : 0;
        __int128 tmin = t == TIR_I64 ? INT64_MIN : INT32_MIN;
        f[c].lim = (1ULL << f[c].width) - 1;
        __int128 base = lo - (__int128)((f[c].lim - 1 - range) / 2);
        f[c].base = (int64_t)(base < tmin ? tmin : base);
    }
    for (int c = 0, pos = 0; c < ht->nkeys; c++) {
        f[c].shift = (uint8_t)pos;
        pos += f[c].width;
    }
    return true;
}

/* code[i] |= the field of v's value at rows[i]; false when a value does not
** fit (the codes are then meaningless). */
static bool ht_code_col(const vm_vec *v, const ht_field *f, const uint32_t *rows, uint32_t n, uint64_t *code)
{
    const uint64_t *va = v->validity;
    int sh = f->shift;
    uint64_t bad = 0;
    switch (v->type) {
    case TIR_BOOL: {
        const uint8_t *a = v->data;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = rows[i];
            code[i] |= (vm_bit_get(va, r) ? (uint64_t)(a[r] != 0) + 1 : 0) << sh;
        }
        break;
    }
#define HT_CODE_INT(CT)                                                                        \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        uint64_t lim = f->lim, base = (uint64_t)f->base;                                       \
        if (!va) {                                                                             \
            for (uint32_t i = 0; i < n; i++) {                                                 \
                uint64_t d = (uint64_t)(int64_t)a[rows[i]] - base;                             \
                bad |= d >= lim;                                                               \
                code[i] |= (d + 1) << sh;                                                      \
            }                                                                                  \
        } else {                                                                               \
            for (uint32_t i = 0; i < n; i++) {                                                 \
                uint32_t r = rows[i];                                                          \
                uint64_t d = (uint64_t)(int64_t)a[r] - base, ok = vm_bit_get(va, r);           \
                bad |= ok & (d >= lim);                                                        \
                code[i] |= (ok ? d + 1 : 0) << sh;                                             \
            }                                                                                  \
        }                                                                                      \
        break;                                                                                 \
    }
    case TIR_I32:
    case TIR_DATE: HT_CODE_INT(int32_t)
    case TIR_I64: HT_CODE_INT(int64_t)
#undef HT_CODE_INT
    case TIR_STRING: {
        /* the len bytes, then len + 1 above the longest length's bytes */
        const tir_str *a = v->data;
        uint32_t slen = f->slen;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = rows[i], len = a[r].len;
            uint64_t w;
            memcpy(&w, a[r].prefix, 8);
            w &= len >= 8 ? ~0ULL : ~(~0ULL << (8 * len));
            bool ok = vm_bit_get(va, r);
            bad |= ok & (len > slen);
            code[i] |= (ok ? w | (uint64_t)(len + 1) << (8 * slen) : 0) << sh;
        }
        break;
    }
    default: return false;
    }
    return !bad;
}

static bool ht_small_codes(const vm_ht *ht, const ht_small *sm, const vm_vec *keys, const uint32_t *rows,
                           uint32_t n, uint64_t *code)
{
    bool fit = true;
    memset(code, 0, n * sizeof *code);
    for (int c = 0; c < ht->nkeys; c++)
        fit &= ht_code_col(&keys[c], &sm->f[c], rows, n, code);
    return fit;
}

/* The slot holding code c, or the free slot where it would go. */
static inline uint32_t ht_small_slot(const ht_small *sm, uint64_t c)
{
    uint32_t p = (uint32_t)((c * HT_FIB) >> sm->shift);
    while (sm->codes[p] != c && sm->codes[p] != HT_SMALL_EMPTY)
        p = (p + 1) & sm->mask;
    return p;
}

static bool ht_small_slots(ht_small *sm, uint32_t slots)
{
    uint64_t *codes = malloc(slots * sizeof *codes);
    uint32_t *ids = malloc(slots * sizeof *ids);
    if (!codes || !ids) {
        free(codes);
        free(ids);
        return false;
    }
    memset(codes, 0xff, slots * sizeof *codes);
    uint64_t *oc = sm->codes;
    uint32_t *oi = sm->ids, on = oc ? sm->mask + 1 : 0;
    sm->codes = codes;
    sm->ids = ids;
    sm->mask = slots - 1;
    sm->shift = 64 - ht_bits(slots - 1);
    for (uint32_t p = 0; p < on; p++)
        if (oc[p] != HT_SMALL_EMPTY) {
            uint32_t q = ht_small_slot(sm, oc[p]);
            codes[q] = oc[p];
            ids[q] = oi[p];
        }
    free(oc);
    free(oi);
    return true;
}

/* Adds code c of group id (if absent), keeping the slots at most half full. */
static bool ht_small_add(ht_small *sm, uint64_t c, uint32_t id)
{
    uint32_t p = ht_small_slot(sm, c);
    if (sm->codes[p] == c)
        return true;
    if (2 * (sm->used + 1) > sm->mask + 1) {
        if (!ht_small_slots(sm, 2 * (sm->mask + 1)))
            return false;
        p = ht_small_slot(sm, c);
    }
    sm->codes[p] = c;
    sm->ids[p] = id;
    sm->used++;
    return true;
}

static void ht_small_free(ht_small *sm)
{
    if (sm) {
        free(sm->codes);
        free(sm->ids);
        free(sm);
    }
}

static void ht_small_off(vm_ht *ht)
{
    ht_small_free(ht->small);
    ht->small = NULL;
    ht->small_state = HT_SMALL_OFF;
}

/* A new layout for the table's groups and the chunk's rows; codes the
** groups into the new table and the chunk into ck->code. False when the keys
** cannot be coded (or out of memory): the front is then turned off. Uses
** ck->h and ck->todo as scratch. */
static bool ht_small_relayout(vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t cn)
{
    ht_stat *st = calloc((size_t)ht->nkeys, sizeof *st);
    ht_small *sm = calloc(1, sizeof *sm + (size_t)ht->nkeys * sizeof(ht_field));
    bool ok = st && sm;
    for (int c = 0; ok && c < ht->nkeys; c++) {
        vm_vec kv = {ht->cols[c].type, ht->cols[c].data, ht->cols[c].validity};
        for (uint32_t off = 0; off < ht->count; off += HT_CHUNK) {
            uint32_t n = ht->count - off < HT_CHUNK ? ht->count - off : HT_CHUNK;
            for (uint32_t i = 0; i < n; i++)
                ck->todo[i] = off + i;
            ht_stat_col(&kv, ck->todo, n, &st[c]);
        }
        ht_stat_col(&keys[c], ck->rows, cn, &st[c]);
    }
    ok = ok && ht_small_layout(ht, st, sm->f);
    uint32_t slots = HT_SMALL_MIN_SLOTS;
    while (ok && slots < 2 * ht->count)
        slots *= 2;
    ok = ok && ht_small_slots(sm, slots);
    vm_vec kv[64];
    ok = ok && ht->nkeys <= 64;
    for (int c = 0; ok && c < ht->nkeys; c++)
        kv[c] = (vm_vec){ht->cols[c].type, ht->cols[c].data, ht->cols[c].validity};
    for (uint32_t off = 0; ok && off < ht->count; off += HT_CHUNK) {
        uint32_t n = ht->count - off < HT_CHUNK ? ht->count - off : HT_CHUNK;
        for (uint32_t i = 0; i < n; i++)
            ck->todo[i] = off + i;
        ok = ht_small_codes(ht, sm, kv, ck->todo, n, ck->h);
        for (uint32_t i = 0; ok && i < n; i++)
            ok = ht_small_add(sm, ck->h[i], off + i);
    }
    ok = ok && ht_small_codes(ht, sm, keys, ck->rows, cn, ck->code);
    free(st);
    if (!ok) {
        ht_small_free(sm);
        return false;
    }
    ht_small_free(ht->small);
    ht->small = sm;
    ht->small_state = HT_SMALL_ON;
    return true;
}

/* The general path for the rows ck->rows[0..cn) of a group table. */
static bool ht_group_chunk(vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t cn, uint32_t *out)
{
    uint32_t first = ht->count;
    if (!ht_reserve(ht, cn))
        return false;
    ht_chunk_hash(ht, keys, ck, cn);
    for (uint32_t i = 0; i < cn; i++)
        ck->todo[i] = i;
    if (!ht_chunk_insert(ht, keys, ck, cn, out, HT_NO_STOP))
        return false;
    ht->heads += ck->nheads;
    if (ck->retried && ht->count - first > 1)
        ht_first_appearance(ht, ck, cn, out, first);
    return true;
}

/* A chunk through the small-domain front: 1 when done (out[] filled), 0
** when the front is (now) off and the chunk still to do, -1 when the
** general path failed. */
static int ht_small_chunk(vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t cn, uint32_t *out)
{
    if (ht->small_state == HT_SMALL_OFF)
        return 0;
    if ((ht->small_state == HT_SMALL_UNTRIED || !ht_small_codes(ht, ht->small, keys, ck->rows, cn, ck->code)) &&
        !ht_small_relayout(ht, keys, ck, cn)) {
        ht_small_off(ht);
        return 0;
    }
    ht_small *sm = ht->small;
    uint32_t m = 0;
    for (uint32_t i = 0; i < cn; i++) {
        uint64_t c = ck->code[i];
        uint32_t p = ht_small_slot(sm, c);
        if (sm->codes[p] == c) {
            out[i] = sm->ids[p];
        } else {
            ck->miss[m] = i;
            ck->rows[m] = ck->rows[i];
            ck->code[m++] = c;
        }
    }
    if (!m)
        return 1;
    if (!ht_group_chunk(ht, keys, ck, m, ck->mout))
        return -1;
    bool ok = ht->count <= HT_SMALL_MAX;
    for (uint32_t k = 0; k < m; k++) {
        out[ck->miss[k]] = ck->mout[k];
        ok = ok && ht_small_add(sm, ck->code[k], ck->mout[k]);
    }
    if (!ok)
        ht_small_off(ht);
    return 1;
}

/* ---- direct mode ------------------------------------------------------------
** A table with one integer key column whose keys span a small range indexes
** its entries by key - dbase in an array of entry id + 1 (0 = none) instead
** of the directory: no hashing, no key compare, and keys near each other sit
** near each other, so rows in key order (TPC-H's lineitem by orderkey, a
** clustered table) read the array in order instead of missing cache on
** every row. Chosen while the array takes at most HT_DIRECT_RATIO times the
** bytes of the directory it replaces (4 bytes per key of the range against 8
** per slot), or at most a floor of keys. A group table decides on its first
** chunks, while it holds few groups, so its floor is higher: a 1 MiB array
** (the L2 cache of current server cores) lets keys spread at random over a
** few hundred thousand values (TPC-H Q13's 150k customer keys, 100k of them
** used) stay direct, 2.5x faster than the directory. A join table's floor
** stays low: it knows all its keys, and a few keys spread wide probe a
** small directory in L1 better than a sparse array. A join table is laid out once
** (vm_ht_index) from all its keys. A group table switches to it when the
** small-domain front turns off, grows the array as keys arrive, and falls
** back to the directory for good when a chunk's keys would make it too big.
*/
enum { HT_DIRECT_RATIO = 4, HT_DIRECT_FLOOR = 1 << 16, HT_DIRECT_GROUP_FLOOR = 1 << 18 };

/* Keys a direct array may span for a table of n entries. */
static uint64_t ht_direct_limit(uint64_t n, uint64_t floor)
{
    uint64_t slots = 1024;
    while (slots < 2 * n)
        slots *= 2;
    uint64_t lim = HT_DIRECT_RATIO * 2 * slots;
    return lim > floor ? lim : floor;
}

/* Direct arrays come from vm_big_realloc: big ones are mapped (zero pages
** from the kernel, huge pages) and grow upward in place. */
static uint32_t *ht_direct_alloc(uint64_t range)
{
    if (range > SIZE_MAX / sizeof(uint32_t))
        return NULL;
    uint32_t *ids = vm_big_realloc(NULL, 0, range * sizeof *ids);
    vm_big_populate(ids, range * sizeof *ids, 0, range * sizeof *ids); /* probed before written */
    return ids;
}

/* The array of range keys from base, holding the old one's keys at their
** place. Growing upward (or from nothing) leaves the new slots' pages to
** ht_direct_touch: the room a doubling leaves above the keys would
** otherwise be zeroed by the kernel and never used. */
static uint32_t *ht_direct_regrow(vm_ht *ht, int64_t base, uint64_t range)
{
    uint32_t *old = ht->direct;
    uint64_t orange = ht->drange;
    if (range > SIZE_MAX / sizeof *old)
        return NULL;
    if (!old || base == ht->dbase) {
        if (!old)
            ht->dpop = 0;
        return vm_big_realloc(old, orange * sizeof *old, range * sizeof *old);
    }
    uint32_t *ids = ht_direct_alloc(range);
    if (ids) { /* the keys in it lie within dmin .. dmax */
        ht->dpop = range;
        int sh = ht->dsh;
        uint64_t at = ((uint64_t)ht->dmin - (uint64_t)ht->dbase) >> sh;
        uint64_t n = (((uint64_t)ht->dmax - (uint64_t)ht->dbase) >> sh) - at + 1;
        memcpy(ids + (((uint64_t)ht->dmin - (uint64_t)base) >> sh), old + at, n * sizeof *ids);
        vm_big_free(old, orange * sizeof *old);
    }
    return ids;
}

/* Makes the slots up to the table's largest key writable pages, and some
** room above it. A direct array is probed before it is written: an untouched
** page read maps the shared zero page, and the write after it is a
** copy-on-write fault whose TLB flush interrupts the other workers. */
static void ht_direct_touch(vm_ht *ht)
{
    uint64_t need = (((uint64_t)ht->dmax - (uint64_t)ht->dbase) >> ht->dsh) + 1;
    if (need <= ht->dpop)
        return;
    uint64_t slack = need / 8 > (512u << 10) ? need / 8 : 512u << 10; /* at least 2 MiB */
    uint64_t to = need + slack < ht->drange ? need + slack : ht->drange;
    vm_big_populate(ht->direct, ht->drange * sizeof *ht->direct, ht->dpop * sizeof *ht->direct,
                    to * sizeof *ht->direct);
    ht->dpop = to;
}

static void ht_direct_free(vm_ht *ht)
{
    vm_big_free(ht->direct, ht->drange * sizeof *ht->direct);
    ht->direct = NULL;
    ht->drange = 0;
    ht->dpop = 0;
    ht->dsh = 0;
}

/* Range of the non-NULL values of v at rows[0..n) (rows NULL = 0..n-1)
** into *lo, *hi, widened; false when there are none. */
static bool ht_int_range(const vm_vec *v, const uint32_t *rows, uint32_t n, int64_t *lo, int64_t *hi, bool any)
{
    const uint64_t *va = v->validity;
#define HT_RANGE(CT)                                                                           \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        uint32_t i = 0;                                                                        \
        for (; !any && i < n; i++) { /* the first non-NULL value */                            \
            uint32_t r = rows ? rows[i] : i;                                                   \
            if (!va || vm_bit_get(va, r)) {                                                    \
                *lo = *hi = a[r];                                                              \
                any = true;                                                                    \
            }                                                                                  \
        }                                                                                      \
        int64_t l = *lo, h = *hi;                                                              \
        if (!va && rows) {                                                                     \
            for (; i < n; i++) {                                                               \
                int64_t x = a[rows[i]];                                                        \
                l = x < l ? x : l;                                                             \
                h = x > h ? x : h;                                                             \
            }                                                                                  \
        } else if (!va) {                                                                      \
            for (; i < n; i++) {                                                               \
                int64_t x = a[i];                                                              \
                l = x < l ? x : l;                                                             \
                h = x > h ? x : h;                                                             \
            }                                                                                  \
        } else {                                                                               \
            for (; i < n; i++) {                                                               \
                uint32_t r = rows ? rows[i] : i;                                               \
                int64_t x = a[r];                                                              \
                bool ok = vm_bit_get(va, r);                                                   \
                l = ok && x < l ? x : l;                                                       \
                h = ok && x > h ? x : h;                                                       \
            }                                                                                  \
        }                                                                                      \
        *lo = l;                                                                               \
        *hi = h;                                                                               \
    }
    if (v->type == TIR_I64)
        HT_RANGE(int64_t)
    else
        HT_RANGE(int32_t)
#undef HT_RANGE
    return any;
}

/* Entry e's value of an integer (i32, date, i64) key column. */
static inline int64_t ht_int_at(const vm_column *col, uint32_t e)
{
    return col->type == TIR_I64 ? ((const int64_t *)col->data)[e] : ((const int32_t *)col->data)[e];
}

static bool ht_direct_ok(const vm_ht *ht)
{
    return ht->nkeys == 1 && ht_is_int(ht->cols[0].type);
}

/* A direct join array laid out by one thread, or by several, each the
** slots of its own share of the key range (whole huge pages): each makes
** its pages and enters, in entry order, the entries whose keys fall in it. */
typedef struct ht_dshare {
    const vm_ht *ht;
    uint32_t *ids, *next;
    uint64_t base, range;
    int sh, n;
    unsigned part;
    _Atomic bool mixed;
} ht_dshare;

enum { HT_DSHARE_SLOTS = (2u << 20) / sizeof(uint32_t) };

static void ht_dshare_main(void *arg, int t)
{
    ht_dshare *d = arg;
    uint64_t pages = (d->range + HT_DSHARE_SLOTS - 1) / HT_DSHARE_SLOTS;
    uint64_t from = pages * (uint64_t)t / (uint64_t)d->n * HT_DSHARE_SLOTS;
    uint64_t to = pages * (uint64_t)(t + 1) / (uint64_t)d->n * HT_DSHARE_SLOTS;
    to = to < d->range ? to : d->range;
    if (from >= to)
        return;
    vm_big_populate(d->ids, d->range * sizeof *d->ids, from * sizeof *d->ids, to * sizeof *d->ids);
    const vm_column *col = &d->ht->cols[0];
    const uint64_t base = d->base, width = to - from;
    const int sh = d->sh;
    uint32_t *ids = d->ids, *next = d->next, count = d->ht->count;
    bool mixed = false;
#define HT_DSHARE(CT)                                                                          \
    {                                                                                          \
        const CT *a = col->data;                                                               \
        for (uint32_t e = 0; e < count; e++) {                                                 \
            uint64_t s = (((uint64_t)(int64_t)a[e] - base) >> sh) - from;                      \
            if (s >= width)                                                                    \
                continue;                                                                      \
            mixed |= sh && vm_ht_ipart(a[e]) != d->part;                                       \
            next[e] = ids[from + s] - 1;                                                       \
            ids[from + s] = e + 1;                                                             \
        }                                                                                      \
    }
    if (col->type == TIR_I64)
        HT_DSHARE(int64_t)
    else
        HT_DSHARE(int32_t)
#undef HT_DSHARE
    if (mixed)
        atomic_store(&d->mixed, true);
}

/* Entries from which a direct join array is laid out by several threads. */
enum { HT_DSHARE_MIN = 1 << 16 };

/* A chain link for every entry, for a table indexed in one go. */
static bool ht_next_room(vm_ht *ht)
{
    if (ht->count <= ht->ncap)
        return true;
    uint32_t *nx = realloc(ht->next, (size_t)ht->count * sizeof *nx);
    if (!nx)
        return false;
    ht->next = nx;
    ht->ncap = ht->count;
    return true;
}

/* Join mode: lays out every entry (none indexed yet) in a direct array, or
** returns false (nothing changed) when the keys do not suit it. Chains as
** the directory would: the last entry of a key first. On nthreads threads
** of pool when the table is big. */
static bool ht_join_direct(vm_ht *ht, int64_t lo, int64_t hi, vm_pool *pool, int nthreads)
{
    const vm_column *col = &ht->cols[0];
    /* one partition's keys: (key - base) >> 4 tells them apart, base aligned */
    int sh = ht->one_part ? VM_HT_IPART_BITS : 0;
    uint64_t base = (uint64_t)lo & ~(((uint64_t)1 << sh) - 1);
    if (((uint64_t)hi - base) >> sh >= ht_direct_limit(ht->count, HT_DIRECT_FLOOR))
        return false;
    uint64_t range = (((uint64_t)hi - base) >> sh) + 1;
    if (!ht_next_room(ht))
        return false;
    uint32_t *ids = range > SIZE_MAX / sizeof *ids ? NULL : vm_big_realloc(NULL, 0, range * sizeof *ids);
    if (!ids)
        return false;
    unsigned part = sh ? vm_ht_ipart(ht_int_at(col, 0)) : 0;
    bool shared = nthreads > 1 && ht->count >= HT_DSHARE_MIN && range >= 2 * (uint64_t)HT_DSHARE_SLOTS;
    ht_dshare d = {ht, ids, ht->next, base, range, sh, shared ? nthreads : 1, part, false};
    if (shared)
        vm_par_run(pool, nthreads, ht_dshare_main, &d);
    else
        ht_dshare_main(&d, 0);
    if (atomic_load(&d.mixed)) { /* not one partition's keys after all: the directory (next[] is rewritten) */
        vm_big_free(ids, range * sizeof *ids);
        return false;
    }
    ht->direct = ids;
    ht->dbase = (int64_t)base;
    ht->drange = range;
    ht->dpop = range;
    ht->dsh = (uint8_t)sh;
    ht->dpart = (uint8_t)part;
    return true;
}

/* out[i] = entry of row rows[i]'s key (rows NULL = off + i), or VM_HT_NONE;
** a NULL key finds null_id. */
static void ht_direct_lookup(const vm_ht *ht, const vm_vec *v, const uint32_t *sel, uint32_t n, uint32_t *out,
                             uint32_t null_id)
{
    const uint32_t *ids = ht->direct;
    const uint64_t *va = v->validity, base = (uint64_t)ht->dbase, range = ht->drange;
    const unsigned part = ht->dpart;
#define HT_DIRECT_FIND(CT, FIND)                                                               \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        for (uint32_t i = 0; i < n; i++) {                                                     \
            uint32_t r = sel ? sel[i] : i;                                                     \
            uint64_t d = (uint64_t)(int64_t)a[r] - base;                                       \
            uint32_t e = FIND;                                                                 \
            out[i] = va && !vm_bit_get(va, r) ? null_id : e;                                   \
        }                                                                                      \
    }
#define HT_PLAIN d < range ? ids[d] - 1 : VM_HT_NONE
    /* a key of another partition would share a slot with one of this one's */
#define HT_PART (d >> VM_HT_IPART_BITS) < range && vm_ht_ipart(a[r]) == part ? ids[d >> VM_HT_IPART_BITS] - 1 : VM_HT_NONE
    if (ht->dsh) {
        if (v->type == TIR_I64)
            HT_DIRECT_FIND(int64_t, HT_PART)
        else
            HT_DIRECT_FIND(int32_t, HT_PART)
    } else if (v->type == TIR_I64)
        HT_DIRECT_FIND(int64_t, HT_PLAIN)
    else
        HT_DIRECT_FIND(int32_t, HT_PLAIN)
#undef HT_PART
#undef HT_PLAIN
#undef HT_DIRECT_FIND
}

/* Enters the groups [first, count) into the directory (reserved), which
** holds none of them: their keys are distinct, so each takes the first free
** slot from its home. False when out of memory. */
static bool ht_dir_enter(vm_ht *ht, uint32_t first)
{
    vm_vec keys[64];
    ht_chunk *ck = malloc(sizeof *ck); /* the caller's chunk is still to do */
    if (!ck || ht->nkeys > 64) {
        free(ck);
        return false;
    }
    for (int c = 0; c < ht->nkeys; c++)
        keys[c] = (vm_vec){ht->cols[c].type, ht->cols[c].data, ht->cols[c].validity};
    for (uint32_t off = first; off < ht->count; off += HT_CHUNK) {
        uint32_t cn = ht->count - off < HT_CHUNK ? ht->count - off : HT_CHUNK;
        for (uint32_t i = 0; i < cn; i++)
            ck->rows[i] = off + i;
        ht_chunk_hash(ht, keys, ck, cn);
        for (uint32_t i = 0; i < cn; i++) {
            uint64_t p = ck->h[i] >> ht->dshift;
            while (!ht_slot_empty(ht->dir[p]))
                p = (p + 1) & ht->dmask;
            ht->dir[p] = (ck->h[i] & HT_TAG_MASK) | (off + i);
            ht->heads++;
        }
    }
    free(ck);
    return true;
}

/* Group mode leaves direct mode for good: the directory learns every group. */
static bool ht_direct_off(vm_ht *ht)
{
    ht->direct_state = HT_SMALL_OFF;
    if (!ht->direct) { /* the directory so far goes on, at the size it was told of if it can */
        if (ht->hint > ht->count)
            ht_reserve(ht, ht->hint - ht->count);
        return true;
    }
    ht_direct_free(ht);
    free(ht->dir);
    ht->dir = NULL;
    ht->dmask = 0;
    ht->heads = 0;
    uint32_t n = ht->count;
    ht->count = 0; /* ht_reserve sizes for count + more entries */
    bool ok = (ht->hint > n && ht_reserve(ht, ht->hint)) || ht_reserve(ht, n);
    ht->count = n;
    return ok && ht_dir_enter(ht, 0);
}

/* A direct array spanning [lo, hi] widened for growth, holding the old one;
** false when that would be too big for n groups (or out of memory). */
/* A direct array for the keys lo .. hi (all the table's and a chunk's),
** with room to grow toward where new keys arrive (up: above); false when
** that would be too big for n groups (or out of memory). */
static bool ht_direct_span(vm_ht *ht, int64_t lo, int64_t hi, uint64_t n, bool up)
{
    int sh = ht->dsh;
    uint64_t lim = ht_direct_limit(n, HT_DIRECT_GROUP_FLOOR);
    if (((uint64_t)hi - (uint64_t)lo) >> sh >= lim)
        return false;
    __int128 nlo = lo, nhi = hi, want = (2 * (__int128)ht->drange) << sh;
    if (!ht->drange && want < ht->dhint)
        want = ht->dhint;
    if (want > (__int128)lim << sh)
        want = (__int128)lim << sh;
    if (nhi - nlo + 1 < want) {
        if (up)
            nhi = nlo + want - 1;
        else
            nlo = nhi - want + 1;
    }
    __int128 tmin = ht->cols[0].type == TIR_I64 ? INT64_MIN : INT32_MIN;
    __int128 tmax = ht->cols[0].type == TIR_I64 ? INT64_MAX : INT32_MAX;
    nlo = nlo < tmin ? tmin : nlo;
    nhi = nhi > tmax ? tmax : nhi;
    nlo &= ~(((__int128)1 << sh) - 1); /* a slot's 16 keys start at a multiple of 16 (tmin is one) */
    uint64_t range = ((uint64_t)(nhi - nlo) >> sh) + 1;
    uint32_t *ids = ht_direct_regrow(ht, (int64_t)nlo, range);
    if (!ids)
        return false;
    ht->direct = ids;
    ht->dbase = (int64_t)nlo;
    ht->drange = range;
    return true;
}

/* Whether the non-NULL keys of v at rows[0..n) (NULL: 0..n-1) are all of
** one vm_ht_ipart partition, *part (when *known; else the first one's). */
static bool ht_in_part(const vm_vec *v, const uint32_t *rows, uint32_t n, unsigned *part, bool *known)
{
    const uint64_t *va = v->validity;
    unsigned p = *part, bad = 0;
#define HT_IN_PART(CT)                                                                         \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        for (uint32_t i = 0; i < n; i++) {                                                     \
            uint32_t r = rows ? rows[i] : i;                                                   \
            if (va && !vm_bit_get(va, r))                                                      \
                continue;                                                                      \
            if (!*known) {                                                                     \
                p = vm_ht_ipart(a[r]);                                                         \
                *known = true;                                                                 \
            }                                                                                  \
            bad |= vm_ht_ipart(a[r]) ^ p;                                                      \
        }                                                                                      \
    }
    if (v->type == TIR_I64)
        HT_IN_PART(int64_t)
    else
        HT_IN_PART(int32_t)
#undef HT_IN_PART
    *part = p;
    return !bad;
}

/* A chunk of a group table through direct mode: 1 when done (out[] filled),
** 0 when direct mode is (now) off and the chunk still to do, -1 on failure. */
static int ht_direct_chunk(vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t cn, uint32_t *out)
{
    if (ht->direct_state == HT_SMALL_OFF)
        return 0;
    if (!ht_direct_ok(ht))
        return ht_direct_off(ht) ? 0 : -1;
    const vm_vec *v = &keys[0];
    if (ht->direct_state == HT_SMALL_UNTRIED) {
        /* the small front just turned off: take over the directory's groups */
        const vm_column *col = &ht->cols[0];
        vm_vec kv = {col->type, col->data, col->validity};
        int64_t lo = 0, hi = 0;
        bool any = ht_int_range(&kv, NULL, ht->count, &lo, &hi, false);
        any = ht_int_range(v, ck->rows, cn, &lo, &hi, any);
        /* one partition's keys so far: a slot per 16 keys, while they stay so */
        unsigned part = 0;
        bool known = false;
        ht->dsh = ht->one_part && ht_in_part(&kv, NULL, ht->count, &part, &known) &&
                          ht_in_part(v, ck->rows, cn, &part, &known)
                      ? VM_HT_IPART_BITS
                      : 0;
        ht->dpart = (uint8_t)part;
        if (!any || !ht_direct_span(ht, lo, hi, (uint64_t)ht->count + cn, true))
            return ht_direct_off(ht) ? 0 : -1;
        ht->dmin = lo;
        ht->dmax = hi;
        ht->dnull = VM_HT_NONE;
        ht_direct_touch(ht);
        const uint64_t base = (uint64_t)ht->dbase;
        const int sh = ht->dsh;
        for (uint32_t e = 0; e < ht->count; e++) {
            if (!vm_bit_get(col->validity, e))
                ht->dnull = e;
            else
                ht->direct[((uint64_t)ht_int_at(col, e) - base) >> sh] = e + 1;
        }
        free(ht->dir);
        ht->dir = NULL;
        ht->dmask = 0;
        ht->heads = 0;
        ht->direct_state = HT_SMALL_ON;
    } else {
        unsigned part = ht->dpart;
        bool known = true;
        if (ht->dsh && !ht_in_part(v, ck->rows, cn, &part, &known)) /* another partition's key would share a slot */
            return ht_direct_off(ht) ? 0 : -1;
        int64_t clo = 0, chi = 0;
        if (ht_int_range(v, ck->rows, cn, &clo, &chi, false)) {
            int64_t alo = ht->dbase, ahi = (int64_t)((uint64_t)ht->dbase + (ht->drange << ht->dsh) - 1);
            if ((clo < alo || chi > ahi) &&
                !ht_direct_span(ht, clo < ht->dmin ? clo : ht->dmin, chi > ht->dmax ? chi : ht->dmax,
                                (uint64_t)ht->count + cn, chi > ahi))
                return ht_direct_off(ht) ? 0 : -1;
            ht->dmin = clo < ht->dmin ? clo : ht->dmin;
            ht->dmax = chi > ht->dmax ? chi : ht->dmax;
            ht_direct_touch(ht);
        }
    }
    uint32_t *ids = ht->direct, nnew = 0, first = ht->count;
    const uint64_t *va = v->validity, base = (uint64_t)ht->dbase;
    const int sh = ht->dsh;
#define HT_DIRECT_GROUP(CT)                                                                    \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        for (uint32_t i = 0; i < cn; i++) {                                                    \
            uint32_t r = ck->rows[i];                                                          \
            if (va && !vm_bit_get(va, r)) {                                                    \
                if (ht->dnull == VM_HT_NONE) {                                                 \
                    ht->dnull = first + nnew;                                                  \
                    ck->newrows[nnew++] = r;                                                   \
                }                                                                              \
                out[i] = ht->dnull;                                                            \
                continue;                                                                      \
            }                                                                                  \
            uint32_t *slot = &ids[((uint64_t)(int64_t)a[r] - base) >> sh];                     \
            if (!*slot) {                                                                      \
                *slot = first + nnew + 1;                                                      \
                ck->newrows[nnew++] = r;                                                       \
            }                                                                                  \
            out[i] = *slot - 1;                                                                \
        }                                                                                      \
    }
    if (v->type == TIR_I64)
        HT_DIRECT_GROUP(int64_t)
    else
        HT_DIRECT_GROUP(int32_t)
#undef HT_DIRECT_GROUP
    if (nnew) {
        if (!vm_column_append(&ht->cols[0], v, ck->newrows, nnew, &ht->heap))
            return -1;
        ht->count += nnew;
    }
    return 1;
}

/* Bits of the key bitmap per directory slot it may take at most (8 bytes a slot). */
enum { HT_KBITS_RATIO = 64 };

static void ht_filters_free(vm_ht *ht)
{
    free(ht->bloom);
    ht->bloom = NULL;
    ht->bloom_blocks = 0;
    free(ht->kbits);
    ht->kbits = NULL;
    ht->krange = 0;
}

static void ht_kbits_fill(vm_ht *ht)
{
    const vm_column *col = &ht->cols[0];
    uint64_t base = (uint64_t)ht->kbase;
    for (uint32_t e = 0; e < ht->count; e++)
        vm_bit_set(ht->kbits, (uint64_t)ht_int_at(col, e) - base, true);
}

bool vm_int_range(const vm_vec *v, const uint32_t *rows, uint32_t n, int64_t *lo, int64_t *hi, bool any)
{
    return ht_int_range(v, rows, n, lo, hi, any);
}

/* ---- API ------------------------------------------------------------------ */

static bool ht_key_type_ok(tir_type t)
{
    return t == TIR_BOOL || t == TIR_I32 || t == TIR_I64 || t == TIR_F64 || t == TIR_STRING ||
           t == TIR_DATE || t == TIR_DECIMAL128 || t == TIR_INTERVAL;
}

vm_ht *vm_ht_new(int nkeys, const tir_type *key_types, int nvals, const tir_type *val_types, bool mode_group)
{
    if (nkeys < 1 || nvals < 0 || (mode_group && nvals != 0))
        return NULL;
    for (int c = 0; c < nkeys; c++)
        if (!ht_key_type_ok(key_types[c]))
            return NULL;
    for (int c = 0; c < nvals; c++)
        if (!ht_key_type_ok(val_types[c]))
            return NULL;
    vm_ht *ht = calloc(1, sizeof *ht);
    if (!ht)
        return NULL;
    ht->cols = calloc((size_t)(nkeys + nvals), sizeof *ht->cols);
    if (!ht->cols) {
        free(ht);
        return NULL;
    }
    ht->nkeys = nkeys;
    ht->nvals = nvals;
    ht->group = mode_group;
    ht->dnull = VM_HT_NONE;
    for (int c = 0; c < nkeys; c++)
        vm_column_init(&ht->cols[c], key_types[c]);
    for (int c = 0; c < nvals; c++)
        vm_column_init(&ht->cols[nkeys + c], val_types[c]);
    vm_strheap_init(&ht->heap);
    return ht;
}

void vm_ht_free(vm_ht *ht)
{
    if (!ht)
        return;
    for (int c = 0; c < ht->nkeys + ht->nvals; c++)
        vm_column_free(&ht->cols[c]);
    free(ht->cols);
    vm_strheap_free(&ht->heap);
    free(ht->dir);
    free(ht->next);
    ht_filters_free(ht);
    ht_direct_free(ht);
    ht_small_free(ht->small);
    free(ht);
}

uint64_t vm_ht_direct_keys(const vm_ht *ht)
{
    return ht->direct ? ht->drange << ht->dsh : 0;
}

void vm_ht_direct_hint(vm_ht *ht, uint64_t keys)
{
    ht->dhint = keys;
}

bool vm_ht_reserve(vm_ht *ht, uint32_t n)
{
    /* a partition's table is most often a direct array: the directory is
    ** sized by vm_ht_index, or when a group table leaves the array */
    if (ht->broken || (!ht->one_part && !ht_reserve(ht, n)))
        return false;
    if (ht->one_part)
        ht->hint = ht->count + n < VM_HT_NONE ? ht->count + n : VM_HT_NONE - 1;
    for (int c = 0; c < ht->nkeys + ht->nvals; c++)
        if (!vm_column_reserve(&ht->cols[c], (uint64_t)ht->count + n))
            return false;
    return true;
}

/* i32 and date share storage and hashing, so either may feed the other */
static bool ht_same_storage(tir_type a, tir_type b)
{
    if (a == TIR_DATE)
        a = TIR_I32;
    if (b == TIR_DATE)
        b = TIR_I32;
    return a == b;
}

static bool ht_args_ok(const vm_ht *ht, const vm_vec *keys, const vm_vec *vals)
{
    for (int c = 0; c < ht->nkeys; c++)
        if (!ht_same_storage(keys[c].type, ht->cols[c].type))
            return false;
    for (int c = 0; c < ht->nvals; c++)
        if (!ht_same_storage(vals[c].type, ht->cols[ht->nkeys + c].type))
            return false;
    return true;
}

static bool ht_index(vm_ht *ht, bool final, vm_pool *pool, int nthreads);

bool vm_ht_insert(vm_ht *ht, const vm_vec *keys, const vm_vec *vals, const uint32_t *sel, uint32_t n)
{
    if (ht->broken || ht->group || !ht_args_ok(ht, keys, vals))
        goto fail;
    if (ht->direct) { /* row-by-row inserts go through the directory */
        ht_direct_free(ht);
        ht->indexed = 0;
        if (!ht_index(ht, false, NULL, 1))
            goto fail;
    }
    ht_filters_free(ht); /* they would not learn the new entries */
    ht_chunk ck;
    for (uint32_t off = 0; off < n; off += HT_CHUNK) {
        uint32_t cn = n - off < HT_CHUNK ? n - off : HT_CHUNK, m = 0;
        ht_chunk_load(&ck, sel, off, cn);
        ht_chunk_hash(ht, keys, &ck, cn);
        for (uint32_t i = 0; i < cn; i++) {
            if (ck.nul[i])
                continue;
            ck.ent[i] = ht->count + m;
            ck.newrows[m] = ck.rows[i];
            ck.todo[m++] = i;
        }
        if (!m)
            continue;
        if (!ht_reserve(ht, m))
            goto fail;
        for (int c = 0; c < ht->nkeys + ht->nvals; c++) {
            const vm_vec *v = c < ht->nkeys ? &keys[c] : &vals[c - ht->nkeys];
            if (!vm_column_append(&ht->cols[c], v, ck.newrows, m, &ht->heap))
                goto fail;
        }
        ht->count += m;
        if (!ht_chunk_insert(ht, keys, &ck, m, ck.ent, HT_NO_STOP))
            goto fail;
        ht->heads += ck.nheads;
        ht->indexed = ht->count;
    }
    return true;
fail:
    ht->broken = true;
    return false;
}

bool vm_ht_append(vm_ht *ht, const vm_vec *keys, const vm_vec *vals, const uint32_t *sel, uint32_t n)
{
    if (ht->broken || ht->group || !ht_args_ok(ht, keys, vals) || (uint64_t)ht->count + n >= VM_HT_NONE)
        goto fail;
    uint32_t rows[HT_CHUNK];
    for (uint32_t off = 0; off < n; off += HT_CHUNK) {
        uint32_t cn = n - off < HT_CHUNK ? n - off : HT_CHUNK, m = 0;
        for (uint32_t i = 0; i < cn; i++) {
            uint32_t r = sel ? sel[off + i] : off + i;
            bool nul = false;
            for (int c = 0; c < ht->nkeys; c++)
                nul |= !vm_bit_get(keys[c].validity, r);
            rows[m] = r;
            m += !nul || ht->keep_nulls; /* a NULL key never matches: not stored unless kept */
            ht->nnull += nul && ht->keep_nulls;
        }
        for (int c = 0; m && c < ht->nkeys + ht->nvals; c++) {
            const vm_vec *v = c < ht->nkeys ? &keys[c] : &vals[c - ht->nkeys];
            if (!vm_column_append(&ht->cols[c], v, rows, m, &ht->heap))
                goto fail;
        }
        ht->count += m;
    }
    return true;
fail:
    ht->broken = true;
    return false;
}

bool vm_ht_take(vm_ht *ht, vm_ht *from)
{
    if (ht->indexed || ht->group || from->group || from->broken || ht->nkeys != from->nkeys ||
        ht->nvals != from->nvals || ht->keep_nulls != from->keep_nulls)
        goto append;
    for (int c = 0; c < ht->nkeys + ht->nvals; c++)
        if (ht->cols[c].type != from->cols[c].type)
            goto append;
    if (ht->broken || (uint64_t)ht->count + from->count >= VM_HT_NONE)
        goto fail;
    for (int c = 0; c < ht->nkeys + ht->nvals; c++)
        if (!vm_column_append_column(&ht->cols[c], &from->cols[c]))
            goto fail;
    vm_strheap_move(&ht->heap, &from->heap);
    ht->count += from->count;
    ht->nnull += from->nnull;
    return true;
append: { /* what vm_ht_append is for */
        vm_vec keys[64], vals[64];
        if (from->nkeys > 64 || from->nvals > 64)
            goto fail;
        for (int c = 0; c < from->nkeys + from->nvals; c++) {
            const vm_column *col = &from->cols[c];
            vm_vec v = {col->type, col->data, col->validity};
            if (c < from->nkeys)
                keys[c] = v;
            else
                vals[c - from->nkeys] = v;
        }
        return vm_ht_append(ht, keys, vals, NULL, from->count);
    }
fail:
    ht->broken = true;
    return false;
}

/* final: the table is complete (vm_ht_index), so direct mode and a filter
** may be chosen; else rows will still be inserted. */
/* ---- a join directory laid out on threads -----------------------------------
** Each thread takes a range of the directory's slots and inserts, in entry
** order, the entries whose walk starts in it (every thread hashes every
** entry: a cheap sequential pass, and no scratch of the table's size). Its
** writes stay in its range; a walk that would leave the range (or go round
** the end) is deferred and finished on one thread after the others, in
** order, so every key's chain is as one thread makes it: a key's entries
** start in one range, and once one of them is deferred the later ones are
** too (the slots it walked past stay full). Bloom filter blocks increase
** with the hash like homes do: a thread sets those of its range but the one
** it may share with the range before, whose hashes it keeps for the end.
*/
enum { HT_PINDEX_MIN = 1 << 15 };

typedef struct ht_prange {
    uint32_t *defer;          /* deferred entries, in order */
    uint32_t ndefer, cap;
    uint64_t *edge;           /* hashes of the shared bloom block */
    uint32_t nedge, ecap;
    uint32_t heads;
    bool fail;
} ht_prange;

typedef struct ht_pindex {
    vm_ht *ht;
    const vm_vec *keys;
    int n;                    /* ranges of slots, one a thread */
    ht_prange *r;
    atomic_int next;          /* the next range a thread takes */
} ht_pindex;

/* Room for element n of an array a of *cap elements of w bytes: a itself,
** a copy twice as big (*cap updated), or NULL (no memory; a unchanged). */
static void *ht_room(void *a, uint32_t n, uint32_t *cap, size_t w)
{
    if (n < *cap)
        return a;
    uint32_t nc = *cap ? 2 * *cap : 64;
    void *q = realloc(a, nc * w);
    if (q)
        *cap = nc;
    return q;
}

static void ht_pindex_range(ht_pindex *x, int t)
{
    vm_ht *ht = x->ht;
    ht_prange *r = &x->r[t];
    uint64_t slots = ht->dmask + 1;
    uint64_t lo = slots * (uint64_t)t / (uint64_t)x->n, hi = slots * (uint64_t)(t + 1) / (uint64_t)x->n;
    uint64_t stop = hi & ht->dmask;
    /* the directory is fresh: each thread fills its own range's pages */
    memset(ht->dir + lo, 0xff, (hi - lo) * sizeof *ht->dir);
    uint32_t shared = UINT32_MAX;
    if (ht->bloom && t > 0) {
        uint64_t first = lo << ht->dshift;
        if (k_bloom_block(first, ht->bloom_blocks) == k_bloom_block(first - 1, ht->bloom_blocks))
            shared = k_bloom_block(first, ht->bloom_blocks);
    }
    ht_chunk ck;
    for (uint32_t first = 0; first < ht->count && !r->fail; first += HT_CHUNK) {
        uint32_t cn = ht->count - first < HT_CHUNK ? ht->count - first : HT_CHUNK, m = 0, nb = 0;
        ht_chunk_load(&ck, NULL, first, cn);
        ht_chunk_hash(ht, x->keys, &ck, cn);
        for (uint32_t i = 0; i < cn; i++) {
            ck.ent[i] = first + i;
            ck.todo[m] = i;
            m += (ck.h[i] >> ht->dshift) - lo < hi - lo;
        }
        if (ht->bloom) {
            uint64_t *q;
            for (uint32_t k = 0; k < m; k++) {
                uint32_t i = ck.todo[k];
                if (k_bloom_block(ck.h[i], ht->bloom_blocks) != shared) {
                    ck.chk[nb++] = i;
                } else if ((q = ht_room(r->edge, r->nedge, &r->ecap, sizeof *q))) {
                    r->edge = q;
                    q[r->nedge++] = ck.h[i];
                } else {
                    r->fail = true;
                }
            }
            k_bloom_insert(ht->bloom, ht->bloom_blocks, ck.h, ck.chk, nb);
        }
        if (!ht_chunk_insert(ht, x->keys, &ck, m, ck.ent, stop)) {
            r->fail = true;
            break;
        }
        r->heads += ck.nheads;
        for (uint32_t j = 0; j < ck.ndefer; j++) {
            uint32_t *d = ht_room(r->defer, r->ndefer, &r->cap, sizeof *d);
            if (!d) {
                r->fail = true;
                break;
            }
            r->defer = d;
            d[r->ndefer++] = ck.ent[ck.defer[j]];
        }
    }
}

/* Ranges are taken, not given: each is made whoever runs (vm_par_run may run fewer threads). */
static void ht_pindex_main(void *arg, int t)
{
    ht_pindex *x = arg;
    (void)t;
    for (int k; (k = atomic_fetch_add(&x->next, 1)) < x->n;)
        ht_pindex_range(x, k);
}

/* Lays out every entry (none indexed, no NULL key) in a fresh directory of
** ns slots (home: hash >> shift) on nthreads threads: 1 when done, 0 when
** out of memory half way, -1 when it was not started (no memory). */
static int ht_index_ranges(vm_ht *ht, const vm_vec *keys, uint64_t ns, int shift, vm_pool *pool, int nthreads)
{
    if (!ht_next_room(ht))
        return -1;
    ht_pindex x = {ht, keys, nthreads, calloc((size_t)nthreads, sizeof(ht_prange)), 0};
    uint64_t *d = x.r ? ht_dir_alloc(ns) : NULL;
    if (!d) {
        free(x.r);
        return -1;
    }
    free(ht->dir);
    ht->dir = d;
    ht->dmask = ns - 1;
    ht->dshift = shift;
    ht->heads = 0;
    vm_par_run(pool, nthreads, ht_pindex_main, &x);
    bool ok = true;
    ht_chunk ck;
    for (int t = 0; t < nthreads; t++) {
        ht_prange *r = &x.r[t];
        ok &= !r->fail;
        ht->heads += r->heads;
        for (uint32_t first = 0; ok && first < r->ndefer; first += HT_CHUNK) {
            uint32_t cn = r->ndefer - first < HT_CHUNK ? r->ndefer - first : HT_CHUNK;
            for (uint32_t i = 0; i < cn; i++)
                ck.rows[i] = ck.ent[i] = r->defer[first + i];
            ht_chunk_hash(ht, keys, &ck, cn);
            for (uint32_t i = 0; i < cn; i++)
                ck.todo[i] = i;
            ok = ht_chunk_insert(ht, keys, &ck, cn, ck.ent, HT_NO_STOP);
            ht->heads += ck.nheads;
        }
        if (ht->bloom)
            k_bloom_insert(ht->bloom, ht->bloom_blocks, r->edge, NULL, r->nedge);
        free(r->defer);
        free(r->edge);
    }
    free(x.r);
    return ok ? 1 : 0;
}

static bool ht_index(vm_ht *ht, bool final, vm_pool *pool, int nthreads)
{
    if (ht->broken || ht->group)
        return !ht->broken;
    if (ht->indexed == ht->count)
        return true;
    if (ht->direct) { /* laid out again with the new entries */
        ht_direct_free(ht);
        ht->indexed = 0;
    }
    /* the filters must hold every entry: only for a table indexed in one go */
    ht_filters_free(ht);
    int64_t lo = 0, hi = 0;
    const vm_column *k0 = &ht->cols[0];
    /* entries with a NULL key are in no directory, array or filter */
    bool one_int = ht->indexed == 0 && !ht->nnull && ht_direct_ok(ht) &&
                   ht_int_range(&(vm_vec){k0->type, k0->data, NULL}, NULL, ht->count, &lo, &hi, false);
    if (one_int && final && ht_join_direct(ht, lo, hi, pool, nthreads)) {
        free(ht->dir);
        ht->dir = NULL;
        ht->dmask = 0;
        ht->heads = 0;
        ht->indexed = ht->count;
        return true;
    }
    uint32_t total = ht->count;
    /* a big table indexed in one go on threads: each makes its range of a fresh directory */
    uint64_t slots = 0;
    int shift = 0;
    bool ranges = final && ht->indexed == 0 && !ht->nnull && total >= HT_PINDEX_MIN && nthreads > 1 &&
                  ht_dir_size(0, 2 * (uint64_t)total, &slots, &shift);
    /* else one directory of the final size: no growth while indexing */
    if (!ranges) {
        ht->count = ht->indexed;
        bool ok = ht_reserve(ht, total - ht->indexed);
        ht->count = total;
        if (!ok)
            goto fail;
        slots = ht->dmask + 1;
    }
    vm_vec keys[64];
    if (ht->nkeys > 64)
        goto fail;
    for (int c = 0; c < ht->nkeys; c++)
        keys[c] = (vm_vec){ht->cols[c].type, ht->cols[c].data, ht->cols[c].validity};
    /* A directory past the first-level caches makes a probe of an absent key
    ** a cache miss, and even one in cache a mispredicted walk. A filter in
    ** front answers most absent keys: for one integer key whose range is at
    ** most HT_KBITS_RATIO bits per directory slot, a bitmap of the range
    ** (exact, and rows are dropped before they are hashed); else a bloom
    ** filter of ~10 bits per entry. */
    if (final && ht->indexed == 0 && total >= HT_BLOOM_MIN) {
        uint64_t range = (uint64_t)hi - (uint64_t)lo;
        if (one_int && range < HT_KBITS_RATIO * slots) {
            ht->krange = range + 1;
            if ((ht->kbits = calloc(ht->krange / 64 + 1, sizeof *ht->kbits))) {
                ht->kbase = lo;
                ht_kbits_fill(ht);
            }
        } else {
            ht->bloom_blocks = k_bloom_nblocks(total);
            if (!(ht->bloom = calloc((size_t)ht->bloom_blocks * 8, sizeof *ht->bloom)))
                ht->bloom_blocks = 0; /* only an optimization */
        }
    }
    if (ranges) {
        int laid = ht_index_ranges(ht, keys, slots, shift, pool, nthreads);
        if (laid == 0)
            goto fail;
        if (laid == 1) {
            ht->indexed = total;
            return true;
        }
        /* no memory for it: on one thread */
        ht->count = 0;
        bool ok = ht_reserve(ht, total);
        ht->count = total;
        if (!ok)
            goto fail;
    }
    ht_chunk ck;
    for (uint32_t first = ht->indexed; first < total; first += HT_CHUNK) {
        uint32_t cn = total - first < HT_CHUNK ? total - first : HT_CHUNK;
        for (uint32_t i = 0; i < cn; i++) {
            ck.rows[i] = first + i;
            ck.ent[i] = first + i;
            ck.todo[i] = i;
        }
        ht_chunk_hash(ht, keys, &ck, cn);
        uint32_t m = cn;
        if (ht->nnull) {
            m = 0;
            for (uint32_t i = 0; i < cn; i++) {
                ck.todo[m] = i;
                m += !ck.nul[i];
            }
        }
        if (ht->bloom)
            k_bloom_insert(ht->bloom, ht->bloom_blocks, ck.h, m < cn ? ck.todo : NULL, m);
        if (!ht_chunk_insert(ht, keys, &ck, m, ck.ent, HT_NO_STOP))
            goto fail;
        ht->heads += ck.nheads;
    }
    ht->indexed = total;
    return true;
fail:
    ht->broken = true;
    return false;
}

void vm_ht_keep_null_keys(vm_ht *ht)
{
    ht->keep_nulls = true;
}

size_t vm_ht_index_bytes(uint64_t n)
{
    uint64_t slots = 1024;
    while (slots < 2 * n)
        slots *= 2;
    return (size_t)(slots * sizeof(uint64_t) + n * sizeof(uint32_t));
}

bool vm_ht_index(vm_ht *ht)
{
    return ht_index(ht, true, NULL, 1);
}

bool vm_ht_index_par(vm_ht *ht, vm_pool *pool, int nthreads)
{
    return ht_index(ht, true, pool, nthreads);
}

void vm_ht_one_part(vm_ht *ht)
{
    ht->one_part = ht_direct_ok(ht);
}

void vm_ht_drop_filter(vm_ht *ht)
{
    ht_filters_free(ht);
}

/* The general path for a one-key table whose NULL key has a group already:
** NULL rows take it without being hashed and compared. Outer joins make
** such rows in bulk (the seed example groups 3.7M NULL names among 3.8M
** rows). */
static bool ht_group_chunk_nulls(vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t cn, uint32_t *out)
{
    uint32_t pos[HT_CHUNK], sub[HT_CHUNK], m = 0;
    const uint64_t *va = keys[0].validity;
    for (uint32_t i = 0; i < cn; i++) {
        uint32_t r = ck->rows[i];
        out[i] = ht->dnull;
        pos[m] = i;
        ck->rows[m] = r;
        m += vm_bit_get(va, r);
    }
    if (m && !ht_group_chunk(ht, keys, ck, m, sub))
        return false;
    for (uint32_t j = 0; j < m; j++)
        out[pos[j]] = sub[j];
    return true;
}

bool vm_ht_find_or_insert(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids)
{
    if (ht->broken || !ht->group || !ht_args_ok(ht, keys, NULL))
        goto fail;
    ht_chunk ck;
    bool nulls = ht->nkeys == 1 && keys[0].validity;
    for (uint32_t off = 0; off < n; off += HT_CHUNK) {
        uint32_t cn = n - off < HT_CHUNK ? n - off : HT_CHUNK;
        ht_chunk_load(&ck, sel, off, cn);
        int done = ht_small_chunk(ht, keys, &ck, cn, gids + off);
        if (!done)
            done = ht_direct_chunk(ht, keys, &ck, cn, gids + off);
        if (!done && nulls && ht->dnull != VM_HT_NONE)
            done = ht_group_chunk_nulls(ht, keys, &ck, cn, gids + off) ? 1 : -1;
        if (done < 0 || (!done && !ht_group_chunk(ht, keys, &ck, cn, gids + off)))
            goto fail;
        for (uint32_t i = 0; nulls && ht->dnull == VM_HT_NONE && i < cn; i++)
            if (!vm_bit_get(keys[0].validity, sel ? sel[off + i] : off + i))
                ht->dnull = gids[off + i];
    }
    return true;
fail:
    ht->broken = true;
    return false;
}

/* Probe (a key with a NULL never matches) or, with nulls_match, group
** lookup (NULL equals NULL). Reads the table only. */
static void ht_lookup_dir(const vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *first,
                          bool nulls_match)
{
    if (!ht->dir || ht->broken) {
        for (uint32_t i = 0; i < n; i++)
            first[i] = VM_HT_NONE;
        return;
    }
    const uint64_t *dir = ht->dir, mask = ht->dmask;
    ht_chunk ck;
    for (uint32_t off = 0; off < n; off += HT_CHUNK) {
        uint32_t cn = n - off < HT_CHUNK ? n - off : HT_CHUNK, ntodo = 0;
        uint32_t *out = first + off;
        ht_chunk_load(&ck, sel, off, cn);
        ht_chunk_hash(ht, keys, &ck, cn);
        for (uint32_t i = 0; i < cn; i++) {
            out[i] = VM_HT_NONE;
            ck.todo[ntodo] = i;
            ntodo += !ck.nul[i] || nulls_match;
        }
        if (ht->bloom) /* rows whose key cannot be in the table go no further */
            ntodo = k_bloom_probe_sel(ht->bloom, ht->bloom_blocks, ck.h, ck.todo, ntodo, ck.chk);
        const uint32_t *live = ht->bloom ? ck.chk : ck.todo;
        for (uint32_t k = 0; k < ntodo; k++) {
            uint32_t i = live[k];
            ck.pos[i] = ck.h[i] >> ht->dshift;
            ck.todo[k] = i;
            /* a big table misses cache on every probe: overlap the misses */
            __builtin_prefetch(&dir[ck.pos[i]]);
        }
        while (ntodo) {
            uint32_t m = 0;
            for (uint32_t k = 0; k < ntodo; k++) {
                uint32_t i = ck.todo[k], tag = (uint32_t)(ck.h[i] >> 32);
                uint64_t p = ck.pos[i];
                for (;;) {
                    uint64_t s = dir[p];
                    if (ht_slot_empty(s)) {
                        out[i] = VM_HT_NONE;
                        break;
                    }
                    if ((uint32_t)(s >> 32) == tag) {
                        ck.cand[i] = (uint32_t)s;
                        ck.chk[m++] = i;
                        break;
                    }
                    p = (p + 1) & mask;
                }
                ck.pos[i] = p;
            }
            ht_chunk_eq(ht, keys, &ck, m);
            ntodo = 0;
            for (uint32_t j = 0; j < m; j++) {
                uint32_t i = ck.chk[j];
                if (ck.ok[j]) {
                    out[i] = ck.cand[i];
                } else {
                    ck.pos[i] = (ck.pos[i] + 1) & mask;
                    ck.todo[ntodo++] = i;
                }
            }
        }
    }
}

static void ht_lookup(const vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *first,
                      bool nulls_match)
{
    if (ht->direct && !ht->broken) {
        ht_direct_lookup(ht, &keys[0], sel, n, first, nulls_match ? ht->dnull : VM_HT_NONE);
        return;
    }
    if (!ht->kbits || ht->broken) {
        ht_lookup_dir(ht, keys, sel, n, first, nulls_match);
        return;
    }
    /* join mode (no NULL matches): only the rows whose key bit is set go on */
    const vm_vec *v = &keys[0];
    const uint64_t *va = v->validity, *kb = ht->kbits, base = (uint64_t)ht->kbase, range = ht->krange;
    uint32_t csel[HT_CHUNK], cpos[HT_CHUNK], cout[HT_CHUNK];
    for (uint32_t off = 0; off < n; off += HT_CHUNK) {
        uint32_t cn = n - off < HT_CHUNK ? n - off : HT_CHUNK, k = 0;
#define HT_KBITS_SEL(CT)                                                                       \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        for (uint32_t i = off; i < off + cn; i++) {                                            \
            uint32_t r = sel ? sel[i] : i;                                                     \
            uint64_t d = (uint64_t)(int64_t)a[r] - base;                                       \
            first[i] = VM_HT_NONE;                                                             \
            csel[k] = r;                                                                       \
            cpos[k] = i;                                                                       \
            k += d < range && vm_bit_get(kb, d) && vm_bit_get(va, r);                          \
        }                                                                                      \
    }
        if (v->type == TIR_I64)
            HT_KBITS_SEL(int64_t)
        else
            HT_KBITS_SEL(int32_t)
#undef HT_KBITS_SEL
        if (!k)
            continue;
        ht_lookup_dir(ht, keys, csel, k, cout, false);
        for (uint32_t j = 0; j < k; j++)
            first[cpos[j]] = cout[j];
    }
}

void vm_ht_probe(const vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *first)
{
    ht_lookup(ht, keys, sel, n, first, false);
}

void vm_ht_find(const vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids)
{
    if (!ht->group || !ht_args_ok(ht, keys, NULL)) {
        for (uint32_t i = 0; i < n; i++)
            gids[i] = VM_HT_NONE;
        return;
    }
    ht_lookup(ht, keys, sel, n, gids, true);
}

/* vm_ht_append_groups, or with room only, the values left to vm_ht_fill_groups. */
static bool ht_append_groups(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, bool room)
{
    if ((ht->broken && !ht->sealed) || !ht->group || !ht_args_ok(ht, keys, NULL) ||
        (uint64_t)ht->count + n >= VM_HT_NONE)
        goto fail;
    for (int c = 0; c < ht->nkeys; c++) {
        vm_column *col = &ht->cols[c];
        if (!room && !vm_column_append(col, &keys[c], sel, n, &ht->heap))
            goto fail;
        if (!room)
            continue;
        /* the bits of a word may be two threads' groups: set here, on one */
        if (!vm_column_reserve(col, (uint64_t)ht->count + n) ||
            !vm_column_set_validity(col, ht->count, keys[c].validity, sel, n))
            goto fail;
        col->len = (uint64_t)ht->count + n;
    }
    ht->count += n;
    ht_small_off(ht);
    ht_direct_free(ht);
    /* the directory does not know the new groups: no lookup may follow */
    ht->broken = ht->sealed = true;
    return true;
fail:
    ht->broken = true;
    ht->sealed = false;
    return false;
}

bool vm_ht_append_groups(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n)
{
    return ht_append_groups(ht, keys, sel, n, false);
}

bool vm_ht_append_groups_room(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n)
{
    for (int c = 0; c < ht->nkeys; c++)
        if (ht->cols[c].type == TIR_BOOL)
            return false;
    return ht_append_groups(ht, keys, sel, n, true);
}

bool vm_ht_fill_groups(vm_ht *ht, uint32_t count0, const vm_vec *keys, const uint32_t *sel, uint32_t from,
                       uint32_t to, vm_strheap *heap)
{
    for (int c = 0; c < ht->nkeys && from < to; c++) {
        vm_column *col = &ht->cols[c];
        size_t w = vm_type_width(col->type);
        char *dst = (char *)col->data + ((size_t)count0 + from) * w;
        const char *src = keys[c].data;
        if (col->type == TIR_STRING) { /* as vm_column_append: NULL as zeroes, short strings their header */
            const tir_str *s = keys[c].data;
            tir_str *d = (tir_str *)(void *)dst;
            for (uint32_t i = from; i < to; i++, d++) {
                uint32_t r = sel[i];
                if (!vm_bit_get(keys[c].validity, r))
                    memset(d, 0, sizeof *d);
                else if (!vm_str_copy(heap, &s[r], d))
                    return false;
            }
        } else if (w == 4)
            k_gather_u32((const uint32_t *)(const void *)src, sel + from, to - from, (uint32_t *)(void *)dst);
        else if (w == 8)
            k_gather_u64((const uint64_t *)(const void *)src, sel + from, to - from, (uint64_t *)(void *)dst);
        else
            for (uint32_t i = from; i < to; i++, dst += w)
                memcpy(dst, src + (size_t)sel[i] * w, w);
    }
    return true;
}

void vm_ht_adopt_heap(vm_ht *ht, vm_strheap *heap)
{
    vm_strheap_move(&ht->heap, heap);
}

uint32_t vm_ht_next(const vm_ht *ht, uint32_t e)
{
    return ht->next && e < ht->count ? ht->next[e] : VM_HT_NONE;
}

const uint32_t *vm_ht_chains(const vm_ht *ht)
{
    return ht->next;
}

uint32_t vm_ht_count(const vm_ht *ht)
{
    return ht->count;
}

bool vm_ht_is_direct(const vm_ht *ht)
{
    return ht->direct != NULL;
}

const vm_column *vm_ht_key(const vm_ht *ht, int i)
{
    return &ht->cols[i];
}

const vm_column *vm_ht_val(const vm_ht *ht, int i)
{
    return &ht->cols[ht->nkeys + i];
}

void vm_ht_take_keys(vm_ht *ht, vm_column *cols, vm_strheap *heap)
{
    for (int c = 0; c < ht->nkeys; c++) {
        cols[c] = ht->cols[c];
        vm_column_init(&ht->cols[c], cols[c].type);
    }
    *heap = ht->heap;
    vm_strheap_init(&ht->heap);
    ht->broken = true;
    ht->sealed = false;
}

size_t vm_ht_bytes(const vm_ht *ht)
{
    size_t b = sizeof *ht + (size_t)(ht->nkeys + ht->nvals) * sizeof *ht->cols;
    if (ht->dir)
        b += (ht->dmask + 1) * sizeof *ht->dir;
    b += (size_t)ht->ncap * sizeof *ht->next + (size_t)ht->bloom_blocks * 32 + ht->drange * sizeof *ht->direct +
         (ht->kbits ? (ht->krange / 64 + 1) * sizeof *ht->kbits : 0);
    for (int c = 0; c < ht->nkeys + ht->nvals; c++)
        b += vm_column_bytes(&ht->cols[c]);
    if (ht->small)
        b += sizeof *ht->small + (size_t)ht->nkeys * sizeof(ht_field) +
             (size_t)(ht->small->mask + 1) * (sizeof *ht->small->codes + sizeof *ht->small->ids);
    return b + ht->heap.bytes;
}

size_t vm_ht_growth(const vm_ht *ht, uint32_t more)
{
    uint64_t n = (uint64_t)ht->count + more;
    size_t b = 0;
    for (int c = 0; c < ht->nkeys + ht->nvals; c++) {
        const vm_column *col = &ht->cols[c];
        uint64_t cap = col->cap ? col->cap : 1024;
        while (cap < n)
            cap *= 2;
        b += (cap - col->cap) * (vm_type_width(col->type) + (col->validity ? 1 : 0));
    }
    if (ht->dir) {
        uint64_t slots = ht->dmask + 1, need = 2 * ((uint64_t)ht->heads + more + HT_CHUNK);
        while (slots < need)
            slots *= 2;
        b += (slots - (ht->dmask + 1)) * sizeof *ht->dir;
    }
    /* direct mode grows (by at most its own size again) only for keys
    ** outside its range: counted when more keys, as far apart as the ones
    ** so far, could reach past either end */
    if (ht->direct && ht->count) {
        uint64_t span = (uint64_t)ht->dmax - (uint64_t)ht->dmin + 1;
        uint64_t reach = (span / ht->count + 1) * more;
        uint64_t below = (uint64_t)ht->dmin - (uint64_t)ht->dbase;
        uint64_t above = (uint64_t)ht->dbase + (ht->drange << ht->dsh) - 1 - (uint64_t)ht->dmax;
        if (below < reach || above < reach)
            b += ht->drange * sizeof *ht->direct;
    }
    return b;
}

void vm_hash_vecs(const vm_vec *keys, int nkeys, const uint32_t *sel, uint32_t n, uint64_t *h)
{
    for (int k = 0; k < nkeys; k++) {
        const vm_vec *v = &keys[k];
        switch (v->type) {
        case TIR_BOOL: k_hash_bool(v->data, v->validity, sel, n, k > 0, h); break;
        case TIR_I32: case TIR_DATE: k_hash_i32(v->data, v->validity, sel, n, k > 0, h); break;
        case TIR_I64: k_hash_i64(v->data, v->validity, sel, n, k > 0, h); break;
        case TIR_F64: k_hash_f64(v->data, v->validity, sel, n, k > 0, h); break;
        case TIR_DECIMAL128: k_hash_d128(v->data, v->validity, sel, n, k > 0, h); break;
        case TIR_INTERVAL: k_hash_iv(v->data, v->validity, sel, n, k > 0, h); break;
        default: k_hash_str(v->data, v->validity, sel, n, k > 0, h); break;
        }
    }
}

void vm_hash_rows(const vm_vec *keys, int nkeys, uint64_t start, uint32_t n, uint64_t *h)
{
    vm_vec view[64];
    for (int k = 0; k < nkeys && k < 64; k++)
        view[k] = (vm_vec){keys[k].type, (char *)keys[k].data + start * vm_type_width(keys[k].type),
                           keys[k].validity ? keys[k].validity + start / 64 : NULL};
    vm_hash_vecs(view, nkeys < 64 ? nkeys : 64, NULL, n, h);
}
