/*
** map.h — a hash map from (scope, name) to a pointer, allocated in an
** arena, for the compiler's name lookups: tables and pipelines by name,
** statements by (pipeline, name), columns by (schema, name). With it the
** checker stays linear in the size of a program however many names it has.
*/
#ifndef IR_MAP_H
#define IR_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "arena.h"

typedef struct ir_map_slot {
    const void *scope;
    const char *name;        /* NULL: empty slot */
    void *value;
} ir_map_slot;

typedef struct ir_map {
    ir_arena *arena;
    ir_map_slot *slots;
    size_t cap, n;           /* cap is 0 or a power of two */
} ir_map;

static inline void ir_map_init(ir_map *m, ir_arena *a)
{
    *m = (ir_map){.arena = a};
}

/* The value of (scope, name), or NULL. */
void *ir_map_get(const ir_map *m, const void *scope, const char *name);
/* Adds (scope, name) -> value unless the key is present. Returns the value
** now stored under the key (the earlier one if it was present), or NULL
** when out of memory. name must outlive the map. */
void *ir_map_put(ir_map *m, const void *scope, const char *name, void *value);

#endif
