/*
** relspill.c — relations held on disk between pipelines (see relspill.h).
*/
#include <stdlib.h>

#include "relspill.h"
#include "sinks.h"

void vm_relspill_cols(const vm_table *t, uint64_t first, vm_spcol *cols)
{
    for (int c = 0; c < t->ncols; c++) {
        const vm_column *col = &t->cols[c];
        cols[c] = (vm_spcol){(uint8_t)vm_type_width(col->type), col->type == TIR_STRING,
                             (const char *)col->data + first * vm_type_width(col->type),
                             col->validity ? col->validity + first / 64 : NULL};
    }
}

/* Rows [first, first + n) of t as the relation's next chunk. */
static tir_status write_chunk(vm_relspill *r, const vm_table *t, uint64_t first, uint32_t n, char *err,
                              size_t errlen)
{
    vm_spcol cols[VM_RELSPILL_MAXCOLS];
    if (t->ncols > VM_RELSPILL_MAXCOLS)
        return TIR_ERR_ARG;
    vm_relspill_cols(t, first, cols);
    if (r->nchunks == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 16;
        uint64_t *at = realloc(r->at, sizeof *at * cap);
        if (!at)
            return TIR_ERR_NOMEM;
        r->at = at;
        r->cap = cap;
    }
    r->at[r->nchunks] = vm_spill_file_bytes(r->f);
    tir_status st = vm_spill_write(r->f, cols, t->ncols, NULL, n, err, errlen);
    if (!st) {
        r->nchunks++;
        r->nrows += n;
    }
    return st;
}

static tir_status relspill_new(vm_spill *sp, int ncols, vm_relspill **out, char *err, size_t errlen)
{
    vm_relspill *r = calloc(1, sizeof *r);
    if (!r)
        return TIR_ERR_NOMEM;
    r->ncols = ncols;
    tir_status st = vm_spill_create(sp, &r->f, err, errlen);
    if (st) {
        free(r);
        return st;
    }
    *out = r;
    return TIR_OK;
}

tir_status vm_relspill_write(vm_spill *sp, const vm_table *t, vm_relspill **out, char *err, size_t errlen)
{
    *out = NULL;
    vm_relspill *r = NULL;
    tir_status st = relspill_new(sp, t->ncols, &r, err, errlen);
    for (uint64_t first = 0; !st && first < t->nrows; first += VM_MORSEL_ROWS)
        st = write_chunk(r, t, first,
                         t->nrows - first < VM_MORSEL_ROWS ? (uint32_t)(t->nrows - first) : VM_MORSEL_ROWS, err,
                         errlen);
    if (st) {
        vm_relspill_free(r);
        return st;
    }
    *out = r;
    return TIR_OK;
}

tir_status vm_relspill_read(const vm_relspill *r, uint32_t k, vm_spchunk *c, char *err, size_t errlen)
{
    uint64_t pos = r->at[k];
    return vm_spill_read_at(r->f, &pos, c, err, errlen);
}

uint64_t vm_relspill_bytes(const vm_relspill *r)
{
    return r ? vm_spill_file_bytes(r->f) : 0;
}

void vm_relspill_free(vm_relspill *r)
{
    if (!r)
        return;
    vm_spill_close(r->f);
    free(r->at);
    free(r);
}

/* ------------------------------------------------------------- writer */

struct vm_relwriter {
    vm_relspill *r;
    const ir_schema *schema;
    vm_table *stage;          /* the next chunk's rows */
};

tir_status vm_relwriter_new(vm_spill *sp, const ir_schema *schema, vm_relwriter **out, char *err, size_t errlen)
{
    vm_relwriter *w = calloc(1, sizeof *w);
    if (!w || !(w->stage = vm_sink_table_new(schema))) {
        free(w);
        return TIR_ERR_NOMEM;
    }
    w->schema = schema;
    tir_status st = relspill_new(sp, w->stage->ncols, &w->r, err, errlen);
    if (st) {
        vm_table_free(w->stage);
        free(w);
        return st;
    }
    *out = w;
    return TIR_OK;
}

static tir_status flush_stage(vm_relwriter *w, char *err, size_t errlen)
{
    tir_status st = write_chunk(w->r, w->stage, 0, (uint32_t)w->stage->nrows, err, errlen);
    vm_table_free(w->stage);
    w->stage = st ? NULL : vm_sink_table_new(w->schema);
    return st ? st : w->stage ? TIR_OK : TIR_ERR_NOMEM;
}

tir_status vm_relwriter_add(vm_relwriter *w, const vm_vec *cols, const uint32_t *idx, uint32_t n, char *err,
                            size_t errlen)
{
    while (n) {
        uint32_t room = VM_MORSEL_ROWS - (uint32_t)w->stage->nrows, k = n < room ? n : room;
        for (int c = 0; c < w->stage->ncols; c++)
            if (!vm_column_append(&w->stage->cols[c], &cols[c], idx, k, &w->stage->heap))
                return TIR_ERR_NOMEM;
        w->stage->nrows += k;
        idx += k;
        n -= k;
        if (w->stage->nrows == VM_MORSEL_ROWS) {
            tir_status st = flush_stage(w, err, errlen);
            if (st)
                return st;
        }
    }
    return TIR_OK;
}

tir_status vm_relwriter_finish(vm_relwriter *w, vm_relspill **out, char *err, size_t errlen)
{
    tir_status st = w->stage->nrows ? flush_stage(w, err, errlen) : TIR_OK;
    if (!st) {
        *out = w->r;
        w->r = NULL;
    }
    vm_relwriter_free(w);
    return st;
}

size_t vm_relwriter_bytes(const vm_relwriter *w)
{
    return w ? vm_table_bytes(w->stage) : 0;
}

void vm_relwriter_free(vm_relwriter *w)
{
    if (!w)
        return;
    vm_relspill_free(w->r);
    vm_table_free(w->stage);
    free(w);
}
