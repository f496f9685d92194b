/*
** diag.c — collecting and rendering compile diagnostics with a caret.
*/
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ir_diags_init(ir_diags *d, ir_arena *a, const char *file, const char *src, size_t srclen)
{
    memset(d, 0, sizeof *d);
    d->arena = a;
    d->file = file;
    d->src = src;
    d->srclen = srclen;
}

void ir_diags_free(ir_diags *d)
{
    free(d->items);
    d->items = NULL;
    d->n = d->cap = 0;
}

static void diag_addv(ir_diags *d, tir_severity sev, ir_span at, const char *fmt, va_list ap)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        ir_diagnostic *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return;
        d->items = items;
        d->cap = cap;
    }
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    ir_diagnostic *x = &d->items[d->n++];
    x->severity = sev;
    x->span = at;
    x->message = ir_strndup(d->arena, buf, strlen(buf));
    if (sev == TIR_SEV_ERROR)
        d->nerrors++;
}

void ir_error(ir_diags *d, ir_span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(d, TIR_SEV_ERROR, at, fmt, ap);
    va_end(ap);
}

void ir_warning(ir_diags *d, ir_span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(d, TIR_SEV_WARNING, at, fmt, ap);
    va_end(ap);
}

void ir_linecol(const char *src, size_t srclen, uint32_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && i < srclen; i++) {
        if (src[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int diag_cmp(const void *a, const void *b)
{
    const ir_diagnostic *x = a, *y = b;
    if (x->span.off != y->span.off)
        return x->span.off < y->span.off ? -1 : 1;
    return 0;
}

typedef struct dbuf {
    char *p;
    size_t n, cap;
} dbuf;

static void dbuf_put(dbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void dbuf_printf(dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dbuf_printf(dbuf *b, const char *fmt, ...)
{
    char tmp[1400];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        dbuf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

char *ir_diags_render(ir_diags *d)
{
    /* stable order of equal offsets is not needed: messages at one offset
    ** are rare and any order reads fine */
    if (d->n > 1)
        qsort(d->items, d->n, sizeof *d->items, diag_cmp);
    dbuf b = {0};
    dbuf_put(&b, "", 0);
    for (size_t i = 0; i < d->n; i++) {
        ir_diagnostic *x = &d->items[i];
        int line, col;
        ir_linecol(d->src, d->srclen, x->span.off, &line, &col);
        dbuf_printf(&b, "%s:%d:%d: %s: %s\n", d->file, line, col,
                    x->severity == TIR_SEV_ERROR ? "error" : "warning", x->message);
        size_t ls = x->span.off < d->srclen ? x->span.off : d->srclen;
        while (ls > 0 && d->src[ls - 1] != '\n')
            ls--;
        size_t le = ls;
        while (le < d->srclen && d->src[le] != '\n')
            le++;
        dbuf_put(&b, "  ", 2);
        dbuf_put(&b, d->src + ls, le - ls);
        dbuf_put(&b, "\n  ", 3);
        for (size_t k = ls; k < x->span.off && k < le; k++)
            dbuf_put(&b, d->src[k] == '\t' ? "\t" : " ", 1);
        dbuf_put(&b, "^", 1);
        uint32_t span_end = x->span.off + x->span.len;
        for (size_t k = (size_t)x->span.off + 1; k < span_end && k < le; k++)
            dbuf_put(&b, "~", 1);
        dbuf_put(&b, "\n", 1);
    }
    char *out = ir_strndup(d->arena, b.p ? b.p : "", b.n);
    free(b.p);
    return out;
}
