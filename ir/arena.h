/*
** arena.h — bump allocator for compile-time objects (AST, types, bytecode).
** Everything allocated from an arena is freed at once with ir_arena_free().
*/
#ifndef IR_ARENA_H
#define IR_ARENA_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ir_arena_block ir_arena_block;
typedef struct ir_arena {
    ir_arena_block *head;
    size_t used, cap;
    bool nomem;               /* an allocation failed: tir_compile says TIR_ERR_NOMEM */
    jmp_buf *oom;             /* set: a failed allocation longjmps here instead of returning NULL */
} ir_arena;

void ir_arena_init(ir_arena *a);
void ir_arena_free(ir_arena *a);
/* Zeroed, 16-byte aligned. Returns NULL only when out of memory (or
** longjmps to a->oom when set). */
void *ir_alloc(ir_arena *a, size_t n);
char *ir_strndup(ir_arena *a, const char *s, size_t n);
/* printf into the arena. */
char *ir_sprintf(ir_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define IR_NEW(a, T) ((T *)ir_alloc((a), sizeof(T)))
#define IR_NEWN(a, T, n) ((T *)ir_alloc((a), sizeof(T) * (size_t)(n)))

#endif
