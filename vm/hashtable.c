/*
** hashtable.c — the hash table behind hash joins and hash group-by (design:
** hashtable.h and docs/HASHTABLE.md). Rows are handled a chunk at a time:
** hash every key column with one typed loop per column, walk the directory
** for all rows of the chunk, then check the candidate entries with one typed
** equality loop per key column. Rows whose candidate had the same tag but a
** different key walk on in another round.
*/
#include "hashtable.h"

#include <stdlib.h>
#include <string.h>

/* Rows per internal step. Bounds the stack scratch (about 20 KiB) and how
** far ahead of need the directory grows (it is sized for a whole chunk of
** new keys before the chunk is probed, so it never grows mid-chunk). */
enum { HT_CHUNK = 512 };

#define HT_NULL_HASH 0x6e756c6c6b657973ULL /* hash of a NULL value */
#define HT_TAG_MASK 0xffffffff00000000ULL

struct vm_ht {
    int nkeys, nvals;
    bool group;
    bool broken;              /* a mutation failed half-way: only free/bytes are valid */
    vm_column *cols;          /* nkeys key columns, then nvals value columns */
    vm_strheap heap;          /* bytes of long key and value strings */
    uint64_t *dir;            /* slot = tag << 32 | entry id; all ones = empty */
    uint64_t dmask;           /* slots - 1; dir is NULL until the first insert */
    uint32_t heads;           /* occupied slots = distinct keys */
    uint32_t count;           /* entries */
    uint32_t hcap, ncap;      /* capacity of hash[] and next[] */
    uint64_t *hash;           /* full hash per entry: growth never rehashes keys */
    uint32_t *next;           /* join mode: next entry with the same key */
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
    uint8_t ok[HT_CHUNK];     /* per chk index: candidate key equal so far */
    uint8_t nul[HT_CHUNK];    /* some key column is NULL */
} ht_chunk;

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

static inline uint64_t ht_combine(uint64_t h, uint64_t x)
{
    return ht_mix(ht_rotl(h, 29) ^ x);
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
    const char *p = tir_str_ptr(s);
    uint32_t len = s->len;
    uint64_t h = 0x243f6a8885a308d3ULL ^ len, w;
    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = ht_rotl((h ^ w) * 0x9e3779b97f4a7c15ULL, 31);
    }
    if (len) {
        w = 0;
        memcpy(&w, p, len);
        h = ht_rotl((h ^ w) * 0x9e3779b97f4a7c15ULL, 31);
    }
    return ht_mix(h);
}

#define HT_H_BOOL(x) ht_hash_int((x) != 0)
#define HT_H_I32(x) ht_hash_int((uint64_t)(int64_t)(x))
#define HT_H_I64(x) ht_hash_int((uint64_t)(x))
#define HT_H_F64(x) ht_hash_f64(x)
#define HT_H_STR(x) ht_hash_str(&(x))

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
        default: break;
        }
    }
}

static inline bool ht_slot_empty(uint64_t s)
{
    return (uint32_t)s == VM_HT_NONE;
}

/* Doubling from 1024 up to at least need (< VM_HT_NONE). */
static uint32_t ht_grow_cap(uint32_t cap, uint64_t need)
{
    uint64_t c = cap ? cap : 1024;
    while (c < need)
        c *= 2;
    return c >= VM_HT_NONE ? VM_HT_NONE - 1 : (uint32_t)c;
}

/* Room for `more` entries and as many new distinct keys, the directory
** staying at most half full. On failure the table is unchanged in content. */
static bool ht_reserve(vm_ht *ht, uint64_t more)
{
    uint64_t ne = (uint64_t)ht->count + more;
    if (ne >= VM_HT_NONE)
        return false;
    if (ne > ht->hcap) {
        uint32_t cap = ht_grow_cap(ht->hcap, ne);
        uint64_t *h = realloc(ht->hash, (size_t)cap * sizeof *h);
        if (!h)
            return false;
        ht->hash = h;
        ht->hcap = cap;
    }
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
        uint64_t ns = slots ? slots * 2 : 1024;
        while (ns < need)
            ns *= 2;
        if (ns > SIZE_MAX / sizeof(uint64_t))
            return false;
        uint64_t *d = malloc(ns * sizeof *d);
        if (!d)
            return false;
        memset(d, 0xff, ns * sizeof *d);
        uint64_t mask = ns - 1;
        /* Reinsert the chain heads by their stored hash; the slot word
        ** (tag and id) moves unchanged. */
        for (uint64_t p = 0; p < slots; p++) {
            uint64_t s = ht->dir[p];
            if (ht_slot_empty(s))
                continue;
            uint64_t q = ht->hash[(uint32_t)s] & mask;
            while (!ht_slot_empty(d[q]))
                q = (q + 1) & mask;
            d[q] = s;
        }
        free(ht->dir);
        ht->dir = d;
        ht->dmask = mask;
    }
    return true;
}

/* Inserts the positions todo[0..ntodo) of a hashed chunk (directory
** already reserved). Group mode: out[i] = found or new group of position i;
** a row reaching an empty slot claims it for a new entry and the keys of
** the round's new entries are appended before candidates are compared, so
** later rows of the chunk find them. Join mode: out[i] is the entry already
** appended for position i; it becomes the head of its key's chain. */
static bool ht_chunk_insert(vm_ht *ht, const vm_vec *keys, ht_chunk *ck, uint32_t ntodo, uint32_t *out)
{
    uint64_t *dir = ht->dir, mask = ht->dmask;
    for (uint32_t k = 0; k < ntodo; k++) {
        uint32_t i = ck->todo[k];
        ck->pos[i] = ck->h[i] & mask;
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
                        ht->hash[e] = ck->h[i];
                        out[i] = e;
                    } else {
                        e = out[i];
                        ht->next[e] = VM_HT_NONE;
                    }
                    dir[p] = (uint64_t)tag << 32 | e;
                    ht->heads++;
                    break;
                }
                if ((uint32_t)(s >> 32) == tag) {
                    ck->cand[i] = (uint32_t)s;
                    ck->chk[m++] = i;
                    break;
                }
                p = (p + 1) & mask;
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
                ck->todo[ntodo++] = i;
            } else if (ht->group) {
                out[i] = ck->cand[i];
            } else {
                uint64_t *slot = &dir[ck->pos[i]];
                ht->next[out[i]] = (uint32_t)*slot;
                *slot = (*slot & HT_TAG_MASK) | out[i];
            }
        }
    }
    return true;
}

/* ---- API ------------------------------------------------------------------ */

static bool ht_key_type_ok(tir_type t)
{
    return t == TIR_BOOL || t == TIR_I32 || t == TIR_I64 || t == TIR_F64 || t == TIR_STRING ||
           t == TIR_DATE;
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
    free(ht->hash);
    free(ht->next);
    free(ht);
}

bool vm_ht_reserve(vm_ht *ht, uint32_t n)
{
    if (ht->broken || !ht_reserve(ht, n))
        return false;
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

bool vm_ht_insert(vm_ht *ht, const vm_vec *keys, const vm_vec *vals, const uint32_t *sel, uint32_t n)
{
    if (ht->broken || ht->group || !ht_args_ok(ht, keys, vals))
        goto fail;
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
        for (uint32_t k = 0; k < m; k++)
            ht->hash[ht->count + k] = ck.h[ck.todo[k]];
        ht->count += m;
        if (!ht_chunk_insert(ht, keys, &ck, m, ck.ent))
            goto fail;
    }
    return true;
fail:
    ht->broken = true;
    return false;
}

bool vm_ht_find_or_insert(vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids)
{
    if (ht->broken || !ht->group || !ht_args_ok(ht, keys, NULL))
        goto fail;
    ht_chunk ck;
    for (uint32_t off = 0; off < n; off += HT_CHUNK) {
        uint32_t cn = n - off < HT_CHUNK ? n - off : HT_CHUNK;
        if (!ht_reserve(ht, cn))
            goto fail;
        ht_chunk_load(&ck, sel, off, cn);
        ht_chunk_hash(ht, keys, &ck, cn);
        for (uint32_t i = 0; i < cn; i++)
            ck.todo[i] = i;
        if (!ht_chunk_insert(ht, keys, &ck, cn, gids + off))
            goto fail;
    }
    return true;
fail:
    ht->broken = true;
    return false;
}

void vm_ht_probe(const vm_ht *ht, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *first)
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
            if (ck.nul[i]) {
                out[i] = VM_HT_NONE;
            } else {
                ck.pos[i] = ck.h[i] & mask;
                ck.todo[ntodo++] = i;
                /* a big table misses cache on every probe: overlap the misses */
                __builtin_prefetch(&dir[ck.pos[i]]);
            }
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

uint32_t vm_ht_next(const vm_ht *ht, uint32_t e)
{
    return ht->next && e < ht->count ? ht->next[e] : VM_HT_NONE;
}

uint32_t vm_ht_count(const vm_ht *ht)
{
    return ht->count;
}

const vm_column *vm_ht_key(const vm_ht *ht, int i)
{
    return &ht->cols[i];
}

const vm_column *vm_ht_val(const vm_ht *ht, int i)
{
    return &ht->cols[ht->nkeys + i];
}

size_t vm_ht_bytes(const vm_ht *ht)
{
    size_t b = sizeof *ht + (size_t)(ht->nkeys + ht->nvals) * sizeof *ht->cols;
    if (ht->dir)
        b += (ht->dmask + 1) * sizeof *ht->dir;
    b += (size_t)ht->hcap * sizeof *ht->hash + (size_t)ht->ncap * sizeof *ht->next;
    for (int c = 0; c < ht->nkeys + ht->nvals; c++)
        b += vm_column_bytes(&ht->cols[c]);
    return b + ht->heap.bytes;
}
