/*
** sortcmp.h — the order of sort entries (sort.h), shared by the in-memory
** sort (sort.c) and the merge of spilled runs (sortrun.c): an entry's key
** bytes compare with memcmp, but two long strings that tie on their
** prefix are compared in full, and the full strings live where the rows
** are: a sink's rows, a table's columns, or a run's chunk read back.
*/
#ifndef VM_SORTCMP_H
#define VM_SORTCMP_H

#include <string.h>

#include "kernels.h"
#include "sort.h"
#include "spill.h"

/* An entry's locator: worker (or run) << 48 | row. */
#define VM_SORT_LOC_ROW ((UINT64_C(1) << 48) - 1)

static inline uint64_t vm_rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void vm_wr64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

typedef struct vm_sortctx {
    const vm_sortdef *def;
    vm_sink_sort *const *s;   /* the sinks, by worker */
    uint32_t e, kb;           /* entry and key bytes */
    bool topn;                /* entries carry an order word at e - 16 */
    bool has_str;
    const uint8_t *constant;  /* per key byte: equal in every entry */
    const vm_column *const *cols; /* vm_sort_perm, a merge's output: columns by sink column (loc: row) */
    const vm_spchunk *const *chunks; /* a merge: the runs' chunks (loc: run << 48 | row) ... */
    int chunk_col0;           /* ... whose sink column c is chunk column chunk_col0 + c */
    vm_pool *pool;            /* threads for the sort's parallel passes */
} vm_sortctx;

/* Byte a string key's last byte holds when the string is longer than its prefix. */
static inline uint8_t vm_sort_saturated(const vm_sortkey *key)
{
    return key->flags & K_SK_DESC ? (uint8_t)~(K_SK_STR_PREFIX + 1) : K_SK_STR_PREFIX + 1;
}

static inline const tir_str *vm_sort_row_str(const vm_sortctx *c, const uint8_t *ent, int col)
{
    uint64_t loc = vm_rd64(ent + c->e - 8);
    const vm_sortdef *def = c->def;
    if (c->cols)
        return &((const tir_str *)c->cols[col]->data)[loc & VM_SORT_LOC_ROW];
    if (c->chunks)
        return &((const tir_str *)c->chunks[loc >> 48]->cols[c->chunk_col0 + col].data)[loc & VM_SORT_LOC_ROW];
    return (const tir_str *)(const void *)(c->s[loc >> 48]->rows + (loc & VM_SORT_LOC_ROW) * def->row_bytes +
                                           def->rowoff[col]);
}

/* Bytes [8w, kb) of two entries as big-endian words, which compare like
** the bytes; a last partial word is masked (its bytes past kb may belong
** to later keys). */
static inline int vm_sort_cmp_words(const uint8_t *x, const uint8_t *y, uint32_t w, uint32_t kb)
{
    for (; 8 * w < kb; w++) {
        uint64_t a = __builtin_bswap64(vm_rd64(x + 8 * w)), b = __builtin_bswap64(vm_rd64(y + 8 * w));
        if (8 * w + 8 > kb) {
            uint64_t mask = ~UINT64_C(0) << (64 - 8 * (kb - 8 * w));
            a &= mask;
            b &= mask;
        }
        if (a != b)
            return a < b ? -1 : 1;
    }
    return 0;
}

/* The first byte at or after d (a multiple of 8 or not) where entries x
** and y differ, kb when none; *sign: -1 or 1 as x's byte is lower or
** higher there. */
static inline uint32_t vm_sort_diff_at(const uint8_t *x, const uint8_t *y, uint32_t d, uint32_t kb, int *sign)
{
    for (uint32_t w = d / 8; 8 * w < kb; w++) {
        uint64_t a = __builtin_bswap64(vm_rd64(x + 8 * w)), b = __builtin_bswap64(vm_rd64(y + 8 * w));
        if (a == b)
            continue;
        uint32_t at = 8 * w + (uint32_t)__builtin_clzll(a ^ b) / 8;
        if (at >= kb)   /* a last partial word: bytes of later keys */
            break;
        *sign = a < b ? -1 : 1;
        return at;
    }
    *sign = 0;
    return kb;
}

/* Two strings longer than a key's prefix whose prefixes are equal, by
** their bytes after it, then their lengths; words where they can be
** (the last one overlapping bytes already found equal). */
static inline int vm_sort_str_tail_cmp(const tir_str *a, const tir_str *b)
{
    const uint8_t *p = (const uint8_t *)tir_str_ptr(a), *q = (const uint8_t *)tir_str_ptr(b);
    uint32_t m = a->len < b->len ? a->len : b->len;
    for (uint32_t i = K_SK_STR_PREFIX; i < m; i += 8) {
        uint32_t at = i + 8 <= m ? i : m - 8;
        uint64_t u = __builtin_bswap64(vm_rd64(p + at)), v = __builtin_bswap64(vm_rd64(q + at));
        if (u != v)
            return u < v ? -1 : 1;
    }
    return (a->len > b->len) - (a->len < b->len);
}

/* Orders entries x and y whose bytes before d are equal: their key bytes,
** the full strings where two long strings tie on their prefix, and (top-N)
** their order words. 0: the rows are equal on every key. With strings:
** the first differing byte decides unless a long string of an earlier key
** ties on its prefix, then that string's full text decides first. */
static inline int vm_sort_cmp(const vm_sortctx *c, const uint8_t *x, const uint8_t *y, uint32_t d)
{
    int r = 0;
    if (!c->has_str) {
        r = vm_sort_cmp_words(x, y, d / 8, c->kb);
    } else {
        const vm_sortdef *def = c->def;
        uint32_t at = vm_sort_diff_at(x, y, d, c->kb, &r);
        for (int k = 0; k < def->nkeys; k++) {
            const vm_sortkey *key = &def->keys[k];
            uint32_t end = key->off + key->width;
            if (end > at)
                break;
            if (end <= d || key->type != TIR_STRING || x[end - 1] != vm_sort_saturated(key))
                continue;
            int s = vm_sort_str_tail_cmp(vm_sort_row_str(c, x, key->col), vm_sort_row_str(c, y, key->col));
            if (s) {
                r = key->flags & K_SK_DESC ? -s : s;
                break;
            }
        }
    }
    if (r || !c->topn)
        return r;
    uint64_t a = vm_rd64(x + c->e - 16), b = vm_rd64(y + c->e - 16);
    return (a > b) - (a < b);
}

#endif
