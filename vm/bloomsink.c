/*
** bloomsink.c — build_bloom's result: the key hashes a pipeline collected
** (8 bytes per input row while it runs) become a split-block bloom filter
** sized for their distinct count, plus the distinct hashes themselves when
** there are few, for testing against the blocks' own filters.
*/
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "xpipe.h"

/* The slots of distinct()'s set for n values: at least twice as many. */
static size_t distinct_slots(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    return cap;
}

/* Moves the distinct values of h[0..n) to its front and returns how many:
** one pass through an open-addressing set (a sort was 10x slower). */
static size_t distinct(uint64_t *h, size_t n)
{
    size_t cap = distinct_slots(n);
    uint64_t *set = calloc(cap, sizeof *set);
    if (!set)
        return SIZE_MAX;
    size_t m = 0;
    bool zero = false;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = h[i];
        if (v == 0) { /* the set's empty mark */
            if (!zero)
                h[m++] = 0;
            zero = true;
            continue;
        }
        size_t p = (size_t)(v ^ (v >> 29)) & (cap - 1);
        while (set[p] && set[p] != v)
            p = (p + 1) & (cap - 1);
        if (!set[p]) {
            set[p] = v;
            h[m++] = v;
        }
    }
    free(set);
    return m;
}

bool vm_bloomsink_add(xbloomsink *bs, const uint64_t *h, const vm_vec *key, const uint32_t *sel, uint32_t n)
{
    bool ints = key && (key->type == TIR_I32 || key->type == TIR_DATE || key->type == TIR_I64);
    if (bs->n + n > bs->cap || (ints && !bs->k)) {
        size_t cap = bs->cap ? bs->cap : 4096;
        while (cap < bs->n + n)
            cap *= 2;
        uint64_t *p = realloc(bs->h, cap * sizeof *p);
        if (!p)
            return false;
        bs->h = p;
        if (ints || bs->k) {
            int64_t *k = realloc(bs->k, cap * sizeof *k);
            if (!k)
                return false;
            bs->k = k;
        }
        bs->cap = cap;
    }
    const uint64_t *valid = key ? key->validity : NULL;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (ints)
            bs->k[bs->n] = key->type == TIR_I64 ? ((const int64_t *)key->data)[r] : ((const int32_t *)key->data)[r];
        bs->h[bs->n] = h[r];
        bs->n += vm_bit_get(valid, r);
    }
    return true;
}

bool vm_bloomsink_merge(xbloomsink *into, xbloomsink *from)
{
    vm_vec k = {TIR_I64, from->k, NULL}; /* the keys, as an i64 column, beside their hashes */
    bool ok = vm_bloomsink_add(into, from->h, from->k ? &k : NULL, NULL, (uint32_t)from->n);
    free(from->h);
    free(from->k);
    *from = (xbloomsink){0};
    return ok;
}

/* The range of k[0..n) (n > 0): *lo and hi - lo. */
static uint64_t key_span(const int64_t *k, size_t n, int64_t *plo)
{
    int64_t lo = k[0], hi = k[0];
    for (size_t i = 1; i < n; i++) {
        lo = k[i] < lo ? k[i] : lo;
        hi = k[i] > hi ? k[i] : hi;
    }
    *plo = lo;
    return (uint64_t)hi - (uint64_t)lo;
}

/* A bitmap of the keys k[0..n) over span + 1 keys from lo; NULL when out of memory. */
static uint64_t *key_bits(const int64_t *k, size_t n, int64_t lo, uint64_t span)
{
    uint64_t *bits = calloc(span / 64 + 1, sizeof *bits);
    for (size_t i = 0; bits && i < n; i++)
        vm_bit_set(bits, (uint64_t)k[i] - (uint64_t)lo, true);
    return bits;
}

/* Bytes of key bitmap that may be made whatever the filter's size. */
enum { KBITS_MAX_BYTES = 1u << 20 };

/* A bitmap of the keys' range instead of probing the filter, when it takes
** at most the filter's bytes, or up to 32 times them within 1 MiB: tested
** without hashing (q5's 45k order keys over 6M: 750 KB against 56 KB, the
** scan's filter work about a third of the query). bits: the bitmap if made
** already (taken), or NULL. False when out of memory: not a mere speed-up,
** since the bitmap has no false positives, a scan feeding an anti join
** would give other rows without it. */
static bool key_bitmap(vm_bloom *b, const int64_t *k, size_t n, uint64_t *bits)
{
    if (!n)
        return true;
    int64_t lo;
    uint64_t span = key_span(k, n, &lo), bytes = span / 64 * 8 + 8, filter = (uint64_t)b->nblocks * 32;
    if (span == UINT64_MAX || !(bytes <= filter || (bytes <= KBITS_MAX_BYTES && bytes <= 32 * filter))) {
        free(bits);
        return true;
    }
    if (!bits && !(bits = key_bits(k, n, lo, span)))
        return false;
    b->kbits = bits;
    b->klo = lo;
    b->krange = span + 1;
    return true;
}

uint32_t vm_kbits_sel(const uint64_t *kbits, int64_t lo, uint64_t range, const vm_vec *v, const uint32_t *sel,
                      uint32_t n, uint32_t *out)
{
    if (v->type != TIR_I64) /* i32 and date */
        return k_kbits_sel_i32(kbits, lo, range, v->data, v->validity, sel, n, out);
    const uint64_t *va = v->validity, base = (uint64_t)lo;
    const int64_t *a = v->data;
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint64_t d = (uint64_t)a[r] - base;
        out[m] = r;
        m += d < range && vm_bit_get(kbits, d) && vm_bit_get(va, r);
    }
    return m;
}

/* How many distinct keys k[0..n) holds, by a bitmap of their range, left
** in *bits; SIZE_MAX (and no bitmap) when that would take more bytes than
** distinct()'s set of their hashes and than key_bitmap may keep, or when
** out of memory. Setting bits in key order and counting them beats probing
** the set at random: q4's 57k order keys over 6M (a 750 KB bitmap)
** 0.40 -> 0.1 ms. */
static size_t count_keys(const int64_t *k, size_t n, uint64_t **bits)
{
    int64_t lo;
    uint64_t span = key_span(k, n, &lo);
    *bits = NULL;
    uint64_t words = span / 64 + 1;
    if (span == UINT64_MAX || (words > distinct_slots(n) && words * 8 > KBITS_MAX_BYTES) ||
        !(*bits = key_bits(k, n, lo, span)))
        return SIZE_MAX;
    size_t c = 0;
    for (uint64_t w = 0; w <= span / 64; w++)
        c += (size_t)__builtin_popcountll((*bits)[w]);
    return c;
}

vm_bloom *vm_bloomsink_finish(xbloomsink *bs, tir_type t)
{
    vm_bloom *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->type = t;
    /* Integer keys over a range of no more bits than the set of the hashes
    ** has (2 to 4 slots of 64 bits a row), or of at most KBITS_MAX_BYTES of
    ** bits, are counted in a bitmap of it instead of gathering the distinct
    ** hashes through that set (q9: 322k order keys, 4 ms on one thread); the
    ** filter then takes every row's hash (a key's again sets the same bits). */
    uint64_t *bits = NULL;
    size_t n = bs->k && bs->n > VM_BLOOM_MAX_HASHES ? count_keys(bs->k, bs->n, &bits) : SIZE_MAX;
    bool all_rows = n != SIZE_MAX;
    if (!all_rows && (n = distinct(bs->h, bs->n)) == SIZE_MAX) {
        free(b);
        return NULL;
    }
    b->nkeys = n;
    b->nblocks = k_bloom_nblocks(n);
    b->words = calloc((size_t)b->nblocks * 8, sizeof *b->words);
    if (!b->words) {
        free(bits);
        free(b);
        return NULL;
    }
    size_t ins = all_rows ? bs->n : n;
    for (size_t i = 0; i < ins; i += 2048)
        k_bloom_insert(b->words, b->nblocks, bs->h + i, NULL, (uint32_t)(ins - i < 2048 ? ins - i : 2048));
    if (bs->k && !key_bitmap(b, bs->k, bs->n, bits)) {
        vm_bloom_free(b);
        return NULL;
    }
    if (n <= VM_BLOOM_MAX_HASHES && all_rows && (n = distinct(bs->h, bs->n)) == SIZE_MAX) {
        vm_bloom_free(b);
        return NULL;
    }
    if (n <= VM_BLOOM_MAX_HASHES) {
        b->hashes = malloc((n ? n : 1) * sizeof *b->hashes);
        if (!b->hashes) {
            vm_bloom_free(b);
            return NULL;
        }
        if (n)   /* no rows: bs->h was never allocated */
            memcpy(b->hashes, bs->h, n * sizeof *b->hashes);
        b->nhashes = (uint32_t)n;
    }
    free(bs->h);
    free(bs->k);
    *bs = (xbloomsink){0};
    return b;
}

void vm_bloom_free(vm_bloom *b)
{
    if (!b)
        return;
    free(b->words);
    free(b->hashes);
    free(b->kbits);
    free(b);
}

size_t vm_bloom_bytes(const vm_bloom *b)
{
    return b ? sizeof *b + (size_t)b->nblocks * 32 + (b->hashes ? b->nhashes * 8 : 0) +
                   (b->kbits ? (b->krange + 63) / 64 * 8 : 0)
             : 0;
}
