/*
** arena.c — bump allocator: blocks chained newest-first, freed together.
*/
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        free(b);
        b = next;
    }
    ir_arena_init(a);
}

void *ir_alloc(ir_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
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
        a->head = b;
        a->used = 0;
        a->cap = cap;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
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
