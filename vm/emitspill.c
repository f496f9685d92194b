/*
** emitspill.c — an emitted relation that a later pipeline reads, written
** to disk while it is made when holding it would break the memory limit.
**
** At a batch boundary over the limit a worker appends its emitted rows to
** a spill file of its own and starts again empty; each worker's rows stay
** in the order it made them (its file, then what it still holds). When the
** pipeline ends they are gathered into one relation on disk (relspill.h)
** in morsel order, as merge_emits orders rows in memory, so the relation
** is the same whether or not it spilled.
*/
#include <stdlib.h>

#include "xpipe.h"

uint64_t vm_x_emitted(const xpipe *x, int e)
{
    return x->eflushed[e] + x->emits[e]->nrows;
}

uint64_t vm_x_emit_spillable_bytes(const xpipe *x)
{
    uint64_t n = 0;
    for (int e = 0; e < x->p->nemits; e++)
        if (x->espillable[e])
            n += vm_table_bytes(x->emits[e]);
    return n;
}

/* Columns grow by doubling: the bytes the next batch may add at once. */
uint64_t vm_x_emit_growth(const xpipe *x)
{
    uint64_t n = 0;
    for (int e = 0; e < x->p->nemits; e++) {
        const vm_table *t = x->emits[e];
        for (int c = 0; x->espillable[e] && c < t->ncols; c++) {
            if (t->cols[c].len + x->cap > t->cols[c].cap)
                n += vm_column_bytes(&t->cols[c]) + (uint64_t)x->cap * vm_type_width(t->cols[c].type);
            if (t->cols[c].type == TIR_STRING)
                n += VM_STRCHUNK;
        }
    }
    return n;
}

bool vm_x_emit_spilled(const xpipe *x, int nw, int e)
{
    for (int w = 0; w < nw; w++)
        if (x[w].eflushed[e])
            return true;
    return false;
}

tir_status vm_x_flush_emits(xpipe *x, const vm_run_opts *o)
{
    for (int e = 0; e < x->p->nemits; e++) {
        vm_table *t = x->emits[e];
        if (!x->espillable[e] || !t->nrows)
            continue;
        char msg[512] = "";
        vm_spcol cols[VM_RELSPILL_MAXCOLS];
        tir_status st = x->espill[e] ? TIR_OK : vm_spill_create(o->spill, &x->espill[e], msg, sizeof msg);
        /* chunks of at most a morsel's rows: each is read back whole */
        for (uint64_t first = 0; !st && first < t->nrows; first += VM_MORSEL_ROWS) {
            vm_relspill_cols(t, first, cols);
            st = vm_spill_write(x->espill[e], cols, t->ncols, NULL,
                                t->nrows - first < VM_MORSEL_ROWS ? (uint32_t)(t->nrows - first) : VM_MORSEL_ROWS,
                                msg, sizeof msg);
        }
        vm_table *empty = st ? NULL : vm_sink_table_new(x->p->emits[e].schema);
        if (!st && !empty)
            st = TIR_ERR_NOMEM;
        if (st) {
            const ir_stmt *s = x->p->emits[e].stmt;
            return vm_x_fail(x, st, s->span, "%s = %s cannot spill its rows: %s", s->target.s, s->op.s,
                             msg[0] ? msg : "out of memory");
        }
        x->eflushed[e] += t->nrows;
        vm_table_free(t);
        x->emits[e] = empty;
    }
    return TIR_OK;
}

/* One worker's rows of one emit, read in the order it made them. */
typedef struct estream {
    const xpipe *x;
    int e;
    vm_spill_file *f;         /* NULL once its chunks are read */
    vm_spchunk c;
    uint32_t at;              /* next row of c */
    uint64_t memat;           /* next row of x->emits[e] once f is done */
} estream;

/* Moves the next n rows of s to w. */
static tir_status pull(estream *s, uint64_t n, vm_relwriter *w, uint32_t *idx, char *err, size_t errlen)
{
    const ir_schema *sc = s->x->p->emits[s->e].schema;
    vm_vec v[VM_RELSPILL_MAXCOLS];
    while (n) {
        uint64_t avail, from;
        if (s->f) {
            if (s->at == s->c.n) {
                tir_status st = vm_spill_read(s->f, &s->c, err, errlen);
                if (st)
                    return st;
                s->at = 0;
                if (!s->c.n) {
                    s->f = NULL;
                    continue;
                }
            }
            for (int c = 0; c < sc->n; c++)
                v[c] = (vm_vec){vm_phys(sc->cols[c].ty.type), (void *)s->c.cols[c].data, (uint64_t *)s->c.cols[c].validity};
            from = s->at;
            avail = s->c.n - s->at;
        } else {
            const vm_table *t = s->x->emits[s->e];
            for (int c = 0; c < sc->n; c++)
                v[c] = (vm_vec){t->cols[c].type, t->cols[c].data, t->cols[c].validity};
            from = s->memat;
            avail = t->nrows - s->memat;
            if (!avail)
                return TIR_ERR_RUNTIME; /* the morsels' counts and the rows disagree: a bug */
        }
        uint32_t k = (uint32_t)(n < avail ? n : avail);
        k = k < VM_MORSEL_ROWS ? k : VM_MORSEL_ROWS;
        for (uint32_t i = 0; i < k; i++)
            idx[i] = (uint32_t)(from + i);
        tir_status st = vm_relwriter_add(w, v, idx, k, err, errlen);
        if (st)
            return st;
        if (s->f)
            s->at += k;
        else
            s->memat += k;
        n -= k;
    }
    return TIR_OK;
}

typedef struct erec {
    uint64_t m;
    int w;
    uint64_t n;
} erec;

static int erec_cmp(const void *a, const void *b)
{
    const erec *x = a, *y = b;
    return (x->m > y->m) - (x->m < y->m);
}

/* Emit e's rows of every worker into one relation on disk: one worker's in
** the order it made them, several workers' in morsel order. */
static tir_status gather(xpipe *x, int nw, int e, vm_spill *sp, vm_relspill **out, char *err, size_t errlen)
{
    int ne = x[0].p->nemits;
    size_t nrec = 0;
    for (int w = 0; nw > 1 && w < nw; w++)
        nrec += x[w].nmorsels;
    erec *recs = malloc(sizeof *recs * (nrec ? nrec : 1));
    uint32_t *idx = malloc(sizeof *idx * VM_MORSEL_ROWS);
    estream s[VM_MAX_WORKERS];
    vm_relwriter *wr = NULL;
    tir_status st = recs && idx ? vm_relwriter_new(sp, x[0].p->emits[e].schema, &wr, err, errlen) : TIR_ERR_NOMEM;
    for (int w = 0; w < nw; w++) {
        s[w] = (estream){.x = &x[w], .e = e, .f = x[w].espill[e]};
        vm_spchunk_init(&s[w].c);
        if (s[w].f)
            vm_spill_rewind(s[w].f);
    }
    size_t r = 0;
    for (int w = 0; nw > 1 && w < nw; w++)
        for (size_t k = 0; k < x[w].nmorsels; k++)
            recs[r++] = (erec){x[w].morsels[k * (size_t)(1 + ne)], w, x[w].morsels[k * (size_t)(1 + ne) + 1 + e]};
    if (!st && nw == 1)
        st = pull(&s[0], vm_x_emitted(&x[0], e), wr, idx, err, errlen);
    if (!st && nw > 1) {
        qsort(recs, nrec, sizeof *recs, erec_cmp);
        for (size_t k = 0; k < nrec && !st; k++)
            st = pull(&s[recs[k].w], recs[k].n, wr, idx, err, errlen);
    }
    for (int w = 0; w < nw; w++)
        vm_spchunk_free(&s[w].c);
    free(recs);
    free(idx);
    if (st) {
        vm_relwriter_free(wr);
        return st;
    }
    return vm_relwriter_finish(wr, out, err, errlen);
}

tir_status vm_x_gather_emits(xpipe *x, int nw, const vm_run_opts *o, uint64_t *prof_spill)
{
    for (int e = 0; e < x[0].p->nemits; e++) {
        if (!vm_x_emit_spilled(x, nw, e))
            continue;
        char msg[512] = "";
        tir_status st = gather(x, nw, e, o->spill, &x[0].erel[e], msg, sizeof msg);
        const ir_stmt *s = x[0].p->emits[e].stmt;
        if (st)
            return vm_x_fail(&x[0], st, s->span, "%s = %s cannot spill its rows: %s", s->target.s, s->op.s,
                             msg[0] ? msg : st == TIR_ERR_RUNTIME ? "rows lost" : "out of memory");
        uint64_t *c = prof_spill ? prof_spill + (size_t)vm_x_stmt_index(x[0].p, s) * VM_SPILL_NSTAT : NULL;
        for (int w = 0; w < nw; w++) { /* read back: their blocks go back to the disk */
            if (c && x[w].espill[e]) {
                c[VM_SPILL_BYTES] += vm_spill_file_bytes(x[w].espill[e]);
                c[VM_SPILL_FILES]++;
            }
            vm_spill_close(x[w].espill[e]);
            x[w].espill[e] = NULL;
        }
        if (c) {
            c[VM_SPILL_PASSES]++;
            c[VM_SPILL_REL] += vm_relspill_bytes(x[0].erel[e]);
        }
    }
    return TIR_OK;
}
