/*
** stragg.h — string_agg's state: the string joined so far, as a tir_str
** whose long bytes live in a buffer of its own that grows by doubling.
**
** A group's state stays a valid tir_str at all times, so what reads the
** other string aggregates (min/max) reads it too: spill files write it as a
** string column, a finished result copies it like any string. Only its
** owner appends to it or frees it. The buffer's capacity is not stored: it
** is a function of the length (vm_stragg_cap), which only grows.
*/
#ifndef VM_STRAGG_H
#define VM_STRAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tir.h"

/* Bytes of the buffer behind a string of len bytes (0: inline). */
size_t vm_stragg_cap(uint32_t len);
/* Appends p[0..n) to *s, after the separator unless first. *bytes follows
** the buffers' capacity. False when out of memory or past 4 GiB - 1 (the
** longest tir_str); *s is then unchanged. */
bool vm_stragg_append(tir_str *s, bool first, const char *sep, uint32_t seplen, const char *p, uint32_t n,
                      size_t *bytes);
/* Frees the buffers of states s[0..n). */
void vm_stragg_free(tir_str *s, uint32_t n);

#endif
