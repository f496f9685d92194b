/*
** map.c — open addressing with linear probing; the table doubles at half
** full and the old slots are left in the arena (total allocation stays
** linear in the number of keys).
*/
#include "map.h"

#include <string.h>

static uint64_t key_hash(const void *scope, const char *name)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)scope * 0x9E3779B97F4A7C15ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h ^ h >> 29;
}

static ir_map_slot *find(const ir_map_slot *slots, size_t cap, const void *scope, const char *name)
{
    size_t i = key_hash(scope, name) & (cap - 1);
    while (slots[i].name && (slots[i].scope != scope || strcmp(slots[i].name, name)))
        i = (i + 1) & (cap - 1);
    return (ir_map_slot *)&slots[i];
}

void *ir_map_get(const ir_map *m, const void *scope, const char *name)
{
    if (!m->cap || !name)
        return NULL;
    return find(m->slots, m->cap, scope, name)->value;
}

void *ir_map_put(ir_map *m, const void *scope, const char *name, void *value)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        ir_map_slot *slots = IR_NEWN(m->arena, ir_map_slot, cap);
        if (!slots)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].name)
                *find(slots, cap, m->slots[i].scope, m->slots[i].name) = m->slots[i];
        m->slots = slots;
        m->cap = cap;
    }
    ir_map_slot *s = find(m->slots, m->cap, scope, name);
    if (s->name)
        return s->value;
    *s = (ir_map_slot){scope, name, value};
    m->n++;
    return value;
}
