/*
** buf.c — growable text buffer (see buf.h).
*/
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ir_buf_put(ir_buf *b, const char *s, size_t n)
{
    if (b->nomem)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->nomem = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void ir_buf_puts(ir_buf *b, const char *s)
{
    ir_buf_put(b, s, strlen(s));
}

void ir_buf_printf(ir_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        ir_buf_put(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->nomem = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ir_buf_put(b, big, (size_t)n);
    free(big);
}

char *ir_buf_finish(ir_buf *b, ir_arena *a)
{
    /* Failing is the arena's failure (flag, unwind), but only once b->p is freed. */
    jmp_buf *oom = a->oom;
    a->oom = NULL;
    char *s = b->nomem ? NULL : ir_strndup(a, b->p ? b->p : "", b->n);
    a->oom = oom;
    free(b->p);
    *b = (ir_buf){0};
    if (!s) {
        a->nomem = true;
        if (oom)
            longjmp(*oom, 1);
    }
    return s;
}
