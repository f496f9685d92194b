/*
** diag.h — compile diagnostics as values. Spans are byte offsets into the
** source; line:col is computed only when a diagnostic is rendered.
*/
#ifndef IR_DIAG_H
#define IR_DIAG_H

#include <stdint.h>
#include <stddef.h>
#include "tir.h"
#include "arena.h"

typedef struct ir_span {
    uint32_t off, len;
} ir_span;

typedef struct ir_diagnostic {
    tir_severity severity;
    ir_span span;
    const char *message;
} ir_diagnostic;

typedef struct ir_diags {
    ir_arena *arena;          /* messages are allocated here */
    const char *file;
    const char *src;
    size_t srclen;
    ir_diagnostic *items;     /* malloc'd, grown by ir_diag_add */
    size_t n, cap;
    size_t nerrors;
} ir_diags;

void ir_diags_init(ir_diags *d, ir_arena *a, const char *file, const char *src, size_t srclen);
void ir_diags_free(ir_diags *d);
void ir_error(ir_diags *d, ir_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ir_warning(ir_diags *d, ir_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1-based line and column of byte offset off. */
void ir_linecol(const char *src, size_t srclen, uint32_t off, int *line, int *col);
/* Sorts by position and renders every diagnostic: "file:line:col: error: msg\n",
** then the source line and a caret line ("^~~~" under the span). Arena string. */
char *ir_diags_render(ir_diags *d);

static inline ir_span ir_span_join(ir_span a, ir_span b)
{
    uint32_t lo = a.off < b.off ? a.off : b.off;
    uint32_t hi = a.off + a.len > b.off + b.len ? a.off + a.len : b.off + b.len;
    return (ir_span){lo, hi - lo};
}

#endif
