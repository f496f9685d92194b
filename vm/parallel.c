/*
** parallel.c — morsel-driven execution of one pipeline (Leis et al., 2014):
** workers pull morsels (VM_MORSEL_ROWS source rows, or one block of a
** native table) from a shared counter,
** run them through their own copy of the pipeline state into thread-local
** sinks, and the sinks are merged into worker 0's when all are done.
** Materialized relations are merged in morsel order, so their row order is
** the same as on one thread whatever the scheduling.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joinspill.h"
#include "par.h"
#include "xpipe.h"

struct xshared {
    _Atomic uint64_t next;    /* next morsel to hand out */
    atomic_int stop;          /* a worker failed: the others stop at their next morsel */
    int nw;                   /* workers */
    /* bytes each worker holds, a cache line each and written only when they
    ** change: every batch reads the workers' for the memory limit (relaxed:
    ** a batch's check may see another worker's bytes a batch late) */
    struct xshared_held {
        _Alignas(64) _Atomic uint64_t bytes;
        _Atomic uint64_t spillable;
    } held[VM_MAX_WORKERS];
};

typedef struct wctx {
    xpipe *x;
    const vm_run_opts *o;
    tir_status st;
    char err[1024];
} wctx;

/* Stores worker w's value of one counter (when it changed) and sums the workers'. */
static uint64_t shared_sum(xshared *sh, int w, uint64_t own, size_t field)
{
    _Atomic uint64_t *mine = (_Atomic uint64_t *)((char *)&sh->held[w] + field);
    if (atomic_load_explicit(mine, memory_order_relaxed) != own)
        atomic_store_explicit(mine, own, memory_order_relaxed);
    uint64_t n = 0;
    for (int i = 0; i < sh->nw; i++)
        n += atomic_load_explicit((_Atomic uint64_t *)((char *)&sh->held[i] + field), memory_order_relaxed);
    return n;
}

uint64_t vm_x_shared_bytes(xshared *sh, int w, uint64_t own)
{
    return shared_sum(sh, w, own, offsetof(struct xshared_held, bytes));
}

uint64_t vm_x_shared_spillable(xshared *sh, int w, uint64_t own)
{
    return shared_sum(sh, w, own, offsetof(struct xshared_held, spillable));
}

/* Remembers which morsel a worker ran and how many rows each emit got. */
static bool note_morsel(xpipe *x, uint64_t m, const uint64_t *before)
{
    int ne = x->p->nemits;
    size_t need = (x->nmorsels + 1) * (size_t)(1 + ne);
    if (need > x->capmorsels) {
        size_t cap = x->capmorsels ? x->capmorsels * 2 : 64 * (size_t)(1 + ne);
        while (cap < need)
            cap *= 2;
        uint64_t *p = realloc(x->morsels, cap * sizeof *p);
        if (!p)
            return false;
        x->morsels = p;
        x->capmorsels = cap;
    }
    uint64_t *rec = x->morsels + x->nmorsels * (size_t)(1 + ne);
    rec[0] = m;
    for (int e = 0; e < ne; e++)
        rec[1 + e] = vm_x_emitted(x, e) - before[e];
    x->nmorsels++;
    return true;
}

static void worker_main(void *arg, int t)
{
    wctx *w = (wctx *)arg + t;
    xpipe *x = w->x;
    xshared *sh = x->sh;
    uint64_t before[64];
    for (;;) {
        if (atomic_load(&sh->stop))
            break;
        uint64_t m = atomic_fetch_add(&sh->next, 1);
        if (m >= vm_x_nmorsels(x))
            break;
        for (int e = 0; e < x->p->nemits && e < 64; e++)
            before[e] = vm_x_emitted(x, e);
        x->morsel = m;
        w->st = vm_x_run_morsel(x, w->o, m);
        if (!w->st && !note_morsel(x, m, before))
            w->st = TIR_ERR_NOMEM;
        if (w->st) {
            atomic_store(&sh->stop, 1);
            break;
        }
    }
    if (!w->st && (w->st = vm_x_retire(x, w->o)))
        atomic_store(&sh->stop, 1);
}

typedef struct jreplay {
    xpipe *x;
    const vm_run_opts *o;
    int ji;
    bool misses;              /* items are ranges of a table's entries, not partitions */
    uint32_t nitems, entries;
    uint64_t share, mbase;    /* bytes a partition's table may take; morsel number of item 0 */
    _Atomic uint32_t next;
    atomic_int stop;
    tir_status *st;
} jreplay;

/* Each item, a partition joined or a morsel of unmatched table entries
** output, is done by one worker; its rows count as a morsel after the
** source's, so emitted rows are merged in the order one worker makes them. */
static void jreplay_main(void *arg, int t)
{
    jreplay *r = arg;
    xpipe *x = &r->x[t];
    uint64_t before[64];
    for (;;) {
        uint32_t item = atomic_fetch_add(&r->next, 1);
        if (item >= r->nitems || atomic_load(&r->stop))
            break;
        for (int e = 0; e < x->p->nemits && e < 64; e++)
            before[e] = vm_x_emitted(x, e);
        x->morsel = r->mbase + item;
        uint64_t from = (uint64_t)item * VM_MORSEL_ROWS, to = from + VM_MORSEL_ROWS;
        tir_status st = r->misses ? vm_x_join_misses(x, r->o, r->ji, (uint32_t)from,
                                                     (uint32_t)(to < r->entries ? to : r->entries))
                                  : vm_jspill_run_part(x, &r->x[0], r->o, r->ji, (int)item, r->share);
        if (!st && !note_morsel(x, x->morsel, before))
            st = TIR_ERR_NOMEM;
        if (st) {
            r->st[t] = st;
            atomic_store(&r->stop, 1);
            break;
        }
    }
}

static tir_status run_items(jreplay *r, int nw)
{
    if (nw == 1)
        jreplay_main(r, 0);
    else
        vm_par_run(r->o->pool, nw, jreplay_main, r);
    for (int w = 0; w < nw; w++)
        if (r->st[w])
            return r->st[w];
    return TIR_OK;
}

/* Morsel numbers per join after the source's: its partitions, or the
** morsels of its table's entries. */
#define JOIN_MORSELS ((uint64_t)VM_JSPILL_PARTS + ((uint64_t)UINT32_MAX + 1) / VM_MORSEL_ROWS)

tir_status vm_x_run_spilled_joins(xpipe *x, int nw, const vm_run_opts *o, tir_status *wst)
{
    const vm_pipe *p = x[0].p;
    for (int w = 0; w < nw; w++)
        wst[w] = TIR_OK;
    /* tables evicted while the source was read: every worker switches now */
    xevict *ev = x[0].ev;
    for (int w = 0; ev && w < nw; w++)
        if (atomic_load(&ev->requested) && (wst[w] = vm_x_evict(&x[w], o)))
            return wst[w];
    if (ev)
        atomic_store(&ev->closed, 1);
    /* in code order: joining a partition, or outputting a right join's
    ** unmatched rows, may set rows aside for (or match rows of) a later join */
    for (int ji = 0; ji < p->njoins; ji++) {
        jreplay r = {.x = x, .o = o, .ji = ji, .mbase = vm_x_nmorsels(&x[0]) + (uint64_t)ji * JOIN_MORSELS,
                     .st = wst};
        if (!x[0].joins[ji].hs) {
            if (!x[0].joins[ji].matched)
                continue;
            r.misses = true;
            r.entries = vm_ht_count(x[0].joins[ji].ht);
            r.nitems = (uint32_t)(((uint64_t)r.entries + VM_MORSEL_ROWS - 1) / VM_MORSEL_ROWS);
            tir_status st = run_items(&r, nw);
            if (st)
                return st;
            continue;
        }
        for (int w = 0; w < nw; w++) /* its resident partitions are done: the others join from their files */
            if (x[w].joins[ji].hybrid) {
                x[w].joins[ji].hybrid = false;
                x[w].joins[ji].ht = NULL;
            }
        /* and their table makes room for the others' (a later pipeline
        ** probing it reads them back), unless another join here probes it */
        vm_hspill *hs = x[0].joins[ji].hs;
        bool shared = false;
        for (int k = 0; k < p->njoins; k++)
            shared |= k != ji && x[0].joins[k].hs == hs;
        if (hs->mem && !shared) {
            uint64_t dropped = vm_ht_bytes(hs->mem);
            vm_ht_free(hs->mem);
            hs->mem = NULL;
            hs->resident = 0;
            for (int w = 0; w < nw; w++)
                x[w].base_bytes -= dropped < x[w].base_bytes ? dropped : x[w].base_bytes;
        }
        tir_status st = vm_jspill_gather(x, nw, ji, o->spill);
        if (st) {
            wst[0] = st;
            return st;
        }
        /* what the partitions' tables may take: the limit less what is held
        ** and cannot spill (group-by and build state can) */
        uint64_t held = x[0].base_bytes - (ev ? atomic_load(&ev->freed) : 0);
        for (int w = 0; w < nw; w++)
            held += vm_x_sink_bytes(&x[w]) - vm_x_spillable_bytes(&x[w]);
        r.nitems = VM_JSPILL_PARTS;
        if (o->memory_limit)
            /* a quarter kept back: the chunks, batches and heaps of the rest of the pipeline */
            r.share = o->memory_limit > held ? (o->memory_limit - held) / 4 * 3 / (uint64_t)nw : 1;
        if ((st = run_items(&r, nw)))
            return st;
    }
    return TIR_OK;
}

static tir_status merge_builds(xpipe *x, int nw)
{
    for (int b = 0; b < x[0].p->nbuilds; b++)
        for (int w = 1; w < nw; w++)
            if (!vm_ht_take(x[0].builds[b], x[w].builds[b]))
                return TIR_ERR_NOMEM;
    return TIR_OK;
}

typedef struct gparts {
    vm_gmerge *m;
    tir_status st[VM_MAX_WORKERS];
} gparts;

static void gpart_main(void *arg, int t)
{
    gparts *p = arg;
    p->st[t] = vm_gmerge_part(p->m, t);
}

static void gadd_main(void *arg, int t)
{
    gparts *p = arg;
    p->st[t] = vm_gmerge_add_part(p->m, t);
}

/* Below this many groups, handing the lookups to threads costs more than
** it saves (8192: a pool run is tens of microseconds; TPC-H Q16's 59k
** groups of string keys take milliseconds on one). */
enum { GMERGE_THREADS_MIN = 8192 };

/* Merges one worker's groups into worker 0's, the lookups shared by
** nthreads threads when there are enough groups; last: the final merge
** into these groups (see vm_gmerge_new). */
static tir_status merge_groups(vm_sink_group *into, const vm_sink_group *from, vm_pool *pool, int nthreads,
                               bool last)
{
    if (vm_ht_count(from->ht) < GMERGE_THREADS_MIN)
        nthreads = 1;
    if (nthreads > VM_MAX_WORKERS)
        nthreads = VM_MAX_WORKERS;
    gparts p = {vm_gmerge_new(into, from, nthreads, last), {TIR_OK}};
    if (!p.m)
        return TIR_ERR_NOMEM;
    vm_par_run(pool, nthreads, gpart_main, &p);
    tir_status st = TIR_OK;
    for (int t = 0; t < nthreads && !st; t++)
        st = p.st[t];
    int nadd = st ? 0 : vm_gmerge_adds(p.m);
    if (nadd < 0)
        st = TIR_ERR_NOMEM;
    if (nadd > 0) {
        vm_par_run(pool, nadd, gadd_main, &p);
        for (int t = 0; t < nadd && !st; t++)
            st = p.st[t];
    }
    return vm_gmerge_end(p.m, st);
}

typedef struct mrec {
    uint64_t m;
    int worker;
    uint64_t *counts;         /* rows per emit */
    uint64_t *offsets;        /* first row per emit in the worker's table */
} mrec;

static int mrec_cmp(const void *a, const void *b)
{
    const mrec *x = a, *y = b;
    return (x->m > y->m) - (x->m < y->m);
}

/* Concatenates the workers' emitted rows in morsel order. */
static tir_status merge_emits(xpipe *x, int nw)
{
    int ne = x[0].p->nemits;
    if (ne == 0)
        return TIR_OK;
    size_t nrec = 0;
    for (int w = 0; w < nw; w++)
        nrec += x[w].nmorsels;
    mrec *recs = calloc(nrec ? nrec : 1, sizeof *recs);
    uint64_t *offs = calloc((nrec ? nrec : 1) * (size_t)ne, sizeof *offs);
    uint32_t *idx = malloc(sizeof *idx * (VM_MORSEL_ROWS * (size_t)8));
    tir_status st = recs && offs && idx ? TIR_OK : TIR_ERR_NOMEM;
    size_t r = 0;
    for (int w = 0; w < nw && !st; w++) {
        uint64_t run[64] = {0};
        for (size_t k = 0; k < x[w].nmorsels; k++, r++) {
            uint64_t *rec = x[w].morsels + k * (size_t)(1 + ne);
            recs[r] = (mrec){rec[0], w, rec + 1, offs + r * (size_t)ne};
            for (int e = 0; e < ne; e++) {
                recs[r].offsets[e] = run[e];
                run[e] += rec[1 + e];
            }
        }
    }
    if (!st)
        qsort(recs, nrec, sizeof *recs, mrec_cmp);
    for (int e = 0; e < ne && !st; e++) {
        if (vm_x_emit_spilled(x, nw, e)) /* gathered on disk instead (vm_x_gather_emits) */
            continue;
        vm_table *t = vm_sink_table_new(x[0].p->emits[e].schema);
        if (!t) {
            st = TIR_ERR_NOMEM;
            break;
        }
        for (size_t k = 0; k < nrec && !st; k++) {
            const vm_table *src = x[recs[k].worker].emits[e];
            uint64_t off = recs[k].offsets[e], cnt = recs[k].counts[e];
            /* a morsel's rows can outnumber its source rows after a join */
            while (cnt > 0 && !st) {
                uint32_t n = cnt < VM_MORSEL_ROWS * (uint64_t)8 ? (uint32_t)cnt : VM_MORSEL_ROWS * 8;
                for (uint32_t i = 0; i < n; i++)
                    idx[i] = (uint32_t)(off + i);
                for (int c = 0; c < t->ncols && !st; c++) {
                    const vm_column *sc = &src->cols[c];
                    vm_vec v = {sc->type, sc->data, sc->validity};
                    if (!vm_column_append(&t->cols[c], &v, idx, n, &t->heap))
                        st = TIR_ERR_NOMEM;
                }
                t->nrows += n;
                off += n;
                cnt -= n;
            }
        }
        if (st) {
            vm_table_free(t);
            break;
        }
        vm_table_free(x[0].emits[e]);
        x[0].emits[e] = t;
    }
    free(recs);
    free(offs);
    free(idx);
    return st;
}

tir_status vm_run_parallel(xpipe *x, int nworkers, const vm_run_opts *o)
{
    xshared sh = {.nw = nworkers};
    wctx w[VM_MAX_WORKERS];
    tir_status st = TIR_OK;
    char *err = x[0].err;     /* the run's message buffer; workers write their own */
    size_t errlen = x[0].errlen;
    for (int i = 0; i < nworkers; i++) {
        w[i] = (wctx){.x = &x[i], .o = o};
        x[i].sh = &sh;
        x[i].err = w[i].err;
        x[i].errlen = sizeof w[i].err;
    }
    /* worker 0 runs on the calling thread */
    vm_par_run(o->pool, nworkers, worker_main, w);
    bool failed = false;
    for (int i = 0; i < nworkers; i++)
        failed |= w[i].st != TIR_OK;
    if (!failed) {
        tir_status wst[VM_MAX_WORKERS];
        vm_x_run_spilled_joins(x, nworkers, o, wst);
        for (int i = 0; i < nworkers; i++)
            w[i].st = wst[i];
    }
    /* the first failure in worker order (a cancel or limit may stop several) */
    for (int i = 0; i < nworkers && !st; i++)
        if (w[i].st) {
            st = w[i].st;
            snprintf(err, errlen, "%s", w[i].err);
        }
    for (int i = 0; i < nworkers; i++) {
        x[i].sh = NULL;
        x[i].err = err;
        x[i].errlen = errlen;
    }
    if (st)
        return st;
    vm_x_plan_group_spills(x, nworkers, o);
    if ((st = vm_x_plan_build_spills(x, nworkers, o)))
        return st;
    for (int i = 1; i < nworkers && !st; i++) {
        for (int a = 0; a < x[0].p->naggs && !st; a++)
            st = vm_sink_agg_merge(&x[0].aggs[a], &x[i].aggs[a]);
        for (int g = 0; g < x[0].p->ngroups && !st; g++)
            if (!x[0].gspill[g])
                st = merge_groups(&x[0].groups[g], &x[i].groups[g], o->pool, nworkers, i == nworkers - 1);
        for (int b = 0; b < x[0].p->nbloomdefs && !st; b++)
            if (!vm_bloomsink_merge(&x[0].bsinks[b], &x[i].bsinks[b]))
                st = TIR_ERR_NOMEM;
    }
    if (st == TIR_ERR_RUNTIME)
        snprintf(err, errlen, "%s: error: integer overflow in a sum of pipeline %s", x[0].plan->prog->file,
                 x[0].p->ir->name.s);
    if (!st)
        st = merge_builds(x, nworkers);
    if (!st)
        st = merge_emits(x, nworkers);
    return st;
}
