/*
** buf.h — a growable text buffer for building messages and listings.
** Out of memory is sticky (nomem) and checked once, at the end.
*/
#ifndef IR_BUF_H
#define IR_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include "arena.h"

typedef struct ir_buf {
    char *p;                  /* malloc'd, NUL-terminated when n > 0 */
    size_t n, cap;
    bool nomem;
} ir_buf;

void ir_buf_put(ir_buf *b, const char *s, size_t n);
void ir_buf_puts(ir_buf *b, const char *s);
void ir_buf_printf(ir_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies the text into the arena, frees the buffer; NULL when out of memory. */
char *ir_buf_finish(ir_buf *b, ir_arena *a);

#endif
