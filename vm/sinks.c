/*
** sinks.c — aggregate, group-by and relation sinks (see sinks.h).
*/
#include "sinks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "decimal.h"
#include "par.h"
#include "stragg.h"

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
        t->types[i] = vm_phys(s->cols[i].ty.type);
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
    for (int i = 0; a->st && i < a->def->nslots; i++)
        if (a->def->slots[i].fn == IR_AGG_STRING_AGG)
            vm_stragg_free(&a->st[i].m.s, 1);
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

/* Wide decimals: sum and avg add into wsum, stopping where 16 bytes would
** wrap (the 38-digit limit of a sum is checked on the sink's output). */
static bool agg_wide_sum(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    vm_aggstate *s = &a->st[slot];
    const __int128 *d = v->data;
    bool ovf = false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        bool ok = vm_bit_get(v->validity, r);
        ovf |= __builtin_add_overflow(s->wsum, ok ? d[r] : 0, &s->wsum);
        s->cnt += ok;
    }
    return !ovf;
}

bool vm_agg_AGG_SUM_D128(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    return agg_wide_sum(a, slot, v, sel, n);
}

bool vm_agg_AGG_AVG_D128(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    return agg_wide_sum(a, slot, v, sel, n);
}

/* min and max of 16-byte values, ordered by KEY (a wide decimal's value,
** an interval's k_iv_key); of equal ones the first stays */
#define AGG_WIDE_MINMAX(T, CT, FIELD, KEY)                                                           \
    static bool agg_minmax_##T(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n, \
                               int sign)                                                             \
    {                                                                                                \
        vm_aggstate *s = &a->st[slot];                                                               \
        const CT *d = v->data;                                                                       \
        for (uint32_t i = 0; i < n; i++) {                                                           \
            uint32_t r = sel ? sel[i] : i;                                                           \
            if (!vm_bit_get(v->validity, r))                                                         \
                continue;                                                                            \
            if (s->cnt == 0 || (sign > 0 ? KEY(d[r]) < KEY(s->m.FIELD) : KEY(d[r]) > KEY(s->m.FIELD))) \
                s->m.FIELD = d[r];                                                                   \
            s->cnt++;                                                                                \
        }                                                                                            \
        return true;                                                                                 \
    }                                                                                                \
    bool vm_agg_AGG_MIN_##T(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n) \
    {                                                                                                \
        return agg_minmax_##T(a, slot, v, sel, n, 1);                                                \
    }                                                                                                \
    bool vm_agg_AGG_MAX_##T(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n) \
    {                                                                                                \
        return agg_minmax_##T(a, slot, v, sel, n, -1);                                               \
    }
#define WIDE_KEY(x) (x)
AGG_WIDE_MINMAX(D128, __int128, w, WIDE_KEY)
AGG_WIDE_MINMAX(IV, tir_interval, iv, k_iv_key)

/* Welford's update: one pass, no cancellation of large squares. */
static inline void welford(int64_t *cnt, double *mean, double *m2, double x)
{
    double delta = x - *mean;
    *mean += delta / (double)++*cnt;
    *m2 += delta * (x - *mean);
}

/* Chan et al.'s merge of two (count, mean, m2) states into the first. */
static void welford_merge(int64_t c1, double *mean1, double *m21, int64_t c2, double mean2, double m22)
{
    if (c2 == 0)
        return;
    if (c1 == 0) {
        *mean1 = mean2;
        *m21 = m22;
        return;
    }
    double n = (double)(c1 + c2), delta = mean2 - *mean1;
    *mean1 += delta * (double)c2 / n;
    *m21 += m22 + delta * delta * (double)c1 * (double)c2 / n;
}

bool vm_agg_AGG_VAR_F64(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    vm_aggstate *s = &a->st[slot];
    const double *d = v->data;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (vm_bit_get(v->validity, r))
            welford(&s->cnt, &s->mean, &s->m2, d[r]);
    }
    return true;
}

bool vm_agg_AGG_STRAGG(vm_sink_agg *a, int slot, const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    vm_aggstate *s = &a->st[slot];
    const vm_aggslot *as = &a->def->slots[slot];
    const tir_str *d = v->data;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!vm_bit_get(v->validity, r))
            continue;
        if (!vm_stragg_append(&s->m.s, s->cnt == 0, as->sep, as->seplen, tir_str_ptr(&d[r]), d[r].len, &a->sabytes))
            return false;
        s->cnt++;
    }
    return true;
}

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

/* var_samp, var_pop, stddev_samp or stddev_pop of cnt values from their
** sum of squared deviations; false when it is NULL (too few values). */
static bool variance(ir_aggfn fn, int64_t cnt, double m2, double *out)
{
    bool samp = fn == IR_AGG_VAR_SAMP || fn == IR_AGG_STDDEV_SAMP;
    if (cnt < (samp ? 2 : 1))
        return false;
    double v = m2 / (double)(cnt - samp);
    if (v < 0)   /* rounding, for values all equal */
        v = 0;
    *out = fn == IR_AGG_STDDEV_SAMP || fn == IR_AGG_STDDEV_POP ? sqrt(v) : v;
    return true;
}

/* Final value of one aggregate from its count and accumulator. */
static bool finish_value(vm_column *c, vm_strheap *heap, ir_aggfn fn, tir_type argt, int scale, int64_t cnt,
                         const void *acc)
{
    if (IR_AGG_IS_VAR(fn)) {
        double v = 0;
        bool valid = variance(fn, cnt, ((const double *)acc)[1], &v);
        return append_value(c, heap, &v, valid);
    }
    if (fn == IR_AGG_BOOL_AND || fn == IR_AGG_BOOL_OR) {
        uint8_t b = *(const int32_t *)acc != 0;
        return append_value(c, heap, &b, cnt > 0);
    }
    switch (fn) {
    case IR_AGG_COUNT:
    case IR_AGG_COUNT_STAR: return append_value(c, heap, &cnt, true);
    case IR_AGG_AVG: {
        double avg = 0;
        if (cnt > 0)
            avg = (argt == TIR_F64 ? *(const double *)acc : (double)*(const __int128 *)acc) /
                  ((double)cnt * (double)k_pow10_128(scale));
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
            acc = at == TIR_F64 ? (const void *)&s->fsum : at == TIR_DECIMAL128 ? (const void *)&s->wsum
                                                                              : (const void *)&s->isum;
        if (fn == IR_AGG_AVG)
            acc = at == TIR_F64 ? (const void *)&s->fsum : (const void *)&s->wsum;
        if (IR_AGG_IS_VAR(fn))
            acc = &s->mean;   /* {mean, m2}, adjacent as in a group's accumulator */
        if (fn == IR_AGG_COUNT_STAR || fn == IR_AGG_COUNT) {
            if (!finish_value(&t->cols[i], &t->heap, fn, at, 0, s->cnt, NULL))
                goto fail;
        } else if (!finish_value(&t->cols[i], &t->heap, fn, at, def->slots[i].scale, s->cnt, acc)) {
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
    if (IR_AGG_IS_VAR(s->fn))
        return 2 * sizeof(double);
    if ((s->fn == IR_AGG_AVG && s->type != TIR_F64) || s->type == TIR_DECIMAL128)
        return sizeof(__int128);
    if (s->fn == IR_AGG_SUM || s->fn == IR_AGG_AVG)
        return 8;
    if (s->fn == IR_AGG_COUNT || s->fn == IR_AGG_COUNT_STAR)
        return 0;
    return vm_type_width(s->type);
}

/* Bytes of a group's count of valid inputs: none for a nonnull sum. */
static size_t cnt_width(const vm_aggslot *s)
{
    return s->nonnull ? 0 : sizeof(int64_t);
}

/* Group e's count of valid inputs: a nonnull sum's groups have one at least. */
static inline int64_t gs_cnt(const vm_gslot *s, uint32_t e)
{
    return s->cnt ? s->cnt[e] : 1;
}

/* A sink's group table; past level 0 it holds one partition's groups. */
static vm_ht *group_table(const vm_group *def, int level)
{
    tir_type kt[64];
    if (def->nkeys > 64)
        return NULL;
    for (int k = 0; k < def->nkeys; k++)
        kt[k] = vm_phys(def->stmt->out.cols[k].ty.type);
    vm_ht *ht = vm_ht_new(def->nkeys, kt, 0, NULL, true);
    if (ht && level > 0) /* one integer key: of one vm_ht_ipart partition (partition_of) */
        vm_ht_one_part(ht);
    return ht;
}

bool vm_sink_group_init(vm_sink_group *g, const vm_group *def)
{
    memset(g, 0, sizeof *g);
    g->def = def;
    vm_strheap_init(&g->heap);
    g->ht = group_table(def, 0);
    size_t ns = (size_t)(def->nslots ? def->nslots : 1);
    g->slots = calloc(ns, sizeof *g->slots);
    g->runs = malloc(VM_GROUP_RUNS_MAX * sizeof *g->runs);
    g->pend_slot = malloc(ns * sizeof *g->pend_slot);
    g->pend_data = malloc(ns * sizeof *g->pend_data);
    return g->ht && g->slots && g->runs && g->pend_slot && g->pend_data;
}

/* Frees the groups' state (tables, arrays, strings); the slots stay. */
static void group_state_free(vm_sink_group *g)
{
    for (int i = 0; g->slots && i < g->def->nslots; i++) {
        if (g->def->slots[i].fn == IR_AGG_STRING_AGG && g->slots[i].acc)
            vm_stragg_free(g->slots[i].acc, g->ninit);
        vm_big_free(g->slots[i].cnt, g->slots[i].cnt_bytes);
        vm_big_free(g->slots[i].acc, g->slots[i].acc_bytes);
        g->slots[i] = (vm_gslot){0};
    }
    vm_ht_free(g->ht);
    g->ht = NULL;
    vm_strheap_free(&g->heap);
    g->sabytes = 0;
    g->cap = g->ninit = 0;
}

void vm_sink_group_free(vm_sink_group *g)
{
    group_state_free(g);
    for (int p = 0; g->parts && p < VM_GSPILL_PARTS; p++)
        vm_spill_close(g->parts[p]);
    free(g->parts);
    free(g->slots);
    free(g->runs);
    free(g->perm);
    free(g->pend_slot);
    free(g->pend_data);
    memset(g, 0, sizeof *g);
}

/* A big group-by's state grows by doubling into the hundreds of MB: mapped
** arrays grow without copying (vm_big_realloc). */
static bool grow_array(void *p, size_t *bytes, size_t w, uint32_t cap)
{
    void *q = vm_big_realloc(*(void **)p, *bytes, w * cap);
    if (!q)
        return false;
    *(void **)p = q;
    *bytes = w * cap > *bytes ? w * cap : *bytes;
    return true;
}

/* Room for ngroups groups, their state not yet zeroed. */
static bool group_reserve(vm_sink_group *g, uint32_t ngroups)
{
    if (ngroups <= g->cap)
        return true;
    uint32_t cap = g->cap ? g->cap : g->hint > 1024 ? g->hint : 1024;
    while (cap < ngroups)
        cap *= 2;
    for (int i = 0; i < g->def->nslots; i++) {
        vm_gslot *s = &g->slots[i];
        size_t w = acc_width(&g->def->slots[i]);
        if ((!g->def->slots[i].nonnull && !grow_array(&s->cnt, &s->cnt_bytes, sizeof *s->cnt, cap)) ||
            (w && !grow_array(&s->acc, &s->acc_bytes, w, cap)))
            return false;
    }
    g->cap = cap;
    return true;
}

/* Zeroes the state of groups [lo, hi). */
static void group_zero(vm_sink_group *g, uint32_t lo, uint32_t hi)
{
    for (int i = 0; i < g->def->nslots; i++) {
        vm_gslot *s = &g->slots[i];
        size_t w = acc_width(&g->def->slots[i]);
        if (s->cnt)
            memset(s->cnt + lo, 0, sizeof *s->cnt * (hi - lo));
        if (w)
            memset((char *)s->acc + w * lo, 0, w * (hi - lo));
    }
}

/* Room for ngroups groups, the new ones' state zeroed. Only groups that
** exist are zeroed, not the whole capacity: the first touch of a page
** costs a fault, and the last doubling of a big group-by can leave most of
** the new capacity unused. */
static bool group_grow(vm_sink_group *g, uint32_t ngroups)
{
    if (ngroups <= g->ninit)
        return true;
    if (!group_reserve(g, ngroups))
        return false;
    group_zero(g, g->ninit, ngroups);
    g->ninit = ngroups;
    return true;
}

/* Sorts the batch into runs (a counting sort by group id); false when perm
** cannot grow (the batch then goes without runs). The four quarters of the
** batch are counted and placed side by side, each with its own counters:
** consecutive rows of one group then do not wait on each other's
** increments, and a run still lists its rows in row order. */
static bool group_runs(vm_sink_group *g, const uint32_t *gids, const uint32_t *sel, uint32_t n, uint32_t ng)
{
    if (n > g->permcap) {
        uint32_t *p = realloc(g->perm, n * sizeof *p);
        if (!p)
            return false;
        g->perm = p;
        g->permcap = n;
    }
    uint32_t c[4][VM_GROUP_RUNS_MAX], q = n / 4, start = 0;
    for (int k = 0; k < 4; k++)
        memset(c[k], 0, ng * sizeof c[k][0]);
    for (uint32_t i = 0; i < q; i++) {
        c[0][gids[i]]++;
        c[1][gids[q + i]]++;
        c[2][gids[2 * q + i]]++;
        c[3][gids[3 * q + i]]++;
    }
    for (uint32_t i = 4 * q; i < n; i++)
        c[3][gids[i]]++;
    /* counts become each quarter's next place in perm */
    for (uint32_t gi = 0; gi < ng; gi++) {
        uint32_t tot = c[0][gi] + c[1][gi] + c[2][gi] + c[3][gi];
        if (!tot)
            continue;
        g->runs[g->nruns++] = (vm_grun){gi, start, start + tot};
        for (int k = 0; k < 4; k++) {
            uint32_t m = c[k][gi];
            c[k][gi] = start;
            start += m;
        }
    }
    uint32_t *perm = g->perm;
#define RUNS_PLACE(R)                                                                            \
    do {                                                                                         \
        for (uint32_t i = 0; i < q; i++) {                                                       \
            perm[c[0][gids[i]]++] = R(i);                                                        \
            perm[c[1][gids[q + i]]++] = R(q + i);                                                \
            perm[c[2][gids[2 * q + i]]++] = R(2 * q + i);                                        \
            perm[c[3][gids[3 * q + i]]++] = R(3 * q + i);                                        \
        }                                                                                        \
        for (uint32_t i = 4 * q; i < n; i++)                                                     \
            perm[c[3][gids[i]]++] = R(i);                                                        \
    } while (0)
#define RUNS_SEL(i) sel[i]
#define RUNS_POS(i) (i)
    if (sel)
        RUNS_PLACE(RUNS_SEL);
    else
        RUNS_PLACE(RUNS_POS);
#undef RUNS_PLACE
#undef RUNS_SEL
#undef RUNS_POS
    return true;
}

bool vm_sink_group_find(vm_sink_group *g, const vm_vec *keys, const uint32_t *sel, uint32_t n, uint32_t *gids)
{
    if (!vm_ht_find_or_insert(g->ht, keys, sel, n, gids) || !group_grow(g, vm_ht_count(g->ht)))
        return false;
    uint32_t ng = vm_ht_count(g->ht);
    g->bgids = gids;
    g->bsel = sel;
    g->bn = n;
    g->nruns = 0;
    g->npend = 0;
    if (n && ng <= VM_GROUP_RUNS_MAX && !group_runs(g, gids, sel, n, ng))
        g->nruns = 0;
    return true;
}

/* The batch's runs, when an aggregate is called on the batch they sort. */
static bool have_runs(const vm_sink_group *g, const uint32_t *gids, const uint32_t *sel, uint32_t n)
{
    return g->nruns && gids == g->bgids && sel == g->bsel && n == g->bn;
}

/* Every row of the batch counts: cnt[g] += the length of g's run. */
static void count_runs(const vm_sink_group *g, int64_t *cnt)
{
    for (uint32_t u = 0; u < g->nruns; u++)
        cnt[g->runs[u].gid] += g->runs[u].end - g->runs[u].start;
}

/* Adds m deferred f64 columns into their slots run by run, the m running
** sums in registers: per group, additions follow row order as in the
** one-slot loop, so the sums are the same to the bit, and the m chains of
** additions overlap instead of waiting for each other. */
static inline __attribute__((always_inline)) void fuse_f64_m(const vm_sink_group *g, double *const *acc,
                                                             const double *const *d, const int m)
{
    for (uint32_t u = 0; u < g->nruns; u++) {
        uint32_t gi = g->runs[u].gid;
        double s[8];
        for (int k = 0; k < m; k++)
            s[k] = acc[k][gi];
        for (uint32_t j = g->runs[u].start; j < g->runs[u].end; j++) {
            uint32_t r = g->perm[j];
            for (int k = 0; k < m; k++)
                s[k] += d[k][r];
        }
        for (int k = 0; k < m; k++)
            acc[k][gi] = s[k];
    }
}

static void flush_f64(vm_sink_group *g)
{
    for (int k0 = 0; k0 < g->npend; k0 += 8) {
        double *acc[8];
        const double *d[8];
        int m = g->npend - k0 < 8 ? g->npend - k0 : 8;
        for (int k = 0; k < m; k++) {
            acc[k] = g->slots[g->pend_slot[k0 + k]].acc;
            d[k] = g->pend_data[k0 + k];
            if (g->slots[g->pend_slot[k0 + k]].cnt)
                count_runs(g, g->slots[g->pend_slot[k0 + k]].cnt);
        }
        switch (m) {
        case 1: fuse_f64_m(g, acc, d, 1); break;
        case 2: fuse_f64_m(g, acc, d, 2); break;
        case 3: fuse_f64_m(g, acc, d, 3); break;
        case 4: fuse_f64_m(g, acc, d, 4); break;
        case 5: fuse_f64_m(g, acc, d, 5); break;
        case 6: fuse_f64_m(g, acc, d, 6); break;
        case 7: fuse_f64_m(g, acc, d, 7); break;
        default: fuse_f64_m(g, acc, d, 8); break;
        }
    }
    g->npend = 0;
}

/* The n rows of a batch (n > 0) as stretches of equal group ids, in row
** order: START(gi) as a stretch begins, ROW(arg, i) for each of its rows, and
** END(gi, c) after its c rows. Input clustered on the key (lineitem by
** l_orderkey) brings a group's rows together: what a stretch adds up stays
** in a register while it lasts, where a load and a store per row waited on
** each other. */
#define GID_STRETCHES(START, ROW, ARG, END)                                                      \
    do {                                                                                         \
        uint32_t gi_ = gids[0];                                                                  \
        int64_t c_ = 0;                                                                          \
        START(gi_);                                                                              \
        for (uint32_t i = 0; i < n; i++) {                                                       \
            if (gids[i] != gi_) {                                                                \
                END(gi_, c_);                                                                    \
                gi_ = gids[i];                                                                   \
                START(gi_);                                                                      \
                c_ = 0;                                                                          \
            }                                                                                    \
            ROW(ARG, i);                                                                         \
            c_++;                                                                                \
        }                                                                                        \
        END(gi_, c_);                                                                            \
    } while (0)

#define NO_START(gi) (void)(gi)
#define NO_ROW(arg, i) (void)(i)
#define COUNT_END(gi, c) (cnt[gi] += (c))

static bool gagg_GAGG_COUNT_STAR(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                                 const uint32_t *sel, uint32_t n)
{
    (void)v;
    int64_t *cnt = g->slots[slot].cnt;
    if (have_runs(g, gids, sel, n))
        count_runs(g, cnt);
    else if (n)
        GID_STRETCHES(NO_START, NO_ROW, 0, COUNT_END);
    return true;
}

static bool gagg_GAGG_COUNT(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, const uint32_t *sel,
                            uint32_t n)
{
    int64_t *cnt = g->slots[slot].cnt;
    if (!v->validity)
        return gagg_GAGG_COUNT_STAR(g, slot, v, gids, sel, n);
    for (uint32_t i = 0; i < n; i++)
        cnt[gids[i]] += vm_bit_get(v->validity, sel ? sel[i] : i);
    return true;
}

/* Whether a row of the batch is NULL in v (which has a validity bitmap). */
static bool any_null(const vm_vec *v, const uint32_t *sel, uint32_t n)
{
    bool null = false;
    for (uint32_t i = 0; i < n; i++)
        null |= !vm_bit_get(v->validity, sel ? sel[i] : i);
    return null;
}

/* One grouped update: ROW(gi, r) folds valid row r into group gi's
** accumulator. With runs and no NULLs, REG(s, r) folds it into the group's
** running value s, held in a register for the whole run. */
#define GAGG_UPDATE(ST, ROW, REG)                                                                \
    do {                                                                                         \
        int64_t *cnt = g->slots[slot].cnt;                                                       \
        if (!cnt && v->validity && any_null(v, sel, n)) {                                        \
            g->null_seen = true;                                                                 \
            return false;                                                                        \
        }                                                                                        \
        if (!v->validity && have_runs(g, gids, sel, n)) {                                        \
            for (uint32_t u = 0; u < g->nruns; u++) {                                            \
                uint32_t gi = g->runs[u].gid;                                                    \
                ST s = acc[gi];                                                                  \
                for (uint32_t j = g->runs[u].start; j < g->runs[u].end; j++)                     \
                    REG(s, g->perm[j]);                                                          \
                acc[gi] = s;                                                                     \
                if (cnt)                                                                         \
                    cnt[gi] += g->runs[u].end - g->runs[u].start;                                \
            }                                                                                    \
        } else if (!v->validity && n) {                                                          \
            ST s;                                                                                \
            GID_STRETCHES(LOAD_START, REG_ROW, REG, STORE_END);                                  \
        } else {                                                                                 \
            for (uint32_t i = 0; i < n; i++) {                                                   \
                uint32_t r = sel ? sel[i] : i, gi = gids[i];                                     \
                if (!vm_bit_get(v->validity, r))                                                 \
                    continue;                                                                    \
                ROW(gi, r);                                                                      \
                if (cnt)                                                                         \
                    cnt[gi]++;                                                                   \
            }                                                                                    \
        }                                                                                        \
    } while (0)

/* GAGG_UPDATE's stretches: the running value s of the group (REG: the
** aggregate's fold, the accumulator acc). */
#define LOAD_START(gi) (s = acc[gi])
#define REG_ROW(reg, i) reg(s, sel ? sel[i] : (i))
#define STORE_END(gi, c) (acc[gi] = s, cnt ? cnt[gi] += (c) : 0)

#define SUM_INT_ROW(gi, r) (ovf |= __builtin_add_overflow(acc[gi], (int64_t)d[r], &acc[gi]))
#define SUM_INT_REG(s, r) (ovf |= __builtin_add_overflow(s, (int64_t)d[r], &s))
#define GAGG_SUM_INT(T, CT)                                                                      \
    static bool gagg_GAGG_SUM_##T(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, \
                                  const uint32_t *sel, uint32_t n)                              \
    {                                                                                            \
        int64_t *acc = g->slots[slot].acc;                                                       \
        const CT *d = v->data;                                                                   \
        bool ovf = false;                                                                        \
        GAGG_UPDATE(int64_t, SUM_INT_ROW, SUM_INT_REG);                                          \
        return !ovf;                                                                             \
    }
GAGG_SUM_INT(I32, int32_t)
GAGG_SUM_INT(I64, int64_t)

#define ADD_ROW(gi, r) (acc[gi] += d[r])
#define ADD_REG(s, r) (s += d[r])
#define GAGG_AVG_INT(T, CT)                                                                      \
    static bool gagg_GAGG_AVG_##T(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, \
                                  const uint32_t *sel, uint32_t n)                              \
    {                                                                                            \
        __int128 *acc = g->slots[slot].acc;                                                      \
        const CT *d = v->data;                                                                   \
        GAGG_UPDATE(__int128, ADD_ROW, ADD_REG);                                                 \
        return true;                                                                             \
    }
GAGG_AVG_INT(I32, int32_t)
GAGG_AVG_INT(I64, int64_t)

#define SUM_WIDE_ROW(gi, r) (ovf |= __builtin_add_overflow(acc[gi], d[r], &acc[gi]))
#define SUM_WIDE_REG(s, r) (ovf |= __builtin_add_overflow(s, d[r], &s))
/* sum and avg of a wide decimal: a 16-byte sum per group, stopping where it would wrap */
static bool gagg_wide_sum(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, const uint32_t *sel,
                          uint32_t n)
{
    __int128 *acc = g->slots[slot].acc;
    const __int128 *d = v->data;
    bool ovf = false;
    GAGG_UPDATE(__int128, SUM_WIDE_ROW, SUM_WIDE_REG);
    return !ovf;
}

static bool gagg_GAGG_SUM_D128(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                               const uint32_t *sel, uint32_t n)
{
    return gagg_wide_sum(g, slot, v, gids, sel, n);
}

static bool gagg_GAGG_AVG_D128(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                               const uint32_t *sel, uint32_t n)
{
    return gagg_wide_sum(g, slot, v, gids, sel, n);
}

/* Without NULLs and with runs, deferred to the batch's last aggregate. */
static bool gagg_GAGG_SUM_F64(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                              const uint32_t *sel, uint32_t n)
{
    double *acc = g->slots[slot].acc;
    const double *d = v->data;
    if (!v->validity && have_runs(g, gids, sel, n)) {
        g->pend_slot[g->npend] = slot;
        g->pend_data[g->npend++] = d;
        return true;
    }
    GAGG_UPDATE(double, ADD_ROW, ADD_REG);
    return true;
}

static bool gagg_GAGG_VAR_F64(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                              const uint32_t *sel, uint32_t n)
{
    int64_t *cnt = g->slots[slot].cnt;
    double *acc = g->slots[slot].acc;   /* {mean, m2} per group */
    const double *d = v->data;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i, gi = gids[i];
        if (vm_bit_get(v->validity, r))
            welford(&cnt[gi], &acc[2 * gi], &acc[2 * gi + 1], d[r]);
    }
    return true;
}

#define GAGG_MINMAX(MM, T, CT, BETTER)                                                           \
    static bool gagg_GAGG_##MM##_##T(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, \
                                     const uint32_t *sel, uint32_t n)                           \
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
GAGG_MINMAX(MIN, D128, __int128, LESS)
GAGG_MINMAX(MAX, D128, __int128, MORE)
#define IV_LESS(a, b) (k_iv_key(a) < k_iv_key(b))
#define IV_MORE(a, b) (k_iv_key(a) > k_iv_key(b))
GAGG_MINMAX(MIN, IV, tir_interval, IV_LESS)
GAGG_MINMAX(MAX, IV, tir_interval, IV_MORE)

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

static bool gagg_GAGG_MIN_STR(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                              const uint32_t *sel, uint32_t n)
{
    return gagg_minmax_str(g, slot, v, gids, sel, n, 1);
}

static bool gagg_GAGG_MAX_STR(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,
                              const uint32_t *sel, uint32_t n)
{
    return gagg_minmax_str(g, slot, v, gids, sel, n, -1);
}

/* Rows are appended in their order in the batch (not run by run), which is
** the input order within a worker. */
static bool gagg_GAGG_STRAGG(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids, const uint32_t *sel,
                             uint32_t n)
{
    const vm_aggslot *as = &g->def->slots[slot];
    int64_t *cnt = g->slots[slot].cnt;
    tir_str *acc = g->slots[slot].acc;
    const tir_str *d = v->data;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i, gi = gids[i];
        if (!vm_bit_get(v->validity, r))
            continue;
        if (!vm_stragg_append(&acc[gi], cnt[gi] == 0, as->sep, as->seplen, tir_str_ptr(&d[r]), d[r].len,
                              &g->sabytes))
            return false;
        cnt[gi]++;
    }
    return true;
}

/* The last aggregate of a batch applies the deferred ones. */
#define VM_X_DEF(OPN)                                                                            \
    bool vm_gagg_##OPN(vm_sink_group *g, int slot, const vm_vec *v, const uint32_t *gids,        \
                       const uint32_t *sel, uint32_t n)                                         \
    {                                                                                            \
        bool ok = gagg_##OPN(g, slot, v, gids, sel, n);                                          \
        if (slot == g->def->nslots - 1 && g->npend)                                              \
            flush_f64(g);                                                                        \
        return ok;                                                                               \
    }
VM_SINK_GAGG_OPS(VM_X_DEF)
#undef VM_X_DEF

size_t vm_sink_group_bytes(const vm_sink_group *g)
{
    size_t n = (g->ht ? vm_ht_bytes(g->ht) : 0) + g->heap.bytes + g->sabytes + (size_t)g->permcap * sizeof *g->perm;
    for (int i = 0; i < g->def->nslots; i++)
        n += (size_t)g->cap * (cnt_width(&g->def->slots[i]) + acc_width(&g->def->slots[i]));
    return n;
}

size_t vm_sink_group_growth(const vm_sink_group *g, uint32_t more)
{
    if (!g->ht)
        return 0;
    uint64_t need = (uint64_t)vm_ht_count(g->ht) + more, cap = g->cap ? g->cap : 1024;
    while (cap < need)
        cap *= 2;
    size_t b = vm_ht_growth(g->ht, more);
    for (int i = 0; i < g->def->nslots; i++)
        b += (cap - g->cap) * (cnt_width(&g->def->slots[i]) + acc_width(&g->def->slots[i]));
    return b;
}

/* Makes row gi of column c (its values already written) NULL, zeroing its
** value as vm_column_append_null does. The bitmap has the size
** vm_column_reserve gives it (cap / 64 + 1 words). */
static bool null_at(vm_column *c, uint32_t gi)
{
    if (!c->validity) {
        size_t words = c->cap / 64 + 1;
        if (!(c->validity = malloc(words * 8)))
            return false;
        memset(c->validity, 0xff, words * 8);
    }
    vm_bit_set(c->validity, gi, false);
    size_t w = vm_type_width(c->type);
    memset((char *)c->data + w * gi, 0, w);
    return true;
}

/* Marks the rows of groups without a valid input (cnt 0) NULL. */
static bool finish_nulls(vm_column *c, const int64_t *cnt, uint32_t ng)
{
    if (!cnt) /* a nonnull sum */
        return true;
    for (uint32_t gi = 0; gi < ng; gi++)
        if (!cnt[gi] && !null_at(c, gi))
            return false;
    return true;
}

/* Aggregates whose state is a string: merged on one thread (they copy into
** the sink's heap or grow its buffers) and spilled as strings. */
static bool slot_is_string(const vm_aggslot *s)
{
    return ((s->fn == IR_AGG_MIN || s->fn == IR_AGG_MAX) && s->type == TIR_STRING) || s->fn == IR_AGG_STRING_AGG;
}

/* The column of aggregate s: ng values written straight into its array. */
static bool finish_slot(vm_column *c, vm_strheap *heap, const vm_aggslot *s, const vm_gslot *gs, uint32_t ng)
{
    if (!ng)
        return true;
    if (slot_is_string(s)) {
        /* long strings are copied out of the sink's heap (string_agg's buffers) */
        uint64_t *valid = malloc((ng / 64 + 1) * 8);
        if (!valid)
            return false;
        for (uint32_t gi = 0; gi < ng; gi++)
            vm_bit_set(valid, gi, gs->cnt[gi] > 0);
        vm_vec v = {TIR_STRING, gs->acc, valid};
        bool ok = vm_column_append(c, &v, NULL, ng, heap);
        free(valid);
        return ok;
    }
    if (!vm_column_reserve(c, ng))
        return false;
    c->len = ng;
    if (s->fn == IR_AGG_BOOL_AND || s->fn == IR_AGG_BOOL_OR) {
        uint8_t *out = c->data;
        const int32_t *acc = gs->acc;
        for (uint32_t gi = 0; gi < ng; gi++)
            out[gi] = acc[gi] != 0;
        return finish_nulls(c, gs->cnt, ng);
    }
    if (IR_AGG_IS_VAR(s->fn)) {
        double *out = c->data;
        const double *acc = gs->acc;
        for (uint32_t gi = 0; gi < ng; gi++)
            if (!variance(s->fn, gs->cnt[gi], acc[2 * gi + 1], &out[gi]) && !null_at(c, gi))
                return false;
        return true;
    }
    switch (s->fn) {
    case IR_AGG_COUNT:
    case IR_AGG_COUNT_STAR: memcpy(c->data, gs->cnt, ng * sizeof *gs->cnt); return true;
    case IR_AGG_AVG: {
        double *out = c->data;
        for (uint32_t gi = 0; gi < ng; gi++) {
            double sum = s->type == TIR_F64 ? ((const double *)gs->acc)[gi] : (double)((const __int128 *)gs->acc)[gi];
            /* a decimal's sum is of its values times 10^scale */
            out[gi] = gs->cnt[gi] > 0 ? sum / ((double)gs->cnt[gi] * (double)k_pow10_128(s->scale)) : 0;
        }
        break;
    }
    default: memcpy(c->data, gs->acc, ng * vm_type_width(c->type)); break;
    }
    return finish_nulls(c, gs->cnt, ng);
}

/* The column of aggregate s takes the sink's array of it when that holds
** its values as they are (a count's counts, an 8-byte sum, a min or max):
** no copy, and no second array of the groups' size to fault in. */
static bool take_slot(vm_column *c, const vm_aggslot *s, vm_gslot *gs, uint32_t ng)
{
    size_t w = vm_type_width(c->type);
    bool count = s->fn == IR_AGG_COUNT || s->fn == IR_AGG_COUNT_STAR;
    /* finish_slot's plain copies only (slot_is_string covers string_agg) */
    if (c->data || slot_is_string(s) || IR_AGG_IS_VAR(s->fn) || s->fn == IR_AGG_AVG || s->fn == IR_AGG_BOOL_AND ||
        s->fn == IR_AGG_BOOL_OR || w != (count ? sizeof *gs->cnt : acc_width(s)))
        return false;
    void **arr = count ? (void **)&gs->cnt : &gs->acc;
    size_t *bytes = count ? &gs->cnt_bytes : &gs->acc_bytes;
    if (*bytes % w || *bytes / w < ng)
        return false;
    c->data = *arr;
    c->cap = *bytes / w;
    c->len = ng;
    *arr = NULL;
    *bytes = 0;
    return true;
}

vm_table *vm_sink_group_finish(vm_sink_group *g)
{
    const vm_group *def = g->def;
    vm_table *t = vm_sink_table_new(&def->stmt->out);
    if (!t)
        return NULL;
    uint32_t ng = vm_ht_count(g->ht);
    /* the table is done with: its key columns and their heap move over */
    vm_ht_take_keys(g->ht, t->cols, &t->heap);
    for (int i = 0; i < def->nslots; i++) {
        vm_column *c = &t->cols[def->nkeys + i];
        bool count = def->slots[i].fn == IR_AGG_COUNT || def->slots[i].fn == IR_AGG_COUNT_STAR;
        if (ng && take_slot(c, &def->slots[i], &g->slots[i], ng)) {
            if (!count && !finish_nulls(c, g->slots[i].cnt, ng)) /* a count has no NULLs */
                goto fail;
        } else if (!finish_slot(c, &t->heap, &def->slots[i], &g->slots[i], ng)) {
            goto fail;
        }
    }
    t->nrows = ng;
    return t;
fail:
    vm_table_free(t);
    return NULL;
}

/* ----------------------------------------------------------------- merging */

/* Combines one aggregate's partial state (c2 valid inputs, accumulator a2)
** into (c1, a1); the caller adds the counts. Returns false when an integer
** sum overflows or a string cannot be copied. */
static bool combine(vm_strheap *heap, size_t *sabytes, const vm_aggslot *slot, int64_t c1, void *a1, int64_t c2,
                    const void *a2)
{
    bool ok = true;
    ir_aggfn fn = slot->fn;
    tir_type t = slot->type;
    if (fn == IR_AGG_STRING_AGG) {
        /* the partial state that came later goes after */
        const tir_str *s2 = a2;
        return !c2 || vm_stragg_append(a1, c1 == 0, slot->sep, slot->seplen, tir_str_ptr(s2), s2->len, sabytes);
    }
    if (fn == IR_AGG_BOOL_AND || fn == IR_AGG_BOOL_OR)
        fn = fn == IR_AGG_BOOL_AND ? IR_AGG_MIN : IR_AGG_MAX;
    if (IR_AGG_IS_VAR(fn)) {
        double *x = a1;
        const double *y = a2;
        welford_merge(c1, &x[0], &x[1], c2, y[0], y[1]);
        return true;
    }
    switch (fn) {
    case IR_AGG_COUNT:
    case IR_AGG_COUNT_STAR: break;
    case IR_AGG_SUM:
        if (c2 == 0)
            break;
        if (t == TIR_F64)
            *(double *)a1 += *(const double *)a2;
        else if (t == TIR_DECIMAL128)
            ok = !__builtin_add_overflow(*(__int128 *)a1, *(const __int128 *)a2, (__int128 *)a1);
        else
            ok = !__builtin_add_overflow(*(int64_t *)a1, *(const int64_t *)a2, (int64_t *)a1);
        break;
    case IR_AGG_AVG:   /* of integers the 16-byte sum cannot wrap; of wide decimals it may */
        if (t == TIR_F64)
            *(double *)a1 += *(const double *)a2;
        else
            ok = !__builtin_add_overflow(*(__int128 *)a1, *(const __int128 *)a2, (__int128 *)a1);
        break;
    default: {
        if (c2 == 0)
            break;
        int sign = fn == IR_AGG_MIN ? 1 : -1;
        bool take = c1 == 0;
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
        case TIR_DECIMAL128:
        case TIR_INTERVAL: {
            __int128 x2, x1;
            memcpy(&x2, a2, sizeof x2);   /* a spilled partial state need not be 16-byte aligned */
            memcpy(&x1, a1, sizeof x1);
            __int128 k2 = x2, k1 = x1;    /* ordered by value, an interval by k_iv_key */
            if (t == TIR_INTERVAL) {
                tir_interval v2, v1;
                memcpy(&v2, &x2, sizeof v2);
                memcpy(&v1, &x1, sizeof v1);
                k2 = k_iv_key(v2), k1 = k_iv_key(v1);
            }
            if (take || (sign > 0 ? k2 < k1 : k2 > k1))
                memcpy(a1, &x2, sizeof x2);
            break;
        }
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
    return ok;
}

static void *agg_acc(vm_aggstate *s, const vm_aggslot *slot)
{
    if (IR_AGG_IS_VAR(slot->fn))
        return &s->mean;
    if (slot->fn == IR_AGG_SUM)
        return slot->type == TIR_F64 ? (void *)&s->fsum : slot->type == TIR_DECIMAL128 ? (void *)&s->wsum
                                                                                      : (void *)&s->isum;
    if (slot->fn == IR_AGG_AVG)
        return slot->type == TIR_F64 ? (void *)&s->fsum : (void *)&s->wsum;
    return &s->m;
}

tir_status vm_sink_agg_merge(vm_sink_agg *a, const vm_sink_agg *from)
{
    for (int i = 0; i < a->def->nslots; i++) {
        const vm_aggslot *slot = &a->def->slots[i];
        vm_aggstate *s2 = &from->st[i];
        if (!combine(&a->heap, &a->sabytes, slot, a->st[i].cnt, agg_acc(&a->st[i], slot), s2->cnt,
                     agg_acc(s2, slot)))
            return slot->type == TIR_STRING ? TIR_ERR_NOMEM : TIR_ERR_RUNTIME;
        a->st[i].cnt += s2->cnt;
    }
    return TIR_OK;
}

/* Folds group e2 of partial state from into group e1 of g: the string
** minima and maxima (which copy into g's heap) when strings, else every
** other aggregate. */
/* Folds group e2 of from's slot s into group e1 of g's: its state and count. */
static bool slot_combine(vm_sink_group *g, int s, uint32_t e1, const vm_gslot *from, uint32_t e2)
{
    const vm_aggslot *slot = &g->def->slots[s];
    vm_gslot *d1 = &g->slots[s];
    const vm_gslot *d2 = &from[s];
    size_t w = acc_width(slot);
    char *a1 = w ? (char *)d1->acc + w * e1 : NULL;
    const char *a2 = w ? (const char *)d2->acc + w * e2 : NULL;
    if (!combine(&g->heap, &g->sabytes, slot, gs_cnt(d1, e1), a1, gs_cnt(d2, e2), a2))
        return false;
    if (d1->cnt)
        d1->cnt[e1] += gs_cnt(d2, e2);
    return true;
}

static tir_status group_combine(vm_sink_group *g, uint32_t e1, const vm_gslot *from, uint32_t e2, bool strings)
{
    for (int s = 0; s < g->def->nslots; s++)
        if (slot_is_string(&g->def->slots[s]) == strings && !slot_combine(g, s, e1, from, e2))
            return strings ? TIR_ERR_NOMEM : TIR_ERR_RUNTIME;
    return TIR_OK;
}

/* group_combine(g, e1[j], from, e2[j], false) for j in [0, k), a slot at a
** time: counts and 8-byte integer sums in loops of their own (a merge of
** 100k groups of counts: 20 ns a group through group_combine). A group
** with no valid input has a zero sum, so adding it changes nothing; an
** overflow fails the merge as there. */
static tir_status group_combine_many(vm_sink_group *g, const uint32_t *e1, const vm_gslot *from, const uint32_t *e2,
                                     uint32_t k)
{
    const vm_group *def = g->def;
    for (int s = 0; s < def->nslots; s++) {
        const vm_aggslot *slot = &def->slots[s];
        if (slot_is_string(slot))
            continue;
        vm_gslot *d1 = &g->slots[s];
        const vm_gslot *d2 = &from[s];
        size_t w = acc_width(slot);
        bool isum = slot->fn == IR_AGG_SUM && w == 8 && slot->type != TIR_F64;
        if (w && !isum) {
            for (uint32_t j = 0; j < k; j++)
                if (!slot_combine(g, s, e1[j], from, e2[j]))
                    return TIR_ERR_RUNTIME; /* no strings here: an overflow */
            continue;
        }
        bool over = false;
        if (isum) {
            int64_t *a1 = d1->acc;
            const int64_t *a2 = d2->acc;
            for (uint32_t j = 0; j < k; j++)
                over |= __builtin_add_overflow(a1[e1[j]], a2[e2[j]], &a1[e1[j]]);
        }
        if (d1->cnt)
            for (uint32_t j = 0; j < k; j++)
                d1->cnt[e1[j]] += gs_cnt(d2, e2[j]);
        if (over)
            return TIR_ERR_RUNTIME;
    }
    return TIR_OK;
}

/* Combines groups list[0..k) of from into g's new (still empty) groups
** e1[j] (base + j when e1 is NULL): combine() into zeroed state, by slot. */
static tir_status group_adopt(vm_sink_group *g, const uint32_t *e1, uint32_t base, const vm_gslot *from,
                              const uint32_t *list, uint32_t k)
{
    const vm_group *def = g->def;
    for (int s = 0; s < def->nslots; s++) {
        const vm_aggslot *slot = &def->slots[s];
        vm_gslot *d1 = &g->slots[s];
        const vm_gslot *d2 = &from[s];
        size_t w = acc_width(slot);
        bool plain = !slot_is_string(slot) && slot->fn != IR_AGG_STRING_AGG && slot->type != TIR_F64;
        if (plain && w == 8 && slot->fn != IR_AGG_AVG) { /* most: a count and an 8-byte sum, min or max */
            int64_t *acc1 = d1->acc;
            const int64_t *acc2 = d2->acc;
            if (!d1->cnt) { /* a nonnull sum: every group has its value */
                for (uint32_t j = 0; j < k; j++)
                    acc1[e1 ? e1[j] : base + j] = acc2[list[j]];
                continue;
            }
            for (uint32_t j = 0; j < k; j++) {
                uint32_t a = e1 ? e1[j] : base + j, b = list[j];
                d1->cnt[a] = d2->cnt[b];
                acc1[a] = d2->cnt[b] ? acc2[b] : acc1[a];
            }
            continue;
        }
        for (uint32_t j = 0; j < k; j++) {
            uint32_t a = e1 ? e1[j] : base + j, b = list[j];
            int64_t c2 = gs_cnt(d2, b);
            if (d1->cnt)
                d1->cnt[a] = c2;
            if (slot->fn == IR_AGG_SUM && slot->type == TIR_F64) {
                /* 0.0 + x, as combine() does: -0.0 becomes 0.0 */
                if (c2)
                    ((double *)d1->acc)[a] = 0.0 + ((const double *)d2->acc)[b];
            } else if (slot->fn == IR_AGG_AVG && slot->type == TIR_F64) {
                ((double *)d1->acc)[a] = 0.0 + ((const double *)d2->acc)[b];
            } else if (slot->fn == IR_AGG_STRING_AGG) {
                /* a copy of its own: from's buffers stay from's */
                const tir_str *s2 = (const tir_str *)d2->acc + b;
                if (c2 && !vm_stragg_append((tir_str *)d1->acc + a, true, NULL, 0, tir_str_ptr(s2), s2->len,
                                            &g->sabytes))
                    return TIR_ERR_NOMEM;
            } else if (slot_is_string(slot)) {
                const tir_str *s2 = (const tir_str *)d2->acc + b;
                if (c2 && !vm_str_make(&g->heap, tir_str_ptr(s2), s2->len, (tir_str *)d1->acc + a))
                    return TIR_ERR_NOMEM;
            } else if (w && (c2 || slot->fn == IR_AGG_AVG)) {
                memcpy((char *)d1->acc + w * a, (const char *)d2->acc + w * b, w);
            }
        }
    }
    return TIR_OK;
}

/* Partial group-by state to merge: n groups, their keys and per aggregate
** slot their counts and accumulators (a worker's sink, or a spilled chunk). */
typedef struct gpartial {
    uint32_t n;
    vm_vec keys[64];
    const vm_gslot *slots;
} gpartial;

struct vm_gmerge {
    vm_sink_group *g;
    gpartial from;
    int nparts;
    bool last;
    uint32_t *gid;            /* per group of from: its group in g, or VM_HT_NONE */
    uint32_t *adds;           /* from's groups that g lacks, each part's share listed */
    uint32_t nadds, base;     /* by it at its share's start; appended as g's groups base, base + 1, ... */
    uint32_t lacks[VM_MAX_WORKERS]; /* how many each part listed */
    bool listed;              /* adds[0..nadds) is the whole list (vm_gmerge_adds), */
    bool parted;              /* added by the add parts; else by the end */
    bool fill_keys;           /* their keys copied by the add parts (vm_ht_fill_groups), */
    vm_strheap heaps[VM_MAX_WORKERS]; /* long strings into a heap per part, the table's at the end */
};

enum { GMERGE_CHUNK = 2048 };

static bool group_has_strings(const vm_group *def)
{
    bool strings = false;
    for (int s = 0; s < def->nslots; s++)
        strings |= slot_is_string(&def->slots[s]);
    return strings;
}

vm_gmerge *vm_gmerge_new(vm_sink_group *g, const vm_sink_group *from, int nparts, bool last)
{
    vm_gmerge *m = calloc(1, sizeof *m);
    uint32_t n = vm_ht_count(from->ht);
    if (!m || !(m->gid = malloc((n ? n : 1) * sizeof *m->gid))) {
        free(m);
        return NULL;
    }
    m->g = g;
    m->nparts = nparts < 1 ? 1 : nparts > VM_MAX_WORKERS ? VM_MAX_WORKERS : nparts;
    m->last = last;
    m->from.n = n;
    for (int k = 0; k < g->def->nkeys; k++) {
        const vm_column *c = vm_ht_key(from->ht, k);
        m->from.keys[k] = (vm_vec){c->type, c->data, c->validity};
    }
    m->from.slots = from->slots;
    /* the groups g lacks are listed by the parts as they look them up
    ** (the list's pages faulted in on every thread), for vm_gmerge_adds;
    ** without the list (out of memory too) the end adds them one chunk at a time */
    if (last && m->nparts > 1 && n >= GMERGE_CHUNK && !group_has_strings(g->def))
        m->adds = malloc((size_t)n * sizeof *m->adds);
    return m;
}

tir_status vm_gmerge_part(vm_gmerge *m, int part)
{
    uint32_t lo = (uint32_t)((uint64_t)m->from.n * part / m->nparts);
    uint32_t hi = (uint32_t)((uint64_t)m->from.n * (part + 1) / m->nparts);
    uint32_t idx[GMERGE_CHUNK], e1[GMERGE_CHUNK], *lacks = m->adds ? m->adds + lo : NULL, k = 0;
    for (uint32_t start = lo; start < hi; start += GMERGE_CHUNK) {
        uint32_t n = hi - start < GMERGE_CHUNK ? hi - start : GMERGE_CHUNK;
        for (uint32_t i = 0; i < n; i++)
            idx[i] = start + i;
        uint32_t *gid = m->gid + start;
        vm_ht_find(m->g->ht, m->from.keys, idx, n, gid);
        /* the groups g has, as pairs (e1, idx) in place; the others listed */
        uint32_t found = 0;
        for (uint32_t i = 0; i < n; i++) {
            bool lacked = gid[i] == VM_HT_NONE;
            if (lacks) { /* branchless: the slot is overwritten until a group g lacks keeps it */
                lacks[k] = start + i;
                k += lacked;
            }
            e1[found] = gid[i];
            idx[found] = start + i;
            found += !lacked;
        }
        tir_status st = group_combine_many(m->g, e1, m->from.slots, idx, found);
        if (st)
            return st;
    }
    m->lacks[part] = k;
    return TIR_OK;
}

/* Adds from's groups list[0..k), which g lacks, as new groups of g. */
static tir_status gmerge_add(vm_gmerge *m, const uint32_t *list, uint32_t k)
{
    vm_sink_group *g = m->g;
    uint32_t ids[GMERGE_CHUNK], base = vm_ht_count(g->ht);
    bool ok = m->last ? vm_ht_append_groups(g->ht, m->from.keys, list, k)
                      : vm_ht_find_or_insert(g->ht, m->from.keys, list, k, ids);
    if (!ok || !group_grow(g, vm_ht_count(g->ht)))
        return TIR_ERR_NOMEM;
    return group_adopt(g, m->last ? NULL : ids, base, m->from.slots, list, k);
}

int vm_gmerge_adds(vm_gmerge *m)
{
    vm_sink_group *g = m->g;
    /* strings are copied into g's one heap: not from several threads (no list then) */
    if (!m->adds)
        return 0;
    /* each part's list to after the one before */
    uint32_t k = m->lacks[0];
    for (int p = 1; p < m->nparts; p++) {
        uint32_t lo = (uint32_t)((uint64_t)m->from.n * p / m->nparts);
        memmove(m->adds + k, m->adds + lo, (size_t)m->lacks[p] * sizeof *m->adds);
        k += m->lacks[p];
    }
    m->nadds = k;
    m->listed = true;
    if (k < GMERGE_CHUNK) /* the end adds them */
        return 0;
    m->base = vm_ht_count(g->ht);
    /* the new groups' keys are copied, and their state zeroed, by the
    ** threads that fill them in (its pages faulted in in parallel) */
    m->fill_keys = vm_ht_append_groups_room(g->ht, m->from.keys, m->adds, k);
    if ((!m->fill_keys && !vm_ht_append_groups(g->ht, m->from.keys, m->adds, k)) || !group_grow(g, m->base) ||
        !group_reserve(g, m->base + k)) {
        free(m->adds);
        m->adds = NULL;
        return -1;
    }
    g->ninit = m->base + k;
    m->parted = true;
    return m->nparts;
}

tir_status vm_gmerge_add_part(vm_gmerge *m, int part)
{
    uint32_t lo = (uint32_t)((uint64_t)m->nadds * part / m->nparts);
    uint32_t hi = (uint32_t)((uint64_t)m->nadds * (part + 1) / m->nparts);
    if (m->fill_keys && !vm_ht_fill_groups(m->g->ht, m->base, m->from.keys, m->adds, lo, hi, &m->heaps[part]))
        return TIR_ERR_NOMEM;
    group_zero(m->g, m->base + lo, m->base + hi);
    return group_adopt(m->g, NULL, m->base + lo, m->from.slots, m->adds + lo, hi - lo);
}

tir_status vm_gmerge_end(vm_gmerge *m, tir_status st)
{
    vm_sink_group *g = m->g;
    uint32_t list[GMERGE_CHUNK], k = 0;
    bool strings = group_has_strings(g->def);
    if (m->listed && !m->parted && !st && m->nadds)
        st = gmerge_add(m, m->adds, m->nadds); /* fewer than GMERGE_CHUNK */
    for (uint32_t e = 0; e < m->from.n && !st && !m->listed; e++) {
        if (m->gid[e] != VM_HT_NONE) {
            if (strings)
                st = group_combine(g, m->gid[e], m->from.slots, e, true);
            continue;
        }
        list[k++] = e;
        if (k == GMERGE_CHUNK) {
            st = gmerge_add(m, list, k);
            k = 0;
        }
    }
    if (k && !st)
        st = gmerge_add(m, list, k);
    for (int p = 0; p < m->nparts; p++)
        vm_ht_adopt_heap(g->ht, &m->heaps[p]);
    free(m->adds);
    free(m->gid);
    free(m);
    return st;
}

/* ---------------------------------------------------------------- spilling */

static void sink_partial(const vm_sink_group *g, gpartial *gp)
{
    gp->n = g->ht ? vm_ht_count(g->ht) : 0;
    for (int k = 0; gp->n && k < g->def->nkeys; k++) {
        const vm_column *c = vm_ht_key(g->ht, k);
        gp->keys[k] = (vm_vec){c->type, c->data, c->validity};
    }
    gp->slots = g->slots;
}

/* The spill columns of partial state: the keys, then per aggregate its
** counts and (unless a count) its accumulators. */
static int partial_cols(const vm_group *def, const gpartial *gp, vm_spcol *cols)
{
    int n = 0;
    for (int k = 0; k < def->nkeys; k++) {
        const vm_vec *v = &gp->keys[k];
        cols[n++] = (vm_spcol){(uint8_t)vm_type_width(v->type), v->type == TIR_STRING, v->data, v->validity};
    }
    for (int s = 0; s < def->nslots; s++) {
        size_t w = acc_width(&def->slots[s]);
        if (!def->slots[s].nonnull)
            cols[n++] = (vm_spcol){8, false, gp->slots[s].cnt, NULL};
        if (w)
            cols[n++] = (vm_spcol){(uint8_t)w, slot_is_string(&def->slots[s]), gp->slots[s].acc, NULL};
    }
    return n;
}

_Static_assert(VM_GSPILL_BITS == VM_HT_IPART_BITS, "a partition's direct table knows the partition function");

/* part[i] = the partition of group i at this level: by the key hash's bits
** of the level, but at level 0 one integer key by vm_ht_ipart of itself,
** so that the partitions' tables are direct arrays of a slot per 16 keys
** (the NULL key's group goes to partition 0). */
static void partition_of(const gpartial *gp, int nkeys, int level, uint8_t *part)
{
    const vm_vec *k0 = &gp->keys[0];
    if (level == 0 && nkeys == 1 && (k0->type == TIR_I32 || k0->type == TIR_DATE || k0->type == TIR_I64)) {
        const uint64_t *va = k0->validity;
#define IPARTS(CT)                                                                             \
    {                                                                                          \
        const CT *a = k0->data;                                                                \
        for (uint32_t i = 0; i < gp->n; i++)                                                   \
            part[i] = !va || vm_bit_get(va, i) ? (uint8_t)vm_ht_ipart(a[i]) : 0;               \
    }
        if (k0->type == TIR_I64)
            IPARTS(int64_t)
        else
            IPARTS(int32_t)
#undef IPARTS
        return;
    }
    enum { CHUNK = 2048 }; /* a multiple of 64: validity words start at a chunk */
    uint64_t h[CHUNK];
    for (uint32_t start = 0; start < gp->n; start += CHUNK) {
        uint32_t n = gp->n - start < CHUNK ? gp->n - start : CHUNK;
        vm_hash_rows(gp->keys, nkeys, start, n, h);
        for (uint32_t i = 0; i < n; i++)
            part[start + i] = (uint8_t)((h[i] >> (VM_GSPILL_BITS * level)) & (VM_GSPILL_PARTS - 1));
    }
}

/* Rows of a spill chunk: bounded, so that a chunk read back is small. */
enum { GSPILL_CHUNK_ROWS = 65536 };

tir_status vm_sink_group_spill(vm_sink_group *g, vm_spill *sp, char *err, size_t errlen)
{
    const vm_group *def = g->def;
    gpartial gp;
    sink_partial(g, &gp);
    if (!gp.n)
        return TIR_OK;
    if (g->level >= VM_GSPILL_LEVELS) {
        snprintf(err, errlen, "a partition of %u groups still does not fit after %d passes", gp.n, g->level);
        return TIR_ERR_NOMEM;
    }
    vm_spcol *cols = malloc((size_t)(def->nkeys + 2 * def->nslots) * sizeof *cols);
    uint8_t *part = malloc(gp.n);
    uint32_t *idx = malloc((size_t)gp.n * sizeof *idx);
    if (!g->parts)
        g->parts = calloc(VM_GSPILL_PARTS, sizeof *g->parts);
    tir_status st = cols && part && idx && g->parts ? TIR_OK : TIR_ERR_NOMEM;
    uint32_t off[VM_GSPILL_PARTS + 1] = {0};
    int nc = 0;
    if (!st) {
        nc = partial_cols(def, &gp, cols);
        partition_of(&gp, def->nkeys, g->level, part);
        for (uint32_t i = 0; i < gp.n; i++)
            off[part[i] + 1]++;
        for (int p = 0; p < VM_GSPILL_PARTS; p++)
            off[p + 1] += off[p];
        uint32_t at[VM_GSPILL_PARTS];
        memcpy(at, off, sizeof at);
        for (uint32_t i = 0; i < gp.n; i++)
            idx[at[part[i]]++] = i;
    }
    for (int p = 0; p < VM_GSPILL_PARTS && !st; p++) {
        if (off[p] == off[p + 1])
            continue;
        if (!g->parts[p]) {
            if ((st = vm_spill_create(sp, &g->parts[p], err, errlen)))
                break;
            g->spst.files++;
        }
        uint64_t before = vm_spill_file_bytes(g->parts[p]);
        for (uint32_t i = off[p]; i < off[p + 1] && !st; i += GSPILL_CHUNK_ROWS) {
            uint32_t n = off[p + 1] - i < GSPILL_CHUNK_ROWS ? off[p + 1] - i : GSPILL_CHUNK_ROWS;
            st = vm_spill_write(g->parts[p], cols, nc, idx + i, n, err, errlen);
        }
        g->spst.bytes += vm_spill_file_bytes(g->parts[p]) - before;
    }
    free(cols);
    free(part);
    free(idx);
    if (st)
        return st;
    /* empty again: every group is on disk; the arrays are made as big as
    ** these grew, at once, as the next groups will most likely make them */
    uint64_t span = vm_ht_direct_keys(g->ht);
    group_state_free(g);
    g->hint = gp.n;
    if (!(g->ht = group_table(def, g->level)))
        return TIR_ERR_NOMEM;
    vm_ht_direct_hint(g->ht, span);
    return TIR_OK;
}

/* Merges a chunk of spilled groups into g: one find-or-insert per group
** (a find, then an insert of the groups g lacked, hashed every new group
** twice), the new groups adopting their state, the others combined. */
static tir_status merge_chunk(vm_sink_group *g, const vm_spchunk *c)
{
    const vm_group *def = g->def;
    vm_gslot *own = calloc((size_t)(def->nslots ? def->nslots : 1), sizeof *own);
    if (!own)
        return TIR_ERR_NOMEM;
    vm_vec keys[64];
    int col = 0;
    for (int k = 0; k < def->nkeys; k++, col++)
        keys[k] = (vm_vec){vm_ht_key(g->ht, k)->type, (void *)c->cols[col].data, (uint64_t *)c->cols[col].validity};
    for (int s = 0; s < def->nslots; s++) {
        own[s].cnt = def->slots[s].nonnull ? NULL : (int64_t *)c->cols[col++].data;
        if (acc_width(&def->slots[s]))
            own[s].acc = (void *)c->cols[col++].data;
    }
    bool strings = group_has_strings(def);
    uint32_t idx[GMERGE_CHUNK], ids[GMERGE_CHUNK], news[GMERGE_CHUNK], newe[GMERGE_CHUNK];
    uint8_t adopted[GMERGE_CHUNK];
    tir_status st = TIR_OK;
    for (uint32_t start = 0; start < c->n && !st; start += GMERGE_CHUNK) {
        uint32_t n = c->n - start < GMERGE_CHUNK ? c->n - start : GMERGE_CHUNK, base = vm_ht_count(g->ht), k = 0;
        for (uint32_t i = 0; i < n; i++)
            idx[i] = start + i;
        if (!vm_ht_find_or_insert(g->ht, keys, idx, n, ids) || !group_grow(g, vm_ht_count(g->ht))) {
            st = TIR_ERR_NOMEM;
            break;
        }
        /* a group new to g takes its first row's state; any later row of
        ** it (a chunk holds each group once, but nothing relies on that)
        ** is combined after the adoption */
        memset(adopted, 0, vm_ht_count(g->ht) - base);
        for (uint32_t i = 0; i < n; i++)
            if (ids[i] >= base && !adopted[ids[i] - base]) {
                adopted[ids[i] - base] = 1;
                news[k] = start + i;
                newe[k++] = ids[i];
                ids[i] = VM_HT_NONE;
            }
        st = group_adopt(g, newe, 0, own, news, k);
        for (uint32_t i = 0; i < n && !st; i++)
            if (ids[i] != VM_HT_NONE) {
                st = group_combine(g, ids[i], own, start + i, false);
                if (!st && strings)
                    st = group_combine(g, ids[i], own, start + i, true);
            }
    }
    free(own);
    return st;
}

static tir_status table_concat(vm_table *t, vm_table *src);

/* Appends the finished groups of g to t. */
static tir_status append_groups(vm_table *t, vm_sink_group *g)
{
    vm_table *r = vm_sink_group_finish(g);
    return r ? table_concat(t, r) : TIR_ERR_NOMEM;
}

/* The passes a forced spill goes through (see vm_sink_group_finish_spilled). */
enum { GSPILL_FORCED_LEVELS = 2 };

/* The merge of a spilled group-by's partitions, shared by the threads that
** run it: each takes the next partition, merges it into a table of its own
** and may spill it again; the tables are joined in partition order. */
typedef struct gspill_merge {
    const vm_group *def;
    vm_spill *sp;
    uint64_t budget;
    bool force;
    vm_pool *pool;
    int nthreads;
    vm_sink_group **gs;       /* the workers' sinks, whose files hold the partitions */
    int n;
    vm_table *parts[VM_GSPILL_PARTS];
    tir_status st[VM_GSPILL_PARTS];
    char err[VM_GSPILL_PARTS][512];
    _Atomic int next;         /* the next partition to take */
    atomic_bool stop;         /* a partition failed: take no more */
    _Atomic uint64_t result;  /* bytes of the partitions' finished tables not handed over */
    _Atomic uint64_t bytes, files, passes;
    vm_rows_hand hand;       /* NULL: the tables are joined at the end */
    void *hand_ctx;
    pthread_mutex_t hand_mu;  /* one hand-over at a time, in partition order */
    bool merged[VM_GSPILL_PARTS];
    int handed;               /* partitions before this one are handed over */
} gspill_merge;

/* Reads back the files (one partition of every sink that spilled it),
** merges them into a sink of the next level, and appends its groups to t;
** a partition too big for its share of the budget spills again, one level
** down, and its partitions are merged the same way. Closes the files. */
static tir_status merge_partition(gspill_merge *gm, vm_table *t, char *err, size_t errlen, vm_spill_file **files,
                                  int nf, int level)
{
    vm_sink_group g;
    vm_spchunk c;
    vm_spchunk_init(&c);
    tir_status st = vm_sink_group_init(&g, gm->def) ? TIR_OK : TIR_ERR_NOMEM;
    g.level = level;
    if (!st) /* its groups are of one partition */
        vm_ht_one_part(g.ht);
    /* each thread's sink gets an equal share of what the results leave */
    uint64_t result = atomic_load(&gm->result), share = 0;
    if (gm->budget)
        share = gm->budget > result + vm_table_bytes(t) ? (gm->budget - result - vm_table_bytes(t)) / (uint64_t)gm->nthreads : 1;
    /* Room for every group the files could hold, when that surely fits:
    ** the table then never grows (rehashes) while the chunks come in. A
    ** group costs at least its keys and directory slot, 24 bytes or more. */
    uint64_t rows = 0;
    for (int f = 0; f < nf; f++)
        rows += vm_spill_file_rows(files[f]);
    if (!st && rows < UINT32_MAX / 2 && (!share || rows * 48 < share)) {
        vm_ht_reserve(g.ht, (uint32_t)rows);
        g.hint = (uint32_t)rows; /* and the aggregates' arrays are made that size: no copies as they grow */
    }
    uint64_t passes = atomic_load(&gm->passes);
    while ((uint64_t)level > passes && !atomic_compare_exchange_weak(&gm->passes, &passes, (uint64_t)level))
        ;
    for (int f = 0; f < nf; f++) {
        while (!st && !(st = vm_spill_read(files[f], &c, err, errlen)) && c.n) {
            if ((st = merge_chunk(&g, &c)))
                break;
            /* a partition too small to be worth splitting stays: the limit
            ** then has a batch-sized slack, as everywhere else */
            if ((share && vm_sink_group_bytes(&g) + c.bytes > share && vm_ht_count(g.ht) >= 1024) ||
                (gm->force && level < GSPILL_FORCED_LEVELS))
                st = vm_sink_group_spill(&g, gm->sp, err, errlen);
        }
        vm_spill_close(files[f]);
        files[f] = NULL;
    }
    vm_spchunk_free(&c);
    if (!st && g.parts) {
        st = vm_sink_group_spill(&g, gm->sp, err, errlen);
        atomic_fetch_add(&gm->bytes, g.spst.bytes);
        atomic_fetch_add(&gm->files, g.spst.files);
        for (int p = 0; p < VM_GSPILL_PARTS && !st; p++)
            if (g.parts[p])
                st = merge_partition(gm, t, err, errlen, &g.parts[p], 1, level + 1);
    } else if (!st) {
        st = append_groups(t, &g);
    }
    vm_sink_group_free(&g);
    result = atomic_load(&gm->result) + vm_table_bytes(t);
    if (!st && gm->budget && result > gm->budget) {
        snprintf(err, errlen, "its result alone holds %llu bytes, over the %llu the limit leaves it",
                 (unsigned long long)result, (unsigned long long)gm->budget);
        st = TIR_ERR_NOMEM;
    }
    return st;
}

/* Hands over, in partition order, every merged partition not yet handed
** whose predecessors are; a partition without files counts as merged. */
static void hand_partitions(gspill_merge *gm, int p)
{
    pthread_mutex_lock(&gm->hand_mu);
    gm->merged[p] = true;
    while (gm->handed < VM_GSPILL_PARTS && gm->merged[gm->handed] && !atomic_load(&gm->stop)) {
        int h = gm->handed++;
        vm_table *t = gm->parts[h];
        if (!t)
            continue;
        gm->parts[h] = NULL;
        uint64_t bytes = vm_table_bytes(t);
        tir_status st = TIR_OK;
        if (t->nrows)
            st = gm->hand(gm->hand_ctx, t, gm->err[h], sizeof gm->err[h]);   /* t is the taker's now */
        else
            vm_table_free(t);
        atomic_fetch_sub(&gm->result, bytes);
        if (st) {
            gm->st[h] = st;
            atomic_store(&gm->stop, true);
        }
    }
    pthread_mutex_unlock(&gm->hand_mu);
}

static void merge_partitions_main(void *arg, int thread)
{
    (void)thread;
    gspill_merge *gm = arg;
    vm_spill_file *files[VM_MAX_WORKERS];
    for (int p; !atomic_load(&gm->stop) && (p = atomic_fetch_add(&gm->next, 1)) < VM_GSPILL_PARTS;) {
        int nf = 0;
        for (int w = 0; w < gm->n; w++)
            if (gm->gs[w]->parts && gm->gs[w]->parts[p]) {
                files[nf++] = gm->gs[w]->parts[p];
                gm->gs[w]->parts[p] = NULL;
            }
        if (!nf) {
            if (gm->hand)
                hand_partitions(gm, p);
            continue;
        }
        tir_status st = (gm->parts[p] = vm_sink_table_new(&gm->def->stmt->out)) ? TIR_OK : TIR_ERR_NOMEM;
        if (!st)
            st = merge_partition(gm, gm->parts[p], gm->err[p], sizeof gm->err[p], files, nf, 1);
        for (int f = 0; f < nf; f++)
            vm_spill_close(files[f]);
        if (st) {
            gm->st[p] = st;
            atomic_store(&gm->stop, true);
        } else {
            atomic_fetch_add(&gm->result, vm_table_bytes(gm->parts[p]));
            if (gm->hand)
                hand_partitions(gm, p);
        }
    }
}

/* Appends src's rows to t and frees src. t's columns grow to the exact
** size: doubling would leave up to half of a result unused, counted
** against the limit that made the group-by spill. */
static tir_status table_concat(vm_table *t, vm_table *src)
{
    tir_status st = TIR_OK;
    for (int c = 0; c < t->ncols && !st && src->nrows; c++) {
        vm_vec v = {src->cols[c].type, src->cols[c].data, src->cols[c].validity};
        if (!vm_column_reserve_exact(&t->cols[c], t->nrows + src->nrows) ||
            !vm_column_append(&t->cols[c], &v, NULL, (uint32_t)src->nrows, &t->heap))
            st = TIR_ERR_NOMEM;
    }
    t->nrows += src->nrows;
    vm_table_free(src);
    return st;
}

tir_status vm_sink_group_finish_spilled(vm_sink_group **gs, int n, vm_spill *sp, uint64_t budget, bool force,
                                        vm_pool *pool, int nthreads, vm_rows_hand hand, void *hand_ctx,
                                        vm_table **out, vm_spill_stats *stats, char *err, size_t errlen)
{
    *out = NULL;
    tir_status st = TIR_OK;
    for (int w = 0; w < n && !st; w++)
        st = vm_sink_group_spill(gs[w], sp, err, errlen);
    for (int w = 0; w < n; w++) {
        stats->bytes += gs[w]->spst.bytes;
        stats->files += gs[w]->spst.files;
    }
    if (st)
        return st;
    gspill_merge *gm = calloc(1, sizeof *gm);
    if (!gm)
        return TIR_ERR_NOMEM;
    gm->def = gs[0]->def;
    gm->sp = sp;
    gm->budget = budget;
    gm->force = force;
    gm->nthreads = nthreads < 1 ? 1 : nthreads > VM_GSPILL_PARTS ? VM_GSPILL_PARTS : nthreads;
    gm->pool = pool;
    gm->gs = gs;
    gm->n = n;
    gm->hand = hand;
    gm->hand_ctx = hand_ctx;
    if (hand && pthread_mutex_init(&gm->hand_mu, NULL)) {
        free(gm);
        return TIR_ERR_NOMEM;
    }
    vm_par_run(gm->pool, gm->nthreads, merge_partitions_main, gm);
    if (hand)
        pthread_mutex_destroy(&gm->hand_mu);
    for (int p = 0; p < VM_GSPILL_PARTS && !st; p++)
        if ((st = gm->st[p]))
            snprintf(err, errlen, "%s", gm->err[p]);
    stats->bytes += atomic_load(&gm->bytes);
    stats->files += atomic_load(&gm->files);
    stats->passes = atomic_load(&gm->passes);
    /* in partition order; each partition's table is freed once appended */
    vm_table *t = st ? NULL : vm_sink_table_new(&gm->def->stmt->out);
    if (!st && !t)
        st = TIR_ERR_NOMEM;
    for (int p = 0; p < VM_GSPILL_PARTS; p++) {
        if (gm->parts[p] && !st)
            st = table_concat(t, gm->parts[p]);
        else
            vm_table_free(gm->parts[p]);
    }
    free(gm);
    if (st) {
        vm_table_free(t);
        return st;
    }
    *out = t;
    return TIR_OK;
}
