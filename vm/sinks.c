/*
** sinks.c — aggregate, group-by and relation sinks (see sinks.h).
*/
#include "sinks.h"

#include <stdlib.h>
#include <string.h>

#include "kernels.h"

vm_table *vm_sink_table_new(const ir_schema *s)
{
    vm_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = s->n;
    t->names = calloc((size_t)(s->n ? s->n : 1), sizeof *t->names);
    t->types = calloc((size_t)(s->n ? s->n : 1), sizeof *t->types);
    t->cols = calloc((size_t)(s->n ? s->n : 1), sizeof *t->cols);
    vm_strheap_init(&t->heap);
    if (!t->names || !t->types || !t->cols) {
        vm_table_free(t);
        return NULL;
    }
    for (int i = 0; i < s->n; i++) {
        t->types[i] = s->cols[i].ty.type;
        vm_column_init(&t->cols[i], t->types[i]);
        if (!(t->names[i] = strdup(s->cols[i].name.s))) {
            vm_table_free(t);
            return NULL;
        }
    }
    return t;
}

/* ------------------------------------------------------------ ungrouped */

bool vm_sink_agg_init(vm_sink_agg *a, const vm_agg *def)
{
    a->def = def;
    vm_strheap_init(&a->heap);
    a->st = calloc((size_t)(def->nslots ? def->nslots : 1), sizeof *a->st);
    return a->st != NULL;
}

void vm_sink_agg_free(vm_sink_agg *a)
{
    free(a->st);
    a->st = NULL;
    vm_strheap_free(&a->heap);
}

bool vm_agg_AGG_COUNT(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    a->st[slot].cnt += k_count_valid(v->validity, sel, n);
    return true;
}

bool vm_agg_AGG_COUNT_STAR(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    (void)v, (void)sel;
    a->st[slot].cnt += n;
    return true;
}

#define AGG_SUM_INT(T, t)                                                                        \
    bool vm_agg_AGG_SUM_##T(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n) \
    {                                                                                            \
        vm_aggstate *s = &a->st[slot];                                                           \
        bool ovf = false;                                                                        \
        k_sum_##t(v->data, v->validity, sel, n, &s->isum, &ovf);                                  \
        s->cnt += k_count_valid(v->validity, sel, n);                                            \
        return !ovf;                                                                             \
    }
AGG_SUM_INT(I32, i32)
AGG_SUM_INT(I64, i64)

#define AGG_AVG_INT(T, CT)                                                                       \
    bool vm_agg_AGG_AVG_##T(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n) \
    {                                                                                            \
        vm_aggstate *s = &a->st[slot];                                                           \
        const CT *d = v->data;                                                                   \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            bool ok = vm_bit_get(v->validity, r);                                                \
            s->wsum += ok ? d[r] : 0;                                                            \
            s->cnt += ok;                                                                        \
        }                                                                                        \
        return true;                                                                             \
    }
AGG_AVG_INT(I32, int32_t)
AGG_AVG_INT(I64, int64_t)

bool vm_agg_AGG_SUM_F64(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    vm_aggstate *s = &a->st[slot];
    k_sum_f64(v->data, v->validity, sel, n, &s->fsum);
    s->cnt += k_count_valid(v->validity, sel, n);
    return true;
}

#define AGG_MINMAX_NUM(MM, mm, T, t, F)                                                          \
    bool vm_agg_AGG_##MM##_##T(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n) \
    {                                                                                            \
        vm_aggstate *s = &a->st[slot];                                                           \
        bool has = s->cnt > 0;                                                                   \
        k_##mm##_##t(v->data, v->validity, sel, n, &s->m.F, &has);                                \
        s->cnt += k_count_valid(v->validity, sel, n);                                            \
        return true;                                                                             \
    }
AGG_MINMAX_NUM(MIN, min, I32, i32, i32)
AGG_MINMAX_NUM(MIN, min, I64, i64, i64)
AGG_MINMAX_NUM(MIN, min, F64, f64, f64)
AGG_MINMAX_NUM(MAX, max, I32, i32, i32)
AGG_MINMAX_NUM(MAX, max, I64, i64, i64)
AGG_MINMAX_NUM(MAX, max, F64, f64, f64)

/* The winning string is copied so it outlives the batch it came from. */
static bool agg_minmax_str(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n, int sign)
{
    vm_aggstate *s = &a->st[slot];
    const tir_str *d = v->data;
    const tir_str *best = NULL;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!vm_bit_get(v->validity, r))
            continue;
        const tir_str *cur = best ? best : s->cnt > 0 ? &s->m.s : NULL;
        if (!cur || k_str_cmp(&d[r], cur) * sign < 0)
            best = &d[r];
        s->cnt++;
    }
    return !best || vm_str_make(&a->heap, tir_str_ptr(best), best->len, &s->m.s);
}

bool vm_agg_AGG_MIN_STR(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    return agg_minmax_str(a, slot, v, sel, n, 1);
}

bool vm_agg_AGG_MAX_STR(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    return agg_minmax_str(a, slot, v, sel, n, -1);
}

static bool append_value(vm_column *c, vm_strheap *heap, const void *val, bool valid)
{
    if (!valid)
        return vm_column_append_null(c);
    vm_vec v = {c->type, (void *)val, NULL};
    return vm_column_append(c, &v, NULL, 1, heap);
}

/* Final value of one aggregate from its count and accumulator. */
static bool finish_value(vm_column *c, vm_strheap *heap, ir_aggfn fn, tir_type argt, int64_t cnt, const void *acc)
{
    switch (fn) {
    case IR_AGG_COUNT:
    case IR_AGG_COUNT_STAR: return append_value(c, heap, &cnt, true);
    case IR_AGG_AVG: {
        double avg = 0;
        if (cnt > 0)
            avg = (argt == TIR_F64 ? *(const double *)acc : (double)*(const __int128 *)acc) / (double)cnt;
        return append_value(c, heap, &avg, cnt > 0);
    }
    default: return append_value(c, heap, acc, cnt > 0);
    }
}

vm_table *vm_sink_agg_finish(vm_sink_agg *a)
{
    const vm_agg *def = a->def;
    vm_table *t = vm_sink_table_new(&def->stmt->out);
    if (!t)
        return NULL;
    for (int i = 0; i < def->nslots; i++) {
        const vm_aggstate *s = &a->st[i];
        ir_aggfn fn = def->slots[i].fn;
        tir_type at = def->slots[i].type;
        const void *acc = &s->m;
        if (fn == IR_AGG_SUM)
            acc = at == TIR_F64 ? (const void *)&s->fsum : (const void *)&s->isum;
        if (fn == IR_AGG_AVG)
            acc = at == TIR_F64 ? (const void *)&s->fsum : (const void *)&s->wsum;
        if (fn == IR_AGG_COUNT_STAR || fn == IR_AGG_COUNT) {
            if (!finish_value(&t->cols[i], &t->heap, fn, at, s->cnt, NULL))
                goto fail;
        } else if (!finish_value(&t->cols[i], &t->heap, fn, at, s->cnt, acc)) {
            goto fail;
        }
    }
    t->nrows = 1;
    return t;
fail:
    vm_table_free(t);
    return NULL;
}

/* --------------------------------------------------------------- grouped */

static size_t acc_width(const vm_aggslot *s)
{
    if (s->fn == IR_AGG_AVG && s->type != TIR_F64)
        return sizeof(__int128);
    if (s->fn == IR_AGG_SUM || s->fn == IR_AGG_AVG)
        return 8;
    if (s->fn == IR_AGG_COUNT || s->fn == IR_AGG_COUNT_STAR)
        return 0;
    return vm_type_width(s->type);
}

bool vm_sink_group_init(vm_sink_group *g, const vm_group *def)
{
    memset(g, 0, sizeof *g);
    g->def = def;
    vm_strheap_init(&g->heap);
    tir_type kt[64];
    if (def->nkeys > 64)
        return false;
    for (int k = 0; k < def->nkeys; k++)
        kt[k] = def->stmt->out.cols[k].ty.type;
    g->ht = vm_ht_new(def->nkeys, kt, 0, NULL, true);
    g->slots = calloc((size_t)(def->nslots ? def->nslots : 1), sizeof *g->slots);
    return g->ht && g->slots;
}

void vm_sink_group_free(vm_sink_group *g)
{
    for (int i = 0; g->slots && i < g->def->nslots; i++) {
        free(g->slots[i].cnt);
        free(g->slots[i].acc);
    }
    free(g->slots);
    vm_ht_free(g->ht);
    vm_strheap_free(&g->heap);
    memset(g, 0, sizeof *g);
}

static bool group_grow(vm_sink_group *g, uint32_t ngroups)
{
    if (ngroups <= g->cap)
        return true;
    uint32_t cap = g->cap ? g->cap : 1024;
    while (cap < ngroups)
        cap *= 2;
    for (int i = 0; i < g->def->nslots; i++) {
        vm_gslot *s = &g->slots[i];
        int64_t *cnt = realloc(s->cnt, sizeof *cnt * cap);
        if (!cnt)
            return false;
        memset(cnt + g->cap, 0, sizeof *cnt * (cap - g->cap));
        s->cnt = cnt;
        size_t w = acc_width(&g->def->slots[i]);
        if (w) {
            char *acc = realloc(s->acc, w * cap);
            if (!acc)
                return false;
            memset(acc + w * g->cap, 0, w * (cap - g->cap));
            s->acc = acc;
        }
    }
    g->cap = cap;
    return true;
}

bool vm_sink_group_find(vm_sink_group *g, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids)
{
    return vm_ht_find_or_insert(g->ht, keys, sel, n, gids) && group_grow(g, vm_ht_count(g->ht));
}

bool vm_gagg_GAGG_COUNT(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, const uint32_t *sel,
                        uint32_t n)
{
    int64_t *cnt = g->slots[slot].cnt;
    for (uint32_t i = 0; i < n; i++)
        cnt[gids[i]] += vm_bit_get(v->validity, sel ? sel[i] : i);
    return true;
}

bool vm_gagg_GAGG_COUNT_STAR(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                             const uint32_t *sel, uint32_t n)
{
    (void)v, (void)sel;
    int64_t *cnt = g->slots[slot].cnt;
    for (uint32_t i = 0; i < n; i++)
        cnt[gids[i]]++;
    return true;
}

#define GAGG_SUM_INT(T, CT)                                                                      \
    bool vm_gagg_GAGG_SUM_##T(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, \
                              const uint32_t *sel, uint32_t n)                                  \
    {                                                                                            \
        int64_t *cnt = g->slots[slot].cnt, *acc = g->slots[slot].acc;                           \
        const CT *d = v->data;                                                                   \
        bool ovf = false;                                                                        \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            if (!vm_bit_get(v->validity, r))                                                     \
                continue;                                                                        \
            ovf |= __builtin_add_overflow(acc[gids[i]], (int64_t)d[r], &acc[gids[i]]);           \
            cnt[gids[i]]++;                                                                      \
        }                                                                                        \
        return !ovf;                                                                             \
    }
GAGG_SUM_INT(I32, int32_t)
GAGG_SUM_INT(I64, int64_t)

#define GAGG_AVG_INT(T, CT)                                                                      \
    bool vm_gagg_GAGG_AVG_##T(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, \
                              const uint32_t *sel, uint32_t n)                                  \
    {                                                                                            \
        int64_t *cnt = g->slots[slot].cnt;                                                       \
        __int128 *acc = g->slots[slot].acc;                                                      \
        const CT *d = v->data;                                                                   \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            if (!vm_bit_get(v->validity, r))                                                     \
                continue;                                                                        \
            acc[gids[i]] += d[r];                                                                \
            cnt[gids[i]]++;                                                                      \
        }                                                                                        \
        return true;                                                                             \
    }
GAGG_AVG_INT(I32, int32_t)
GAGG_AVG_INT(I64, int64_t)

bool vm_gagg_GAGG_SUM_F64(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, const uint32_t *sel,
                          uint32_t n)
{
    int64_t *cnt = g->slots[slot].cnt;
    double *acc = g->slots[slot].acc;
    const double *d = v->data;
    if (!v->validity) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            acc[gids[i]] += d[r];
            cnt[gids[i]]++;
        }
        return true;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!vm_bit_get(v->validity, r))
            continue;
        acc[gids[i]] += d[r];
        cnt[gids[i]]++;
    }
    return true;
}

#define GAGG_MINMAX(MM, T, CT, BETTER)                                                           \
    bool vm_gagg_GAGG_##MM##_##T(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, \
                                 const uint32_t *sel, uint32_t n)                               \
    {                                                                                            \
        int64_t *cnt = g->slots[slot].cnt;                                                       \
        CT *acc = g->slots[slot].acc;                                                            \
        const CT *d = v->data;                                                                   \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            uint32_t r = sel ? sel[i] : i;                                                       \
            if (!vm_bit_get(v->validity, r))                                                     \
                continue;                                                                        \
            uint32_t gi = gids[i];                                                               \
            if (cnt[gi] == 0 || BETTER(d[r], acc[gi]))                                           \
                acc[gi] = d[r];                                                                  \
            cnt[gi]++;                                                                           \
        }                                                                                        \
        return true;                                                                             \
    }
#define LESS(a, b) ((a) < (b))
#define MORE(a, b) ((a) > (b))
GAGG_MINMAX(MIN, I32, int32_t, LESS)
GAGG_MINMAX(MIN, I64, int64_t, LESS)
GAGG_MINMAX(MIN, F64, double, LESS)
GAGG_MINMAX(MAX, I32, int32_t, MORE)
GAGG_MINMAX(MAX, I64, int64_t, MORE)
GAGG_MINMAX(MAX, F64, double, MORE)

static bool gagg_minmax_str(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                            const uint32_t *sel, uint32_t n, int sign)
{
    int64_t *cnt = g->slots[slot].cnt;
    tir_str *acc = g->slots[slot].acc;
    const tir_str *d = v->data;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!vm_bit_get(v->validity, r))
            continue;
        uint32_t gi = gids[i];
        if ((cnt[gi] == 0 || k_str_cmp(&d[r], &acc[gi]) * sign < 0) &&
            !vm_str_make(&g->heap, tir_str_ptr(&d[r]), d[r].len, &acc[gi]))
            return false;
        cnt[gi]++;
    }
    return true;
}

bool vm_gagg_GAGG_MIN_STR(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, const uint32_t *sel,
                          uint32_t n)
{
    return gagg_minmax_str(g, slot, v, gids, sel, n, 1);
}

bool vm_gagg_GAGG_MAX_STR(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, const uint32_t *sel,
                          uint32_t n)
{
    return gagg_minmax_str(g, slot, v, gids, sel, n, -1);
}

size_t vm_sink_group_bytes(const vm_sink_group *g)
{
    size_t n = vm_ht_bytes(g->ht) + g->heap.bytes;
    for (int i = 0; i < g->def->nslots; i++)
        n += (size_t)g->cap * (8 + acc_width(&g->def->slots[i]));
    return n;
}

vm_table *vm_sink_group_finish(vm_sink_group *g)
{
    const vm_group *def = g->def;
    vm_table *t = vm_sink_table_new(&def->stmt->out);
    if (!t)
        return NULL;
    uint32_t ng = vm_ht_count(g->ht);
    for (int k = 0; k < def->nkeys; k++) {
        const vm_column *kc = vm_ht_key(g->ht, k);
        vm_vec v = {kc->type, kc->data, kc->validity};
        if (ng && !vm_column_append(&t->cols[k], &v, NULL, ng, &t->heap))
            goto fail;
    }
    for (int i = 0; i < def->nslots; i++) {
        const vm_aggslot *s = &def->slots[i];
        vm_column *c = &t->cols[def->nkeys + i];
        size_t w = acc_width(s);
        if (!vm_column_reserve(c, ng))
            goto fail;
        for (uint32_t gi = 0; gi < ng; gi++)
            if (!finish_value(c, &t->heap, s->fn, s->type, g->slots[i].cnt[gi],
                              w ? (const char *)g->slots[i].acc + w * gi : NULL))
                goto fail;
    }
    t->nrows = ng;
    return t;
fail:
    vm_table_free(t);
    return NULL;
}

/* ----------------------------------------------------------------- merging */

/* Combines one aggregate's partial state (count c2, accumulator a2) into
** (c1, a1). Returns false when an integer sum overflows. */
static bool combine(vm_strheap *heap, ir_aggfn fn, tir_type t, int64_t *c1, void *a1, int64_t c2, const void *a2)
{
    bool ok = true;
    switch (fn) {
    case IR_AGG_COUNT:
    case IR_AGG_COUNT_STAR: break;
    case IR_AGG_SUM:
        if (c2 == 0)
            break;
        if (t == TIR_F64)
            *(double *)a1 += *(const double *)a2;
        else
            ok = !__builtin_add_overflow(*(int64_t *)a1, *(const int64_t *)a2, (int64_t *)a1);
        break;
    case IR_AGG_AVG:
        if (t == TIR_F64)
            *(double *)a1 += *(const double *)a2;
        else
            *(__int128 *)a1 += *(const __int128 *)a2;
        break;
    default: {
        if (c2 == 0)
            break;
        int sign = fn == IR_AGG_MIN ? 1 : -1;
        bool take = *c1 == 0;
        switch (t) {
        case TIR_I32: case TIR_DATE:
            take |= (*(const int32_t *)a2 < *(int32_t *)a1 ? 1 : *(const int32_t *)a2 > *(int32_t *)a1 ? -1 : 0) * sign > 0;
            if (take)
                *(int32_t *)a1 = *(const int32_t *)a2;
            break;
        case TIR_I64:
            take |= (*(const int64_t *)a2 < *(int64_t *)a1 ? 1 : *(const int64_t *)a2 > *(int64_t *)a1 ? -1 : 0) * sign > 0;
            if (take)
                *(int64_t *)a1 = *(const int64_t *)a2;
            break;
        case TIR_F64:
            take |= (*(const double *)a2 < *(double *)a1 ? 1 : *(const double *)a2 > *(double *)a1 ? -1 : 0) * sign > 0;
            if (take)
                *(double *)a1 = *(const double *)a2;
            break;
        case TIR_STRING: {
            const tir_str *s2 = a2;
            take |= k_str_cmp(s2, (const tir_str *)a1) * sign < 0;
            if (take)
                ok = vm_str_make(heap, tir_str_ptr(s2), s2->len, (tir_str *)a1);
            break;
        }
        default: break;
        }
    }
    }
    *c1 += c2;
    return ok;
}

static void *agg_acc(vm_aggstate *s, const vm_aggslot *slot)
{
    if (slot->fn == IR_AGG_SUM)
        return slot->type == TIR_F64 ? (void *)&s->fsum : (void *)&s->isum;
    if (slot->fn == IR_AGG_AVG)
        return slot->type == TIR_F64 ? (void *)&s->fsum : (void *)&s->wsum;
    return &s->m;
}

tir_status vm_sink_agg_merge(vm_sink_agg *a, const vm_sink_agg *from)
{
    for (int i = 0; i < a->def->nslots; i++) {
        const vm_aggslot *slot = &a->def->slots[i];
        vm_aggstate *s2 = &from->st[i];
        if (!combine(&a->heap, slot->fn, slot->type, &a->st[i].cnt, agg_acc(&a->st[i], slot), s2->cnt,
                     agg_acc(s2, slot)))
            return slot->type == TIR_STRING ? TIR_ERR_NOMEM : TIR_ERR_RUNTIME;
    }
    return TIR_OK;
}

tir_status vm_sink_group_merge(vm_sink_group *g, const vm_sink_group *from)
{
    const vm_group *def = g->def;
    uint32_t ng = vm_ht_count(from->ht);
    vm_vec keys[64];
    for (int k = 0; k < def->nkeys; k++) {
        const vm_column *c = vm_ht_key(from->ht, k);
        keys[k] = (vm_vec){c->type, c->data, c->validity};
    }
    enum { CHUNK = 2048 };
    uint32_t idx[CHUNK], gids[CHUNK];
    for (uint32_t start = 0; start < ng; start += CHUNK) {
        uint32_t n = ng - start < CHUNK ? ng - start : CHUNK;
        for (uint32_t i = 0; i < n; i++)
            idx[i] = start + i;
        if (!vm_sink_group_find(g, keys, idx, n, gids))
            return TIR_ERR_NOMEM;
        for (int s = 0; s < def->nslots; s++) {
            const vm_aggslot *slot = &def->slots[s];
            size_t w = acc_width(slot);
            for (uint32_t i = 0; i < n; i++) {
                char *a1 = w ? (char *)g->slots[s].acc + w * gids[i] : NULL;
                const char *a2 = w ? (const char *)from->slots[s].acc + w * (start + i) : NULL;
                if (!combine(&g->heap, slot->fn, slot->type, &g->slots[s].cnt[gids[i]], a1,
                             from->slots[s].cnt[start + i], a2))
                    return slot->type == TIR_STRING ? TIR_ERR_NOMEM : TIR_ERR_RUNTIME;
            }
        }
    }
    return TIR_OK;
}
