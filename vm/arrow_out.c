/*
** arrow_out.c — outputs handed to the host through the Arrow C Data and C
** Stream Interfaces (tir_arrow.h): a compiled program's output schemas,
** and a finished result's output as a stream of record batches. The
** stream owns the output's columns (moved out of the result), so it and
** its arrays outlive tir_result_free; fixed-width columns and validity
** bitmaps are handed out in place, bools, decimals (to decimal128) and
** strings re-encoded per batch.
** A live stream runs the program on a thread of its own and hands the
** output's rows over while they are made, through a short queue.
*/
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tir_arrow.h"
#include "arrow.h"

/* A column's Arrow format into buf (>= 16 bytes): decimal(p, s) is
** decimal128 "d:P,S" (a narrow one's values sign-extended to 16 bytes, a
** wide one's passed as they are); an interval is month_day_nano (its
** microseconds times 1000). dec = p << 8 | s. */
static const char *arrow_format(tir_type t, uint16_t dec, char *buf)
{
    static const char *const f[] = {"b", "i", "l", "g", "u", "tdD", "d", "tsu:", "d", "tin"};
    if (t == TIR_DECIMAL || t == TIR_DECIMAL128) {
        snprintf(buf, 16, "d:%d,%d", dec >> 8, dec & 255);
        return buf;
    }
    return (unsigned)t < TIR_NTYPES ? f[t] : "n";
}

/* ------------------------------------------------------------- schemas */

/* A child owns its name and format (one block); the parent owns the
** children's structs. */
static void release_child_schema(struct ArrowSchema *s)
{
    free(s->private_data);
    s->release = NULL;
}

typedef struct schema_priv {
    struct ArrowSchema *kids;
    struct ArrowSchema **ptrs;
} schema_priv;

static void release_schema(struct ArrowSchema *s)
{
    schema_priv *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++)
        if (p->kids[i].release)
            p->kids[i].release(&p->kids[i]);
    free(p->kids);
    free(p->ptrs);
    free(p);
    s->release = NULL;
}

/* A struct of n columns, as a record batch's schema; dec[i]: a decimal
** column's precision << 8 | scale. */
static tir_status make_schema(struct ArrowSchema *out, size_t n, const char *const *names, const tir_type *types,
                              const uint16_t *dec, const bool *nullable)
{
    memset(out, 0, sizeof *out);
    schema_priv *p = calloc(1, sizeof *p);
    if (p) {
        p->kids = calloc(n ? n : 1, sizeof *p->kids);
        p->ptrs = calloc(n ? n : 1, sizeof *p->ptrs);
    }
    if (!p || !p->kids || !p->ptrs) {
        if (p) {
            free(p->kids);
            free(p->ptrs);
        }
        free(p);
        return TIR_ERR_NOMEM;
    }
    *out = (struct ArrowSchema){.format = "+s", .name = "", .n_children = (int64_t)n, .children = p->ptrs,
                                .release = release_schema, .private_data = p};
    for (size_t i = 0; i < n; i++) {
        char fb[16];
        const char *f = arrow_format(types[i], dec[i], fb);
        size_t fl = strlen(f) + 1, nl = strlen(names[i]) + 1;
        char *block = malloc(fl + nl);
        if (!block) {
            out->n_children = (int64_t)i;
            release_schema(out);
            return TIR_ERR_NOMEM;
        }
        memcpy(block, f, fl);
        memcpy(block + fl, names[i], nl);
        p->kids[i] = (struct ArrowSchema){.format = block, .name = block + fl,
                                          .flags = nullable[i] ? ARROW_FLAG_NULLABLE : 0,
                                          .release = release_child_schema, .private_data = block};
        p->ptrs[i] = &p->kids[i];
    }
    return TIR_OK;
}

size_t tir_program_noutputs(const tir_program *p)
{
    const ir_program *ir = vm_program_ir(p);
    return ir ? (size_t)ir->noutputs : 0;
}

const char *tir_program_output_name(const tir_program *p, size_t out)
{
    const ir_program *ir = vm_program_ir(p);
    return ir && out < (size_t)ir->noutputs ? ir->outputs[out].name : NULL;
}

/* Columns of a schema as make_schema takes them; false when out of memory. */
typedef struct colset {
    const char **names;
    tir_type *types;
    uint16_t *dec;
    bool *nullable;
} colset;

static bool columns_of(size_t n, colset *cs)
{
    cs->names = calloc(n ? n : 1, sizeof *cs->names);
    cs->types = calloc(n ? n : 1, sizeof *cs->types);
    cs->dec = calloc(n ? n : 1, sizeof *cs->dec);
    cs->nullable = calloc(n ? n : 1, sizeof *cs->nullable);
    return cs->names && cs->types && cs->dec && cs->nullable;
}

static void free_columns(colset *cs)
{
    free(cs->names);
    free(cs->types);
    free(cs->dec);
    free(cs->nullable);
}

/* Column c of a checked schema into cs (its name borrowed). */
static void column_of(colset *cs, const ir_schema *s, int c)
{
    const ir_coltype *ty = &s->cols[c].ty;
    cs->names[c] = s->cols[c].name.s;
    cs->types[c] = ty->type;
    cs->dec[c] = ty->type == TIR_DECIMAL || ty->type == TIR_DECIMAL128 ? (uint16_t)(ty->prec << 8 | ty->scale) : 0;
    cs->nullable[c] = ty->nullable;
}

tir_status tir_program_output_arrow_schema(const tir_program *p, size_t out, struct ArrowSchema *schema)
{
    const ir_program *ir = vm_program_ir(p);
    if (!schema || !ir || out >= (size_t)ir->noutputs)
        return TIR_ERR_ARG;
    const ir_schema *s = &ir->outputs[out].stmt->out;
    colset cs;
    tir_status st = TIR_ERR_NOMEM;
    if (columns_of((size_t)s->n, &cs)) {
        for (int c = 0; c < s->n; c++)
            column_of(&cs, s, c);
        st = make_schema(schema, (size_t)s->n, cs.names, cs.types, cs.dec, cs.nullable);
    }
    free_columns(&cs);
    return st;
}

/* -------------------------------------------------------------- streams */

/* The output's rows, shared by the stream and every array it handed out. */
typedef struct exported {
    _Atomic int refs;
    vm_table *t;              /* moved out of the result */
    uint32_t batch;
    size_t nbatches;
    colset cs;                /* names are owned copies (NULL: a chunk of a live stream, whose stream has them) */
} exported;

static void unref(exported *x)
{
    if (atomic_fetch_sub(&x->refs, 1) != 1)
        return;
    for (int c = 0; x->cs.names && c < x->t->ncols; c++)
        free((char *)x->cs.names[c]);
    free_columns(&x->cs);
    vm_table_free(x->t);
    free(x);
}

/* A column of one batch: its buffers, some re-encoded here. */
typedef struct col_priv {
    exported *x;
    const void *bufs[3];
    void *own[2];
} col_priv;

static void release_col(struct ArrowArray *a)
{
    col_priv *p = a->private_data;
    free(p->own[0]);
    free(p->own[1]);
    unref(p->x);
    free(p);
    a->release = NULL;
}

typedef struct batch_priv {
    exported *x;
    const void *bufs[1];
    struct ArrowArray *kids;
    struct ArrowArray **ptrs;
} batch_priv;

static void release_batch(struct ArrowArray *a)
{
    batch_priv *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++)
        if (p->kids[i].release)
            p->kids[i].release(&p->kids[i]);
    free(p->kids);
    free(p->ptrs);
    unref(p->x);
    free(p);
    a->release = NULL;
}

static int64_t count_nulls(const uint64_t *v, uint32_t n)
{
    if (!v)
        return 0;
    int64_t valid = 0;
    for (uint32_t i = 0; i < n / 64; i++)
        valid += __builtin_popcountll(v[i]);
    if (n % 64)
        valid += __builtin_popcountll(v[n / 64] & ((UINT64_C(1) << (n % 64)) - 1));
    return (int64_t)n - valid;
}

/* Column c of batch b as an Arrow array; errno-style code (0 = done).
** dec: the column is a decimal. */
static int export_column(exported *x, size_t b, int c, bool dec, uint32_t n, struct ArrowArray *out, char *err,
                         size_t errlen)
{
    const vm_column *col = &x->t->cols[c];
    uint64_t first = (uint64_t)b * x->batch;
    col_priv *p = calloc(1, sizeof *p);
    if (!p)
        return ENOMEM;
    p->x = x;
    /* batches start at multiples of 64 rows: whole words of the bitmap */
    const uint64_t *valid = col->validity ? col->validity + first / 64 : NULL;
    p->bufs[0] = valid;
    int nbuf = 2;
    if (col->type == TIR_BOOL) {
        const uint8_t *v = (const uint8_t *)col->data + first;
        uint8_t *bits = calloc((n + 63) / 64, 8);
        if (!(p->own[0] = bits)) {
            free(p);
            return ENOMEM;
        }
        for (uint32_t i = 0; i < n; i++)
            bits[i >> 3] |= (uint8_t)((v[i] != 0) << (i & 7));
        p->bufs[1] = bits;
    } else if (col->type == TIR_STRING) {
        const tir_str *s = (const tir_str *)col->data + first;
        uint64_t bytes = 0;
        for (uint32_t i = 0; i < n; i++)
            bytes += s[i].len;
        if (bytes > INT32_MAX) {
            snprintf(err, errlen, "column %d of batch %zu holds %llu bytes of strings, over utf8's 2 GiB", c, b,
                     (unsigned long long)bytes);
            free(p);
            return EOVERFLOW;
        }
        int32_t *offs = malloc(sizeof *offs * ((size_t)n + 1));
        char *data = malloc(bytes ? bytes : 1);
        if (!offs || !data) {
            free(offs);
            free(data);
            free(p);
            return ENOMEM;
        }
        int32_t at = 0;
        for (uint32_t i = 0; i < n; i++) {
            offs[i] = at;
            memcpy(data + at, tir_str_ptr(&s[i]), s[i].len);
            at += (int32_t)s[i].len;
        }
        offs[n] = at;
        p->own[0] = offs;
        p->own[1] = data;
        p->bufs[1] = offs;
        p->bufs[2] = data;
        nbuf = 3;
    } else if (col->type == TIR_INTERVAL) {   /* month_day_nano: the microseconds as nanoseconds */
        const tir_interval *v = (const tir_interval *)col->data + first;
        tir_interval *d = malloc(sizeof *d * (n ? n : 1));
        if (!(p->own[0] = d)) {
            free(p);
            return ENOMEM;
        }
        for (uint32_t i = 0; i < n; i++) {
            d[i] = v[i];
            if (!vm_bit_get(valid, i))
                d[i] = (tir_interval){0, 0, 0};   /* whatever lies under a NULL */
            else if (__builtin_mul_overflow(v[i].micros, 1000, &d[i].micros)) {
                snprintf(err, errlen, "column %d of batch %zu, row %u: %lld microseconds do not fit Arrow's "
                         "nanoseconds (an i64)", c, b, i, (long long)v[i].micros);
                free(d);
                free(p);
                return EOVERFLOW;
            }
        }
        p->bufs[1] = d;
    } else if (dec) {   /* decimal128: each i64 sign-extended to 16 bytes, little-endian */
        const int64_t *v = (const int64_t *)col->data + first;
        int64_t *d = malloc(sizeof *d * 2 * (n ? n : 1));
        if (!(p->own[0] = d)) {
            free(p);
            return ENOMEM;
        }
        for (uint32_t i = 0; i < n; i++) {
            d[2 * i] = v[i];
            d[2 * i + 1] = v[i] >> 63;
        }
        p->bufs[1] = d;
    } else {
        p->bufs[1] = (const char *)col->data + first * vm_type_width(col->type);
    }
    atomic_fetch_add(&x->refs, 1);
    *out = (struct ArrowArray){.length = n, .null_count = count_nulls(valid, n), .n_buffers = nbuf,
                               .buffers = p->bufs, .release = release_col, .private_data = p};
    return 0;
}

typedef struct stream_priv {
    exported *x;
    size_t next;
    char err[256];
} stream_priv;

static int stream_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    stream_priv *p = s->private_data;
    const colset *cs = &p->x->cs;
    if (make_schema(out, (size_t)p->x->t->ncols, cs->names, cs->types, cs->dec, cs->nullable)) {
        snprintf(p->err, sizeof p->err, "out of memory");
        return ENOMEM;
    }
    return 0;
}

/* Batch b of x as a struct array of the columns cs describes; errno-style
** code (err says why). */
static int export_batch(exported *x, const colset *cs, size_t b, struct ArrowArray *out, char *err, size_t errlen)
{
    uint64_t left = x->t->nrows - (uint64_t)b * x->batch;
    uint32_t n = left < x->batch ? (uint32_t)left : x->batch;
    int ncols = x->t->ncols;
    batch_priv *bp = calloc(1, sizeof *bp);
    if (bp) {
        bp->kids = calloc((size_t)ncols + 1, sizeof *bp->kids);
        bp->ptrs = calloc((size_t)ncols + 1, sizeof *bp->ptrs);
    }
    if (!bp || !bp->kids || !bp->ptrs) {
        if (bp) {
            free(bp->kids);
            free(bp->ptrs);
        }
        free(bp);
        snprintf(err, errlen, "out of memory");
        return ENOMEM;
    }
    bp->x = x;
    atomic_fetch_add(&x->refs, 1);
    *out = (struct ArrowArray){.length = n, .n_buffers = 1, .buffers = bp->bufs, .n_children = 0,
                               .children = bp->ptrs, .release = release_batch, .private_data = bp};
    for (int c = 0; c < ncols; c++) {
        int rc = export_column(x, b, c, cs->types[c] == TIR_DECIMAL, n, &bp->kids[c], err, errlen);
        if (rc) {
            if (rc == ENOMEM)
                snprintf(err, errlen, "out of memory");
            release_batch(out);
            return rc;
        }
        bp->ptrs[c] = &bp->kids[c];
        out->n_children = c + 1;
    }
    return 0;
}

static int stream_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    stream_priv *p = s->private_data;
    memset(out, 0, sizeof *out);
    if (p->next >= p->x->nbatches)
        return 0;   /* the end: out->release stays NULL */
    int rc = export_batch(p->x, &p->x->cs, p->next, out, p->err, sizeof p->err);
    p->next += !rc;
    return rc;
}

static const char *stream_error(struct ArrowArrayStream *s)
{
    stream_priv *p = s->private_data;
    return p->err[0] ? p->err : NULL;
}

static void stream_release(struct ArrowArrayStream *s)
{
    stream_priv *p = s->private_data;
    unref(p->x);
    free(p);
    s->release = NULL;
}

tir_status tir_result_arrow_stream(tir_result *r, size_t out, struct ArrowArrayStream *stream)
{
    if (!r || !stream || out >= tir_result_noutputs(r))
        return TIR_ERR_ARG;
    memset(stream, 0, sizeof *stream);
    size_t n = tir_result_ncols(r, out);
    exported *x = calloc(1, sizeof *x);
    stream_priv *sp = calloc(1, sizeof *sp);
    bool ok = x && sp && columns_of(n, &x->cs);
    for (size_t c = 0; ok && c < n; c++) {
        int prec, scale;
        x->cs.types[c] = tir_result_col_type(r, out, c);
        if (tir_result_col_decimal(r, out, c, &prec, &scale))
            x->cs.dec[c] = (uint16_t)(prec << 8 | scale);
        x->cs.nullable[c] = tir_result_col_nullable(r, out, c);
        ok = (x->cs.names[c] = strdup(tir_result_col_name(r, out, c))) != NULL;
    }
    if (ok)   /* last: nothing fails after the rows have left the result */
        ok = (x->t = vm_result_take_output(r, out, &x->batch)) != NULL;
    if (!ok) {
        for (size_t c = 0; x && x->cs.names && c < n; c++)
            free((char *)x->cs.names[c]);
        if (x)
            free_columns(&x->cs);
        free(x);
        free(sp);
        return TIR_ERR_NOMEM;
    }
    atomic_init(&x->refs, 1);
    x->nbatches = (size_t)((x->t->nrows + x->batch - 1) / x->batch);
    sp->x = x;
    *stream = (struct ArrowArrayStream){.get_schema = stream_schema, .get_next = stream_next,
                                        .get_last_error = stream_error, .release = stream_release,
                                        .private_data = sp};
    return TIR_OK;
}

/* ----------------------------------------------------------- live streams */

/* Chunks the run may get ahead of the host: it waits when this many wait. */
enum { LIVE_QUEUE = 4 };

typedef struct live {
    tir_program *p;
    size_t out;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* the queue changed, or the run ended, or the host left */
    exported *q[LIVE_QUEUE];
    int head, count;
    bool done;                /* the run ended (status st) and queued what it had */
    tir_status st;
    atomic_int cancel;        /* the run's own flag: the host released the stream */
    exported *cur;            /* the chunk the host is reading, batch next */
    size_t next;
    int ncols;
    colset cs;                /* names owned */
    char err[1024];
} live;

/* Rows as a chunk of a live stream, in batches of `batch`; t is taken. */
static exported *chunk_of(vm_table *t, uint32_t batch)
{
    exported *x = calloc(1, sizeof *x);
    if (!x) {
        vm_table_free(t);
        return NULL;
    }
    atomic_init(&x->refs, 1);
    x->t = t;
    x->batch = batch ? batch : 1;
    x->nbatches = (size_t)((t->nrows + x->batch - 1) / x->batch);
    return x;
}

/* Waits for room in the queue; false when the host released the stream. */
static bool live_push(live *l, exported *x)
{
    pthread_mutex_lock(&l->mu);
    while (l->count == LIVE_QUEUE && !atomic_load(&l->cancel))
        pthread_cond_wait(&l->cv, &l->mu);
    bool ok = !atomic_load(&l->cancel);
    if (ok) {
        l->q[(l->head + l->count++) % LIVE_QUEUE] = x;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    if (!ok)
        unref(x);
    return ok;
}

/* Called by the run (its thread) with each table of rows the output made. */
static tir_status live_rows(void *ctx, vm_table *t)
{
    live *l = ctx;
    exported *x = chunk_of(t, (uint32_t)(t->nrows ? t->nrows : 1));
    if (!x)
        return TIR_ERR_NOMEM;
    return live_push(l, x) ? TIR_OK : TIR_ERR_CANCELLED;
}

static void *live_main(void *arg)
{
    live *l = arg;
    tir_result *r = NULL;
    tir_status st = vm_run_streamed(l->p, l->out, live_rows, l, &l->cancel, &r);
    if (st) {
        snprintf(l->err, sizeof l->err, "%s", tir_program_errmsg(l->p));
    } else {
        /* what the run did not hand over: a sink's whole output, the last rows of an emitted one */
        uint32_t batch = 0;
        vm_table *rest = vm_result_take_output(r, l->out, &batch);
        exported *x = rest ? chunk_of(rest, batch) : NULL;
        if (!x) {
            st = TIR_ERR_NOMEM;
            snprintf(l->err, sizeof l->err, "out of memory");
        } else if (!live_push(l, x)) {
            st = TIR_ERR_CANCELLED;
        }
    }
    tir_result_free(r);
    pthread_mutex_lock(&l->mu);
    l->done = true;
    l->st = st;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static int live_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    live *l = s->private_data;
    if (!make_schema(out, (size_t)l->ncols, l->cs.names, l->cs.types, l->cs.dec, l->cs.nullable))
        return 0;
    snprintf(l->err, sizeof l->err, "out of memory");
    return ENOMEM;
}

static int live_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    live *l = s->private_data;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (l->cur && l->next < l->cur->nbatches)
            break;
        if (l->cur) {
            unref(l->cur);
            l->cur = NULL;
        }
        if (l->count) {
            l->cur = l->q[l->head];
            l->head = (l->head + 1) % LIVE_QUEUE;
            l->count--;
            l->next = 0;
            pthread_cond_broadcast(&l->cv);
            continue;
        }
        if (l->done)
            break;
        pthread_cond_wait(&l->cv, &l->mu);
    }
    tir_status st = l->st;
    pthread_mutex_unlock(&l->mu);
    if (!l->cur)   /* the end, or the run failed */
        return st ? (st == TIR_ERR_NOMEM ? ENOMEM : EIO) : 0;
    int rc = export_batch(l->cur, &l->cs, l->next, out, l->err, sizeof l->err);
    l->next += !rc;
    return rc;
}

static const char *live_error(struct ArrowArrayStream *s)
{
    live *l = s->private_data;
    return l->err[0] ? l->err : NULL;
}

static void live_free(live *l)
{
    for (int c = 0; l->cs.names && c < l->ncols; c++)
        free((char *)l->cs.names[c]);
    free_columns(&l->cs);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static void live_release(struct ArrowArrayStream *s)
{
    live *l = s->private_data;
    pthread_mutex_lock(&l->mu);
    atomic_store(&l->cancel, 1);   /* the run stops at its next batch, or handover */
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    vm_program_drop(l->p);   /* frees it (and its engine) when the host freed it already */
    if (l->cur)
        unref(l->cur);
    for (int i = 0; i < l->count; i++)
        unref(l->q[(l->head + i) % LIVE_QUEUE]);
    live_free(l);
    s->release = NULL;
}

/* Failures before the run starts leave their message with the engine. */
static tir_status live_nomem(tir_program *p)
{
    vm_engine_set_error(vm_program_engine(p), "out of memory (starting a live stream)");
    return TIR_ERR_NOMEM;
}

tir_status tir_run_arrow_stream(tir_program *p, size_t out, struct ArrowArrayStream *stream)
{
    const ir_program *ir = vm_program_ir(p);
    if (!stream)
        return TIR_ERR_ARG;
    memset(stream, 0, sizeof *stream);
    if (!p)
        return TIR_ERR_ARG;
    if (!ir) {
        vm_engine_set_error(vm_program_engine(p), "the program did not compile");
        return TIR_ERR_COMPILE;
    }
    if (out >= (size_t)ir->noutputs)
        return TIR_ERR_ARG;
    const ir_schema *sc = &ir->outputs[out].stmt->out;
    live *l = calloc(1, sizeof *l);
    if (!l)
        return live_nomem(p);
    if (pthread_mutex_init(&l->mu, NULL)) {
        free(l);
        return live_nomem(p);
    }
    if (pthread_cond_init(&l->cv, NULL)) {
        pthread_mutex_destroy(&l->mu);
        free(l);
        return live_nomem(p);
    }
    l->p = p;
    l->out = out;
    l->ncols = sc->n;
    bool ok = columns_of((size_t)sc->n, &l->cs);
    for (int c = 0; ok && c < sc->n; c++) {
        column_of(&l->cs, sc, c);
        ok = (l->cs.names[c] = strdup(sc->cols[c].name.s)) != NULL;
    }
    if (!ok) {
        live_free(l);
        return live_nomem(p);
    }
    /* entered and held here, not on the run's thread: from now on a bind
    ** or run fails, and the program outlives tir_program_free, whatever
    ** the run's thread has done yet */
    tir_status st = vm_run_enter(p);
    if (st) {
        live_free(l);
        return st;
    }
    vm_program_hold(p);
    if (pthread_create(&l->thread, NULL, live_main, l)) {
        vm_run_abandon(p);
        vm_program_drop(p);
        live_free(l);
        return live_nomem(p);
    }
    *stream = (struct ArrowArrayStream){.get_schema = live_schema, .get_next = live_next,
                                        .get_last_error = live_error, .release = live_release,
                                        .private_data = l};
    return TIR_OK;
}
