/*
** params.h — the values bound to a compiled program's parameters
** (tir_bind_*). A program is compiled once; each run reads the values bound
** at its start, so the same bytecode runs with many values and a value is
** never program text.
*/
#ifndef VM_PARAMS_H
#define VM_PARAMS_H

#include "vm.h"

typedef struct vm_binds {
    const ir_program *prog;
    vm_const *vals;           /* per parameter: its value, typed as declared; long strings own their bytes */
    bool *bound;
} vm_binds;

/* Room for p's parameters, none bound; false when out of memory. */
bool vm_binds_init(vm_binds *b, const ir_program *p);
void vm_binds_free(vm_binds *b);
/* Every parameter unbound again. */
void vm_binds_clear(vm_binds *b);

/* Binds parameter `name` (without '$') to v (v->type: the caller's type;
** is_null for NULL; a string's bytes are copied). The value must fit the
** declared type: the same type, an integer for a wider number, an i64 that
** fits for i32, NULL only when declared nullable. On failure the binding is
** unchanged and err names the parameter. */
tir_status vm_bind(vm_binds *b, const char *name, const vm_const *v, char *err, size_t errlen);
/* A string of len bytes at s (copied), for a string parameter. */
tir_status vm_bind_str(vm_binds *b, const char *name, const char *s, size_t len, char *err, size_t errlen);
/* The same from text, read as the declared type with the CSV loader's
** rules (integers, decimals, true/false, YYYY-MM-DD; a string as it is). */
tir_status vm_bind_text(vm_binds *b, const char *name, const char *text, size_t len, char *err, size_t errlen);

/* Before a run: every parameter is bound, and those used as limit counts
** are >= 0. On failure err is "file:line:col: error: ..." at the declaration
** (or the use), naming the parameter. */
tir_status vm_binds_check(const vm_binds *b, char *err, size_t errlen);

#endif
