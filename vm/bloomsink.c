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

/* Moves the distinct values of h[0..n) to its front and returns how many:
** one pass through an open-addressing set (a sort was 10x slower). */
static size_t distinct(uint64_t *h, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
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

bool vm_bloomsink_add(xbloomsink *bs, const uint64_t *h, const uint64_t *valid, const uint32_t *sel, uint32_t n)
{
    if (bs->n + n > bs->cap) {
        size_t cap = bs->cap ? bs->cap * 2 : 4096;
        while (cap < bs->n + n)
            cap *= 2;
        uint64_t *p = realloc(bs->h, cap * sizeof *p);
        if (!p)
            return false;
        bs->h = p;
        bs->cap = cap;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        bs->h[bs->n] = h[r];
        bs->n += vm_bit_get(valid, r);
    }
    return true;
}

bool vm_bloomsink_merge(xbloomsink *into, xbloomsink *from)
{
    bool ok = vm_bloomsink_add(into, from->h, NULL, NULL, (uint32_t)from->n);
    free(from->h);
    *from = (xbloomsink){0};
    return ok;
}

vm_bloom *vm_bloomsink_finish(xbloomsink *bs, tir_type t)
{
    vm_bloom *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->type = t;
    size_t n = distinct(bs->h, bs->n);
    if (n == SIZE_MAX) {
        free(b);
        return NULL;
    }
    b->nkeys = n;
    b->nblocks = k_bloom_nblocks(n);
    b->words = calloc((size_t)b->nblocks * 8, sizeof *b->words);
    if (!b->words) {
        free(b);
        return NULL;
    }
    for (size_t i = 0; i < n; i += 2048)
        k_bloom_insert(b->words, b->nblocks, bs->h + i, NULL, (uint32_t)(n - i < 2048 ? n - i : 2048));
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
    *bs = (xbloomsink){0};
    return b;
}

void vm_bloom_free(vm_bloom *b)
{
    if (!b)
        return;
    free(b->words);
    free(b->hashes);
    free(b);
}

size_t vm_bloom_bytes(const vm_bloom *b)
{
    return b ? sizeof *b + (size_t)b->nblocks * 32 + (b->hashes ? b->nhashes * 8 : 0) : 0;
}
