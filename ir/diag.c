/*
** diag.c — collecting and rendering compile diagnostics with a caret.
*/
#include "diag.h"
#include "buf.h"

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

char *ir_diags_render(ir_diags *d)
{
    /* stable order of equal offsets is not needed: messages at one offset
    ** are rare and any order reads fine */
    if (d->n > 1)
        qsort(d->items, d->n, sizeof *d->items, diag_cmp);
    ir_buf b = {0};
    ir_buf_put(&b, "", 0);
    for (size_t i = 0; i < d->n; i++) {
        ir_diagnostic *x = &d->items[i];
        int line, col;
        ir_linecol(d->src, d->srclen, x->span.off, &line, &col);
        ir_buf_printf(&b, "%s:%d:%d: %s: %s\n", d->file, line, col,
                    x->severity == TIR_SEV_ERROR ? "error" : "warning", x->message);
        size_t ls = x->span.off < d->srclen ? x->span.off : d->srclen;
        while (ls > 0 && d->src[ls - 1] != '\n')
            ls--;
        size_t le = ls;
        while (le < d->srclen && d->src[le] != '\n')
            le++;
        ir_buf_put(&b, "  ", 2);
        ir_buf_put(&b, d->src + ls, le - ls);
        ir_buf_put(&b, "\n  ", 3);
        for (size_t k = ls; k < x->span.off && k < le; k++)
            ir_buf_put(&b, d->src[k] == '\t' ? "\t" : " ", 1);
        ir_buf_put(&b, "^", 1);
        uint32_t span_end = x->span.off + x->span.len;
        for (size_t k = (size_t)x->span.off + 1; k < span_end && k < le; k++)
            ir_buf_put(&b, "~", 1);
        ir_buf_put(&b, "\n", 1);
    }
    return ir_buf_finish(&b, d->arena);
}
