/*
** exec.c — runs a lowered plan: pipelines in topological order, each
** pushing batches from its source through its bytecode. The dispatch switch
** is generated from opcodes.h; each case calls one typed kernel over the
** rows of a selection, so nothing here switches on a type per row or batch.
*/
#include "vm.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "dates.h"
#include "decimal.h"
#include "timestamp.h"
#include "kernels.h"
#include "sinks.h"
#include "xpipe.h"
#include "joinspill.h"
#include "datefn.h"
#include "intervalfn.h"
#include "strfn.h"
#include "likefn.h"
#include "regexfn.h"
#include "hosttab.h"

tir_status vm_x_fail(xpipe *x, tir_status st, ir_span at, const char *fmt, ...)
{
    ir_srcmap m = ir_prog_srcmap(x->plan->prog);
    char where[512];
    ir_locate(where, sizeof where, &m, at);
    int n = snprintf(x->err, x->errlen, "%s: error: ", where);
    if (n < 0 || (size_t)n >= x->errlen)
        return st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return st;
}

static const char *span_text(xpipe *x, ir_span s, char *buf, size_t n)
{
    ir_srcmap m = ir_prog_srcmap(x->plan->prog);
    ir_span_text(buf, n, &m, s);
    return buf;
}

/* ------------------------------------------------------------- helpers */

uint64_t *vm_x_valid2(xpipe *x, int out, const vm_vec *a, const vm_vec *b, uint32_t n)
{
    if (!a->validity && (!b || !b->validity))
        return NULL;
    k_valid_and(a->validity, b ? b->validity : NULL, n, x->rvalid[out]);
    return x->rvalid[out];
}

uint64_t *vm_x_valid2_owned(xpipe *x, int out, const vm_vec *a, const vm_vec *b, uint32_t n)
{
    k_valid_and(a->validity, b ? b->validity : NULL, n, x->rvalid[out]);
    return x->rvalid[out];
}

static bool str_from_text(xpipe *x, const char *s, size_t len, tir_str *out)
{
    return vm_str_make(&x->batch_heap, s, (uint32_t)len, out);
}

static size_t format_value(tir_type t, const void *data, uint32_t i, char *buf, size_t n)
{
    switch (t) {
    case TIR_BOOL: return (size_t)snprintf(buf, n, "%s", ((const uint8_t *)data)[i] ? "true" : "false");
    case TIR_I32: return (size_t)snprintf(buf, n, "%" PRId32, ((const int32_t *)data)[i]);
    case TIR_I64: return (size_t)snprintf(buf, n, "%" PRId64, ((const int64_t *)data)[i]);
    case TIR_F64: return (size_t)snprintf(buf, n, "%.15g", ((const double *)data)[i]);
    case TIR_DATE: return vm_date_text(((const int32_t *)data)[i], buf);
    case TIR_TIMESTAMP: return vm_timestamp_format(((const int64_t *)data)[i], buf);
    case TIR_INTERVAL: return (size_t)tir_interval_format(((const tir_interval *)data)[i], buf);
    default: return 0;
    }
}

/* ------------------------------------------------------- pipeline setup */

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    return p;
}

/* k takes a parameter's bound value v, of the declared type; k's type may
** be wider (the checker widened the use), and integers share k->i. */
static void param_value(vm_const *k, const vm_const *v)
{
    k->is_null = v->is_null;
    k->i = v->i;
    k->w = v->w;
    k->s = v->s;
    k->months = v->months, k->days = v->days;
    k->f = v->type == TIR_F64 ? v->f : (double)v->i;
}

static tir_status resolve_consts(xpipe *x)
{
    const vm_pipe *p = x->p;
    x->k = xalloc(sizeof(vm_const) * (size_t)(p->nconsts ? p->nconsts : 1));
    if (!x->k)
        return TIR_ERR_NOMEM;
    for (int i = 0; i < p->nconsts; i++) {
        vm_const *k = &x->k[i];
        *k = p->consts[i];
        if (k->param) {
            if (!x->params)   /* the engine checks every parameter is bound before a run */
                return TIR_ERR_ARG;
            param_value(k, &x->params[k->param->index]);
            continue;
        }
        if (!k->ref)
            continue;
        int vi = vm_plan_value_index(x->plan, k->ref);
        vm_table *t = vi >= 0 ? x->values[vi].rel : NULL;
        if (!t || t->nrows == 0) {
            k->is_null = true;
            continue;
        }
        const vm_column *c = &t->cols[k->field];
        k->is_null = !vm_bit_get(c->validity, 0);
        if (k->is_null)
            continue;
        /* a tuple field may be narrower than the use site (tc widened the ref) */
        switch (c->type) {
        case TIR_BOOL: k->i = ((uint8_t *)c->data)[0]; break;
        case TIR_I32: case TIR_DATE: k->i = ((int32_t *)c->data)[0]; break;
        case TIR_I64: k->i = ((int64_t *)c->data)[0]; break;
        case TIR_F64: k->f = ((double *)c->data)[0]; break;
        case TIR_STRING: k->s = ((tir_str *)c->data)[0]; break;
        case TIR_DECIMAL128: k->w = ((__int128 *)c->data)[0]; break;
        case TIR_INTERVAL: {
            tir_interval v = ((tir_interval *)c->data)[0];
            k->months = v.months, k->days = v.days, k->i = v.micros;
            break;
        }
        default: break;
        }
        if (k->type == TIR_F64 && c->type != TIR_F64)
            k->f = (double)k->i;
    }
    return TIR_OK;
}

static void fill_const(xpipe *x, int r, const vm_const *k)
{
    void *d = x->rbuf[r];
    uint32_t n = x->cap;
    switch (k->type) {
    case TIR_BOOL: memset(d, k->i ? 1 : 0, n); break;
    case TIR_I32: case TIR_DATE: k_fill_i32((int32_t)k->i, n, d); break;
    case TIR_I64: k_fill_i64(k->i, n, d); break;
    case TIR_F64: k_fill_f64(k->f, n, d); break;
    case TIR_DECIMAL128:
        for (uint32_t i = 0; i < n; i++)
            ((__int128 *)d)[i] = k->w;
        break;
    case TIR_STRING:
        for (uint32_t i = 0; i < n; i++)
            ((tir_str *)d)[i] = k->s;
        break;
    case TIR_INTERVAL:
        for (uint32_t i = 0; i < n; i++)
            ((tir_interval *)d)[i] = (tir_interval){k->months, k->days, k->i};
        break;
    default: break;
    }
    if (k->is_null) {
        memset(x->rvalid[r], 0, k_bitmap_words(n) * 8);
        x->r[r].validity = x->rvalid[r];
    }
}

tir_status vm_x_setup(xpipe *x)
{
    const vm_pipe *p = x->p;
    uint32_t cap = x->cap;
    size_t words = k_bitmap_words(cap) + 1;
    x->r = xalloc(sizeof *x->r * (size_t)p->nregs);
    x->rbuf = xalloc(sizeof *x->rbuf * (size_t)p->nregs);
    x->rvalid = xalloc(sizeof *x->rvalid * (size_t)p->nregs);
    x->s = xalloc(sizeof *x->s * (size_t)(p->nsels ? p->nsels : 1));
    x->f = xalloc(sizeof *x->f * (size_t)p->nframes);
    x->joins = xalloc(sizeof *x->joins * (size_t)(p->njoins ? p->njoins : 1));
    x->builds = xalloc(sizeof *x->builds * (size_t)(p->nbuilds ? p->nbuilds : 1));
    x->bspill = xalloc(sizeof *x->bspill * (size_t)(p->nbuilds ? p->nbuilds : 1));
    x->emits = xalloc(sizeof *x->emits * (size_t)(p->nemits ? p->nemits : 1));
    x->espillable = xalloc(sizeof *x->espillable * (size_t)(p->nemits ? p->nemits : 1));
    x->espill = xalloc(sizeof *x->espill * (size_t)(p->nemits ? p->nemits : 1));
    x->eflushed = xalloc(sizeof *x->eflushed * (size_t)(p->nemits ? p->nemits : 1));
    x->erel = xalloc(sizeof *x->erel * (size_t)(p->nemits ? p->nemits : 1));
    x->limit_seen = xalloc(sizeof *x->limit_seen * (size_t)(p->nlimits ? p->nlimits : 1));
    x->stmt_rows = xalloc(sizeof *x->stmt_rows * (size_t)(p->ir->n + 1));
    x->stmt_ns = xalloc(sizeof *x->stmt_ns * (size_t)(p->ir->n + 1));
    x->aggs = xalloc(sizeof *x->aggs * (size_t)(p->naggs ? p->naggs : 1));
    x->groups = xalloc(sizeof *x->groups * (size_t)(p->ngroups ? p->ngroups : 1));
    x->bloomuse = xalloc(sizeof *x->bloomuse * (size_t)(p->scan.nblooms ? p->scan.nblooms : 1));
    x->bsinks = xalloc(sizeof *x->bsinks * (size_t)(p->nbloomdefs ? p->nbloomdefs : 1));
    x->sorts = xalloc(sizeof *x->sorts * (size_t)(p->nsorts ? p->nsorts : 1));
    x->sorted = xalloc(sizeof *x->sorted * (size_t)(p->nsorts ? p->nsorts : 1));
    x->gspill = xalloc(sizeof *x->gspill * (size_t)(p->ngroups ? p->ngroups : 1));
    x->grouped = xalloc(sizeof *x->grouped * (size_t)(p->ngroups ? p->ngroups : 1));
    x->adapt = xalloc(sizeof *x->adapt * (size_t)(p->nadapts ? p->nadapts : 1));
    x->chunks = NULL;
    x->dicts = NULL;
    x->dict_cap = NULL;
    memset(x->scan_stat, 0, sizeof x->scan_stat);
    vm_strheap_init(&x->batch_heap);
    vm_spchunk_init(&x->rchunk);
    x->rchunk_loaded = false;
    if (!x->r || !x->rbuf || !x->rvalid || !x->s || !x->f || !x->joins || !x->builds || !x->bspill || !x->emits ||
        !x->espillable || !x->espill || !x->eflushed || !x->erel ||
        !x->limit_seen || !x->stmt_rows || !x->stmt_ns || !x->aggs || !x->groups || !x->bloomuse || !x->bsinks ||
        !x->sorts || !x->sorted || !x->gspill || !x->grouped || !x->adapt)
        return TIR_ERR_NOMEM;
    tir_status st = resolve_consts(x);
    if (st)
        return st;
    for (int i = 0; i < p->nregs; i++) {
        x->r[i].type = p->regs[i].type;
        if (p->regs[i].borrowed)
            continue;
        x->rbuf[i] = xalloc(vm_type_width(p->regs[i].type) * cap + 16);
        x->reg_bytes += vm_type_width(p->regs[i].type) * cap + 16 + words * 8;
        x->rvalid[i] = xalloc(words * 8);
        if (!x->rbuf[i] || !x->rvalid[i])
            return TIR_ERR_NOMEM;
        x->r[i].data = x->rbuf[i];
        if (p->regs[i].konst >= 0)
            fill_const(x, i, &x->k[p->regs[i].konst]);
    }
    for (int i = 0; i < p->nsels; i++)
        if (!(x->s[i].idx = xalloc(sizeof(uint32_t) * cap)))
            return TIR_ERR_NOMEM;
    for (int i = 0; i < p->njoins; i++) {
        xjoin *j = &x->joins[i];
        j->pidx = xalloc(sizeof(uint32_t) * cap);
        if (!j->pidx)
            return TIR_ERR_NOMEM;
        if (p->joins[i].merge) {
            if (!(j->mj = vm_mj_new(x->mjsides[i], cap, x->err, x->errlen)))
                return TIR_ERR_NOMEM;
            continue;
        }
        int vi = vm_plan_value_index(x->plan, p->joins[i].stmt->u.join.ht);
        j->ht = vi >= 0 ? x->values[vi].ht : NULL;
        j->hs = vi >= 0 ? x->values[vi].hs : NULL;
        if (!j->ht && !j->hs)
            return TIR_ERR_RUNTIME;
        j->first = xalloc(sizeof(uint32_t) * cap);
        j->hent = xalloc(sizeof(uint32_t) * cap);
        if (!j->first || !j->hent || (j->hs && !(j->jp = vm_jprobe_new(p, &p->joins[i], cap, x->memory_limit))))
            return TIR_ERR_NOMEM;
        ir_joinkind kind = p->joins[i].kind;
        if (p->joins[i].cond && kind != IR_JOIN_INNER && kind != IR_JOIN_RIGHT && !(j->passed = xalloc(cap)))
            return TIR_ERR_NOMEM;
        /* a right or full join's resident partitions would need their
        ** matched flags kept until their build rows are output: all are
        ** joined from their files instead */
        if (j->hs && j->hs->mem && !IR_JOIN_KEEPS_BUILD(kind)) {
            j->ht = j->hs->mem;
            j->hybrid = true;
            if (!(j->rsel = xalloc(sizeof(uint32_t) * cap)))
                return TIR_ERR_NOMEM;
        }
    }
    for (int i = 0; i < p->nsorts; i++) {
        if (!vm_sink_sort_init(&x->sorts[i], &p->sorts[i], x->worker, cap))
            return TIR_ERR_NOMEM;
        x->sorts[i].pool = x->pool;
    }
    for (int i = 0; i < p->nbuilds; i++) {
        const ir_stmt *s = p->builds[i].stmt;
        int nk = s->ht_nkeys, nv = s->out.n - s->ht_nkeys;
        tir_type kt[64], vt[64];
        if (nk > 64 || nv > 64)
            return TIR_ERR_ARG;
        for (int c = 0; c < nk; c++)
            kt[c] = vm_phys(s->out.cols[c].ty.type);
        for (int c = 0; c < nv; c++)
            vt[c] = vm_phys(s->out.cols[nk + c].ty.type);
        if (!(x->builds[i] = vm_ht_new(nk, kt, nv, vt, false)))
            return TIR_ERR_NOMEM;
        if (s->u.build.keep_null_keys)
            vm_ht_keep_null_keys(x->builds[i]);
    }
    for (int i = 0; i < p->nemits; i++) {
        if (!(x->emits[i] = vm_sink_table_new(p->emits[i].schema)))
            return TIR_ERR_NOMEM;
        int vi = vm_plan_value_index(x->plan, p->emits[i].stmt);
        x->espillable[i] = x->rel_kept && !x->rel_kept[vi] && x->emits[i]->ncols <= VM_RELSPILL_MAXCOLS;
    }
    for (int i = 0; i < p->scan.nblooms; i++) {
        int vi = vm_plan_value_index(x->plan, p->scan.blooms[i].bf);
        if (vi < 0 || !(x->bloomuse[i] = x->values[vi].bf))
            return TIR_ERR_RUNTIME;
    }
    if (p->scan.native) {
        size_t nc = (size_t)(p->scan.ncols ? p->scan.ncols : 1);
        x->chunks = xalloc(sizeof *x->chunks * nc);
        x->dicts = xalloc(sizeof *x->dicts * nc);
        x->dict_cap = xalloc(sizeof *x->dict_cap * nc);
        if (!x->chunks || !x->dicts || !x->dict_cap)
            return TIR_ERR_NOMEM;
    }
    x->blk_first = UINT64_MAX;
    for (int i = 0; i < p->naggs; i++)
        if (!vm_sink_agg_init(&x->aggs[i], &p->aggs[i]))
            return TIR_ERR_NOMEM;
    for (int i = 0; i < p->ngroups; i++)
        if (!vm_sink_group_init(&x->groups[i], &p->groups[i]))
            return TIR_ERR_NOMEM;
    return TIR_OK;
}

void vm_x_teardown(xpipe *x)
{
    const vm_pipe *p = x->p;
    vm_spchunk_free(&x->rchunk);
    /* a setup that ran out of memory may have left any of these NULL */
    for (int i = 0; x->rbuf && i < p->nregs; i++)
        free(x->rbuf[i]);
    for (int i = 0; x->rvalid && i < p->nregs; i++)
        free(x->rvalid[i]);
    for (int i = 0; x->s && i < p->nsels; i++)
        free(x->s[i].idx);
    for (int i = 0; x->joins && i < p->njoins; i++) {
        free(x->joins[i].first);
        free(x->joins[i].pidx);
        free(x->joins[i].hent);
        vm_mj_free(x->joins[i].mj);
        vm_jprobe_free(x->joins[i].jp);
        free(x->joins[i].rsel);
        free(x->joins[i].passed);
        if (x->joins[i].own_matched)
            free((void *)x->joins[i].matched);
        if (x->joins[i].hs && x->joins[i].ht != x->joins[i].hs->mem) /* the partition being joined when the run failed */
            vm_ht_free(x->joins[i].ht);
    }
    for (int i = 0; x->sorts && i < p->nsorts; i++)
        if (x->sorts[i].def)
            vm_sink_sort_free(&x->sorts[i]);
    for (int i = 0; x->sorted && i < p->nsorts; i++)
        vm_table_free(x->sorted[i]);
    free(x->sorts);
    free(x->sorted);
    for (int i = 0; x->builds && i < p->nbuilds; i++)
        vm_ht_free(x->builds[i]);
    for (int i = 0; x->bspill && i < p->nbuilds; i++)
        vm_hspill_free(x->bspill[i]);
    free(x->bspill);
    for (int i = 0; x->emits && i < p->nemits; i++)
        vm_table_free(x->emits[i]);
    for (int i = 0; x->espill && i < p->nemits; i++)
        vm_spill_close(x->espill[i]);
    for (int i = 0; x->erel && i < p->nemits; i++)
        vm_relspill_free(x->erel[i]);
    free(x->espillable);
    free(x->espill);
    free(x->eflushed);
    free(x->erel);
    for (int i = 0; x->aggs && i < p->naggs; i++)
        vm_sink_agg_free(&x->aggs[i]);
    for (int i = 0; x->groups && i < p->ngroups; i++)
        vm_sink_group_free(&x->groups[i]);
    for (int i = 0; x->grouped && i < p->ngroups; i++)
        vm_table_free(x->grouped[i]);
    free(x->grouped);
    free(x->gspill);
    free(x->adapt);
    for (int i = 0; x->bsinks && i < p->nbloomdefs; i++) {
        free(x->bsinks[i].h);
        free(x->bsinks[i].k);
    }
    free(x->bsinks);
    free(x->bloomuse);
    for (int c = 0; x->dicts && c < p->scan.ncols; c++)
        free(x->dicts[c]);
    free(x->dicts);
    free(x->dict_cap);
    free(x->chunks);
    free(x->r);
    free(x->rbuf);
    free(x->rvalid);
    free(x->s);
    free(x->f);
    free(x->k);
    free(x->joins);
    free(x->builds);
    free(x->emits);
    free(x->limit_seen);
    free(x->stmt_rows);
    free(x->stmt_ns);
    free(x->morsels);
    free(x->aggs);
    free(x->groups);
    vm_strheap_free(&x->batch_heap);
    if (x->ctype)
        freelocale(x->ctype);
}

/* ------------------------------------------------------------ operators */

/* A pair marks its entry matched; a load first keeps the workers from
** writing a shared cache line over and over. */
static inline void mark_matched(_Atomic uint8_t *m, uint32_t e)
{
    if (!atomic_load_explicit(&m[e], memory_order_relaxed))
        atomic_store_explicit(&m[e], 1, memory_order_relaxed);
}

/* The next chunk of table entries no pair matched (XJ_BUILD_MISSES). */
static void build_misses(xpipe *x, const vm_join *jd, xjoin *j)
{
    uint32_t m = 0, e = j->tail_cur, cap = x->cap;
    const _Atomic uint8_t *matched = j->matched;
    while (e < j->tail_end && m < cap) { /* no input row: JOIN_GATHER reads no pidx */
        j->hent[m] = e;
        m += !atomic_load_explicit(&matched[e], memory_order_relaxed);
        e++;
    }
    j->tail_cur = e;
    j->pending = e < j->tail_end;
    x->f[jd->out_frame].n = m;
    if (jd->cond)
        x->s[jd->cand_sel] = (xsel){x->s[jd->cand_sel].idx, 0, false};
}

static void op_join_probe(xpipe *x, const vm_ins *in)
{
    const vm_join *jd = &x->p->joins[in->a];
    xjoin *j = &x->joins[in->a];
    ir_joinkind kind = jd->kind;
    if (j->phase == XJ_BUILD_MISSES) {
        build_misses(x, jd, j);
        return;
    }
    SEL(x, in->b, jd->in_frame, all, nall);
    const uint32_t *sel = j->hybrid ? j->rsel : all; /* hybrid: the rows of resident partitions */
    uint32_t n = j->hybrid ? j->rn : nall;
    /* with a condition, a left or full join's input rows without a pair
    ** that held come after their batch's pairs, in a chunk of their own */
    bool outer = kind == IR_JOIN_LEFT || kind == IR_JOIN_FULL;
    bool misses_after = jd->cond && outer, left = outer && !jd->cond;
    if (!j->pending) {
        vm_vec keys[64];
        for (int k = 0; k < jd->nkeys && k < 64; k++)
            keys[k] = x->r[jd->key_regs[k]];
        vm_ht_probe(j->ht, keys, sel, n, j->first);
        j->nin = n;
        j->cursor = 0;
        j->chain = n ? j->first[0] : VM_HT_NONE;
        j->phase = XJ_PAIRS;
        for (uint32_t i = 0; j->passed && i < n; i++)
            j->passed[sel ? sel[i] : i] = 0;
        if ((kind == IR_JOIN_SEMI || kind == IR_JOIN_ANTI) && !jd->cond) {
            xsel *out = &x->s[jd->out_sel];
            uint32_t m = 0;
            bool want = kind == IR_JOIN_SEMI;
            for (uint32_t i = 0; i < n; i++) {
                out->idx[m] = sel ? sel[i] : i;
                m += (j->first[i] != VM_HT_NONE) == want;
            }
            out->n = m;
            return;
        }
    } else if (misses_after && j->cursor == j->nin) {
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t row = sel ? sel[i] : i;
            j->pidx[m] = row;
            j->hent[m] = VM_HT_NONE;
            m += !j->passed[row];
        }
        j->phase = XJ_INPUT_MISSES;
        j->pending = false;
        x->f[jd->out_frame].n = m;
        x->s[jd->cand_sel] = (xsel){x->s[jd->cand_sel].idx, 0, false};
        return;
    }
    /* the cursor lives in locals: through j-> every pidx/hent store would
    ** make the compiler reload it */
    uint32_t m = 0, cap = x->cap, cur = j->cursor, nin = j->nin, e = j->chain;
    const uint32_t *first = j->first, *next = vm_ht_chains(j->ht);
    uint32_t *pidx = j->pidx, *hent = j->hent;
    while (cur < nin && m < cap) {
        if (e == VM_HT_NONE && !left) { /* skip the misses in one tight loop */
            while (cur < nin && first[cur] == VM_HT_NONE)
                cur++;
            if (cur == nin)
                break;
            e = first[cur];
        }
        uint32_t row = sel ? sel[cur] : cur;
        if (e == VM_HT_NONE && first[cur] == VM_HT_NONE) {
            pidx[m] = row;
            hent[m++] = VM_HT_NONE;
        }
        while (e != VM_HT_NONE && m < cap) {
            pidx[m] = row;
            hent[m++] = e;
            e = next[e];
        }
        if (e != VM_HT_NONE)
            break;
        cur++;
        e = cur < nin ? first[cur] : VM_HT_NONE;
    }
    j->cursor = cur;
    j->chain = e;
    x->f[jd->out_frame].n = m;
    j->pending = cur < nin || misses_after;
    if (jd->cond)
        x->s[jd->cand_sel] = (xsel){x->s[jd->cand_sel].idx, m, true};
    else if (j->matched) /* every pair matches */
        for (uint32_t i = 0; i < m; i++)
            if (hent[i] != VM_HT_NONE)
                mark_matched(j->matched, hent[i]);
}

/* JOIN_COND: the pairs of selection s[b] (the condition lowered like a
** filter over the chunk), marked on their input row (left, full, semi,
** anti) and table entry (right, full). */
static void op_join_cond(xpipe *x, const vm_ins *in)
{
    xjoin *j = &x->joins[in->a];
    xsel *out = &x->s[in->c];
    uint32_t m = x->f[in->frame].n;
    if (j->phase != XJ_PAIRS) {
        *out = (xsel){out->idx, m, true};
        return;
    }
    SEL(x, in->b, in->frame, held, k);
    if (held)
        memcpy(out->idx, held, k * sizeof *held);
    else
        for (uint32_t i = 0; i < k; i++)
            out->idx[i] = i;
    *out = (xsel){out->idx, k, false};
    for (uint32_t i = 0; j->passed && i < k; i++)
        j->passed[j->pidx[out->idx[i]]] = 1;
    for (uint32_t i = 0; j->matched && i < k; i++)
        mark_matched(j->matched, j->hent[out->idx[i]]);
}

/* JOIN_SEMI: once every pair of the batch was tested. */
static void op_join_semi(xpipe *x, const vm_ins *in)
{
    const vm_join *jd = &x->p->joins[in->a];
    const xjoin *j = &x->joins[in->a];
    SEL(x, jd->in_sel, jd->in_frame, all, nall);
    const uint32_t *sel = j->hybrid ? j->rsel : all;
    uint32_t n = j->hybrid ? j->rn : nall;
    uint8_t want = jd->kind == IR_JOIN_SEMI;
    xsel *out = &x->s[in->c];
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t row = sel ? sel[i] : i;
        out->idx[m] = row;
        m += j->passed[row] == want;
    }
    *out = (xsel){out->idx, m, false};
}

/* The validity of a table column gathered at a join's pairs (entry
** VM_HT_NONE: no entry, NULL), built a word at a time: a bit stored per
** pair made every pair wait for the previous store to the same word. */
static uint64_t *ht_pairs_valid(const uint64_t *valid, const uint32_t *ent, uint32_t m, bool none,
                                uint64_t *dst)
{
    if (!none)
        return valid && !k_gather_valid(valid, ent, m, dst) ? dst : NULL;
    for (uint32_t lo = 0; lo < m; lo += 64) {
        uint32_t cnt = m - lo < 64 ? m - lo : 64;
        uint64_t bits = 0;
        for (uint32_t t = 0; t < cnt; t++) {
            uint32_t e = ent[lo + t];
            bits |= (uint64_t)(e != VM_HT_NONE && vm_bit_get(valid, e)) << t;
        }
        dst[lo >> 6] = bits;
    }
    return dst;
}

#define JOIN_GATHER(W, CT)                                                               \
    static void op_join_gather_##W(xpipe *x, const vm_ins *in)                           \
    {                                                                                    \
        const xjoin *j = &x->joins[in->b];                                               \
        uint32_t m = x->f[in->frame].n;                                                  \
        const CT *src = x->r[in->a].data;                                                \
        CT *dst = x->rbuf[in->c];                                                        \
        if (j->phase == XJ_BUILD_MISSES) { /* build rows alone: no input row */         \
            memset(dst, 0, sizeof(CT) * m);                                              \
            memset(x->rvalid[in->c], 0, k_bitmap_words(m) * sizeof(uint64_t));          \
            x->r[in->c].validity = x->rvalid[in->c];                                     \
            return;                                                                      \
        }                                                                                \
        for (uint32_t i = 0; i < m; i++)                                                 \
            dst[i] = src[j->pidx[i]];                                                    \
        x->r[in->c].validity = NULL;                                                     \
        if (x->r[in->a].validity &&                                                      \
            !k_gather_valid(x->r[in->a].validity, j->pidx, m, x->rvalid[in->c]))         \
            x->r[in->c].validity = x->rvalid[in->c];                                     \
    }                                                                                    \
    static void op_join_ht_##W(xpipe *x, const vm_ins *in)                               \
    {                                                                                    \
        const xjoin *j = &x->joins[in->b];                                               \
        const vm_join *jd = &x->p->joins[in->b];                                         \
        int nk = jd->nkeys;                                                              \
        const vm_column *col = in->a < nk ? vm_ht_key(j->ht, in->a) : vm_ht_val(j->ht, in->a - nk); \
        uint32_t m = x->f[in->frame].n;                                                  \
        const CT *src = col->data;                                                       \
        CT *dst = x->rbuf[in->c];                                                        \
        bool none = false;                                                               \
        for (uint32_t i = 0; i < m; i++) {                                               \
            uint32_t e = j->hent[i];                                                     \
            if (e != VM_HT_NONE) {                                                       \
                dst[i] = src[e];                                                         \
            } else {                                                                     \
                memset(&dst[i], 0, sizeof(CT));                                          \
                none = true;                                                             \
            }                                                                            \
        }                                                                                \
        x->r[in->c].validity = ht_pairs_valid(col->validity, j->hent, m, none, x->rvalid[in->c]); \
    }
JOIN_GATHER(W1, uint8_t)
JOIN_GATHER(W4, uint32_t)
JOIN_GATHER(W8, uint64_t)
JOIN_GATHER(W16, tir_str)

#define COPY_OP(W, CT)                                                                   \
    static void op_copy_##W(xpipe *x, const vm_ins *in)                                  \
    {                                                                                    \
        SEL(x, in->d, in->frame, sel, n);                                                \
        const vm_vec *a = &x->r[in->a];                                                  \
        CT *dst = x->rbuf[in->c];                                                        \
        const CT *src = a->data;                                                         \
        uint64_t *v = x->rvalid[in->c];                                                  \
        for (uint32_t i = 0; i < n; i++) {                                               \
            uint32_t r = sel ? sel[i] : i;                                               \
            dst[r] = src[r];                                                             \
            vm_bit_set(v, r, vm_bit_get(a->validity, r));                                \
        }                                                                                \
        x->r[in->c].validity = v;                                                        \
    }
COPY_OP(W1, uint8_t)
COPY_OP(W4, uint32_t)
COPY_OP(W8, uint64_t)
COPY_OP(W16, tir_str)

/* SQL: x in (..., NULL) is NULL, not false, when nothing matched. */
static void in_null_misses(xpipe *x, const vm_ins *in, const uint32_t *sel, uint32_t n)
{
    uint64_t *v = vm_x_valid2_owned(x, in->c, &x->r[in->a], NULL, x->f[in->frame].n);
    const uint8_t *out = x->rbuf[in->c];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!out[r])
            vm_bit_set(v, r, false);
    }
    x->r[in->c].validity = v;
}

/* x in [constants] through k_in_* (in_bool): the non-NULL constants
** gathered once a batch, each row compared with them in vectors. */
#define IN_OP(T, CT, GET, KERNEL)                                                        \
    static void op_in_##T(xpipe *x, const vm_ins *in)                                    \
    {                                                                                    \
        SEL(x, in->d, in->frame, sel, n);                                                \
        uint8_t *out = x->rbuf[in->c];                                                   \
        const vm_const *k = &x->k[in->b];                                                \
        bool any_null = false, acc = false;                                              \
        enum { CHUNK = 64 };                                                             \
        CT ks[CHUNK];                                                                    \
        uint32_t nk = 0;                                                                 \
        for (int j = 0; j < in->e; j++) {                                                \
            if (k[j].is_null) {                                                          \
                any_null = true;                                                         \
                continue;                                                                \
            }                                                                            \
            ks[nk++] = (CT)GET(k[j]);                                                    \
            if (nk == CHUNK) {                                                           \
                KERNEL(x->r[in->a].data, sel, n, ks, nk, acc, out);                      \
                acc = true;                                                              \
                nk = 0;                                                                  \
            }                                                                            \
        }                                                                                \
        if (nk || !acc)                                                                  \
            KERNEL(x->r[in->a].data, sel, n, ks, nk, acc, out);                          \
        x->r[in->c].validity = x->r[in->a].validity;                                     \
        if (any_null)                                                                    \
            in_null_misses(x, in, sel, n);                                               \
    }
#define K_INT(k) ((k).i)
#define K_F64(k) ((k).f)
#define K_STR(k) ((k).s)
/* bools: a plain loop (their in-lists have at most two constants that differ) */
static void in_bool(const uint8_t *a, const uint32_t *sel, uint32_t n, const uint8_t *ks, uint32_t nk, bool acc,
                    uint8_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint8_t hit = acc ? out[r] : 0;
        for (uint32_t j = 0; j < nk; j++)
            hit |= a[r] == ks[j];
        out[r] = hit;
    }
}
IN_OP(I32, int32_t, K_INT, k_in_i32)
IN_OP(I64, int64_t, K_INT, k_in_i64)
IN_OP(F64, double, K_F64, k_in_f64)
IN_OP(BOOL, uint8_t, K_INT, in_bool)

/* strings: k_in_str prepares the constants' words once a call, no call per row and constant */
IN_OP(STR, tir_str, K_STR, k_in_str)

static void op_limit(xpipe *x, const vm_ins *in)
{
    SEL(x, in->b, in->frame, sel, n);
    const vm_limit *l = &x->p->limits[in->a];
    int64_t *seen = &x->limit_seen[in->a];
    /* parameters are non-negative (checked before the run) */
    int64_t count = l->count_k >= 0 ? x->k[l->count_k].i : l->count;
    int64_t offset = l->offset_k >= 0 ? x->k[l->offset_k].i : l->offset;
    xsel *out = &x->s[in->c];
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        out->idx[m] = sel ? sel[i] : i;
        m += *seen >= offset && *seen - offset < count;
        (*seen)++;
    }
    out->n = m;
}

static tir_status op_cast_to_str(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_vec *a = &x->r[in->a];
    tir_str *out = x->rbuf[in->c];
    char buf[96];   /* an interval's text is the longest */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        size_t len = (in->e & 255) == TIR_DECIMAL
                         ? (size_t)vm_dec_format(((const int64_t *)a->data)[r], in->e >> 8, buf)
                     : (in->e & 255) == TIR_DECIMAL128
                         ? (size_t)vm_dec128_format(((const __int128 *)a->data)[r], in->e >> 8, buf)
                         : format_value((tir_type)in->e, a->data, r, buf, sizeof buf);
        if (!str_from_text(x, buf, len, &out[r]))
            return TIR_ERR_NOMEM;
    }
    x->r[in->c].validity = a->validity;
    return TIR_OK;
}

static tir_status op_cast_str_to(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_vec *a = &x->r[in->a];
    const tir_str *s = a->data;
    void *out = x->rbuf[in->c];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!vm_bit_get(a->validity, r))
            continue;
        const char *p = tir_str_ptr(&s[r]);
        uint32_t len = s[r].len;
        bool ok = false;
        int64_t iv;
        bool bv;
        switch ((tir_type)(in->e & 255)) {
        case TIR_DECIMAL:
            ok = vm_dec_parse(p, len, in->e >> 16, (in->e >> 8) & 255, &((int64_t *)out)[r]) == VM_DEC_OK;
            break;
        case TIR_DECIMAL128:
            ok = vm_dec128_parse(p, len, in->e >> 16, (in->e >> 8) & 255, &((__int128 *)out)[r]) == VM_DEC_OK;
            break;
        case TIR_I32:
            ok = vm_parse_i64(p, len, &iv) && iv >= INT32_MIN && iv <= INT32_MAX;
            ((int32_t *)out)[r] = (int32_t)iv;
            break;
        case TIR_I64: ok = vm_parse_i64(p, len, &((int64_t *)out)[r]); break;
        case TIR_F64: ok = vm_parse_f64(p, len, &((double *)out)[r]); break;
        case TIR_DATE: ok = vm_parse_date(p, len, &((int32_t *)out)[r]); break;
        case TIR_TIMESTAMP: ok = vm_parse_timestamp(p, len, &((int64_t *)out)[r]); break;
        case TIR_INTERVAL: ok = vm_parse_interval(p, len, &((vm_interval *)out)[r]); break;
        case TIR_BOOL:
            ok = vm_parse_bool(p, len, &bv);
            ((uint8_t *)out)[r] = bv;
            break;
        default: break;
        }
        if (!ok) {
            char t[128];
            return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "cannot cast '%.*s' to %s in '%s'", (int)(len > 40 ? 40 : len),
                         p, tir_type_name((tir_type)(in->e & 255)), span_text(x, in->span, t, sizeof t));
        }
    }
    x->r[in->c].validity = a->validity;
    return TIR_OK;
}

/* ------------------------------------------------------------ dispatch */

static tir_status overflow(xpipe *x, const vm_ins *in)
{
    char t[128];
    return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "integer overflow in '%s'", span_text(x, in->span, t, sizeof t));
}

static tir_status dec_overflow(xpipe *x, const vm_ins *in)
{
    char t[128];
    return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "decimal overflow in '%s': the value has more than %d digits",
                     span_text(x, in->span, t, sizeof t), in->e);
}

/* Why a run stops when the taker of its streamed output (vm_run_opts.stream_rows) refuses rows. */
static const char *stream_refused(tir_status st)
{
    return st == TIR_ERR_NOMEM       ? "out of memory handing rows to the output's taker"
           : st == TIR_ERR_CANCELLED ? "cancelled by the output's taker"
                                     : "the output's taker refused its rows: the run stops";
}

/* A decimal sum adds i64s (a wide one __int128s; past their range is an
** error as it adds); its type promises at most 18 (38) digits: checked once
** on the sink's rows. The first column of t over its digits, or -1. */
static int dec_out_overflow(const ir_stmt *s, const vm_table *t)
{
    for (int c = 0; c < s->out.n && c < t->ncols; c++) {
        const ir_coltype *ty = &s->out.cols[c].ty;
        bool wide = ty->type == TIR_DECIMAL128;
        for (uint64_t r = 0; (wide || ty->type == TIR_DECIMAL) && r < t->nrows; r += 64 * 1024) {
            uint32_t n = (uint32_t)(t->nrows - r < 64 * 1024 ? t->nrows - r : 64 * 1024);
            const uint64_t *v = t->cols[c].validity ? t->cols[c].validity + r / 64 : NULL;
            if (wide ? !k_dec_wide_fits((const __int128 *)t->cols[c].data + r, v, NULL, n, ty->prec)
                     : !k_dec_fits((const int64_t *)t->cols[c].data + r, v, NULL, n, ty->prec))
                return c;
        }
    }
    return -1;
}

static tir_status check_dec_out(xpipe *x, const ir_stmt *s, const vm_table *t)
{
    int c = dec_out_overflow(s, t);
    if (c >= 0)
        return vm_x_fail(x, TIR_ERR_RUNTIME, s->span, "decimal overflow in %s = %s: '%s' has more than %d digits",
                         s->target.s, s->op.s, s->out.cols[c].name.s, s->out.cols[c].ty.prec);
    return TIR_OK;
}

/* An aggregate fails when a sum overflows, when min/max of strings
** cannot copy its new value, or when string_agg cannot grow its string. */
static tir_status agg_failed(xpipe *x, const vm_ins *in)
{
    char t[128];
    bool grouped = false;
#define IS_GAGG(OPN) grouped |= in->op == VM_OP_##OPN;
    VM_SINK_GAGG_OPS(IS_GAGG)
#undef IS_GAGG
    if (grouped && x->groups[in->a].null_seen)
        return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "internal error: '%s' met a NULL though its type says it has none",
                         span_text(x, in->span, t, sizeof t));
    switch (in->op) {
    case VM_OP_AGG_STRAGG: case VM_OP_GAGG_STRAGG:
        return vm_x_fail(x, TIR_ERR_NOMEM, in->span, "'%s' cannot grow its string: out of memory, or past 4 GiB",
                         span_text(x, in->span, t, sizeof t));
    case VM_OP_AGG_MIN_STR: case VM_OP_AGG_MAX_STR: case VM_OP_GAGG_MIN_STR: case VM_OP_GAGG_MAX_STR:
        return vm_x_fail(x, TIR_ERR_NOMEM, in->span, "out of memory");
    case VM_OP_AGG_SUM_D128: case VM_OP_AGG_AVG_D128: case VM_OP_GAGG_SUM_D128: case VM_OP_GAGG_AVG_D128:
        return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "decimal overflow in '%s': the value has more than 38 digits",
                         span_text(x, in->span, t, sizeof t));
    default:
        return overflow(x, in);
    }
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Charges the time since the last tick to the statement that ran. */
static void profile_tick(xpipe *x, int stmt)
{
    uint64_t now = now_ns();
    x->stmt_ns[x->tick_stmt] += now - x->tick_last;
    x->tick_last = now;
    x->tick_stmt = stmt;
}

/* A comparison with a NULL constant keeps no row: the mask is cleared and
** true returned; false = evaluate the comparison. */
static bool mask_vc(xpipe *x, const vm_ins *in, const vm_const *k)
{
    if (!k->is_null)
        return false;
    memset(x->rbuf[in->c], 0, k_bitmap_words(x->f[in->frame].n) * 8);
    return true;
}

/* Keeps the rows of idx[0..n) whose bit in valid is set. */
static uint32_t drop_nulls(uint32_t *idx, uint32_t n, const uint64_t *valid)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        idx[m] = idx[i];
        m += vm_bit_get(valid, idx[i]);
    }
    return m;
}

/* Runs the program once for the current source batch. */
static tir_status join_fanout_check(xpipe *x, const vm_run_opts *o, int stmt);

tir_status vm_x_run_code(xpipe *x, const vm_run_opts *o, int pc, int stop)
{
    const vm_ins *code = x->p->code;
    if (x->timing) {
        x->tick_last = now_ns();
        x->tick_stmt = x->p->ir->n;
    }
    for (;;) {
        if (pc == stop)
            return TIR_OK;
        const vm_ins *in = &code[pc++];
        if (x->timing)
            profile_tick(x, in->stmt);
        switch ((vm_opcode)in->op) {
        case VM_OP_SCAN: vm_x_scan(x); break;
        case VM_OP_END: return TIR_OK;
        case VM_OP_JOIN_LOOP:
            if (x->joins[in->a].pending) {
                tir_status st = join_fanout_check(x, o, in->stmt);
                if (st)
                    return st;
                pc = in->b;
            }
            break;

#define MASK_FAMILY(OPN, opn)                                                                     \
    case VM_OP_MASK_##OPN##_VC_I32: { const vm_const *k = &x->k[in->d];                         \
        if (!mask_vc(x, in, k)) { k_mask_##opn##_i32_vc(x->r[in->a].data, (int32_t)k->i, x->r[in->a].validity, x->f[in->frame].n, in->e == 1, x->rbuf[in->c]); } break; } \
    case VM_OP_MASK_##OPN##_VC_I64: { const vm_const *k = &x->k[in->d];                         \
        if (!mask_vc(x, in, k)) { k_mask_##opn##_i64_vc(x->r[in->a].data, k->i, x->r[in->a].validity, x->f[in->frame].n, in->e == 1, x->rbuf[in->c]); } break; } \
    case VM_OP_MASK_##OPN##_VC_F64: { const vm_const *k = &x->k[in->d];                         \
        if (!mask_vc(x, in, k)) { k_mask_##opn##_f64_vc(x->r[in->a].data, k->f, x->r[in->a].validity, x->f[in->frame].n, in->e == 1, x->rbuf[in->c]); } break; }
        MASK_FAMILY(EQ, eq)
        MASK_FAMILY(NE, ne)
        MASK_FAMILY(LT, lt)
        MASK_FAMILY(LE, le)
        MASK_FAMILY(GT, gt)
        MASK_FAMILY(GE, ge)
#undef MASK_FAMILY
#define MASKR_FAMILY(L, U, l, u)                                                                  \
    case VM_OP_MASK_##L##_##U##_VCC_I32: { const vm_const *lo = &x->k[in->d], *hi = &x->k[in->b]; \
        if (!mask_vc(x, in, lo) && !mask_vc(x, in, hi)) { k_mask_##l##_##u##_i32_vcc(x->r[in->a].data, (int32_t)lo->i, (int32_t)hi->i, x->r[in->a].validity, x->f[in->frame].n, in->e == 1, x->rbuf[in->c]); } break; } \
    case VM_OP_MASK_##L##_##U##_VCC_I64: { const vm_const *lo = &x->k[in->d], *hi = &x->k[in->b]; \
        if (!mask_vc(x, in, lo) && !mask_vc(x, in, hi)) { k_mask_##l##_##u##_i64_vcc(x->r[in->a].data, lo->i, hi->i, x->r[in->a].validity, x->f[in->frame].n, in->e == 1, x->rbuf[in->c]); } break; } \
    case VM_OP_MASK_##L##_##U##_VCC_F64: { const vm_const *lo = &x->k[in->d], *hi = &x->k[in->b]; \
        if (!mask_vc(x, in, lo) && !mask_vc(x, in, hi)) { k_mask_##l##_##u##_f64_vcc(x->r[in->a].data, lo->f, hi->f, x->r[in->a].validity, x->f[in->frame].n, in->e == 1, x->rbuf[in->c]); } break; }
        MASKR_FAMILY(GE, LE, ge, le)
        MASKR_FAMILY(GE, LT, ge, lt)
        MASKR_FAMILY(GT, LE, gt, le)
        MASKR_FAMILY(GT, LT, gt, lt)
#undef MASKR_FAMILY
        case VM_OP_ADAPT: {
            tir_status st = vm_x_adapt(x, o, in);
            if (st)
                return st;
            pc = in->d;
            break;
        }
        case VM_OP_SEL_MASK: {
            SEL(x, in->b, in->frame, sel, n);
            x->s[in->c].n = k_sel_mask(x->rbuf[in->a], sel, n, x->s[in->c].idx);
            break;
        }
#define SEL_FAMILY(OPN, opn)                                                                      \
    case VM_OP_SEL_##OPN##_VC_I32: { SEL(x, in->b, in->frame, sel, n); const vm_const *k = &x->k[in->d];          \
        x->s[in->c].n = k->is_null ? 0 : k_sel_##opn##_i32_vc(x->r[in->a].data, (int32_t)k->i, x->r[in->a].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_SEL_##OPN##_VC_I64: { SEL(x, in->b, in->frame, sel, n); const vm_const *k = &x->k[in->d];          \
        x->s[in->c].n = k->is_null ? 0 : k_sel_##opn##_i64_vc(x->r[in->a].data, k->i, x->r[in->a].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_SEL_##OPN##_VC_F64: { SEL(x, in->b, in->frame, sel, n); const vm_const *k = &x->k[in->d];          \
        x->s[in->c].n = k->is_null ? 0 : k_sel_##opn##_f64_vc(x->r[in->a].data, k->f, x->r[in->a].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_SEL_##OPN##_VC_STR: { SEL(x, in->b, in->frame, sel, n); const vm_const *k = &x->k[in->d];          \
        x->s[in->c].n = k->is_null ? 0 : k_sel_##opn##_str_vc(x->r[in->a].data, &k->s, x->r[in->a].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_SEL_##OPN##_VV_I32: { SEL(x, in->b, in->frame, sel, n);                                           \
        x->s[in->c].n = k_sel_##opn##_i32_vv(x->r[in->a].data, x->r[in->d].data, x->r[in->a].validity, x->r[in->d].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_SEL_##OPN##_VV_I64: { SEL(x, in->b, in->frame, sel, n);                                           \
        x->s[in->c].n = k_sel_##opn##_i64_vv(x->r[in->a].data, x->r[in->d].data, x->r[in->a].validity, x->r[in->d].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_SEL_##OPN##_VV_F64: { SEL(x, in->b, in->frame, sel, n);                                           \
        x->s[in->c].n = k_sel_##opn##_f64_vv(x->r[in->a].data, x->r[in->d].data, x->r[in->a].validity, x->r[in->d].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_SEL_##OPN##_VV_STR: { SEL(x, in->b, in->frame, sel, n);                                           \
        x->s[in->c].n = k_sel_##opn##_str_vv(x->r[in->a].data, x->r[in->d].data, x->r[in->a].validity, x->r[in->d].validity, sel, n, x->s[in->c].idx); break; } \
    case VM_OP_CMP_##OPN##_I32: { SEL(x, in->d, in->frame, sel, n);                                               \
        k_cmp_##opn##_i32(x->r[in->a].data, x->r[in->b].data, sel, n, x->rbuf[in->c]);                            \
        x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n); break; }          \
    case VM_OP_CMP_##OPN##_I64: { SEL(x, in->d, in->frame, sel, n);                                               \
        k_cmp_##opn##_i64(x->r[in->a].data, x->r[in->b].data, sel, n, x->rbuf[in->c]);                            \
        x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n); break; }          \
    case VM_OP_CMP_##OPN##_F64: { SEL(x, in->d, in->frame, sel, n);                                               \
        k_cmp_##opn##_f64(x->r[in->a].data, x->r[in->b].data, sel, n, x->rbuf[in->c]);                            \
        x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n); break; }          \
    case VM_OP_CMP_##OPN##_STR: { SEL(x, in->d, in->frame, sel, n);                                               \
        k_cmp_##opn##_str(x->r[in->a].data, x->r[in->b].data, sel, n, x->rbuf[in->c]);                            \
        x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n); break; }          \
    case VM_OP_CMP_##OPN##_BOOL: { SEL(x, in->d, in->frame, sel, n);                                              \
        k_cmp_##opn##_bool(x->r[in->a].data, x->r[in->b].data, sel, n, x->rbuf[in->c]);                           \
        x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n); break; }
        SEL_FAMILY(EQ, eq)
        SEL_FAMILY(NE, ne)
        SEL_FAMILY(LT, lt)
        SEL_FAMILY(LE, le)
        SEL_FAMILY(GT, gt)
        SEL_FAMILY(GE, ge)
#define WIDE_CMP(OPN, opn)                                                                           \
    case VM_OP_SEL_##OPN##_D128: {                                                                   \
        SEL(x, in->b, in->frame, sel, n);                                                            \
        const vm_vec *a = &x->r[in->a], *b = &x->r[in->d];                                          \
        int k = x->p->regs[in->d].konst;                                                             \
        x->s[in->c].n = k < 0 ? k_sel_##opn##_d128_vv(a->data, b->data, a->validity, b->validity, sel, n, x->s[in->c].idx) \
                        : x->k[k].is_null ? 0                                                        \
                        : k_sel_##opn##_d128_vc(a->data, x->k[k].w, a->validity, sel, n, x->s[in->c].idx); \
        break;                                                                                       \
    }                                                                                                \
    case VM_OP_CMP_##OPN##_D128: {                                                                   \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        k_cmp_##opn##_d128(x->r[in->a].data, x->r[in->b].data, sel, n, x->rbuf[in->c]);             \
        x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n); \
        break;                                                                                       \
    }
        WIDE_CMP(EQ, eq)
        WIDE_CMP(NE, ne)
        WIDE_CMP(LT, lt)
        WIDE_CMP(LE, le)
        WIDE_CMP(GT, gt)
        WIDE_CMP(GE, ge)

        case VM_OP_SEL_TRUE: {
            SEL(x, in->b, in->frame, sel, n);
            x->s[in->c].n = k_sel_true(x->r[in->a].data, x->r[in->a].validity, sel, n, x->s[in->c].idx);
            break;
        }
        case VM_OP_SEL_NOT_TRUE: {
            SEL(x, in->b, in->frame, sel, n);
            const uint8_t *b = x->r[in->a].data;
            const uint64_t *v = x->r[in->a].validity;
            uint32_t *out = x->s[in->c].idx, m = 0;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t r = sel ? sel[i] : i;
                out[m] = r;
                m += !(b[r] && vm_bit_get(v, r));
            }
            x->s[in->c].n = m;
            break;
        }
        case VM_OP_SEL_NONE: x->s[in->c].n = 0; break;
        case VM_OP_SEL_DIFF: {
            SEL(x, in->b, in->frame, from, n);
            SEL(x, in->a, in->frame, drop, ndrop);
            uint32_t *out = x->s[in->c].idx, m = 0, k = 0;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t r = from ? from[i] : i;
                while (k < ndrop && (drop ? drop[k] : k) < r)
                    k++;
                if (k < ndrop && (drop ? drop[k] : k) == r)
                    continue;
                out[m++] = r;
            }
            x->s[in->c].n = m;
            break;
        }
        case VM_OP_SEL_UNION: {
            SEL(x, in->a, in->frame, a, na);
            SEL(x, in->b, in->frame, b, nb);
            uint32_t *out = x->s[in->c].idx, i = 0, j = 0, m = 0;
            while (i < na || j < nb) {
                uint32_t ra = i < na ? (a ? a[i] : i) : UINT32_MAX, rb = j < nb ? (b ? b[j] : j) : UINT32_MAX;
                out[m++] = ra < rb ? ra : rb;
                i += ra < rb;
                j += rb <= ra;
            }
            x->s[in->c].n = m;
            break;
        }

/* f64 cannot fail, so when most rows are selected the dense SIMD loop over
** the whole frame beats the sparse one (unselected rows compute garbage
** nobody reads); integers must not, since a dropped row could overflow. */
#define ARITH(OPN, opn, T, t, FAILS)                                                                 \
    case VM_OP_##OPN##_##T: {                                                                        \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        if (!FAILS && sel && 2 * n > x->f[in->frame].n) {                                            \
            sel = NULL;                                                                              \
            n = x->f[in->frame].n;                                                                   \
        }                                                                                            \
        uint64_t *v = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);              \
        x->r[in->c].validity = v;                                                                    \
        if (!k_##opn##_##t(x->r[in->a].data, x->r[in->b].data, v, sel, n, x->rbuf[in->c]) && FAILS) \
            return overflow(x, in);                                                                  \
        break;                                                                                       \
    }
#define DIVMOD(OPN, opn, T, t)                                                                       \
    case VM_OP_##OPN##_##T: {                                                                        \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        uint64_t *v = vm_x_valid2_owned(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);        \
        x->r[in->c].validity = v;                                                                    \
        if (!k_##opn##_##t(x->r[in->a].data, x->r[in->b].data, v, sel, n, x->rbuf[in->c]))          \
            return overflow(x, in);                                                                  \
        break;                                                                                       \
    }
#define UNARY_NUM(OPN, opn, T, t)                                                                    \
    case VM_OP_##OPN##_##T: {                                                                        \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        x->r[in->c].validity = x->r[in->a].validity;                                                 \
        if (!k_##opn##_##t(x->r[in->a].data, x->r[in->a].validity, sel, n, x->rbuf[in->c]))         \
            return overflow(x, in);                                                                  \
        break;                                                                                       \
    }
#define NUM_FAMILY(T, t, FAILS)                                                                      \
    ARITH(ADD, add, T, t, FAILS) ARITH(SUB, sub, T, t, FAILS) ARITH(MUL, mul, T, t, FAILS)           \
    DIVMOD(DIV, div, T, t) DIVMOD(MOD, mod, T, t) UNARY_NUM(NEG, neg, T, t) UNARY_NUM(ABS, abs, T, t)
        NUM_FAMILY(I32, i32, true)
        NUM_FAMILY(I64, i64, true)
        NUM_FAMILY(F64, f64, false)
#define DEC_ARITH(OPN, opn)                                                                          \
    case VM_OP_DEC_##OPN: {                                                                          \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        uint64_t *v = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);          \
        x->r[in->c].validity = v;                                                                    \
        if (!k_##opn##_i64(x->r[in->a].data, x->r[in->b].data, v, sel, n, x->rbuf[in->c]) ||        \
            !k_dec_fits(x->rbuf[in->c], v, sel, n, in->e))                                           \
            return dec_overflow(x, in);                                                              \
        break;                                                                                       \
    }
        DEC_ARITH(ADD, add)
        DEC_ARITH(SUB, sub)
        DEC_ARITH(MUL, mul)
#define DEC_WIDE_ARITH(OPN, opn)                                                                     \
    case VM_OP_DEC_WIDE_##OPN: {                                                                     \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        uint64_t *v = vm_x_valid2(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);          \
        x->r[in->c].validity = v;                                                                    \
        if (!k_dec_wide_##opn(x->r[in->a].data, x->r[in->b].data, v, sel, n, in->e, x->rbuf[in->c])) \
            return dec_overflow(x, in);                                                              \
        break;                                                                                       \
    }
        DEC_WIDE_ARITH(ADD, add)
        DEC_WIDE_ARITH(SUB, sub)
        DEC_WIDE_ARITH(MUL, mul)
        case VM_OP_DEC_WIDE_NEG:
        case VM_OP_DEC_WIDE_ABS: {
            SEL(x, in->d, in->frame, sel, n);
            x->r[in->c].validity = x->r[in->a].validity;
            (in->op == VM_OP_DEC_WIDE_NEG ? k_dec_wide_neg : k_dec_wide_abs)(x->r[in->a].data, sel, n, x->rbuf[in->c]);
            break;
        }
        case VM_OP_DEC_WIDE_SIGN: {
            SEL(x, in->d, in->frame, sel, n);
            x->r[in->c].validity = x->r[in->a].validity;
            k_dec_wide_sign(x->r[in->a].data, sel, n, x->rbuf[in->c]);
            break;
        }
        case VM_OP_DEC_WIDE_MOD: {
            SEL(x, in->d, in->frame, sel, n);
            uint64_t *v = vm_x_valid2_owned(x, in->c, &x->r[in->a], &x->r[in->b], x->f[in->frame].n);
            x->r[in->c].validity = v;
            k_dec_wide_mod(x->r[in->a].data, x->r[in->b].data, v, sel, n, x->rbuf[in->c]);
            break;
        }
        case VM_OP_DEC_RESCALE: {
            SEL(x, in->d, in->frame, sel, n);
            x->r[in->c].validity = x->r[in->a].validity;
            if (!k_dec_rescale(x->r[in->a].data, x->r[in->a].validity, sel, n, in->b & 255, in->b >> 8, in->e,
                               x->rbuf[in->c]))
                return dec_overflow(x, in);
            break;
        }
#define DEC_ROUNDING(OPN, opn)                                                                       \
    case VM_OP_DEC_##OPN: {                                                                          \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        x->r[in->c].validity = x->r[in->a].validity;                                                 \
        if (!k_dec_##opn(x->r[in->a].data, x->r[in->a].validity, sel, n, in->b & 255, in->b >> 8, in->e, \
                         x->rbuf[in->c]))                                                            \
            return dec_overflow(x, in);                                                              \
        break;                                                                                       \
    }
        DEC_ROUNDING(TRUNC, trunc)
        DEC_ROUNDING(FLOOR, floor)
        DEC_ROUNDING(CEIL, ceil)
        DEC_ROUNDING(ROUND, round)
        DEC_ROUNDING(TO128, to128)   /* the casts to, from and within the wide form have the same operands */
        DEC_ROUNDING(WIDE_TRUNC, wide_trunc)
        DEC_ROUNDING(WIDE_FLOOR, wide_floor)
        DEC_ROUNDING(WIDE_CEIL, wide_ceil)
        DEC_ROUNDING(WIDE_ROUND, wide_round)
        DEC_ROUNDING(WIDE_TO64, wide_to64)
        DEC_ROUNDING(WIDE_RESCALE, wide_rescale)
        case VM_OP_DEC_TO_F64:
        case VM_OP_DEC_WIDE_TO_F64: {
            SEL(x, in->d, in->frame, sel, n);
            x->r[in->c].validity = x->r[in->a].validity;
            if (in->op == VM_OP_DEC_TO_F64)
                k_dec_to_f64(x->r[in->a].data, sel, n, in->e, x->rbuf[in->c]);
            else
                k_dec_wide_to_f64(x->r[in->a].data, sel, n, in->e, x->rbuf[in->c]);
            break;
        }
        case VM_OP_F64_TO_DEC:
        case VM_OP_F64_TO_DEC_WIDE: {
            SEL(x, in->d, in->frame, sel, n);
            x->r[in->c].validity = x->r[in->a].validity;
            const vm_vec *a = &x->r[in->a];
            if (in->op == VM_OP_F64_TO_DEC ? !k_dec_from_f64(a->data, a->validity, sel, n, in->e, in->b, x->rbuf[in->c])
                                           : !k_dec_wide_from_f64(a->data, a->validity, sel, n, in->e, in->b,
                                                                  x->rbuf[in->c]))
                return dec_overflow(x, in);
            break;
        }

        case VM_OP_AND:
        case VM_OP_OR: {
            SEL(x, in->d, in->frame, sel, n);
            const vm_vec *a = &x->r[in->a], *b = &x->r[in->b];
            (in->op == VM_OP_AND ? k_and_bool : k_or_bool)(a->data, a->validity, b->data, b->validity, sel, n,
                                                         x->rbuf[in->c], x->rvalid[in->c]);
            x->r[in->c].validity = a->validity || b->validity ? x->rvalid[in->c] : NULL;
            break;
        }
        case VM_OP_NOT: {
            SEL(x, in->d, in->frame, sel, n);
            k_not_bool(x->r[in->a].data, sel, n, x->rbuf[in->c]);
            x->r[in->c].validity = x->r[in->a].validity;
            break;
        }
        case VM_OP_IS_NULL:
        case VM_OP_IS_NOT_NULL: {
            SEL(x, in->d, in->frame, sel, n);
            const uint64_t *v = x->r[in->a].validity;
            uint8_t *out = x->rbuf[in->c];
            uint8_t want_valid = in->op == VM_OP_IS_NOT_NULL;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t r = sel ? sel[i] : i;
                out[r] = vm_bit_get(v, r) == want_valid;
            }
            x->r[in->c].validity = NULL;
            break;
        }
        case VM_OP_LIKE:
        case VM_OP_NOT_LIKE: {
            SEL(x, in->d, in->frame, sel, n);
            const vm_const *k = &x->k[in->b];
            if (k->is_null) {   /* a NULL pattern (a parameter) matches as NULL */
                memset(x->rvalid[in->c], 0, k_bitmap_words(x->cap) * 8);
                x->r[in->c].validity = x->rvalid[in->c];
                break;
            }
            const char *pat = tir_str_ptr(&k->s), *lit;
            uint32_t litlen;
            k_like_shape shape = k_like_classify(pat, k->s.len, &lit, &litlen);
            k_like(shape, pat, k->s.len, x->r[in->a].data, sel, n, x->rbuf[in->c]);
            if (in->op == VM_OP_NOT_LIKE)
                k_not_bool(x->rbuf[in->c], sel, n, x->rbuf[in->c]);
            x->r[in->c].validity = x->r[in->a].validity;
            break;
        }
        case VM_OP_IN_I32: op_in_I32(x, in); break;
        case VM_OP_IN_I64: op_in_I64(x, in); break;
        case VM_OP_IN_F64: op_in_F64(x, in); break;
        case VM_OP_IN_STR: op_in_STR(x, in); break;
        case VM_OP_IN_BOOL: op_in_BOOL(x, in); break;
        case VM_OP_COPY_W1: op_copy_W1(x, in); break;
        case VM_OP_COPY_W4: op_copy_W4(x, in); break;
        case VM_OP_COPY_W8: op_copy_W8(x, in); break;
        case VM_OP_COPY_W16: op_copy_W16(x, in); break;
        case VM_OP_SET_NULL: {
            SEL(x, in->d, in->frame, sel, n);
            uint64_t *v = x->rvalid[in->c];
            for (uint32_t i = 0; i < n; i++)
                vm_bit_set(v, sel ? sel[i] : i, false);
            x->r[in->c].validity = v;
            break;
        }

#define CAST_WIDEN(OPN, kern)                                                                        \
    case VM_OP_##OPN: {                                                                              \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        kern(x->r[in->a].data, sel, n, x->rbuf[in->c]);                                              \
        x->r[in->c].validity = x->r[in->a].validity;                                                 \
        break;                                                                                       \
    }
#define CAST_NARROW(OPN, kern)                                                                       \
    case VM_OP_##OPN: {                                                                              \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        x->r[in->c].validity = x->r[in->a].validity;                                                 \
        if (!kern(x->r[in->a].data, x->r[in->a].validity, sel, n, x->rbuf[in->c])) {                \
            char t[128];                                                                             \
            return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "value out of range in '%s'",                 \
                         span_text(x, in->span, t, sizeof t));                                       \
        }                                                                                            \
        break;                                                                                       \
    }
        CAST_WIDEN(CAST_I32_I64, k_cast_i32_i64)
        CAST_WIDEN(CAST_I32_F64, k_cast_i32_f64)
        CAST_WIDEN(CAST_I64_F64, k_cast_i64_f64)
        CAST_NARROW(CAST_I64_I32, k_cast_i64_i32)
        CAST_NARROW(CAST_F64_I64, k_cast_f64_i64)
        CAST_NARROW(CAST_F64_I32, k_cast_f64_i32)
        case VM_OP_CAST_BOOL_I64:
        case VM_OP_CAST_BOOL_I32: {
            SEL(x, in->d, in->frame, sel, n);
            const uint8_t *a = x->r[in->a].data;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t r = sel ? sel[i] : i;
                if (in->op == VM_OP_CAST_BOOL_I64)
                    ((int64_t *)x->rbuf[in->c])[r] = a[r];
                else
                    ((int32_t *)x->rbuf[in->c])[r] = a[r];
            }
            x->r[in->c].validity = x->r[in->a].validity;
            break;
        }
        case VM_OP_CAST_TO_STR: {
            tir_status st = op_cast_to_str(x, in);
            if (st)
                return st;
            break;
        }
        case VM_OP_CAST_STR_TO: {
            tir_status st = op_cast_str_to(x, in);
            if (st)
                return st;
            break;
        }
        case VM_OP_SUBSTR: vm_op_substr(x, in); break;
        case VM_OP_LENGTH: vm_op_length(x, in, false); break;
        case VM_OP_OCTET_LENGTH: vm_op_length(x, in, true); break;
        case VM_OP_UPPER:
        case VM_OP_LOWER: {
            tir_status st = vm_op_case(x, in, in->op == VM_OP_UPPER);
            if (st)
                return st;
            break;
        }
        case VM_OP_TRIM: vm_op_trim(x, in); break;
        case VM_OP_STARTS_WITH:
        case VM_OP_ENDS_WITH:
        case VM_OP_CONTAINS:
        case VM_OP_STRPOS: vm_op_match(x, in); break;
        case VM_OP_REPLACE:
        case VM_OP_LPAD:
        case VM_OP_RPAD:
        case VM_OP_CONCAT:
        case VM_OP_LIKE_V:
        case VM_OP_ILIKE_V:
        case VM_OP_REGEXP_MATCHES:
        case VM_OP_REGEXP_REPLACE:
        case VM_OP_REGEXP_EXTRACT: {
            vm_opcode op = (vm_opcode)in->op;
            tir_status st = op == VM_OP_REPLACE ? vm_op_replace(x, in)
                          : op == VM_OP_CONCAT ? vm_op_concat(x, in)
                          : op == VM_OP_LPAD || op == VM_OP_RPAD ? vm_op_pad(x, in, op == VM_OP_LPAD)
                          : op == VM_OP_LIKE_V || op == VM_OP_ILIKE_V ? vm_op_like_v(x, in, op == VM_OP_ILIKE_V)
                                                                      : vm_op_regexp(x, in);
            if (st)
                return st;
            break;
        }

#define SIGN(T, t)                                                                                   \
    case VM_OP_SIGN_##T: {                                                                           \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        k_sign_##t(x->r[in->a].data, sel, n, x->rbuf[in->c]);                                        \
        x->r[in->c].validity = x->r[in->a].validity;                                                 \
        break;                                                                                       \
    }
#define EXACT_F64(OPN, opn)                                                                          \
    case VM_OP_##OPN##_F64: {                                                                        \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        k_##opn##_f64(x->r[in->a].data, sel, n, x->rbuf[in->c]);                                     \
        x->r[in->c].validity = x->r[in->a].validity;                                                 \
        break;                                                                                       \
    }
#define PARTIAL_F64(OPN, opn)                                                                        \
    case VM_OP_##OPN##_F64: {                                                                        \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        const vm_vec *b = in->b >= 0 ? &x->r[in->b] : NULL;                                          \
        uint64_t *v = vm_x_valid2_owned(x, in->c, &x->r[in->a], b, x->f[in->frame].n);               \
        k_##opn##_f64(x->r[in->a].data, b ? b->data : NULL, sel, n, x->rbuf[in->c], v);             \
        x->r[in->c].validity = v;                                                                    \
        break;                                                                                       \
    }
#define ROUND_INT(T, t)                                                                              \
    case VM_OP_ROUND_##T: {                                                                          \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        const vm_vec *b = in->b >= 0 ? &x->r[in->b] : NULL;                                          \
        uint64_t *v = vm_x_valid2(x, in->c, &x->r[in->a], b, x->f[in->frame].n);                     \
        x->r[in->c].validity = v;                                                                    \
        if (!k_round_##t(x->r[in->a].data, v, b ? b->data : NULL, sel, n, x->rbuf[in->c]))           \
            return overflow(x, in);                                                                  \
        break;                                                                                       \
    }
        SIGN(I32, i32) SIGN(I64, i64) SIGN(F64, f64)
        EXACT_F64(FLOOR, floor) EXACT_F64(CEIL, ceil) EXACT_F64(TRUNC, trunc)
        PARTIAL_F64(SQRT, sqrt) PARTIAL_F64(LN, ln) PARTIAL_F64(EXP, exp) PARTIAL_F64(POWER, power)
        ROUND_INT(I32, i32) ROUND_INT(I64, i64)
        case VM_OP_ROUND_F64: {
            SEL(x, in->d, in->frame, sel, n);
            const vm_vec *b = in->b >= 0 ? &x->r[in->b] : NULL;
            x->r[in->c].validity = vm_x_valid2(x, in->c, &x->r[in->a], b, x->f[in->frame].n);
            k_round_f64(x->r[in->a].data, b ? b->data : NULL, sel, n, x->rbuf[in->c]);
            break;
        }
        case VM_OP_DATE_PART: vm_op_date_part(x, in); break;
        case VM_OP_DATE_TRUNC: vm_op_date_trunc(x, in); break;
        case VM_OP_DATE_DIFF: vm_op_date_diff(x, in); break;
        case VM_OP_TS_PART: vm_op_ts_part(x, in); break;
        case VM_OP_TS_EPOCH: vm_op_ts_epoch(x, in); break;
        case VM_OP_TS_TRUNC: vm_op_ts_trunc(x, in); break;
        case VM_OP_TS_DIFF: vm_op_ts_diff(x, in); break;
        case VM_OP_CAST_DATE_TS:
        case VM_OP_TS_ADD_INTERVAL:
            if (!(in->op == VM_OP_CAST_DATE_TS ? vm_op_cast_date_ts(x, in) : vm_op_ts_add_interval(x, in))) {
                char t[128];
                return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "%s out of the range of timestamps in '%s'",
                                 in->op == VM_OP_CAST_DATE_TS ? "date" : "timestamp",
                                 span_text(x, in->span, t, sizeof t));
            }
            break;
        case VM_OP_CAST_TS_DATE: vm_op_cast_ts_date(x, in); break;
        case VM_OP_IV_PART: vm_op_iv_part(x, in); break;
        case VM_OP_IV_EPOCH: vm_op_iv_epoch(x, in); break;
        case VM_OP_TS_SUB_TS: case VM_OP_TS_ADD_IV: case VM_OP_IV_ADD: case VM_OP_IV_SUB: case VM_OP_IV_MUL:
        case VM_OP_IV_NEG: case VM_OP_CMP_EQ_IV: case VM_OP_CMP_NE_IV: case VM_OP_CMP_LT_IV: case VM_OP_CMP_LE_IV:
        case VM_OP_CMP_GT_IV: case VM_OP_CMP_GE_IV: {
            static bool (*const fn[])(xpipe *, const vm_ins *) = {
                vm_op_ts_sub_ts, vm_op_ts_add_iv, vm_op_iv_add, vm_op_iv_sub, vm_op_iv_mul, vm_op_iv_neg,
                vm_op_iv_eq, vm_op_iv_ne, vm_op_iv_lt, vm_op_iv_le, vm_op_iv_gt, vm_op_iv_ge};
            if (!fn[in->op - VM_OP_TS_SUB_TS](x, in)) {
                char t[128];
                return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "%s out of range in '%s'",
                                 in->op == VM_OP_TS_ADD_IV ? "timestamp" : "interval", span_text(x, in->span, t, sizeof t));
            }
            break;
        }
        case VM_OP_LIMIT: op_limit(x, in); break;
        case VM_OP_JOIN_PROBE:
            /* its build side spilled: set the rows aside (but those of
            ** resident partitions, probed below) */
            if (x->joins[in->a].jp && (!x->joins[in->a].ht || (x->joins[in->a].hybrid && !x->joins[in->a].pending))) {
                const vm_join *jd = &x->p->joins[in->a];
                SEL(x, in->b, jd->in_frame, sel, n);
                x->err[0] = 0;
                tir_status st = vm_jprobe_add(x, in->a, sel, n, o ? o->spill : NULL);
                if (st) {
                    char msg[512];
                    snprintf(msg, sizeof msg, "%s", x->err[0] ? x->err : "out of memory");
                    return vm_x_fail(x, st, jd->stmt->span, "%s = %s cannot spill its probe rows: %s",
                                 jd->stmt->target.s, jd->stmt->op.s, msg);
                }
                if (!x->joins[in->a].hybrid) {
                    pc = jd->end_pc;
                    break;
                }
            }
            op_join_probe(x, in);
            break;
        case VM_OP_JOIN_COND: op_join_cond(x, in); break;
        case VM_OP_JOIN_SEMI: op_join_semi(x, in); break;
        case VM_OP_JOIN_GATHER_W1: op_join_gather_W1(x, in); break;
        case VM_OP_JOIN_GATHER_W4: op_join_gather_W4(x, in); break;
        case VM_OP_JOIN_GATHER_W8: op_join_gather_W8(x, in); break;
        case VM_OP_JOIN_GATHER_W16: op_join_gather_W16(x, in); break;
        case VM_OP_JOIN_HT_W1: op_join_ht_W1(x, in); break;
        case VM_OP_JOIN_HT_W4: op_join_ht_W4(x, in); break;
        case VM_OP_JOIN_HT_W8: op_join_ht_W8(x, in); break;
        case VM_OP_JOIN_HT_W16: op_join_ht_W16(x, in); break;

#define AGG_CASE(OPN)                                                                                \
    case VM_OP_##OPN: {                                                                              \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        if (!vm_agg_##OPN(&x->aggs[in->a], in->e, in->b >= 0 ? &x->r[in->b] : NULL, sel, n))        \
            return agg_failed(x, in);                                                                \
        break;                                                                                       \
    }
#define GAGG_CASE(OPN)                                                                               \
    case VM_OP_##OPN: {                                                                              \
        SEL(x, in->d, in->frame, sel, n);                                                            \
        if (!vm_gagg_##OPN(&x->groups[in->a], in->e, in->b >= 0 ? &x->r[in->b] : NULL,              \
                           x->rbuf[in->c], sel, n))                                                  \
            return agg_failed(x, in);                                                                \
        break;                                                                                       \
    }
            VM_SINK_AGG_OPS(AGG_CASE)
            VM_SINK_GAGG_OPS(GAGG_CASE)

        case VM_OP_HT_INSERT: {
            SEL(x, in->d, in->frame, sel, n);
            const vm_build *b = &x->p->builds[in->a];
            vm_vec keys[64], vals[64];
            for (int k = 0; k < b->nkeys; k++)
                keys[k] = x->r[b->regs[k]];
            for (int k = 0; k < b->nvals; k++)
                vals[k] = x->r[b->regs[b->nkeys + k]];
            if (!vm_ht_append(x->builds[in->a], keys, vals, sel, n))
                return TIR_ERR_NOMEM;
            break;
        }
        case VM_OP_GROUP_FIND: {
            SEL(x, in->d, in->frame, sel, n);
            const vm_group *g = &x->p->groups[in->a];
            vm_vec keys[64];
            for (int k = 0; k < g->nkeys; k++)
                keys[k] = x->r[g->key_regs[k]];
            if (!vm_sink_group_find(&x->groups[in->a], keys, sel, n, x->rbuf[in->c]))
                return TIR_ERR_NOMEM;
            break;
        }
        case VM_OP_ROWID: {
            int64_t *out = x->rbuf[in->c];
            uint32_t n = x->f[0].n;
            uint64_t base = x->src_off - n;
            for (uint32_t i = 0; i < n; i++)
                out[i] = (int64_t)(base + i);
            x->r[in->c].validity = NULL;
            break;
        }
/* KBITS: an integer key, which a bloom filter's key bitmap answers instead */
#define BLOOM_CASES(OPT, T, CT, KBITS)                                                                  \
        case VM_OP_BLOOM_SEL_##OPT: {                                                              \
            SEL(x, in->b, in->frame, sel, n);                                                       \
            const vm_vec *v = &x->r[in->a];                                                         \
            xsel *out = &x->s[in->c];                                                              \
            if (x->no_pruning) {                                                                    \
                for (uint32_t i = 0; i < n; i++)                                                    \
                    out->idx[i] = sel ? sel[i] : i;                                                 \
                out->n = n;                                                                         \
                break;                                                                              \
            }                                                                                       \
            const vm_bloom *bf = x->bloomuse[in->d];                                                \
            if (KBITS && bf->kbits) {                                                               \
                out->n = vm_kbits_sel(bf->kbits, bf->klo, bf->krange, v, sel, n, out->idx);            \
                break;                                                                              \
            }                                                                                       \
            k_hash_##T((const CT *)v->data, v->validity, sel, n, false, x->rbuf[in->e]);            \
            out->n = k_bloom_probe_sel(bf->words, bf->nblocks, x->rbuf[in->e], sel, n, out->idx);  \
            if (v->validity)                                                                        \
                out->n = drop_nulls(out->idx, out->n, v->validity);                                 \
            break;                                                                                  \
        }                                                                                           \
        case VM_OP_BLOOM_ADD_##OPT: {                                                              \
            SEL(x, in->d, in->frame, sel, n);                                                       \
            const vm_vec *v = &x->r[in->a];                                                         \
            k_hash_##T((const CT *)v->data, v->validity, sel, n, false, x->rbuf[in->e]);            \
            if (!vm_bloomsink_add(&x->bsinks[in->b], x->rbuf[in->e], v, sel, n))                    \
                return TIR_ERR_NOMEM;                                                               \
            break;                                                                                  \
        }
        BLOOM_CASES(I32, i32, int32_t, 1)
        BLOOM_CASES(I64, i64, int64_t, 1)
        BLOOM_CASES(F64, f64, double, 0)
        BLOOM_CASES(STR, str, tir_str, 0)
        BLOOM_CASES(BOOL, bool, uint8_t, 0)
        BLOOM_CASES(D128, d128, __int128, 0)
        BLOOM_CASES(IV, iv, tir_interval, 0)
#undef BLOOM_CASES
        case VM_OP_PROFILE: {
            SEL(x, in->d, in->frame, sel, n);
            (void)sel;
            x->stmt_rows[in->a] += n;
            break;
        }
        case VM_OP_SORT_ADD: {
            SEL(x, in->d, in->frame, sel, n);
            if (!vm_sink_sort_add(&x->sorts[in->a], x->r, sel, n, x->morsel))
                return TIR_ERR_NOMEM;
            break;
        }
#define TOPN_CASE(T, t, CT)                                                                                   \
        case VM_OP_TOPN_CUT_##T: {                                                                           \
            SEL(x, in->b, in->frame, sel, n);                                                                \
            x->s[in->c].n = vm_sink_sort_cut_##t(&x->sorts[in->d], x->r[in->a].data, x->r[in->a].validity, sel, \
                                                 n, x->s[in->c].idx);                                        \
            break;                                                                                           \
        }
        TOPN_CASE(I32, i32, int32_t)
        TOPN_CASE(I64, i64, int64_t)
        TOPN_CASE(F64, f64, double)
#undef TOPN_CASE
        case VM_OP_MJOIN_PROBE: {
            tir_status st = vm_mj_probe(x, in);
            if (st)
                return st;
            break;
        }
        case VM_OP_MJOIN_RIGHT_W1:
        case VM_OP_MJOIN_RIGHT_W4:
        case VM_OP_MJOIN_RIGHT_W8:
        case VM_OP_MJOIN_RIGHT_W16:
        case VM_OP_MJOIN_RIGHT_X16: {
            tir_status st = in->op == VM_OP_MJOIN_RIGHT_W1    ? vm_mj_right_W1(x, in)
                            : in->op == VM_OP_MJOIN_RIGHT_W4  ? vm_mj_right_W4(x, in)
                            : in->op == VM_OP_MJOIN_RIGHT_W8  ? vm_mj_right_W8(x, in)
                            : in->op == VM_OP_MJOIN_RIGHT_W16 ? vm_mj_right_W16(x, in)
                                                              : vm_mj_right_X16(x, in);
            if (st)
                return st;
            break;
        }
        case VM_OP_EMIT: {
            SEL(x, in->d, in->frame, sel, n);
            const vm_emit *em = &x->p->emits[in->a];
            vm_table *t = x->emits[in->a];
            for (int c = 0; c < em->ncols; c++)
                if (!vm_column_append(&t->cols[c], &x->r[em->regs[c]], sel, n, &t->heap))
                    return TIR_ERR_NOMEM;
            t->nrows += n;
            if (in->a == x->stream_e && t->nrows >= x->cap) {
                vm_table *fresh = vm_sink_table_new(em->schema);
                if (!fresh)
                    return TIR_ERR_NOMEM;
                x->emits[in->a] = fresh;
                tir_status st = x->stream_rows(x->stream_ctx, t);   /* t is the taker's now */
                if (st)
                    return vm_x_fail(x, st, in->span, "%s", stream_refused(st));
            }
            break;
        }
        default:
            return vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "bad opcode %d", in->op);
        }
    }
}

/* -------------------------------------------------------------- pipeline */

void vm_source_free(vm_source *s)
{
    vm_table_free(s->mem);
    vm_store_close(s->store);
    s->mem = NULL;
    s->store = NULL;
}

/* The declaration of a native table must still match its file, which may
** have changed since the program was compiled. */
static tir_status check_store(const ir_table *t, vm_store *s, char *err, size_t errlen)
{
    for (int i = 0; i < t->schema.n; i++) {
        const ir_column *dc = &t->schema.cols[i];
        int c = 0;
        while (c < vm_store_ncols(s) && strcmp(vm_store_col(s, c)->name, dc->name.s))
            c++;
        if (c == vm_store_ncols(s)) {
            snprintf(err, errlen, "%s: table %s declares column '%s', which the file does not have", t->path,
                     t->name.s, dc->name.s);
            return TIR_ERR_DATA;
        }
        const vm_store_colspec *fc = vm_store_col(s, c);
        if (vm_store_coltype(fc) != dc->ty.type ||
            (fc->prec && (fc->prec > dc->ty.prec || fc->scale != dc->ty.scale))) {   /* as check_declared */
            char t1[32], t2[32];
            snprintf(err, errlen, "%s: column '%s' is %s in the file, declared %s", t->path, dc->name.s,
                     ir_type_text(vm_store_coltype(fc), fc->prec, fc->scale, t1),
                     ir_type_text(dc->ty.type, dc->ty.prec, dc->ty.scale, t2));
            return TIR_ERR_DATA;
        }
        if (dc->ty.order != IR_ORDER_NONE && (int)dc->ty.order != fc->order) {
            snprintf(err, errlen, "%s: column '%s' is declared %s but the file does not record that order", t->path,
                     dc->name.s, dc->ty.order == IR_ORDER_ASC ? "asc" : "desc");
            return TIR_ERR_DATA;
        }
        for (uint32_t b = 0; !dc->ty.nullable && fc->nullable && b < vm_store_nblocks(s); b++)
            if (vm_store_block_stat(s, b, c)->nulls) {
                snprintf(err, errlen, "%s: column '%s' has NULLs (block %u) but is declared not nullable", t->path,
                         dc->name.s, b);
                return TIR_ERR_DATA;
            }
    }
    return TIR_OK;
}

tir_status vm_load_table(const ir_table *t, vm_source *src, uint64_t budget, char *err, size_t errlen)
{
    src->mem = NULL;
    src->store = NULL;
    if (t->native) {
        tir_status st = vm_store_open(t->path, &src->store, err, errlen);
        if (!st && (st = check_store(t, src->store, err, errlen)))
            vm_source_free(src);
        return st;
    }
    vm_table **out = &src->mem;
    vm_csv_col *cols = calloc((size_t)(t->schema.n ? t->schema.n : 1), sizeof *cols);
    if (!cols)
        return TIR_ERR_NOMEM;
    for (int i = 0; i < t->schema.n; i++) {
        const ir_column *c = &t->schema.cols[i];
        cols[i] = (vm_csv_col){c->name.s, c->ty.type, c->ty.nullable,
                               c->ty.order == IR_ORDER_ASC ? 1 : c->ty.order == IR_ORDER_DESC ? 2 : 0, c->ty.unique,
                               c->ty.prec, c->ty.scale};
    }
    vm_csv_opts o = {t->delimiter ? t->delimiter : ',', t->header, t->null_string ? t->null_string : "", budget};
    tir_status st = vm_csv_load(t->path, &o, t->schema.n, cols, out, err, errlen);
    free(cols);
    return st;
}

/* A pipeline's hash tables to index and bloom filters to make: tasks that
** the run's threads take one at a time (a big index also spreads over the
** threads free by then). They are independent, and each is a serial step
** between this pipeline's workers and the next pipeline (q12 at 2 threads:
** its 31k-entry index, 0.58 ms, beside its filter, 0.47 ms). */
typedef struct pubtasks {
    xpipe *x;
    const vm_run_opts *o;
    int threads;
    int ntasks;               /* p->nbuilds index tasks, then p->nbloomdefs filters */
    _Atomic int next;
    atomic_bool failed;
    vm_bloom **bf;            /* the filters made */
} pubtasks;

static void pub_main(void *arg, int t)
{
    (void)t;
    pubtasks *pt = arg;
    xpipe *x = pt->x;
    const vm_pipe *p = x->p;
    for (int j; (j = atomic_fetch_add(&pt->next, 1)) < pt->ntasks && !atomic_load(&pt->failed);) {
        bool ok = true;
        if (j < p->nbuilds) {
            ok = x->bspill[j] || vm_ht_index_par(x->builds[j], pt->o ? pt->o->pool : NULL, pt->threads);
        } else {
            int b = j - p->nbuilds;
            pt->bf[b] = vm_bloomsink_finish(&x->bsinks[b], vm_phys(p->bloomdefs[b].stmt->u.bloom.key->ty.type));
            ok = pt->bf[b] != NULL;
        }
        if (!ok)
            atomic_store(&pt->failed, true);
    }
}

/* Moves a pipeline's finished sinks into the value slots of the run. */
tir_status vm_x_publish(xpipe *x, const vm_run_opts *o)
{
    const vm_pipe *p = x->p;
    pubtasks pt = {.x = x, .o = o, .threads = o && o->threads > 1 ? o->threads : 1,
                   .ntasks = p->nbuilds + p->nbloomdefs};
    if (p->nbloomdefs && !(pt.bf = calloc((size_t)p->nbloomdefs, sizeof *pt.bf)))
        return TIR_ERR_NOMEM;
    vm_par_run(o ? o->pool : NULL, pt.ntasks < pt.threads ? pt.ntasks : pt.threads, pub_main, &pt);
    if (atomic_load(&pt.failed)) {
        for (int b = 0; b < p->nbloomdefs; b++)
            vm_bloom_free(pt.bf[b]);
        free(pt.bf);
        return TIR_ERR_NOMEM;
    }
    for (int i = 0; i < p->nbuilds; i++) {
        int vi = vm_plan_value_index(x->plan, p->builds[i].stmt);
        x->values[vi].kind = IR_VK_HASHTABLE;
        if (x->bspill[i]) {
            x->values[vi].hs = x->bspill[i];
            x->bspill[i] = NULL;
            continue;
        }
        x->values[vi].ht = x->builds[i];
        x->builds[i] = NULL;
    }
    for (int i = 0; i < p->nbloomdefs; i++) {
        int vi = vm_plan_value_index(x->plan, p->bloomdefs[i].stmt);
        x->values[vi].kind = IR_VK_BLOOM;
        x->values[vi].bf = pt.bf[i];
    }
    free(pt.bf);
    for (int i = 0; i < p->nemits; i++) {
        int vi = vm_plan_value_index(x->plan, p->emits[i].stmt);
        x->values[vi].kind = IR_VK_RELATION;
        if (x->erel[i]) {
            x->values[vi].rs = x->erel[i];
            x->erel[i] = NULL;
            continue;
        }
        x->values[vi].rel = x->emits[i];
        x->emits[i] = NULL;
    }
    for (int i = 0; i < p->naggs; i++) {
        int vi = vm_plan_value_index(x->plan, p->aggs[i].stmt);
        x->values[vi].kind = IR_VK_TUPLE;
        if (!(x->values[vi].rel = vm_sink_agg_finish(&x->aggs[i])))
            return TIR_ERR_NOMEM;
        tir_status st = check_dec_out(x, p->aggs[i].stmt, x->values[vi].rel);
        if (st)
            return st;
    }
    for (int i = 0; i < p->ngroups; i++) {
        int vi = vm_plan_value_index(x->plan, p->groups[i].stmt);
        x->values[vi].kind = IR_VK_RELATION;
        x->values[vi].rel = x->grouped[i] ? x->grouped[i] : vm_sink_group_finish(&x->groups[i]);
        x->grouped[i] = NULL;
        if (!x->values[vi].rel)
            return TIR_ERR_NOMEM;
        tir_status st = check_dec_out(x, p->groups[i].stmt, x->values[vi].rel);
        if (st)
            return st;
    }
    for (int i = 0; i < p->nsorts; i++) {
        int vi = vm_plan_value_index(x->plan, p->sorts[i].stmt);
        x->values[vi].kind = IR_VK_RELATION;
        x->values[vi].rel = x->sorted[i];
        x->sorted[i] = NULL;
    }
    return TIR_OK;
}

/* Bytes this worker holds: its buffers and sinks. */
uint64_t vm_x_sink_bytes(const xpipe *x)
{
    const vm_pipe *p = x->p;
    uint64_t n = x->reg_bytes + x->batch_heap.bytes + x->rchunk.bytes;
    for (int i = 0; i < p->nbuilds; i++)
        n += vm_ht_bytes(x->builds[i]);
    for (int i = 0; i < p->nemits; i++)
        n += vm_table_bytes(x->emits[i]);
    for (int i = 0; i < p->ngroups; i++)
        n += vm_sink_group_bytes(&x->groups[i]);
    for (int i = 0; i < p->naggs; i++)
        n += x->aggs[i].heap.bytes + x->aggs[i].sabytes;
    for (int i = 0; i < p->nbloomdefs; i++)
        n += x->bsinks[i].cap * (x->bsinks[i].k ? 2 * sizeof(uint64_t) : sizeof(uint64_t));
    for (int i = 0; i < p->nsorts; i++)
        n += vm_sink_sort_bytes(&x->sorts[i]);
    for (int i = 0; i < p->njoins; i++)
        if (x->joins[i].hs) /* and the partition being joined (resident ones count with the value) */
            n += vm_jprobe_bytes(x->joins[i].jp) +
                 (x->joins[i].ht && !x->joins[i].hybrid ? vm_ht_bytes(x->joins[i].ht) : 0);
    return n;
}

uint64_t vm_x_spillable_bytes(const xpipe *x)
{
    uint64_t n = 0;
    for (int i = 0; i < x->p->ngroups; i++)
        n += vm_sink_group_bytes(&x->groups[i]);
    for (int i = 0; i < x->p->nbuilds; i++)
        n += vm_ht_bytes(x->builds[i]);
    return n;
}

/* Bytes of this worker's full sorts (top-Ns stay small and never spill). */
static uint64_t sort_bytes(const xpipe *x)
{
    uint64_t n = 0;
    for (int i = 0; i < x->p->nsorts; i++)
        if (x->p->sorts[i].limit < 0)
            n += vm_sink_sort_bytes(&x->sorts[i]);
    return n;
}

/* Bytes held by the run now, and (*spillable) how many of them are
** group-by, build_hash and sort state of this pipeline's workers. */
static uint64_t held_bytes(xpipe *x, uint64_t *spillable)
{
    bool any = x->p->ngroups || x->p->nbuilds || x->p->nsorts || x->p->nemits;
    uint64_t own = vm_x_sink_bytes(x), mine = any ? vm_x_spillable_bytes(x) + sort_bytes(x) + vm_x_emit_spillable_bytes(x) : 0;
    uint64_t base = x->base_bytes - (x->ev ? atomic_load(&x->ev->freed) : 0);
    if (!x->sh) {
        *spillable = mine;
        return base + own;
    }
    *spillable = any ? vm_x_shared_spillable(x->sh, x->worker, mine) : 0;
    return base + vm_x_shared_bytes(x->sh, x->worker, own);
}

/* The value index of the table join ji probes from memory, or -1. */
static int probed_table(const xpipe *x, int ji)
{
    const vm_join *jd = &x->p->joins[ji];
    if (jd->merge || x->joins[ji].hs || !x->joins[ji].ht)
        return -1;
    return vm_plan_value_index(x->plan, jd->stmt->u.join.ht);
}

/* The bytes evicting the tables would give back (each table once). */
static uint64_t evictable_bytes(const xpipe *x)
{
    uint64_t n = 0;
    for (int ji = 0; ji < x->p->njoins; ji++) {
        int vi = probed_table(x, ji);
        bool seen = false;
        for (int k = 0; k < ji && vi >= 0; k++)
            seen |= probed_table(x, k) == vi;
        if (vi >= 0 && !seen)
            n += vm_ht_bytes(x->values[vi].ht);
        else if (x->joins[ji].hybrid && x->joins[ji].hs)
            n += vm_hspill_bytes(x->joins[ji].hs);
    }
    return n;
}

static bool can_evict(const xpipe *x)
{
    for (int ji = 0; ji < x->p->njoins; ji++)
        if (probed_table(x, ji) >= 0 || x->joins[ji].hybrid)
            return true;
    return false;
}

/* Whether a right or full join of x's pipeline probes value vi: its
** rows written out carry their entry ids. */
static bool keeps_build_of(const xpipe *x, int vi)
{
    for (int ji = 0; ji < x->p->njoins; ji++)
        if (IR_JOIN_KEEPS_BUILD(x->p->joins[ji].kind) && probed_table(x, ji) == vi)
            return true;
    return false;
}

/* Frees the tables written out once no worker probes them (mu held). */
static void free_unprobed(xpipe *x)
{
    xevict *ev = x->ev;
    if (!atomic_load(&ev->requested) || atomic_load(&ev->switched) + atomic_load(&ev->idle) < ev->nw)
        return;
    for (int ji = 0; ji < x->p->njoins; ji++) {
        const vm_join *jd = &x->p->joins[ji];
        int vi = jd->merge ? -1 : vm_plan_value_index(x->plan, jd->stmt->u.join.ht);
        vm_hspill *hs = vi >= 0 ? x->values[vi].hs : NULL;
        if (hs && x->values[vi].ht) {
            atomic_fetch_add(&ev->freed, vm_ht_bytes(x->values[vi].ht));
            vm_ht_free(x->values[vi].ht);
            x->values[vi].ht = NULL;
        }
        if (hs && hs->mem) {
            atomic_fetch_add(&ev->freed, vm_ht_bytes(hs->mem));
            vm_ht_free(hs->mem);
            hs->mem = NULL;
            hs->resident = 0;
        }
    }
}

static tir_status evict_locked(xpipe *x, const vm_run_opts *o)
{
    xevict *ev = x->ev;
    tir_status st = TIR_OK;
    for (int ji = 0; ji < x->p->njoins && !st; ji++) {
        if (x->joins[ji].hybrid) { /* its resident partitions' rows are set aside from now on */
            x->joins[ji].hybrid = false;
            x->joins[ji].ht = NULL;
            continue;
        }
        int vi = probed_table(x, ji);
        if (vi < 0)
            continue;
        const vm_join *jd = &x->p->joins[ji];
        vm_value *v = &x->values[vi];
        xjoin *j = &x->joins[ji];
        char msg[512] = "";
        if (!(j->jp = vm_jprobe_new(x->p, jd, x->cap, x->memory_limit))) {
            st = TIR_ERR_NOMEM;
            break;
        }
        if (!v->hs) { /* the first worker to switch writes the table out; the others still probe it */
            const ir_stmt *b = jd->stmt->u.join.ht;
            tir_type t[128];
            for (int c = 0; c < b->out.n && c < 128; c++)
                t[c] = vm_phys(b->out.cols[c].ty.type);
            if (!(v->hs = vm_hspill_new(b->ht_nkeys, b->out.n - b->ht_nkeys, t, b->u.build.keep_null_keys,
                                        keeps_build_of(x, vi))))
                st = TIR_ERR_NOMEM;
            else if ((st = vm_hspill_write(v->hs, v->ht, o->spill, msg, sizeof msg)))
                st = vm_x_fail(x, st, jd->stmt->span, "%s = %s cannot spill its hash table: %s", jd->stmt->target.s,
                               jd->stmt->op.s, msg[0] ? msg : "out of memory");
            if (st)
                break;
            vm_jprobe_note(j->jp, &v->hs->st);
        }
        j->hs = v->hs;
        j->ht = NULL;
    }
    if (st)
        return st;
    x->evicted = true;
    atomic_fetch_add(&ev->switched, 1);
    if (x->idle) {
        x->idle = false;
        atomic_fetch_sub(&ev->idle, 1);
    }
    free_unprobed(x);
    return TIR_OK;
}

tir_status vm_x_evict(xpipe *x, const vm_run_opts *o)
{
    if (!x->ev || x->evicted)
        return TIR_OK;
    pthread_mutex_lock(&x->ev->mu);
    tir_status st = evict_locked(x, o);
    pthread_mutex_unlock(&x->ev->mu);
    return st;
}

tir_status vm_x_retire(xpipe *x, const vm_run_opts *o)
{
    xevict *ev = x->ev;
    if (!ev || x->evicted || x->idle)
        return TIR_OK;
    tir_status st = TIR_OK;
    pthread_mutex_lock(&ev->mu);
    if (atomic_load(&ev->requested)) {
        st = evict_locked(x, o);
    } else {
        x->idle = true;
        atomic_fetch_add(&ev->idle, 1);
        free_unprobed(x);
    }
    pthread_mutex_unlock(&ev->mu);
    return st;
}

static tir_status spill_build(xpipe *x, const vm_run_opts *o, int i)
{
    const ir_stmt *s = x->p->builds[i].stmt;
    char msg[512] = "";
    tir_status st = TIR_OK;
    if (!x->bspill[i]) {
        tir_type t[128];
        for (int c = 0; c < s->out.n && c < 128; c++)
            t[c] = vm_phys(s->out.cols[c].ty.type);
        if (!(x->bspill[i] = vm_hspill_new(s->ht_nkeys, s->out.n - s->ht_nkeys, t, s->u.build.keep_null_keys, false)))
            st = TIR_ERR_NOMEM;
    }
    if (!st)
        st = vm_hspill_add(x->bspill[i], &x->builds[i], o->spill, msg, sizeof msg);
    if (st)
        return vm_x_fail(x, st, s->span, "%s = %s cannot spill: %s", s->target.s, s->op.s,
                         msg[0] ? msg : "out of memory");
    return TIR_OK;
}

/* Over the memory limit with somewhere to spill: this worker's group-bys
** and hash table builds write their rows out and go on empty. The limit
** is broken only by what cannot spill: another worker's state is written
** out when that worker next checks (a batch later). */
static tir_status spill_state(xpipe *x, const vm_run_opts *o, bool *fits)
{
    for (int i = 0; i < x->p->nbuilds; i++) {
        tir_status st = vm_ht_count(x->builds[i]) ? spill_build(x, o, i) : TIR_OK;
        if (st)
            return st;
    }
    for (int i = 0; i < x->p->ngroups; i++) {
        vm_sink_group *g = &x->groups[i];
        if (!g->ht || !vm_ht_count(g->ht))
            continue;
        char msg[512] = "";
        tir_status st = vm_sink_group_spill(g, o->spill, msg, sizeof msg);
        if (st)
            return vm_x_fail(x, st, x->p->groups[i].stmt->span, "%s = %s cannot spill: %s",
                         x->p->groups[i].stmt->target.s, x->p->groups[i].stmt->op.s,
                         msg[0] ? msg : "out of memory");
    }
    uint64_t spillable, held = held_bytes(x, &spillable);
    *fits = !o->memory_limit || held - (spillable < held ? spillable : held) <= o->memory_limit;
    return TIR_OK;
}

/* A full sort's sink spills (sorts what it holds and writes it out as a
** run) when forced, or when its rows, the next batch and the sort a spill
** needs would not fit in this worker's share of what the limit leaves
** beside what cannot spill. A lone worker sorts on every thread. */
static tir_status spill_sorts(xpipe *x, const vm_run_opts *o, uint64_t held, uint64_t spillable, bool *spilled)
{
    uint64_t fixed = held - (spillable < held ? spillable : held);
    uint64_t share = o->memory_limit > fixed ? (o->memory_limit - fixed) / (uint64_t)x->nworkers : 0;
    for (int i = 0; i < x->p->nsorts; i++) {
        vm_sink_sort *s = &x->sorts[i];
        if (x->p->sorts[i].limit >= 0 || !s->n)
            continue;
        if (!o->force_spill && (!o->memory_limit || vm_sink_sort_room(s, x->cap, share)))
            continue;
        if (o->peak_bytes) {
            uint64_t h = held + s->n * x->p->sorts[i].entry_bytes + 2 * VM_SORT_CHUNK_BYTES;
            uint64_t peak = atomic_load(o->peak_bytes);
            while (h > peak && !atomic_compare_exchange_weak(o->peak_bytes, &peak, h))
                ;
        }
        char msg[512] = "";
        int threads = x->nworkers == 1 && o->threads > 1 ? o->threads : 1;
        tir_status st = vm_sink_sort_spill(s, o->spill, threads, msg, sizeof msg);
        const ir_stmt *stmt = x->p->sorts[i].stmt;
        if (st)
            return vm_x_fail(x, st, stmt->span, "%s = %s cannot spill: %s", stmt->target.s, stmt->op.s,
                         msg[0] ? msg : "out of memory");
        *spilled = true;
    }
    return TIR_OK;
}

/* Earlier values, loaded tables, and the buffers and sinks of every worker
** of this pipeline against the limit; a failure points at statement st of
** the pipeline (the pipeline itself when NULL). */
static tir_status check_memory_at(xpipe *x, const vm_run_opts *o, const ir_stmt *st)
{
    if (!o)
        return TIR_OK;
    uint64_t spillable, held = held_bytes(x, &spillable);
    if (o->peak_bytes) {
        uint64_t peak = atomic_load(o->peak_bytes);
        while (held > peak && !atomic_compare_exchange_weak(o->peak_bytes, &peak, held))
            ;
    }
    if (o->spill && x->p->nsorts && (o->force_spill || o->memory_limit)) {
        bool spilled = false;
        tir_status s = spill_sorts(x, o, held, spillable, &spilled);
        if (s)
            return s;
        if (spilled)
            held = held_bytes(x, &spillable);
    }
    /* over the limit after writing out its own rows, what is left to
    ** spill is other workers' (they do when they next check) */
    /* the other workers' columns may double in the same batch */
    bool others_spill = false;
    if (o->spill && x->p->nemits &&
        (o->force_spill ||
         (o->memory_limit && held + vm_x_emit_growth(x) * (uint64_t)(x->nworkers > 1 ? x->nworkers : 1) > o->memory_limit))) {
        tir_status s = vm_x_flush_emits(x, o);
        if (s)
            return s;
        held = held_bytes(x, &spillable);
        others_spill = held - (spillable < held ? spillable : held) <= o->memory_limit;
    }
    /* A group-by's arrays and directory double: spill before a batch that
    ** could make them cross the limit, not after, so that the limit holds
    ** to within a batch of groups. The other workers' tables may double in
    ** the same batch (they grow alike: count this one's growth for each). */
    uint64_t growth = 0;
    for (int i = 0; o->spill && o->memory_limit && i < x->p->ngroups; i++)
        growth += vm_sink_group_growth(&x->groups[i], x->cap);
    for (int i = 0; o->spill && o->memory_limit && i < x->p->nbuilds; i++)
        growth += vm_ht_growth(x->builds[i], x->cap);
    growth *= (uint64_t)(x->nworkers > 1 ? x->nworkers : 1);
    if (o->spill && (x->p->ngroups || x->p->nbuilds) &&
        (o->force_spill || (o->memory_limit && held + growth > o->memory_limit))) {
        bool fits;
        tir_status s = spill_state(x, o, &fits);
        if (s || fits)
            return s;
    }
    /* At a batch boundary (no join has output pending) the tables probed
    ** from memory can go too: asked for by this worker or another. */
    xevict *ev = x->ev;
    if (!st && ev && o->spill && !x->evicted && !atomic_load(&ev->closed) &&
        (atomic_load(&ev->requested) ||
         (o->memory_limit && held_bytes(x, &spillable) + growth > o->memory_limit && can_evict(x)))) {
        atomic_store(&ev->requested, 1);
        tir_status s = vm_x_evict(x, o);
        if (s)
            return s;
    }
    if (ev && atomic_load(&ev->requested) && atomic_load(&ev->switched) + atomic_load(&ev->idle) < ev->nw)
        return TIR_OK; /* the tables go when the others reach a batch boundary */
    held = held_bytes(x, &spillable);
    if (others_spill)
        return TIR_OK;
    /* Another worker's state may have grown since this check began: what
    ** can spill is written out at that worker's (or this one's) next check,
    ** so only what cannot spill breaks the limit. */
    uint64_t must_hold = o->spill ? held - (spillable < held ? spillable : held) : held;
    /* Mid fan-out a probed table cannot go yet (its output is pending): if
    ** its going would be enough, it goes at the next batch boundary, asked
    ** for now, the limit exceeded until then by this batch's output (under
    ** load a worker could reach this before any boundary had asked, and
    ** the run failed); an output that alone outgrows the limit still fails */
    if (o->memory_limit && must_hold > o->memory_limit && st && ev && o->spill && !x->evicted &&
        !atomic_load(&ev->closed) && can_evict(x) && must_hold <= o->memory_limit + evictable_bytes(x)) {
        atomic_store(&ev->requested, 1);
        return TIR_OK;
    }
    if (o->memory_limit && must_hold > o->memory_limit && st)
        return vm_x_fail(x, TIR_ERR_NOMEM, st->span,
                     "memory limit of %" PRIu64 " bytes exceeded in pipeline %s while %s = %s fans out (%" PRIu64
                     " bytes held)", o->memory_limit, x->p->ir->name.s, st->target.s, st->op.s, held);
    if (o->memory_limit && must_hold > o->memory_limit)
        return vm_x_fail(x, TIR_ERR_NOMEM, x->p->ir->span,
                     "memory limit of %" PRIu64 " bytes exceeded in pipeline %s (%" PRIu64 " bytes held)",
                     o->memory_limit, x->p->ir->name.s, held);
    return TIR_OK;
}

/* Checked at batch boundaries. */
tir_status vm_x_check_memory(xpipe *x, const vm_run_opts *o)
{
    return check_memory_at(x, o, NULL);
}

/* One probe batch can fan out to any number of rows: between the join's
** output chunks the memory limit and a cancel are honoured too, so a
** many-to-many join fails cleanly instead of growing without bound. */
static tir_status join_fanout_check(xpipe *x, const vm_run_opts *o, int stmt)
{
    if (!o)
        return TIR_OK;
    if (vm_cancelled(o->cancel)) {
        snprintf(x->err, x->errlen, "cancelled");
        return TIR_ERR_CANCELLED;
    }
    return check_memory_at(x, o, stmt >= 0 && stmt < x->p->ir->n ? x->p->ir->stmts[stmt] : NULL);
}

enum { PROGRESS_ROWS = 1 << 16 };

tir_status vm_x_run_batches(xpipe *x, const vm_run_opts *o, uint64_t from, uint64_t to)
{
    tir_status st = TIR_OK;
    x->src_off = from;
    x->src_end = to;
    /* progress is added every PROGRESS_ROWS rows, not every batch: the
    ** counter is the workers' one shared cache line */
    uint64_t told = from;
    while (x->src_off < x->src_end) {
        if (o && vm_cancelled(o->cancel)) {
            snprintf(x->err, x->errlen, "cancelled");
            st = TIR_ERR_CANCELLED;
            break;
        }
        if (x->batch_heap.head) {
            vm_strheap_free(&x->batch_heap);
            vm_strheap_init(&x->batch_heap);
        }
        if ((st = vm_x_run_code(x, o, 0, -1)) || (st = vm_x_check_memory(x, o)))
            break;
        if (o && o->rows_done && x->src_off - told >= PROGRESS_ROWS) {
            atomic_fetch_add(o->rows_done, x->src_off - told);
            told = x->src_off;
        }
    }
    if (o && o->rows_done && x->src_off > told)
        atomic_fetch_add(o->rows_done, x->src_off - told);
    return st;
}

/* Workers pay off only with enough morsels, and limit counts rows in order. */
static int workers_for(const xpipe *x, const vm_run_opts *o)
{
    const vm_pipe *p = x->p;
    int t = o && o->threads > 1 ? o->threads : 1;
    uint64_t morsels = vm_x_nmorsels(x);
    if (p->nlimits || morsels < 2 || x->stream_e >= 0)   /* a streamed output keeps its order */
        return 1;
    if ((uint64_t)t > morsels)
        t = (int)morsels;
    return t > VM_MAX_WORKERS ? VM_MAX_WORKERS : t;
}

int vm_x_stmt_index(const vm_pipe *p, const ir_stmt *stmt)
{
    int si = 0;
    while (p->ir->stmts[si] != stmt)
        si++;
    return si;
}

/* A spilled group-by or sort that is the run's streamed output hands its
** rows to the stream as they are merged (vm_rows_hand): a group-by each
** partition, a sort a few chunks' rows at a time. The output then never
** has to fit in memory whole. */
typedef struct stream_hand {
    const vm_run_opts *o;
    const ir_stmt *stmt;
    bool failed;   /* the message is whole: it names what failed */
} stream_hand;

static tir_status hand_to_stream(void *ctx, vm_table *t, char *err, size_t errlen)
{
    stream_hand *h = ctx;
    int c = dec_out_overflow(h->stmt, t);
    h->failed = c >= 0;
    if (c >= 0) {
        snprintf(err, errlen, "decimal overflow in %s = %s: '%s' has more than %d digits", h->stmt->target.s,
                 h->stmt->op.s, h->stmt->out.cols[c].name.s, h->stmt->out.cols[c].ty.prec);
        vm_table_free(t);
        return TIR_ERR_RUNTIME;
    }
    tir_status st = h->o->stream_rows(h->o->stream_ctx, t);   /* t is the taker's now */
    h->failed = st != TIR_OK;
    if (st)
        snprintf(err, errlen, "%s", stream_refused(st));
    return st;
}

/* Sorts and windows end with their pipeline: the rows of every worker,
** sorted together, become one relation; a full sort that spilled, or whose
** sort in memory would not fit, merges its runs instead. The time goes to
** the statement. */
static tir_status finish_sorts(xpipe *x, int nw, const vm_run_opts *o, uint64_t *prof_spill)
{
    const vm_pipe *p = x[0].p;
    for (int i = 0; i < p->nsorts; i++) {
        vm_sink_sort *ss[VM_MAX_WORKERS];
        uint64_t held = x[0].base_bytes, sinks = 0;
        bool spilled = false;
        for (int w = 0; w < nw; w++) {
            ss[w] = &x[w].sorts[i];
            held += vm_x_sink_bytes(&x[w]);
            sinks += vm_sink_sort_bytes(ss[w]);
            spilled |= ss[w]->nfiles > 0;
        }
        uint64_t budget = o && o->memory_limit ? (o->memory_limit > held ? o->memory_limit - held : 1) : 0;
        bool runs = o && o->spill && p->sorts[i].limit < 0 &&
                    (spilled || (budget && vm_sort_finish_need(ss, nw) > budget));
        uint64_t extra = 0, t0 = now_ns();
        char msg[512] = "";
        bool handed = false;   /* the stream refused rows: msg is whole */
        const ir_stmt *stmt = p->sorts[i].stmt;
        int si = vm_x_stmt_index(p, stmt);
        tir_status st;
        if (runs) {
            /* the sinks are emptied first: the merge has what they held too */
            held -= sinks;
            budget = o->memory_limit ? (o->memory_limit > held ? o->memory_limit - held : 1) : 0;
            vm_spill_stats sst = {0};
            stream_hand hand = {o, stmt, false};
            bool streamed = o->stream_rows && o->stream_stmt == stmt;
            st = vm_sort_finish_spilled(ss, nw, o->spill, budget, o->force_spill, o->threads > 1 ? o->threads : 1,
                                        o->cancel, streamed ? hand_to_stream : NULL, &hand, &extra, &x[0].sorted[i],
                                        &sst, msg, sizeof msg);
            handed = hand.failed;
            if (prof_spill) {
                prof_spill[(size_t)si * VM_SPILL_NSTAT + VM_SPILL_BYTES] += sst.bytes;
                prof_spill[(size_t)si * VM_SPILL_NSTAT + VM_SPILL_FILES] += sst.files;
                prof_spill[(size_t)si * VM_SPILL_NSTAT + VM_SPILL_PASSES] += sst.passes;
            }
        } else {
            st = vm_sort_finish(ss, nw, o && o->threads > 1 ? o->threads : 1, budget, &extra, &x[0].sorted[i], msg,
                                sizeof msg);
        }
        if (x[0].timing)
            x[0].stmt_ns[si] += now_ns() - t0;
        if (o && o->peak_bytes) {
            uint64_t peak = atomic_load(o->peak_bytes), h = held + extra;
            while (h > peak && !atomic_compare_exchange_weak(o->peak_bytes, &peak, h))
                ;
        }
        if (st && handed)
            return vm_x_fail(&x[0], st, stmt->span, "%s", msg);
        if (st == TIR_ERR_NOMEM && budget && extra > budget && !runs)
            return vm_x_fail(&x[0], st, stmt->span, "memory limit of %" PRIu64 " bytes exceeded in pipeline %s: %s",
                         o->memory_limit, p->ir->name.s, msg);
        if (st == TIR_ERR_NOMEM && runs && strncmp(msg, "its result alone", 16) == 0)
            return vm_x_fail(&x[0], st, stmt->span, "memory limit of %" PRIu64 " bytes exceeded in pipeline %s by %s = %s: %s",
                         o->memory_limit, p->ir->name.s, stmt->target.s, stmt->op.s, msg);
        if (st == TIR_ERR_RUNTIME) { /* a window function's overflow, located at the function */
            snprintf(x[0].err, x[0].errlen, "%s", msg);
            return st;
        }
        if (st == TIR_ERR_CANCELLED) {
            snprintf(x[0].err, x[0].errlen, "cancelled");
            return st;
        }
        if (st && runs)
            return vm_x_fail(&x[0], st, stmt->span, "%s = %s: %s", stmt->target.s, stmt->op.s,
                         msg[0] ? msg : "out of memory while merging sorted runs");
        if (st)
            return vm_x_fail(&x[0], st, stmt->span, "%s", msg);
    }
    return TIR_OK;
}

void vm_x_plan_group_spills(xpipe *x, int nw, const vm_run_opts *o)
{
    uint64_t held = x[0].base_bytes;
    for (int w = 0; w < nw; w++)
        held += vm_x_sink_bytes(&x[w]);
    for (int i = 0; i < x[0].p->ngroups; i++) {
        bool spilled = false;
        uint64_t merged = 0;  /* at worst every other worker's groups are new to worker 0 */
        for (int w = 0; w < nw; w++) {
            spilled |= x[w].groups[i].parts != NULL;
            if (w)
                merged += vm_sink_group_bytes(&x[w].groups[i]);
        }
        x[0].gspill[i] = spilled || (o && o->spill && o->memory_limit && nw > 1 && held + merged > o->memory_limit);
    }
}

tir_status vm_x_plan_build_spills(xpipe *x, int nw, const vm_run_opts *o)
{
    if (!o || !o->spill)
        return TIR_OK;
    uint64_t held = x[0].base_bytes;
    for (int w = 0; w < nw; w++)
        held += vm_x_sink_bytes(&x[w]);
    for (int i = 0; i < x[0].p->nbuilds; i++) {
        /* worker 0's table receives the others' rows, then its directory
        ** (a power of two at most half full: 16 to 32 bytes a row) and chains */
        bool spilled = false;
        uint64_t more = 0, rows = 0;
        for (int w = 0; w < nw; w++) {
            spilled |= x[w].bspill[i] != NULL;
            more += w ? vm_ht_bytes(x[w].builds[i]) : 0;
            rows += vm_ht_count(x[w].builds[i]);
        }
        more += vm_ht_index_bytes(rows);
        if (!spilled && !(o->memory_limit && held + more > o->memory_limit))
            continue;
        for (int w = 0; w < nw; w++) {
            tir_status st = vm_ht_count(x[w].builds[i]) || !x[w].bspill[i] ? spill_build(&x[w], o, i) : TIR_OK;
            if (!st && w && !vm_hspill_merge(x[0].bspill[i], x[w].bspill[i]))
                st = vm_x_fail(&x[0], TIR_ERR_NOMEM, x[0].p->builds[i].stmt->span, "out of memory");
            if (st) {
                if (w)
                    snprintf(x[0].err, x[0].errlen, "%s", x[w].err);
                return st;
            }
        }
    }
    return TIR_OK;
}

/* A hash table this pipeline was the last to probe is dead once its rows
** are in: its bytes go to the merge of spilled groups instead (a group-by
** after a join otherwise had to fit its result beside the join's table).
** Not when a sort or an emitted relation may still point into its strings. */
static void free_dead_tables(xpipe *x, int nw)
{
    const vm_pipe *p = x[0].p;
    if (p->nsorts || p->nemits)
        return;
    for (int ji = 0; ji < p->njoins; ji++) {
        const vm_join *jd = &p->joins[ji];
        int vi = jd->merge ? -1 : vm_plan_value_index(x[0].plan, jd->stmt->u.join.ht);
        if (vi < 0 || !x[0].values[vi].ht || x[0].plan->vals[vi].last_use != p->ir->order)
            continue;
        uint64_t b = vm_ht_bytes(x[0].values[vi].ht);
        vm_ht_free(x[0].values[vi].ht);
        x[0].values[vi].ht = NULL;
        for (int w = 0; w < nw; w++) {
            x[w].base_bytes -= b < x[w].base_bytes ? b : x[w].base_bytes;
            x[w].joins[ji].ht = NULL;
        }
    }
}

/* Group-bys that spilled (or whose merge would not fit) end here: every
** worker's state goes to the spill files and the partitions are merged one
** by one within what the limit leaves. */
static tir_status finish_groups(xpipe *x, int nw, const vm_run_opts *o, uint64_t *prof_spill)
{
    const vm_pipe *p = x[0].p;
    for (int i = 0; i < p->ngroups; i++)
        if (x[0].gspill[i]) {
            free_dead_tables(x, nw);
            break;
        }
    for (int i = 0; i < p->ngroups; i++) {
        if (!x[0].gspill[i])
            continue;
        vm_sink_group *gs[VM_MAX_WORKERS];
        uint64_t held = x[0].base_bytes;
        for (int w = 0; w < nw; w++) {
            gs[w] = &x[w].groups[i];
            held += vm_x_sink_bytes(&x[w]) - vm_sink_group_bytes(gs[w]);
        }
        uint64_t budget = !o->memory_limit ? 0 : o->memory_limit > held ? o->memory_limit - held : 1;
        const ir_stmt *stmt = p->groups[i].stmt;
        int si = vm_x_stmt_index(p, stmt);
        uint64_t t0 = now_ns();
        vm_spill_stats ss = {0};
        char msg[512] = "";
        stream_hand hand = {o, stmt, false};
        bool streamed = o->stream_rows && o->stream_stmt == stmt;
        tir_status st = vm_sink_group_finish_spilled(gs, nw, o->spill, budget, o->force_spill, o->pool,
                                                     o->threads > 1 ? o->threads : 1, streamed ? hand_to_stream : NULL,
                                                     &hand, &x[0].grouped[i], &ss, msg, sizeof msg);
        if (x[0].timing)
            x[0].stmt_ns[si] += now_ns() - t0;
        if (prof_spill) {
            prof_spill[(size_t)si * VM_SPILL_NSTAT + VM_SPILL_BYTES] += ss.bytes;
            prof_spill[(size_t)si * VM_SPILL_NSTAT + VM_SPILL_FILES] += ss.files;
            prof_spill[(size_t)si * VM_SPILL_NSTAT + VM_SPILL_PASSES] += ss.passes;
        }
        if (st == TIR_ERR_NOMEM && strncmp(msg, "its result alone", 16) == 0)
            return vm_x_fail(&x[0], st, stmt->span, "memory limit of %" PRIu64 " bytes exceeded in pipeline %s by %s = %s: %s",
                         o->memory_limit, p->ir->name.s, stmt->target.s, stmt->op.s, msg);
        if (st && hand.failed)
            return vm_x_fail(&x[0], st, stmt->span, "%s", msg);
        if (st)
            return vm_x_fail(&x[0], st, stmt->span, "%s = %s: %s", stmt->target.s, stmt->op.s,
                         msg[0] ? msg : "out of memory while merging spilled groups");
    }
    return TIR_OK;
}

tir_status vm_x_share_matched(xpipe *x, int nw)
{
    for (int ji = 0; ji < x[0].p->njoins; ji++) {
        const vm_join *jd = &x[0].p->joins[ji];
        if (jd->merge || !IR_JOIN_KEEPS_BUILD(jd->kind) || x[0].joins[ji].hs)
            continue;
        uint32_t n = vm_ht_count(x[0].joins[ji].ht);
        _Atomic uint8_t *m = calloc(n ? n : 1, 1);
        if (!m)
            return TIR_ERR_NOMEM;
        x[0].joins[ji].own_matched = true;
        for (int w = 0; w < nw; w++)
            x[w].joins[ji].matched = m;
    }
    return TIR_OK;
}

tir_status vm_x_join_misses(xpipe *x, const vm_run_opts *o, int ji, uint32_t from, uint32_t to)
{
    xjoin *j = &x->joins[ji];
    if (x->batch_heap.head) {
        vm_strheap_free(&x->batch_heap);
        vm_strheap_init(&x->batch_heap);
    }
    j->phase = XJ_BUILD_MISSES;
    j->tail_cur = from;
    j->tail_end = to;
    j->pending = false;
    tir_status st = vm_x_run_code(x, o, x->p->joins[ji].pc, x->p->joins[ji].end_pc);
    j->phase = XJ_PAIRS;
    j->pending = false;
    return st ? st : vm_x_check_memory(x, o);
}

/* The profile's spill counters of build_hash and spilled hash joins. */
static void note_join_spills(xpipe *x, int nw, uint64_t *prof_spill)
{
    const vm_pipe *p = x[0].p;
    for (int i = 0; i < p->nbuilds; i++) {
        const vm_hspill *hs = x[0].bspill[i];
        if (!hs)
            continue;
        uint64_t *c = prof_spill + (size_t)vm_x_stmt_index(p, p->builds[i].stmt) * VM_SPILL_NSTAT;
        c[VM_SPILL_BYTES] += hs->st.bytes;
        c[VM_SPILL_FILES] += hs->st.files;
        c[VM_SPILL_PASSES] += 1;
    }
    for (int i = 0; i < p->njoins; i++) {
        if (!x[0].joins[i].hs)
            continue;
        uint64_t *c = prof_spill + (size_t)vm_x_stmt_index(p, p->joins[i].stmt) * VM_SPILL_NSTAT;
        uint64_t passes = 0;
        for (int w = 0; w < nw; w++) {
            vm_spill_stats js = vm_jspill_stats(&x[w], i);
            c[VM_SPILL_BYTES] += js.bytes;
            c[VM_SPILL_FILES] += js.files;
            c[VM_SPILL_DROPPED] += js.dropped;
            passes = js.passes > passes ? js.passes : passes;
        }
        c[VM_SPILL_PASSES] += passes;
    }
}

static tir_status run_pipe(xpipe *tmpl, const vm_run_opts *o, uint64_t *prof_rows, uint64_t *prof_ns,
                           uint64_t *prof_scan, uint64_t *prof_spill)
{
    tmpl->timing = prof_ns != NULL;
    for (int k = 0; o && o->rows_total && k < tmpl->nsrcs; k++)
        atomic_fetch_add(o->rows_total, tmpl->srcs[k].rows);
    int nw = workers_for(tmpl, o);
    xpipe *x = calloc((size_t)nw, sizeof *x);
    if (!x)
        return TIR_ERR_NOMEM;
    xevict ev = {.nw = nw};
    pthread_mutex_init(&ev.mu, NULL);
    tmpl->ev = &ev;
    tir_status st = TIR_OK;
    int ready = 0;
    for (; ready < nw && !st; ready++) {
        x[ready] = *tmpl;
        x[ready].worker = ready;
        x[ready].nworkers = nw;
        st = vm_x_setup(&x[ready]);
    }
    if (!st)
        st = vm_rx_start(x, nw);
    if (!st)
        st = vm_x_share_matched(x, nw);
    if (!st && nw == 1) {
        tir_status wst;
        st = vm_x_run_all(&x[0], o);
        if (!st)
            st = vm_x_run_spilled_joins(x, 1, o, &wst);
        if (!st)
            st = vm_x_check_memory(&x[0], o);
        if (!st)
            vm_x_plan_group_spills(x, 1, o);
        if (!st)
            st = vm_x_plan_build_spills(x, 1, o);
    } else if (!st) {
        st = vm_run_parallel(x, nw, o);
    }
    /* the finishing steps count the tables evicted as gone */
    for (int w = 0; w < ready; w++)
        x[w].base_bytes -= atomic_load(&ev.freed);
    atomic_store(&ev.freed, 0);
    if (!st)
        st = finish_groups(x, nw, o, prof_spill);
    if (!st && prof_spill)
        note_join_spills(x, nw, prof_spill);
    if (!st)
        st = finish_sorts(x, nw, o, prof_spill);
    if (!st)
        st = vm_x_gather_emits(x, nw, o, prof_spill);
    if (!st)
        st = vm_x_publish(&x[0], o);
    for (int w = 0; w < ready && prof_rows && x[w].stmt_rows && x[w].stmt_ns; w++)
        for (int s = 0; s <= x[w].p->ir->n; s++) {
            prof_rows[s] += x[w].stmt_rows[s];
            if (prof_ns)
                prof_ns[s] += x[w].stmt_ns[s];
        }
    for (int w = 0; w < ready && prof_scan; w++)
        for (int k = 0; k < VM_SCAN_NSTAT; k++)
            prof_scan[k] += x[w].scan_stat[k];
    vm_rx_end(x, ready);
    for (int w = 0; w < ready; w++)
        vm_x_teardown(&x[w]);
    free(x);
    pthread_mutex_destroy(&ev.mu);
    tmpl->ev = NULL;
    return st;
}

void vm_value_free(vm_value *v)
{
    vm_table_free(v->rel);
    vm_ht_free(v->ht);
    vm_hspill_free(v->hs);
    v->hs = NULL;
    vm_relspill_free(v->rs);
    v->rs = NULL;
    vm_bloom_free(v->bf);
    v->rel = NULL;
    v->ht = NULL;
    v->bf = NULL;
}

/* write_table and delete finish here: their pipeline gathered the rows
** (or row numbers); the file is written or the deletions persisted once,
** and the statement's value becomes its one-row tuple. */
static tir_status finish_effects(const vm_pipe *p, const vm_plan *plan, vm_value *values, vm_source *tables,
                                 char *err, size_t errlen)
{
    for (int i = 0; i < p->ir->n; i++) {
        const ir_stmt *s = p->ir->stmts[i];
        if (s->kind != IR_OP_WRITE_TABLE && s->kind != IR_OP_DELETE)
            continue;
        int vi = vm_plan_value_index(plan, s);
        vm_table *rel = values[vi].rel;
        int64_t count = (int64_t)rel->nrows;
        tir_status st = TIR_OK;
        /* the tuple first: nothing may fail once the file has changed */
        vm_table *tuple = vm_sink_table_new(&s->out);
        vm_vec v = {TIR_I64, &count, NULL};
        if (!tuple || !vm_column_append(&tuple->cols[0], &v, NULL, 1, NULL)) {
            vm_table_free(tuple);
            return TIR_ERR_NOMEM;
        }
        tuple->nrows = 1;
        if (s->kind == IR_OP_WRITE_TABLE) {
            const ir_schema *in = &s->input->out;
            vm_store_colspec *spec = calloc((size_t)(in->n ? in->n : 1), sizeof *spec);
            if (!spec) {
                vm_table_free(tuple);
                return TIR_ERR_NOMEM;
            }
            for (int c = 0; c < in->n; c++) {
                const ir_coltype *ty = &in->cols[c].ty;
                /* a decimal or a timestamp is stored as its i64 (store.h) */
                spec[c] = (vm_store_colspec){in->cols[c].name.s, vm_phys(ty->type), ty->nullable, ty->unique,
                                             (uint8_t)ty->order, s->u.write.bloom && s->u.write.bloom[c],
                                             ty->prec, ty->scale, ty->type == TIR_TIMESTAMP};
            }
            st = vm_store_write(s->u.write.path, rel, spec, NULL, 0, err, errlen);
            free(spec);
        } else {
            const ir_table *t = s->u.del.scan->u.scan.table;
            st = vm_store_delete(tables[t->index].store, (const uint64_t *)rel->cols[0].data, rel->nrows, err, errlen);
        }
        if (st) {
            vm_table_free(tuple);
            return st;
        }
        vm_table_free(rel);
        values[vi].rel = tuple;
        values[vi].kind = IR_VK_TUPLE;
    }
    return TIR_OK;
}

/* Per scanned column, its column in the data by name (a native table's
** store, a registered table): declared columns may be a subset in any order. */
static int *columns_by_name(const vm_scanpart *sp, int n, int ncols, const char *(*name)(const void *, int),
                            const void *data)
{
    int *map = malloc(sizeof *map * (size_t)(n ? n : 1));
    for (int c = 0; map && c < n; c++) {
        const char *want = sp->table->schema.cols[sp->cols[c]].name.s;
        map[c] = 0;
        while (map[c] < ncols - 1 && strcmp(name(data, map[c]), want))
            map[c]++;
    }
    return map;
}

static const char *store_col_name(const void *s, int c)
{
    return vm_store_col(s, c)->name;
}

static const char *host_col_name(const void *h, int c)
{
    return ((const vm_hosttab *)h)->names[c];
}

/* Inputs a scan part makes: one per chunk of a registered table, else one. */
static int part_inputs(const vm_scanpart *sp)
{
    return sp->table && sp->table->host ? ((const vm_hosttab *)sp->table->host)->nchunks : 1;
}

/* Table t of the program, loaded on its first use by the run (or taken
** from the engine's cache through o->load). */
static tir_status load_source(const ir_table *t, vm_source *tables, const vm_run_opts *o,
                              const vm_source **out, uint64_t *table_bytes, uint64_t values_bytes, char *err,
                              size_t errlen)
{
    vm_source *src = &tables[t->index];
    tir_status st = TIR_OK;
    if (!src->mem && !src->store) {
        /* what the limit leaves beside the values and tables already held */
        uint64_t held = *table_bytes + values_bytes, limit = o ? o->memory_limit : 0;
        uint64_t budget = !limit ? 0 : limit > held ? limit - held : 1;
        st = o && o->load ? o->load(o->load_ctx, t, src, budget, err, errlen)
                          : vm_load_table(t, src, budget, err, errlen);
        *table_bytes += vm_table_bytes(src->mem);
    }
    *out = src;
    return st;
}

/* Input k of the pipeline's source: its table loaded (a native one's
** scanned columns found in the store), or another pipeline's relation in
** memory or on disk; a registered table fills one xsource per chunk. */
static tir_status open_source(const vm_scan *sc, int k, const vm_plan *plan, vm_value *values, vm_source *tables,
                              const vm_run_opts *o, xsource *out, uint64_t *table_bytes, uint64_t values_bytes,
                              char *err, size_t errlen)
{
    const vm_scanpart *sp = &sc->parts[k];
    out->cols = sp->cols;
    out->types = sp->types;
    if (!sp->table) {
        int vi = vm_plan_value_index(plan, sp->rel);
        out->mem = values[vi].rel;
        out->rs = values[vi].rs;
        return TIR_OK;
    }
    if (sp->table->host) {
        /* the host's memory: read in place, not counted against the limit */
        const vm_hosttab *h = sp->table->host;
        int *map = columns_by_name(sp, sc->ncols, h->ncols, host_col_name, h);
        if (!map)
            return TIR_ERR_NOMEM;
        for (int i = 0; i < h->nchunks; i++)
            out[i] = (xsource){.mem = &h->chunks[i], .cols = map, .types = sp->types, .own_cols = i == 0, .cont = i > 0};
        return TIR_OK;
    }
    const vm_source *src = NULL;
    tir_status st = load_source(sp->table, tables, o, &src, table_bytes, values_bytes, err, errlen);
    if (st)
        return st;
    out->mem = src->mem;
    if (src->store && !(out->cols = columns_by_name(sp, sc->ncols, vm_store_ncols(src->store), store_col_name,
                                                    src->store)))
        return TIR_ERR_NOMEM;
    out->own_cols = src->store != NULL;
    out->store = src->store;
    return TIR_OK;
}

static uint64_t value_bytes(const vm_value *v)
{
    return vm_table_bytes(v->rel) + (v->ht ? vm_ht_bytes(v->ht) : 0) + (v->hs ? vm_hspill_bytes(v->hs) : 0) +
           vm_bloom_bytes(v->bf);
}

/* Spilled build sides this pipeline probes: a filter of their keys is made
** for inner, semi and right joins, and their smallest partitions come back
** into memory when half of what the limit leaves holds them (not for
** right and full joins). */
static tir_status load_resident(const vm_pipe *p, const vm_plan *plan, vm_value *values, const vm_run_opts *o,
                                 uint64_t base, char *err, size_t errlen)
{
    for (int j = 0; o && o->spill && j < p->njoins; j++) {
        ir_joinkind kind = p->joins[j].kind;
        if (p->joins[j].merge || (IR_JOIN_KEEPS_BUILD(kind) && IR_JOIN_KEEPS_INPUT(kind)))
            continue;
        vm_value *v = &values[vm_plan_value_index(plan, p->joins[j].stmt->u.join.ht)];
        if (!v->hs || (!o->force_spill && (!o->memory_limit || o->memory_limit <= base)))
            continue;
        char msg[512] = "";
        uint64_t budget = o->force_spill || !o->memory_limit ? 0 : (o->memory_limit - base) / 2;
        tir_status st = TIR_OK;
        if (!IR_JOIN_KEEPS_INPUT(kind)) { /* probe rows its filter rules out are dropped, not set aside */
            st = vm_hspill_filter(v->hs, budget, msg, sizeof msg);
            uint64_t fb = vm_hspill_filter_bytes(v->hs);
            budget = budget > fb ? budget - fb : budget ? 1 : 0;
        }
        if (!st && !IR_JOIN_KEEPS_BUILD(kind)) /* joined from files (vm_x_setup) */
            st = vm_hspill_load(v->hs, budget, msg, sizeof msg);
        if (st) {
            const ir_stmt *s = p->joins[j].stmt;
            char at[512];
            ir_srcmap m = ir_prog_srcmap(plan->prog);
            ir_locate(at, sizeof at, &m, s->span);
            snprintf(err, errlen, "%s: error: %s = %s cannot read its hash table back: %s", at, s->target.s,
                     s->op.s, msg);
            return st;
        }
    }
    return TIR_OK;
}

/* The bytes of the hash tables pipeline p probes, counted again (read
** back in part, or given up for their files). Only p's: going over every
** value after every pipeline would make a plan of many pipelines
** quadratic. */
static void recount_probed(const vm_pipe *p, const vm_plan *plan, vm_value *values, uint64_t *held,
                           uint64_t *values_bytes)
{
    for (int j = 0; j < p->njoins; j++) {
        if (p->joins[j].merge)
            continue;
        int v = vm_plan_value_index(plan, p->joins[j].stmt->u.join.ht);
        if (v < 0 || values[v].kind != IR_VK_HASHTABLE)
            continue;
        uint64_t now = value_bytes(&values[v]);
        *values_bytes += now - held[v];
        held[v] = now;
    }
}

/* Relations that later pipelines scan go to disk when the values held
** between pipelines take more than half the memory limit (the next
** pipeline's own work needs the rest), largest first until they do not;
** under force_spill, every one. Outputs and a merge join's right side
** (read out of order) stay in memory. */
static tir_status spill_relations(const vm_plan *plan, const vm_run_opts *o, vm_value *values, uint64_t *held,
                                  const bool *keep, const int *slot, uint64_t *values_bytes, uint64_t table_bytes,
                                  char *err, size_t errlen)
{
    if (!o || !o->spill || (!o->force_spill && !o->memory_limit))
        return TIR_OK;
    for (;;) {
        /* checked first: scanning the values after every pipeline would
        ** make a plan of many pipelines quadratic */
        if (!o->force_spill && *values_bytes + table_bytes <= o->memory_limit / 2)
            return TIR_OK;
        int v = -1;
        for (int i = 0; i < plan->nvals; i++)
            if (!keep[i] && values[i].kind == IR_VK_RELATION && values[i].rel && values[i].rel->nrows &&
                values[i].rel->ncols <= VM_RELSPILL_MAXCOLS &&
                (v < 0 || held[i] > held[v]))
                v = i;
        if (v < 0)
            return TIR_OK;
        char msg[512] = "";
        vm_relspill *rs;
        tir_status st = vm_relspill_write(o->spill, values[v].rel, &rs, msg, sizeof msg);
        if (st) {
            const ir_stmt *s = plan->vals[v].stmt;
            char at[512];
            ir_srcmap m = ir_prog_srcmap(plan->prog);
            ir_locate(at, sizeof at, &m, s->span);
            snprintf(err, errlen, "%s: error: %s = %s cannot spill its relation: %s", at, s->target.s, s->op.s,
                     msg[0] ? msg : "out of memory");
            return st;
        }
        if (o->prof_spill && slot[v] >= 0)
            o->prof_spill[(size_t)slot[v] * VM_SPILL_NSTAT + VM_SPILL_REL] += vm_relspill_bytes(rs);
        vm_table_free(values[v].rel);
        values[v].rel = NULL;
        values[v].rs = rs;
        *values_bytes -= held[v];
        held[v] = 0;
    }
}

/* Relations that must stay in memory: outputs (handed to the caller as
** they are) and merge joins' right sides (read out of order). One pass
** over the plan: a plan may have tens of thousands of pipelines. */
static bool *relations_kept(const vm_plan *plan)
{
    bool *keep = calloc((size_t)(plan->nvals ? plan->nvals : 1), sizeof *keep);
    for (int v = 0; keep && v < plan->nvals; v++)
        keep[v] = plan->vals[v].last_use == INT32_MAX;
    for (int pi = 0; keep && pi < plan->npipes; pi++)
        for (int j = 0; j < plan->pipes[pi].njoins; j++) {
            const ir_stmt *mj = plan->pipes[pi].joins[j].stmt;
            if (plan->pipes[pi].joins[j].merge && !mj->u.mjoin.rtable)
                keep[vm_plan_value_index(plan, mj->u.mjoin.rstmt)] = true;
        }
    return keep;
}

/* The plan's values in order of their last use: after the pipeline of
** order k has run, the values up to the last whose last_use <= k are
** dropped. A counting sort keeps this linear in pipelines and values. */
static int *values_by_last_use(const vm_plan *plan)
{
    int np = plan->npipes, *count = calloc((size_t)np + 2, sizeof *count);
    int *order = malloc(sizeof *order * (size_t)(plan->nvals ? plan->nvals : 1));
    if (!count || !order) {
        free(count);
        free(order);
        return NULL;
    }
    /* bucket np + 1: outputs, never dropped during the run */
    for (int v = 0; v < plan->nvals; v++) {
        int u = plan->vals[v].last_use;
        count[(u >= np ? np : u < 0 ? 0 : u) + 1]++;
    }
    for (int b = 0; b <= np; b++)
        count[b + 1] += count[b];
    for (int v = 0; v < plan->nvals; v++) {
        int u = plan->vals[v].last_use;
        order[count[u >= np ? np : u < 0 ? 0 : u]++] = v;
    }
    free(count);
    return order;
}

tir_status vm_execute(const vm_plan *plan, const vm_run_opts *o, vm_value *values, char *err, size_t errlen)
{
    const ir_program *prog = plan->prog;
    vm_source *tables = calloc((size_t)(prog->ntables ? prog->ntables : 1), sizeof *tables);
    if (!tables)
        return TIR_ERR_NOMEM;
    int *drop_order = values_by_last_use(plan);
    uint64_t *held = calloc((size_t)(plan->nvals ? plan->nvals : 1), sizeof *held);
    bool *keep = relations_kept(plan);
    /* per value: its statement's place in the profile's counters */
    int *slot = malloc(sizeof *slot * (size_t)(plan->nvals ? plan->nvals : 1));
    if (!drop_order || !held || !keep || !slot) {
        free(drop_order);
        free(held);
        free(keep);
        free(slot);
        free(tables);
        return TIR_ERR_NOMEM;
    }
    for (int v = 0; v < plan->nvals; v++)
        slot[v] = -1;
    /* bytes held by the values and tables of earlier pipelines, kept as
    ** running totals so that a plan of many pipelines stays linear */
    uint64_t values_bytes = 0, table_bytes = 0;
    int ndropped = 0;
    tir_status st = TIR_OK;
    int stmt_base = 0;
    for (int pi = 0; pi < plan->npipes && !st; pi++) {
        const vm_pipe *p = &plan->pipes[pi];
        xpipe x = {.plan = plan, .p = p, .values = values, .cap = plan->batch, .err = err, .errlen = errlen,
                   .no_pruning = o && o->no_pruning, .params = o ? o->params : NULL, .rel_kept = keep,
                   .pool = o ? o->pool : NULL, .memory_limit = o ? o->memory_limit : 0};
        x.stream_e = -1;
        for (int i = 0; o && o->stream_stmt && i < p->nemits; i++)
            if (p->emits[i].stmt == o->stream_stmt) {
                x.stream_e = i;
                x.stream_rows = o->stream_rows;
                x.stream_ctx = o->stream_ctx;
            }
        xsource *srcs = NULL;
        vm_mjside **sides = calloc((size_t)(p->njoins ? p->njoins : 1), sizeof *sides);
        x.mjsides = sides;
        if (!sides) {
            st = TIR_ERR_NOMEM;
            break;
        }
        for (int j = 0; j < p->njoins && !st; j++) {
            const ir_stmt *mj = p->joins[j].stmt;
            if (!p->joins[j].merge)
                continue;
            const vm_source *src = NULL;
            if (mj->u.mjoin.rtable && mj->u.mjoin.rtable->host) { /* the checker knows no order of one */
                snprintf(err, errlen, "merge_join cannot read a registered table");
                st = TIR_ERR_RUNTIME;
            } else if (mj->u.mjoin.rtable &&
                !(st = load_source(mj->u.mjoin.rtable, tables, o, &src, &table_bytes, values_bytes, err, errlen)))
                st = vm_mj_side_open(mj, src->mem, src->store, &sides[j], err, errlen);
            else if (!mj->u.mjoin.rtable)
                st = vm_mj_side_open(mj, values[vm_plan_value_index(plan, mj->u.mjoin.rstmt)].rel, NULL, &sides[j],
                                     err, errlen);
        }
        int nin = 0;
        for (int k = 0; k < p->scan.nparts; k++)
            nin += part_inputs(&p->scan.parts[k]);
        if (!st && !(srcs = calloc((size_t)nin, sizeof *srcs)))
            st = TIR_ERR_NOMEM;
        for (int k = 0, at = 0; k < p->scan.nparts && !st; at += part_inputs(&p->scan.parts[k]), k++)
            st = open_source(&p->scan, k, plan, values, tables, o, &srcs[at], &table_bytes, values_bytes, err, errlen);
        if (!st) {
            vm_x_sources_index(srcs, nin);
            x.srcs = x.in = srcs;
            x.nsrcs = nin;
        }
        if (st || (st = load_resident(p, plan, values, o, values_bytes + table_bytes, err, errlen)))
            goto pipe_done;
        recount_probed(p, plan, values, held, &values_bytes); /* resident partitions were read back */
        x.base_bytes = values_bytes + table_bytes;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        st = run_pipe(&x, o, o && o->prof_rows ? o->prof_rows + stmt_base : NULL,
                      o && o->prof_ns ? o->prof_ns + stmt_base : NULL,
                      o && o->prof_scan ? o->prof_scan + (size_t)pi * VM_SCAN_NSTAT : NULL,
                      o && o->prof_spill ? o->prof_spill + (size_t)stmt_base * VM_SPILL_NSTAT : NULL);
        if (!st)
            st = finish_effects(p, plan, values, tables, err, errlen);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (o && o->prof_ms)
            o->prof_ms[pi] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    pipe_done:
        for (int k = 0; srcs && k < nin; k++)
            if (srcs[k].own_cols) /* its column map, made by open_source */
                free((int *)srcs[k].cols);
        free(srcs);
        for (int j = 0; j < p->njoins; j++)
            vm_mj_side_free(sides[j]);
        free(sides);
        if (st)
            break;
        stmt_base += p->ir->n + 1;
        recount_probed(p, plan, values, held, &values_bytes); /* hash tables given up for spill files */
        for (int i = 0; i < p->ir->n; i++) {
            int v = vm_plan_value_index(plan, p->ir->stmts[i]);
            if (v >= 0) {
                held[v] = value_bytes(&values[v]);
                values_bytes += held[v];
                slot[v] = stmt_base - (p->ir->n + 1) + i;
            }
        }
        /* values no later pipeline reads are dropped now (seed 002) */
        for (; ndropped < plan->nvals && plan->vals[drop_order[ndropped]].last_use <= p->ir->order; ndropped++) {
            int v = drop_order[ndropped];
            values_bytes -= held[v];
            held[v] = 0;
            vm_value_free(&values[v]);
        }
        st = spill_relations(plan, o, values, held, keep, slot, &values_bytes, table_bytes, err, errlen);
    }
    free(drop_order);
    free(held);
    free(keep);
    free(slot);
    for (int i = 0; i < prog->ntables && !(o && o->load); i++)
        vm_source_free(&tables[i]);
    free(tables);
    if (st) {
        if (st == TIR_ERR_NOMEM && !err[0])
            snprintf(err, errlen, "out of memory");
        for (int v = 0; v < plan->nvals; v++)
            vm_value_free(&values[v]);
    }
    return st;
}
