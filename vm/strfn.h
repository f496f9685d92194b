/*
** strfn.h — the string functions' instructions (strfn.c), called by the
** dispatch in exec.c. Operands as in opcodes.h.
*/
#ifndef VM_STRFN_H
#define VM_STRFN_H

#include "xpipe.h"

void vm_op_substr(xpipe *x, const vm_ins *in);
void vm_op_length(xpipe *x, const vm_ins *in, bool bytes);
tir_status vm_op_case(xpipe *x, const vm_ins *in, bool upper);
void vm_op_trim(xpipe *x, const vm_ins *in);
/* STARTS_WITH, ENDS_WITH, CONTAINS (bool) and STRPOS (i64), by in->op */
void vm_op_match(xpipe *x, const vm_ins *in);
tir_status vm_op_replace(xpipe *x, const vm_ins *in);
tir_status vm_op_pad(xpipe *x, const vm_ins *in, bool left);
tir_status vm_op_concat(xpipe *x, const vm_ins *in);

/* Helpers of the string instructions (likefn.c and regexfn.c too). */
/* A scratch buffer that grows; text made row by row is copied from it into
** the batch heap. */
typedef struct vm_sbuf {
    char *p;
    size_t n, cap;
    bool nomem;
} vm_sbuf;
bool vm_sbuf_room(vm_sbuf *b, size_t more);
void vm_sbuf_put(vm_sbuf *b, const char *s, size_t n);
/* out = the scratch text, the scratch emptied for the next row. */
bool vm_sbuf_take(xpipe *x, vm_sbuf *b, tir_str *out);
/* A slice of a string whose bytes outlive the batch: short ones inline,
** long ones pointing into the source (as substring does). */
tir_str vm_str_slice(const char *p, uint32_t len);
/* Byte offset after skipping n UTF-8 characters from byte pos (clamped). */
uint32_t vm_utf8_skip(const char *p, uint32_t len, uint32_t pos, int64_t n);
/* Validity of r[a] op r[b] op r[e] (b, e < 0: absent) over frame's rows,
** in register out's bitmap (NULL: all valid). */
uint64_t *vm_str_valid3(xpipe *x, int frame, int out, int a, int b, int e);
/* Appends s in upper (lower) case to b; false when out of memory. */
bool vm_case_map(xpipe *x, const char *s, uint32_t len, bool upper, vm_sbuf *b);

#endif
