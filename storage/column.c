/*
** column.c — owned columns, the string heap and in-memory tables.
*/
#define _GNU_SOURCE /* mremap */
#include "column.h"
#include "kernels.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

size_t vm_type_width(tir_type t)
{
    switch (t) {
    case TIR_BOOL: return 1;
    case TIR_I32: case TIR_DATE: return 4;
    case TIR_I64: case TIR_F64: case TIR_DECIMAL: case TIR_TIMESTAMP: return 8;
    case TIR_STRING: return sizeof(tir_str);
    case TIR_DECIMAL128: return sizeof(__int128);
    case TIR_INTERVAL: return sizeof(tir_interval);
    default: return 8;
    }
}

struct vm_strchunk {
    vm_strchunk *next;
    size_t cap;
    char data[];
};

/* Chunks double from 4 KiB to VM_STRCHUNK: a heap with a few long strings
** (one partition of a spilled group-by, a small relation) stays small, a
** big one costs one allocation per 256 KiB. */
enum { VM_STRCHUNK_MIN = 4 * 1024 };

void vm_strheap_init(vm_strheap *h)
{
    memset(h, 0, sizeof *h);
}

void vm_strheap_free(vm_strheap *h)
{
    vm_strchunk *c = h->head;
    while (c) {
        vm_strchunk *next = c->next;
        free(c);
        c = next;
    }
    vm_strheap_init(h);
}

void vm_strheap_move(vm_strheap *into, vm_strheap *from)
{
    if (!from->head)
        return;
    if (!into->head) {
        *into = *from;
    } else {
        /* behind into's current chunk, which keeps taking new strings */
        vm_strchunk *last = from->head;
        while (last->next)
            last = last->next;
        last->next = into->head->next;
        into->head->next = from->head;
        into->bytes += from->bytes;
    }
    vm_strheap_init(from);
}

bool vm_str_make(vm_strheap *h, const char *s, uint32_t len, tir_str *out)
{
    memset(out, 0, sizeof *out);
    out->len = len;
    if (len <= TIR_STR_INLINE) {
        if (len)
            memcpy(out->prefix, s, len);
        return true;
    }
    memcpy(out->prefix, s, 4);
    if (!h->head || h->used + len > h->cap) {
        size_t cap = !h->head ? VM_STRCHUNK_MIN : h->cap < VM_STRCHUNK ? 2 * h->cap : VM_STRCHUNK;
        if (cap < len)
            cap = len;
        vm_strchunk *c = malloc(sizeof *c + cap);
        if (!c)
            return false;
        c->next = h->head;
        c->cap = cap;
        h->head = c;
        h->used = 0;
        h->cap = cap;
        h->bytes += sizeof *c + cap;
    }
    char *d = h->head->data + h->used;
    memcpy(d, s, len);
    h->used += len;
    out->u.ptr = d;
    return true;
}

bool vm_str_copy(vm_strheap *h, const tir_str *s, tir_str *out)
{
    if (s->len <= TIR_STR_INLINE) { /* the header is the whole string */
        *out = *s;
        return true;
    }
    return vm_str_make(h, tir_str_ptr(s), s->len, out);
}

void vm_column_init(vm_column *c, tir_type t)
{
    memset(c, 0, sizeof *c);
    c->type = t;
}

void vm_column_free(vm_column *c)
{
    vm_big_free(c->data, c->cap * vm_type_width(c->type));
    free(c->validity);
    vm_column_init(c, c->type);
}

enum { BIG_BYTES = 2u << 20 };

/* A big array's mapping: its bytes rounded up to BIG_STEP, readable and
** writable up to its bytes' last page, the rest reserved (PROT_NONE, out
** of the commit charge). Growth within a step is an mprotect of pages never
** touched (no TLB flush), and the mapping does not move: an mremap that
** moves flushes the TLB of every thread of the process, and
** groupby_high_card's arrays doubling on 2 threads spent 3 % of their time
** so. A pure function of the size the caller keeps, so no record of
** mappings is needed. */
enum { BIG_STEP = 64u << 20, BIG_PAGE = 4096 };

static size_t big_mapped(size_t bytes)
{
    return bytes > SIZE_MAX - BIG_STEP ? 0 : (bytes + BIG_STEP - 1) / BIG_STEP * BIG_STEP;
}

static size_t big_open(size_t bytes)
{
    return (bytes + BIG_PAGE - 1) / BIG_PAGE * BIG_PAGE;
}

void *vm_big_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
    if (new_bytes <= old_bytes)
        return p;
    if (new_bytes < BIG_BYTES) {
        char *q = realloc(p, new_bytes);
        if (q)
            memset(q + old_bytes, 0, new_bytes - old_bytes);
        return q;
    }
    size_t have = p && old_bytes >= BIG_BYTES ? big_mapped(old_bytes) : 0, want = big_mapped(new_bytes);
    if (!want)
        return NULL;
    size_t from = have ? big_open(old_bytes) : 0;
    if (have == want) /* the grown part was never touched: zero */
        return mprotect((char *)p + from, big_open(new_bytes) - from, PROT_READ | PROT_WRITE) ? NULL : p;
    char *q = mmap(NULL, want, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (q == MAP_FAILED)
        return NULL;
    if (mprotect(q, big_open(new_bytes), PROT_READ | PROT_WRITE) != 0) {
        munmap(q, want);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    /* Huge pages: a scan streams through several columns at once, and each
    ** 4 KiB page boundary is a TLB miss and a restart of the hardware
    ** prefetcher (TPC-H Q6 at SF 1: 12 -> 9.7 ms). On the whole mapping:
    ** pages moved in keep the flag of theirs. */
    madvise(q, want, MADV_HUGEPAGE);
#endif
#ifdef MREMAP_FIXED
    /* past a step: the old pages move in (page tables, not bytes) */
    if (have) {
        if (mremap(p, from, from, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
            munmap(q, want);
            return NULL;
        }
        munmap((char *)p + from, have - from);
        return q;
    }
#endif
    if (p) { /* from malloc, or (without mremap) another mapping */
        memcpy(q, p, old_bytes);
        vm_big_free(p, old_bytes);
    }
    return q;
}

void vm_big_populate(void *p, size_t size, size_t from, size_t to)
{
#ifdef MADV_POPULATE_WRITE
    if (!p || size < BIG_BYTES || from >= to)
        return;
    uintptr_t page = 4096, lo = ((uintptr_t)p + from) & ~(page - 1);
    madvise((void *)lo, (uintptr_t)p + to - lo, MADV_POPULATE_WRITE);
#else
    (void)p, (void)size, (void)from, (void)to;
#endif
}

void vm_big_free(void *p, size_t bytes)
{
    if (p && bytes >= BIG_BYTES)
        munmap(p, big_mapped(bytes));
    else
        free(p);
}

static bool column_grow(vm_column *c, uint64_t ncap)
{
    size_t w = vm_type_width(c->type);
    void *d = vm_big_realloc(c->data, c->cap * w, ncap * w);
    if (!d)
        return false;
    c->data = d;
    if (c->validity) {
        uint64_t *v = realloc(c->validity, (ncap / 64 + 1) * 8);
        if (!v)
            return false;
        memset(v + c->cap / 64 + 1, 0, (ncap / 64 - c->cap / 64) * 8);
        c->validity = v;
    }
    c->cap = ncap;
    return true;
}

bool vm_column_reserve(vm_column *c, uint64_t cap)
{
    if (cap <= c->cap)
        return true;
    uint64_t ncap = c->cap ? c->cap : 1024;
    while (ncap < cap)
        ncap *= 2;
    return column_grow(c, ncap);
}

bool vm_column_reserve_exact(vm_column *c, uint64_t cap)
{
    return cap <= c->cap || column_grow(c, cap);
}

static bool column_make_validity(vm_column *c)
{
    size_t words = c->cap / 64 + 1;
    c->validity = malloc(words * 8);
    if (!c->validity)
        return false;
    memset(c->validity, 0xff, words * 8);
    return true;
}

/* Marks rows [from, from+n) valid. */
static void set_valid_run(uint64_t *v, uint64_t from, uint32_t n)
{
    uint64_t i = from, end = from + n;
    for (; i < end && (i & 63); i++)
        vm_bit_set(v, i, true);
    for (; i + 64 <= end; i += 64)
        v[i >> 6] = ~(uint64_t)0;
    for (; i < end; i++)
        vm_bit_set(v, i, true);
}

bool vm_column_append(vm_column *c, const vm_vec *v, const uint32_t *sel, uint32_t n, vm_strheap *heap)
{
    if (n == 0) /* an empty column has no data array to copy into */
        return true;
    if (!vm_column_reserve(c, c->len + n))
        return false;
    size_t w = vm_type_width(c->type);
    char *dst = (char *)c->data + c->len * w;
    const char *src = v->data;
    /* fixed-width values without NULLs: one copy or one typed gather */
    if (!v->validity && c->type != TIR_STRING && (!sel || w == 1 || w == 4 || w == 8)) {
        if (!sel)
            memcpy(dst, src, n * w);
        else if (w == 1)
            k_gather_u8((const uint8_t *)src, sel, n, (uint8_t *)dst);
        else if (w == 4)
            k_gather_u32((const uint32_t *)(const void *)src, sel, n, (uint32_t *)(void *)dst);
        else
            k_gather_u64((const uint64_t *)(const void *)src, sel, n, (uint64_t *)(void *)dst);
        if (c->validity)
            set_valid_run(c->validity, c->len, n);
        c->len += n;
        return true;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        bool valid = vm_bit_get(v->validity, r);
        if (!valid && !c->validity && !column_make_validity(c))
            return false;
        if (c->validity)
            vm_bit_set(c->validity, c->len + i, valid);
        if (c->type == TIR_STRING && valid) {
            if (!vm_str_copy(heap, (const tir_str *)(src + (size_t)r * w), (tir_str *)(dst + (size_t)i * w)))
                return false;
        } else if (valid) {
            memcpy(dst + (size_t)i * w, src + (size_t)r * w, w);
        } else {
            memset(dst + (size_t)i * w, 0, w);
        }
    }
    c->len += n;
    return true;
}

bool vm_column_append_column(vm_column *c, const vm_column *from)
{
    uint64_t n = from->len, at = c->len;
    if (n == 0)
        return true;
    if (!vm_column_reserve(c, at + n))
        return false;
    size_t w = vm_type_width(c->type);
    memcpy((char *)c->data + at * w, from->data, n * w);
    if (from->validity && !c->validity && !column_make_validity(c))
        return false;
    if (c->validity && !from->validity)
        set_valid_run(c->validity, at, (uint32_t)n);
    else if (c->validity && at % 64 == 0)
        memcpy(c->validity + at / 64, from->validity, (n + 63) / 64 * 8);
    else if (c->validity)
        for (uint64_t i = 0; i < n; i++)
            vm_bit_set(c->validity, at + i, vm_bit_get(from->validity, i));
    c->len = at + n;
    return true;
}

bool vm_column_set_validity(vm_column *c, uint64_t at, const uint64_t *validity, const uint32_t *sel, uint32_t n)
{
    if (!validity && !c->validity)
        return true;
    if (!c->validity && !column_make_validity(c))
        return false;
    if (!validity) {
        set_valid_run(c->validity, at, n);
        return true;
    }
    for (uint32_t i = 0; i < n; i++)
        vm_bit_set(c->validity, at + i, vm_bit_get(validity, sel ? sel[i] : i));
    return true;
}

bool vm_column_append_null(vm_column *c)
{
    if (!vm_column_reserve(c, c->len + 1))
        return false;
    if (!c->validity && !column_make_validity(c))
        return false;
    size_t w = vm_type_width(c->type);
    memset((char *)c->data + c->len * w, 0, w);
    vm_bit_set(c->validity, c->len, false);
    c->len++;
    return true;
}

size_t vm_column_bytes(const vm_column *c)
{
    return c->cap * vm_type_width(c->type) + (c->validity ? (c->cap / 64 + 1) * 8 : 0);
}

size_t vm_table_bytes(const vm_table *t)
{
    if (!t)
        return 0;
    size_t n = t->heap.bytes;
    for (int i = 0; i < t->ncols; i++)
        n += vm_column_bytes(&t->cols[i]);
    return n;
}

void vm_table_free(vm_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->ncols; i++) {
        free(t->names ? t->names[i] : NULL);
        if (t->cols)
            vm_column_free(&t->cols[i]);
    }
    free(t->names);
    free(t->types);
    free(t->cols);
    vm_strheap_free(&t->heap);
    free(t);
}
