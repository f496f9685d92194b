/*
** hosttab.c — registered tables: their chunks and owned buffers, reference
** counts, the engine's registry by name, and what the checker learns of a
** registered table when a program names it.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosttab.h"
#include "decimal.h"

bool vm_grow(void *pv, size_t n, size_t *cap, size_t elem)
{
    void **v = pv;
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : 8;
    void *q = realloc(*v, elem * c);
    if (!q)
        return false;
    *v = q;
    *cap = c;
    return true;
}

vm_hosttab *vm_hosttab_new(int ncols, const char *const *names, const tir_type *types, const char *const *formats)
{
    vm_hosttab *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    atomic_init(&t->refs, 1);
    size_t n = (size_t)(ncols ? ncols : 1);
    t->names = calloc(n, sizeof *t->names);
    t->types = calloc(n, sizeof *t->types);
    t->nullable = calloc(n, sizeof *t->nullable);
    t->formats = calloc(n, sizeof *t->formats);
    bool ok = t->names && t->types && t->nullable && t->formats;
    t->ncols = ok ? ncols : 0;
    for (int c = 0; ok && c < ncols; c++) {
        t->names[c] = strdup(names[c]);
        t->formats[c] = strdup(formats[c]);
        t->types[c] = types[c];
        ok = t->names[c] && t->formats[c];
    }
    if (!ok) {
        vm_hosttab_unref(t);
        return NULL;
    }
    return t;
}

vm_table *vm_hosttab_add_chunk(vm_hosttab *t, uint64_t rows)
{
    if (!vm_grow(&t->chunks, (size_t)t->nchunks, &t->capchunks, sizeof *t->chunks))
        return NULL;
    vm_column *cols = calloc((size_t)(t->ncols ? t->ncols : 1), sizeof *cols);
    if (!cols)
        return NULL;
    vm_table *ch = &t->chunks[t->nchunks++];
    *ch = (vm_table){.ncols = t->ncols, .names = t->names, .types = t->types, .cols = cols, .nrows = rows};
    for (int c = 0; c < t->ncols; c++)
        cols[c] = (vm_column){.type = t->types[c], .len = rows, .cap = rows};
    t->nrows += rows;
    return ch;
}

void *vm_hosttab_alloc(vm_hosttab *t, size_t bytes)
{
    bytes = (bytes + 15) / 16 * 16;
    if (t->nowned && t->slab_used + bytes <= t->owned[t->nowned - 1].bytes) {
        void *p = (char *)t->owned[t->nowned - 1].p + t->slab_used;
        t->slab_used += bytes;
        return p;
    }
    if (!vm_grow(&t->owned, t->nowned, &t->capowned, sizeof *t->owned))
        return NULL;
    /* slabs double from 64 KiB: a small table does not hold 8 MiB */
    size_t slab = t->nowned ? 2 * t->owned[t->nowned - 1].bytes : 64 << 10;
    slab = slab > VM_HOST_SLAB ? VM_HOST_SLAB : slab;
    slab = bytes > slab ? bytes : slab;
    void *p = vm_big_realloc(NULL, 0, slab);
    if (!p)
        return NULL;
    t->owned[t->nowned++] = (vm_hostbuf){p, slab};
    t->slab_used = bytes;
    return p;
}

void vm_hosttab_ref(vm_hosttab *t)
{
    atomic_fetch_add(&t->refs, 1);
}

void vm_hosttab_unref(vm_hosttab *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    if (t->release)
        t->release(t->release_ctx);
    for (int i = 0; i < t->nchunks; i++)
        free(t->chunks[i].cols);
    for (size_t i = 0; i < t->nowned; i++)
        vm_big_free(t->owned[i].p, t->owned[i].bytes);
    for (int c = 0; c < t->ncols; c++) {
        free(t->names[c]);
        free((char *)t->formats[c]);
    }
    free(t->chunks);
    free(t->owned);
    free(t->names);
    free(t->types);
    free(t->nullable);
    free(t->formats);
    free(t);
}

/* ------------------------------------------------------------- registry */

typedef struct hostentry {
    char *name;
    vm_hosttab *t;
} hostentry;

struct vm_hostreg {
    pthread_mutex_t mu;
    hostentry *v;
    size_t n, cap;
};

vm_hostreg *vm_hostreg_new(void)
{
    vm_hostreg *r = calloc(1, sizeof *r);
    if (r && pthread_mutex_init(&r->mu, NULL)) {
        free(r);
        return NULL;
    }
    return r;
}

void vm_hostreg_free(vm_hostreg *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].name);
        vm_hosttab_unref(r->v[i].t);
    }
    free(r->v);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static int find(const vm_hostreg *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].name, name))
            return (int)i;
    return -1;
}

bool vm_hostreg_put(vm_hostreg *r, const char *name, vm_hosttab *t)
{
    char *nm = strdup(name);
    vm_hosttab *old = NULL;
    bool ok = nm != NULL;
    pthread_mutex_lock(&r->mu);
    int i = ok ? find(r, name) : -1;
    if (ok && i < 0)
        ok = vm_grow(&r->v, r->n, &r->cap, sizeof *r->v);
    if (ok && i >= 0) {
        old = r->v[i].t;
        r->v[i].t = t;
    } else if (ok) {
        r->v[r->n++] = (hostentry){nm, t};
        nm = NULL;
    }
    pthread_mutex_unlock(&r->mu);
    free(nm);
    /* the release callbacks run outside the lock: they are the host's code */
    vm_hosttab_unref(ok ? old : t);
    return ok;
}

bool vm_hostreg_drop(vm_hostreg *r, const char *name)
{
    hostentry gone = {0};
    pthread_mutex_lock(&r->mu);
    int i = find(r, name);
    if (i >= 0) {
        gone = r->v[i];
        r->v[i] = r->v[--r->n];
    }
    pthread_mutex_unlock(&r->mu);
    free(gone.name);
    vm_hosttab_unref(gone.t);
    return i >= 0;
}

/* -------------------------------------------------- what programs hold */

void vm_hostrefs_free(vm_hostrefs *h)
{
    for (size_t i = 0; i < h->n; i++)
        vm_hosttab_unref(h->v[i]);
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

bool vm_host_resolve(void *ctx, ir_arena *a, const char *name, ir_schema *out, void **handle, char *err,
                     size_t errlen)
{
    vm_hostrefs *h = ctx;
    if (!vm_grow(&h->v, h->n, &h->cap, sizeof *h->v)) {
        a->nomem = true;
        snprintf(err, errlen, "out of memory");
        return false;
    }
    vm_hosttab *t = NULL;
    if (h->reg) {
        pthread_mutex_lock(&h->reg->mu);
        int i = find(h->reg, name);
        if (i >= 0) {
            t = h->reg->v[i].t;
            vm_hosttab_ref(t);
        }
        pthread_mutex_unlock(&h->reg->mu);
    }
    if (!t) {
        snprintf(err, errlen, "no table is registered as \"%s\" (tir_engine_register_arrow)", name);
        return false;
    }
    h->v[h->n++] = t;
    out->n = t->ncols;
    out->cols = IR_NEWN(a, ir_column, t->ncols ? t->ncols : 1);
    for (int c = 0; out->cols && c < t->ncols; c++) {
        out->cols[c].ty = (ir_coltype){.type = t->types[c], .nullable = t->nullable[c]};
        int prec, scale;
        if (vm_arrow_timestamp(t->formats[c]))
            out->cols[c].ty.type = TIR_TIMESTAMP;
        if (vm_arrow_decimal(t->formats[c], &prec, &scale))
            out->cols[c].ty = (ir_coltype){.type = VM_DEC_TYPE(prec), .nullable = t->nullable[c], .prec = (uint8_t)prec,
                                           .scale = (uint8_t)scale};
        if (!(out->cols[c].name.s = ir_strndup(a, t->names[c], strlen(t->names[c]))))
            break;
    }
    if (a->nomem || !out->cols) {
        a->nomem = true;
        snprintf(err, errlen, "out of memory");
        return false;
    }
    *handle = t;
    return true;
}
