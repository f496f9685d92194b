/*
** arena.c — bump allocator: blocks chained newest-first, freed together.
**
** Under AddressSanitizer a block's free tail and each allocation's padding
** stay poisoned, so reading past the end of an arena object is caught as it
** would be for malloc'd memory.
*/
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define IR_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IR_ARENA_ASAN 1
#endif
#endif
#ifdef IR_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct ir_arena_block {
    ir_arena_block *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

enum { IR_ARENA_MIN_BLOCK = 16 * 1024 };

void ir_arena_init(ir_arena *a)
{
    a->head = NULL;
    a->used = a->cap = 0;
    a->nomem = false;
    a->oom = NULL;
}

void ir_arena_free(ir_arena *a)
{
    ir_arena_block *b = a->head;
    while (b) {
        ir_arena_block *next = b->next;
        UNPOISON(b->data, b->cap);
        free(b);
        b = next;
    }
    ir_arena_init(a);
}

void *ir_alloc(ir_arena *a, size_t want)
{
    size_t n = (want + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if (!a->head || a->used + n > a->cap) {
        size_t cap = n > IR_ARENA_MIN_BLOCK ? n : IR_ARENA_MIN_BLOCK;
        ir_arena_block *b = malloc(sizeof *b + cap);
        if (!b) {
            a->nomem = true;
            if (a->oom)
                longjmp(*a->oom, 1);
            return NULL;
        }
        b->next = a->head;
        b->cap = cap;
        POISON(b->data, cap);
        a->head = b;
        a->used = 0;
        a->cap = cap;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    UNPOISON(p, want);
    memset(p, 0, want);
    return p;
}

char *ir_strndup(ir_arena *a, const char *s, size_t n)
{
    char *d = ir_alloc(a, n + 1);
    if (d && n)
        memcpy(d, s, n);
    return d;
}

char *ir_sprintf(ir_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = ir_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}
