/*
** scan.c — a pipeline's source: batches of an in-memory table (read in
** place), or of a native table file block by block; union_all reads its
** inputs one after the other, morsels numbered across them, widening
** narrower numbers as they are read. Before a block is read its
** statistics are tested against the scan's ranges (:minmaxes, the simple
** predicates of the filter that follows) and its bloom filters against the
** scan's bloom filters; a block that cannot hold a wanted row is skipped
** whole. Deleted rows leave the batch through the live selection.
*/
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "xpipe.h"

/* A registered table arrives in the host's chunks (DuckDB hands out 2048
** rows): one morsel each would cost a claim, a lookup and a record per
** batch, and the workers would take turns over neighbouring chunks. Small
** chunks of one table run together as a morsel of up to VM_MORSEL_ROWS. */
uint64_t vm_x_sources_index(xsource *s, int n)
{
    uint64_t rows = 0, m = 0, grouped = 0;
    int open = -1;     /* the input leading the last morsel, while small chunks may join it */
    for (int k = 0; k < n; k++) {
        s[k].rows = s[k].store ? vm_store_nrows(s[k].store) : s[k].rs ? s[k].rs->nrows : s[k].mem->nrows;
        s[k].morsel_rows = s[k].store ? vm_store_block_rows(s[k].store) : VM_MORSEL_ROWS;
        s[k].lead = k;
        rows += s[k].rows;
        if (s[k].cont && open >= 0 && grouped + s[k].rows <= VM_MORSEL_ROWS) {
            s[k].lead = open;
            s[k].first_morsel = s[open].first_morsel;
            grouped += s[k].rows;
            continue;
        }
        s[k].first_morsel = m;
        m += (s[k].rows + s[k].morsel_rows - 1) / s[k].morsel_rows;
        bool small = s[k].rows && s[k].rows < VM_MORSEL_ROWS && !s[k].store && !s[k].rs;
        open = small ? k : -1;
        grouped = small ? s[k].rows : 0;
    }
    return rows;
}

uint64_t vm_x_nmorsels(const xpipe *x)
{
    const xsource *last = &x->srcs[x->nsrcs - 1];
    if (last->lead != x->nsrcs - 1)
        return last->first_morsel + 1;
    return last->first_morsel + (last->rows + last->morsel_rows - 1) / last->morsel_rows;
}

/* Reading another input: the block and chunk loaded were the last one's. */
static void read_source(xpipe *x, const xsource *in)
{
    if (x->in == in)
        return;
    x->in = in;
    x->blk_first = UINT64_MAX;
    x->rchunk_loaded = false;
}

tir_status vm_x_run_morsel(xpipe *x, const vm_run_opts *o, uint64_t m)
{
    /* the last input whose first morsel is at or before m (empty inputs have none) */
    int lo = 0, hi = x->nsrcs - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (x->srcs[mid].first_morsel <= m)
            lo = mid;
        else
            hi = mid - 1;
    }
    int k = x->srcs[lo].lead;
    const xsource *in = &x->srcs[k];
    read_source(x, in);
    uint64_t from = (m - in->first_morsel) * in->morsel_rows;
    uint64_t to = from + in->morsel_rows < in->rows ? from + in->morsel_rows : in->rows;
    tir_status st = vm_x_run_range(x, o, from, to);
    for (k++; !st && k < x->nsrcs && x->srcs[k].lead != k; k++) {
        read_source(x, &x->srcs[k]);
        st = vm_x_run_range(x, o, 0, x->srcs[k].rows);
    }
    return st;
}

tir_status vm_x_run_all(xpipe *x, const vm_run_opts *o)
{
    for (int k = 0; k < x->nsrcs; k++) {
        read_source(x, &x->srcs[k]);
        tir_status st = vm_x_run_range(x, o, 0, x->in->rows);
        if (st)
            return st;
    }
    return TIR_OK;
}

/* Binds register reg to n values of type t at data: in place, or widened
** into the register's own buffer when t is a narrower number (an input of
** union_all). */
static void bind(xpipe *x, int reg, tir_type t, const void *data, const uint64_t *validity, uint32_t n)
{
    vm_vec *v = &x->r[reg];
    v->validity = (uint64_t *)validity;
    if (t == v->type) {
        v->data = (void *)data;
        return;
    }
    if (t == TIR_I32 && v->type == TIR_I64)
        k_cast_i32_i64(data, NULL, n, x->rbuf[reg]);
    else if (t == TIR_I32)
        k_cast_i32_f64(data, NULL, n, x->rbuf[reg]);
    else
        k_cast_i64_f64(data, NULL, n, x->rbuf[reg]);
    v->data = x->rbuf[reg];
}

static void scan_native(xpipe *x, const vm_scan *sc, uint64_t off, uint32_t n)
{
    uint32_t at = (uint32_t)(off - x->blk_first);
    for (int c = 0; c < sc->ncols; c++) {
        const vm_store_chunk *ch = &x->chunks[c];
        int reg = sc->regs[c];
        /* batches start at multiples of the batch size inside a block: whole bitmap words */
        const uint64_t *valid = ch->validity ? (const uint64_t *)ch->validity + at / 64 : NULL;
        if (ch->type == TIR_STRING && vm_store_dict_size(ch)) {
            vm_store_strings_dict(ch, x->dicts[c], at, n, x->rbuf[reg]);
            bind(x, reg, TIR_STRING, x->rbuf[reg], valid, n);
        } else if (ch->type == TIR_STRING) {
            vm_store_strings(ch, at, n, x->rbuf[reg]);
            bind(x, reg, TIR_STRING, x->rbuf[reg], valid, n);
        } else {
            bind(x, reg, ch->type, (const char *)ch->data + (size_t)at * vm_type_width(ch->type), valid, n);
        }
    }
    xsel *live = &x->s[sc->live_sel];
    live->n = n;
    live->dense = true;
    const uint64_t *del = vm_store_deleted(x->in->store);
    if (!del)
        return;
    const uint64_t *w = del + off / 64;
    uint64_t any = 0;
    for (uint32_t i = 0; i < (n + 63) / 64; i++)
        any |= w[i];
    if (!any)
        return;
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        live->idx[m] = i;
        m += !((w[i >> 6] >> (i & 63)) & 1);
    }
    live->n = m;
    live->dense = false;
}

void vm_x_scan(xpipe *x)
{
    const vm_scan *sc = &x->p->scan;
    const xsource *in = x->in;
    uint64_t off = x->src_off;
    uint64_t left = x->src_end - off;
    uint32_t n = left < x->cap ? (uint32_t)left : x->cap;
    if (in->store) {
        scan_native(x, sc, off, n);
    } else if (in->rs) {
        uint64_t at = off - x->rchunk_first;
        for (int c = 0; c < sc->ncols; c++) {
            const vm_spcol *col = &x->rchunk.cols[in->cols[c]];
            bind(x, sc->regs[c], in->types[c], (const char *)col->data + at * col->width,
                 col->validity ? (const uint64_t *)col->validity + at / 64 : NULL, n);
        }
    } else {
        for (int c = 0; c < sc->ncols; c++) {
            const vm_column *col = &in->mem->cols[in->cols[c]];
            bind(x, sc->regs[c], col->type, (const char *)col->data + off * vm_type_width(col->type),
                 col->validity ? col->validity + off / 64 : NULL, n);
        }
    }
    /* a union of native tables and other inputs: these rows are all live */
    if (!in->store && sc->live_sel >= 0) {
        x->s[sc->live_sel].n = n;
        x->s[sc->live_sel].dense = true;
    }
    x->f[0].n = n;
    x->src_off += n;
}

static int cmp_str(const tir_str *a, const tir_str *b)
{
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(tir_str_ptr(a), tir_str_ptr(b), n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* <0, 0, >0 as the statistic v compares with the constant k; 2 = unordered (NaN). */
static int cmp_stat(tir_type t, const vm_store_val *v, const vm_const *k)
{
    switch (t) {
    case TIR_F64:
        if (k->f != k->f)
            return 2;
        return (v->f > k->f) - (v->f < k->f);
    case TIR_STRING: return cmp_str(&v->s, &k->s);
    case TIR_DECIMAL128: return (v->w > k->w) - (v->w < k->w);
    case TIR_INTERVAL: {   /* the statistic is the k_iv_key of one */
        __int128 kk = k_iv_key((tir_interval){k->months, k->days, k->i});
        return (v->w > kk) - (v->w < kk);
    }
    default: return (v->i > k->i) - (v->i < k->i);
    }
}

/* Which counter a skipped block goes to, or -1 when the block must be read. */
static int block_verdict(xpipe *x, uint32_t b)
{
    const vm_scan *sc = &x->p->scan;
    uint32_t len = vm_store_block_len(x->in->store, b);
    for (int i = 0; i < sc->nprunes; i++) {
        const vm_prune *pr = &sc->prunes[i];
        const vm_const *lo = pr->lo >= 0 ? &x->k[pr->lo] : NULL, *hi = pr->hi >= 0 ? &x->k[pr->hi] : NULL;
        /* a NULL bound (e.g. min() of no rows) keeps no row */
        if ((lo && lo->is_null) || (hi && hi->is_null))
            return VM_SCAN_SKIP_MINMAX;
        int c = x->in->cols[pr->col];
        const vm_store_stat *st = vm_store_block_stat(x->in->store, b, c);
        tir_type t = vm_store_col(x->in->store, c)->type;
        if (!st->has_min) {
            if (st->nulls >= len)
                return VM_SCAN_SKIP_MINMAX;
            continue;
        }
        int r;
        if (lo && st->has_max && (r = cmp_stat(t, &st->max, lo)) < 0)
            return VM_SCAN_SKIP_MINMAX;
        if (hi && (r = cmp_stat(t, &st->min, hi)) > 0 && r != 2)
            return VM_SCAN_SKIP_MINMAX;
    }
    for (int i = 0; i < sc->nblooms; i++) {
        const vm_bloom *bf = x->bloomuse[i];
        if (bf->nkeys == 0)
            return VM_SCAN_SKIP_BLOOM;
        int c = x->in->cols[sc->blooms[i].col];
        if (!vm_store_col(x->in->store, c)->bloom || !bf->hashes)
            continue;
        bool hit = false;
        for (uint32_t h = 0; h < bf->nhashes && !hit; h++)
            hit = vm_store_bloom_may_contain(x->in->store, b, c, bf->hashes[h]);
        if (!hit)
            return VM_SCAN_SKIP_BLOOM;
    }
    return -1;
}

static tir_status load_block(xpipe *x, uint32_t b)
{
    const vm_scan *sc = &x->p->scan;
    for (int c = 0; c < sc->ncols; c++) {
        tir_status st = vm_store_chunk_get(x->in->store, b, x->in->cols[c], &x->chunks[c], x->err, x->errlen);
        if (st)
            return st;
        x->scan_stat[VM_SCAN_BYTES] += x->chunks[c].file_bytes;
        /* a dictionary is decoded once per block, then rows are gathered from it */
        uint32_t nd = vm_store_dict_size(&x->chunks[c]);
        if (nd > x->dict_cap[c]) {
            tir_str *d = realloc(x->dicts[c], sizeof *d * nd);
            if (!d)
                return TIR_ERR_NOMEM;
            x->reg_bytes += sizeof *d * (nd - x->dict_cap[c]);
            x->dicts[c] = d;
            x->dict_cap[c] = nd;
        }
        if (nd)
            vm_store_dict_values(&x->chunks[c], x->dicts[c]);
    }
    x->blk_first = vm_store_block_first(x->in->store, b);
    return TIR_OK;
}

/* Native tables: morsels are whole blocks, so each block is judged once. */
/* A relation on disk: chunk by chunk (a morsel is one chunk; one worker
** runs the whole source as one range). */
static tir_status run_spilled_relation(xpipe *x, const vm_run_opts *o, uint64_t from, uint64_t to)
{
    while (from < to) {
        uint32_t k = (uint32_t)(from / VM_MORSEL_ROWS);
        uint64_t first = (uint64_t)k * VM_MORSEL_ROWS, end = first + VM_MORSEL_ROWS;
        if (!x->rchunk_loaded || x->rchunk_first != first) {
            char msg[512] = "";
            tir_status st = vm_relspill_read(x->in->rs, k, &x->rchunk, msg, sizeof msg);
            x->rchunk_loaded = st == TIR_OK;
            x->rchunk_first = first;
            if (st)
                return vm_x_fail(x, st, x->p->scan.stmt->span, "%s = %s cannot read its relation back: %s",
                                 x->p->scan.stmt->target.s, x->p->scan.stmt->op.s, msg[0] ? msg : "out of memory");
        }
        end = end < to ? end : to;
        tir_status st = vm_x_run_batches(x, o, from, end);
        if (st)
            return st;
        from = end;
    }
    return TIR_OK;
}

tir_status vm_x_run_range(xpipe *x, const vm_run_opts *o, uint64_t from, uint64_t to)
{
    vm_store *store = x->in->store;
    if (x->in->rs)
        return run_spilled_relation(x, o, from, to);
    if (!store)
        return vm_x_run_batches(x, o, from, to);
    uint64_t br = vm_store_block_rows(store);
    while (from < to) {
        uint32_t b = (uint32_t)(from / br);
        uint64_t first = vm_store_block_first(store, b);
        uint64_t end = first + vm_store_block_len(store, b);
        if (end > to)
            end = to;
        if (from == first) {
            x->scan_stat[VM_SCAN_BLOCKS]++;
            int why = x->no_pruning ? -1 : block_verdict(x, b);
            if (why >= 0) {
                x->scan_stat[why]++;
                if (o && o->rows_done)
                    atomic_fetch_add(o->rows_done, end - from);
                from = end;
                continue;
            }
        }
        if (from == first || x->blk_first != first) {
            tir_status st = load_block(x, b);
            if (st)
                return st;
        }
        tir_status st = vm_x_run_batches(x, o, from, end);
        if (st)
            return st;
        from = end;
    }
    return TIR_OK;
}
