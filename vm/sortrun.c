/*
** sortrun.c — the external merge sort behind a sort or window over the
** memory limit (sort.h): a sink's rows written out as a sorted run, and
** the runs merged back, a chunk of each at a time, into longer runs and at
** last into the result.
**
** A run is a spill file whose chunks hold, per row: the entry's key words
** (one 8-byte column per word, the bytes as in memory), the row's sequence
** (16 bytes: morsel, row within the morsel) and the sink's columns; beside
** it, in memory, where each chunk starts and its first row's key bytes. The
** merge keeps one chunk of each run read back, rebuilds its entries (key
** words and a locator run << 48 | row, so that long strings tied on their
** prefix are compared in full from the chunk), and takes the least head
** with a loser tree: key bytes, full strings, then the sequence. Since the
** sequence is unique and the in-memory sort stable, the rows come out in
** the in-memory order whatever the runs, passes and threads were.
**
** The last merge is split over the threads by key: splitters taken from
** the chunks' first keys cut every run into ranges (a row goes by its key
** bytes up to the first string key's, so rows equal on them stay
** together), thread t merges the t-th range of every run, and its rows go
** to the result where the rows before its range end.
*/
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "sortcmp.h"

/* Most runs merged at once (each holds a file open and a chunk in
** memory), and at once when forced (testing: several passes). */
enum { MAX_FANIN = 256, FORCED_FANIN = 4 };
/* The last merge is split over threads from this many rows, in at most
** MAX_SPLIT ranges. */
enum { SPLIT_MIN = 1 << 16, MAX_SPLIT = 16 };

typedef struct seqno {
    uint64_t morsel, ord;
} seqno;

static int key_words(const vm_sortdef *def)
{
    return (int)((def->key_bytes + 7) / 8);
}

/* Rows of a chunk: about VM_SORT_CHUNK_BYTES, a multiple of 64. */
static uint32_t chunk_rows(const vm_sortdef *def)
{
    uint64_t row = 8 * (uint64_t)key_words(def) + sizeof(seqno);
    for (int c = 0; c < def->ncols; c++)
        row += vm_type_width(def->types[c]);
    uint64_t r = VM_SORT_CHUNK_BYTES / row / 64 * 64;
    return r < 64 ? 64 : r > 65536 ? 65536 : (uint32_t)r;
}

void vm_sortfile_close(vm_sortfile *rf)
{
    vm_spill_close(rf->f);
    free(rf->coff);
    free(rf->crow);
    free(rf->ckey);
    memset(rf, 0, sizeof *rf);
}

/* ------------------------------------------------------- writing a run */

/* One chunk being put together: key words, sequences and sink columns. */
typedef struct stage {
    int nk, ncols;
    uint32_t cap;
    uint64_t *keys;           /* nk arrays of cap words, one after the other */
    seqno *seq;
    vm_column *cols;
    vm_spcol *sp;             /* nk + 1 + ncols */
} stage;

static void stage_free(stage *st)
{
    for (int c = 0; st->cols && c < st->ncols; c++)
        vm_column_free(&st->cols[c]);
    free(st->cols);
    free(st->keys);
    free(st->seq);
    free(st->sp);
    memset(st, 0, sizeof *st);
}

static bool stage_init(stage *st, const vm_sortdef *def)
{
    memset(st, 0, sizeof *st);
    st->nk = key_words(def);
    st->ncols = def->ncols;
    st->cap = chunk_rows(def);
    st->keys = malloc(sizeof *st->keys * st->cap * (size_t)(st->nk ? st->nk : 1));
    st->seq = malloc(sizeof *st->seq * st->cap);
    st->cols = calloc((size_t)(st->ncols ? st->ncols : 1), sizeof *st->cols);
    st->sp = malloc(sizeof *st->sp * (size_t)(st->nk + 1 + st->ncols));
    if (!st->keys || !st->seq || !st->cols || !st->sp || !vm_sort_columns_new(def, st->ncols, st->cap, st->cols)) {
        stage_free(st);
        return false;
    }
    for (int w = 0; w < st->nk; w++)
        st->sp[w] = (vm_spcol){8, false, st->keys + (size_t)w * st->cap, NULL};
    st->sp[st->nk] = (vm_spcol){sizeof(seqno), false, st->seq, NULL};
    for (int c = 0; c < st->ncols; c++)
        st->sp[st->nk + 1 + c] = (vm_spcol){(uint8_t)vm_type_width(def->types[c]), def->types[c] == TIR_STRING,
                                            st->cols[c].data, st->cols[c].validity};
    return true;
}

/* Writes the stage's first n rows (n > 0) to run rf as one chunk, and
** notes where it starts and its first key. */
static tir_status stage_write(stage *st, vm_sortfile *rf, uint32_t n, char *err, size_t errlen)
{
    if (rf->nchunks == rf->capchunks) {
        size_t cap = rf->capchunks ? 2 * rf->capchunks : 64;
        uint64_t *coff = realloc(rf->coff, sizeof *coff * cap);
        if (coff)
            rf->coff = coff;
        uint64_t *crow = realloc(rf->crow, sizeof *crow * cap);
        if (crow)
            rf->crow = crow;
        uint64_t *ckey = realloc(rf->ckey, sizeof *ckey * cap * (size_t)(st->nk ? st->nk : 1));
        if (ckey)
            rf->ckey = ckey;
        if (!coff || !crow || !ckey)
            return TIR_ERR_NOMEM;
        rf->capchunks = cap;
    }
    uint64_t before = vm_spill_file_bytes(rf->f);
    tir_status s = vm_spill_write(rf->f, st->sp, st->nk + 1 + st->ncols, NULL, n, err, errlen);
    if (s)
        return s;
    rf->coff[rf->nchunks] = before;
    rf->crow[rf->nchunks] = rf->rows;
    for (int w = 0; w < st->nk; w++)
        rf->ckey[rf->nchunks * (size_t)st->nk + (size_t)w] = st->keys[(size_t)w * st->cap];
    rf->nchunks++;
    uint64_t bytes = vm_spill_file_bytes(rf->f) - before;
    if (bytes > rf->chunk_bytes)
        rf->chunk_bytes = bytes;
    if (n > rf->chunk_rows)
        rf->chunk_rows = n;
    rf->rows += n;
    return TIR_OK;
}

/* The sink's morsel runs of entries (vm_sortrun) holding rows p << 10 for
** every p: the run of a row is found a step or two from there. */
static uint32_t *page_runs(const vm_sink_sort *s)
{
    uint64_t npages = (s->n >> 10) + 1;
    uint32_t *pr = malloc(sizeof *pr * npages);
    uint32_t k = 0;
    for (uint64_t p = 0; pr && p < npages; p++) {
        while (k + 1 < s->nruns && s->runs[k + 1].start <= p << 10)
            k++;
        pr[p] = k;
    }
    return pr;
}

/* The sequence of the sink's row r: its morsel's run of entries holds it. */
static seqno row_seq(const vm_sink_sort *s, const uint32_t *pr, uint64_t r)
{
    size_t k = pr[r >> 10];
    while (k + 1 < s->nruns && s->runs[k + 1].start <= r)
        k++;
    return (seqno){s->runs[k].morsel, s->runs[k].ord + (r - s->runs[k].start)};
}

/* Appends a run to the list (*files, *n, *cap). */
static bool add_file(vm_sortfile **files, size_t *n, size_t *cap, vm_sortfile rf)
{
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        vm_sortfile *p = realloc(*files, sizeof *p * nc);
        if (!p)
            return false;
        *files = p;
        *cap = nc;
    }
    (*files)[(*n)++] = rf;
    return true;
}

tir_status vm_sink_sort_spill(vm_sink_sort *s, vm_spill *sp, int nthreads, char *err, size_t errlen)
{
    const vm_sortdef *def = s->def;
    if (!s->n)
        return TIR_OK;
    size_t e = def->entry_bytes;
    uint64_t n = s->n;
    stage st;
    uint8_t *g = NULL;
    vm_sortfile rf = {0};
    if (s->nfiles == s->capfiles) {
        if (!add_file(&s->files, &s->nfiles, &s->capfiles, rf))
            return TIR_ERR_NOMEM;
        s->nfiles--;   /* room made: the run is added once written */
    }
    uint32_t *pr = page_runs(s);
    if (!pr || !stage_init(&st, def)) {
        free(pr);
        return TIR_ERR_NOMEM;
    }
    tir_status status = (g = vm_sink_sort_order(s, nthreads)) ? TIR_OK : TIR_ERR_NOMEM;
    if (!status)
        status = vm_spill_create(sp, &rf.f, err, errlen);
    for (uint64_t lo = 0; !status && lo < n; lo += st.cap) {
        uint32_t m = (uint32_t)(n - lo < st.cap ? n - lo : st.cap);
        const uint8_t *ge = g + lo * e;
        for (uint32_t i = 0; i < m; i++) {
            const uint8_t *p = ge + i * e;
            for (int w = 0; w < st.nk; w++)
                st.keys[(size_t)w * st.cap + i] = vm_rd64(p + 8 * w);
            st.seq[i] = row_seq(s, pr, vm_rd64(p + e - 8) & VM_SORT_LOC_ROW);
        }
        vm_sink_sort_gather(s, ge, m, st.cols);
        status = stage_write(&st, &rf, m, err, errlen);
    }
    vm_big_free(g, n * e);
    stage_free(&st);
    free(pr);
    if (status) {
        vm_sortfile_close(&rf);
        return status;
    }
    s->files[s->nfiles++] = rf;
    s->spst.files++;
    s->spst.bytes += vm_spill_file_bytes(rf.f);
    vm_sink_sort_clear(s);
    return TIR_OK;
}

/* -------------------------------------------------------------- merging */

/* Rows of a run to merge: `left` rows from row `skip` of the chunk at byte
** `next` of the file on. */
typedef struct range {
    uint64_t next, skip, left;
} range;

/* One run being merged: its current chunk, that chunk's entries, and the
** rows [pos, end) of it still to take. */
typedef struct mrun {
    const vm_sortfile *rf;
    range rg;                 /* what is left after this chunk */
    vm_spchunk c;
    uint8_t *ent;
    size_t entcap;
    uint32_t pos, end;
    uint64_t k0;              /* the head's first 8 key bytes, big-endian: most matches end there */
    bool done;
} mrun;

/* A plain sort that is a streamed output: the last merge runs on one
** thread into columns of HAND_CHUNKS chunks' rows, and each time they are
** full the rows leave as a table (hand); only those are held. */
enum { HAND_CHUNKS = 8 };

typedef struct handout {
    const vm_sortdef *def;
    uint32_t cap;             /* rows the columns hold */
    vm_rows_hand hand;
    void *ctx;
} handout;

/* Where merged rows go: a run (stage and file) or the result (columns from
** row `at`, long strings into heap; for a window, the rows that start a
** partition or a group of peers, found by comparing each row with the one
** before it in the columns: oc orders by every key, pc by the partition's). */
typedef struct msink {
    stage *st;
    vm_sortfile *rf;
    vm_column *cols;
    int ncols;
    vm_strheap *heap;
    bool shared;              /* other threads write other rows of cols: bitmap words are shared */
    uint64_t at;
    uint8_t *part, *peer;
    int npart;
    vm_sortctx oc, pc;
    uint8_t *prev, *cur;      /* entries of the last row and of this one (loc: row) */
    uint8_t *first;           /* the first row's entry (its marks are the caller's) */
    bool have_prev;
    handout *hand;            /* non-NULL: rows leave in tables as the columns fill (hand_rows) */
} msink;

static tir_status hand_rows(msink *out, char *err, size_t errlen);

typedef struct merger {
    const vm_sortdef *def;
    vm_sortctx ctx;
    int nk;
    size_t e;
    int n;                    /* runs */
    mrun *r;
    const vm_spchunk **chunks;
    uint64_t mask0;           /* the bits of k0 that are key bytes */
    int *tree;                /* tree[0]: the least head; tree[1..n): losers of the matches */
    uint32_t *prun, *prow;    /* rows taken since the last flush: run and row */
    uint32_t npick, cap;
    const vm_cancel *cancel;  /* requested: stop at the next flush */
} merger;

static void merger_free(merger *mg)
{
    for (int i = 0; mg->r && i < mg->n; i++) {
        vm_spchunk_free(&mg->r[i].c);
        free(mg->r[i].ent);
    }
    free(mg->r);
    free(mg->chunks);
    free(mg->tree);
    free(mg->prun);
    free(mg->prow);
    memset(mg, 0, sizeof *mg);
}

static inline void set_head(const merger *mg, mrun *r)
{
    r->k0 = __builtin_bswap64(vm_rd64(r->ent + r->pos * mg->e)) & mg->mask0;
}

/* Reads run i's next chunk with rows left to take and rebuilds their
** entries; with none left the run is done. */
static tir_status load(merger *mg, int i, char *err, size_t errlen)
{
    mrun *r = &mg->r[i];
    for (;;) {
        if (!r->rg.left) {
            r->done = true;
            vm_spchunk_free(&r->c);
            return TIR_OK;
        }
        tir_status st = vm_spill_read_at(r->rf->f, &r->rg.next, &r->c, err, errlen);
        if (st)
            return st;
        if (!r->c.n || r->c.ncols != mg->nk + 1 + mg->def->ncols) {
            snprintf(err, errlen, "internal error: a sort run's chunk has %u rows of %d columns", r->c.n, r->c.ncols);
            return TIR_ERR_RUNTIME;
        }
        if (r->rg.skip < r->c.n)
            break;
        r->rg.skip -= r->c.n;
    }
    if (r->c.n > r->entcap) {
        uint8_t *p = realloc(r->ent, r->c.n * mg->e);
        if (!p)
            return TIR_ERR_NOMEM;
        r->ent = p;
        r->entcap = r->c.n;
    }
    r->pos = (uint32_t)r->rg.skip;
    r->end = r->c.n - r->pos < r->rg.left ? r->c.n : r->pos + (uint32_t)r->rg.left;
    r->rg.left -= r->end - r->pos;
    r->rg.skip = 0;
    size_t e = mg->e;
    for (int w = 0; w < mg->nk; w++) {
        const uint64_t *kw = r->c.cols[w].data;
        for (uint32_t j = r->pos; j < r->end; j++)
            vm_wr64(r->ent + j * e + 8 * (size_t)w, kw[j]);
    }
    for (uint32_t j = r->pos; j < r->end; j++)
        vm_wr64(r->ent + j * e + e - 8, (uint64_t)i << 48 | j);
    set_head(mg, r);
    return TIR_OK;
}

static inline const seqno *head_seq(const merger *mg, const mrun *r)
{
    return (const seqno *)r->c.cols[mg->nk].data + r->pos;
}

/* Does run a's head come before run b's? A run read to its end comes last. */
static inline bool before(const merger *mg, int a, int b)
{
    const mrun *x = &mg->r[a], *y = &mg->r[b];
    if (x->done || y->done)
        return !x->done;
    if (x->k0 != y->k0)
        return x->k0 < y->k0;
    int c = vm_sort_cmp(&mg->ctx, x->ent + x->pos * mg->e, y->ent + y->pos * mg->e, 0);
    if (c)
        return c < 0;
    const seqno *p = head_seq(mg, x), *q = head_seq(mg, y);
    return p->morsel < q->morsel || (p->morsel == q->morsel && p->ord < q->ord);
}

/* Plays the matches of the subtree at node; returns its winner. */
static int build(merger *mg, int node)
{
    if (node >= mg->n)
        return node - mg->n;
    int a = build(mg, 2 * node), b = build(mg, 2 * node + 1);
    if (before(mg, b, a)) {
        mg->tree[node] = a;
        return b;
    }
    mg->tree[node] = b;
    return a;
}

/* The winner's head moved: replays its matches up to the root. */
static void replay(merger *mg)
{
    int w = mg->tree[0];
    for (int node = (w + mg->n) / 2; node > 0; node /= 2)
        if (before(mg, mg->tree[node], w)) {
            int t = mg->tree[node];
            mg->tree[node] = w;
            w = t;
        }
    mg->tree[0] = w;
}

/* Merges the rows rg[i] of runs[i] (rg NULL: every row), reading their
** first chunks. The runs stay open (their owner closes them). */
static tir_status merger_open(merger *mg, const vm_sortdef *def, const vm_sortfile *runs, const range *rg, int n,
                              const vm_cancel *cancel, char *err, size_t errlen)
{
    memset(mg, 0, sizeof *mg);
    mg->def = def;
    mg->cancel = cancel;
    mg->nk = key_words(def);
    mg->e = def->entry_bytes;
    mg->cap = chunk_rows(def);
    mg->mask0 = def->key_bytes >= 8 ? ~UINT64_C(0) : def->key_bytes ? ~UINT64_C(0) << (64 - 8 * def->key_bytes) : 0;
    mg->r = calloc((size_t)(n ? n : 1), sizeof *mg->r);
    mg->chunks = calloc((size_t)(n ? n : 1), sizeof *mg->chunks);
    mg->tree = calloc((size_t)(n ? n : 1), sizeof *mg->tree);
    mg->prun = malloc(sizeof *mg->prun * mg->cap);
    mg->prow = malloc(sizeof *mg->prow * mg->cap);
    if (!mg->r || !mg->chunks || !mg->tree || !mg->prun || !mg->prow)
        return TIR_ERR_NOMEM;
    mg->n = n;
    for (int i = 0; i < n; i++) {
        mg->r[i].rf = &runs[i];
        mg->r[i].rg = rg ? rg[i] : (range){0, 0, runs[i].rows};
        mg->chunks[i] = &mg->r[i].c;
    }
    mg->ctx = (vm_sortctx){def, NULL, (uint32_t)mg->e, def->key_bytes, false, false, NULL, NULL, mg->chunks,
                           mg->nk + 1, NULL};   /* a merge runs on one thread */
    for (int k = 0; k < def->nkeys; k++)
        mg->ctx.has_str |= def->keys[k].type == TIR_STRING;
    tir_status st = TIR_OK;
    for (int i = 0; i < n && !st; i++)
        st = load(mg, i, err, errlen);
    if (!st && n)
        mg->tree[0] = build(mg, 1);
    return st;
}

#define COPY_VALUES(CT)                                                                       \
    do {                                                                                      \
        CT *d = (CT *)dst->data + at;                                                         \
        for (uint32_t k = 0; k < mg->npick; k++)                                              \
            d[k] = ((const CT *)mg->r[mg->prun[k]].c.cols[col].data)[mg->prow[k]];            \
    } while (0)

/* dst[at ..] <- the picked rows' values of chunk column col; long strings
** into heap when heap is not NULL (else the headers still point into the
** chunks). shared: dst's bitmap is zero and its words may be written by
** other threads (only valid rows' bits are set, atomically). */
static bool copy_column(const merger *mg, int col, vm_column *dst, uint64_t at, vm_strheap *heap, bool shared)
{
    switch (vm_type_width(dst->type)) {
    case 1: COPY_VALUES(uint8_t); break;
    case 4: COPY_VALUES(uint32_t); break;
    case 8: COPY_VALUES(uint64_t); break;
    default:
        if (heap && dst->type == TIR_STRING) {
            tir_str *d = (tir_str *)dst->data + at;
            for (uint32_t k = 0; k < mg->npick; k++) {
                const tir_str *x = &((const tir_str *)mg->r[mg->prun[k]].c.cols[col].data)[mg->prow[k]];
                if (x->len <= TIR_STR_INLINE)
                    d[k] = *x;
                else if (!vm_str_make(heap, tir_str_ptr(x), x->len, &d[k]))
                    return false;
            }
        } else {
            COPY_VALUES(tir_str);
        }
        break;
    }
    if (!dst->validity)
        return true;
    for (uint32_t k = 0; k < mg->npick; k++) {
        bool valid = vm_bit_get(mg->r[mg->prun[k]].c.cols[col].validity, mg->prow[k]);
        uint64_t i = at + k;
        if (!shared)
            vm_bit_set(dst->validity, i, valid);
        else if (valid)
            __atomic_fetch_or(&dst->validity[i >> 6], (uint64_t)1 << (i & 63), __ATOMIC_RELAXED);
    }
    return true;
}

/* A window's marks for the rows just copied to the result: each compared
** with the one before it (the first row of a thread's range is left to the
** caller, which knows the row before it). */
static void mark_bounds(const merger *mg, msink *out)
{
    size_t e = mg->e;
    for (uint32_t k = 0; k < mg->npick; k++) {
        uint64_t row = out->at + k;
        memcpy(out->cur, mg->r[mg->prun[k]].ent + (size_t)mg->prow[k] * e, e - 8);
        vm_wr64(out->cur + e - 8, row);
        if (!row) {
            out->part[row] = out->peer[row] = 1;
        } else if (out->have_prev) {
            bool q = vm_sort_cmp(&out->oc, out->prev, out->cur, 0) != 0;
            out->peer[row] = q;
            out->part[row] = q && out->npart && vm_sort_cmp(&out->pc, out->prev, out->cur, 0) != 0;
        } else {
            memcpy(out->first, out->cur, e);
        }
        uint8_t *t = out->prev;
        out->prev = out->cur;
        out->cur = t;
        out->have_prev = true;
    }
}

/* Writes the rows taken since the last flush to the sink. */
static tir_status flush(merger *mg, msink *out, char *err, size_t errlen)
{
    if (vm_cancelled(mg->cancel)) {
        snprintf(err, errlen, "cancelled");
        return TIR_ERR_CANCELLED;
    }
    if (!mg->npick)
        return TIR_OK;
    tir_status st = TIR_OK;
    int c0 = mg->nk + 1;
    if (out->st) {
        stage *sg = out->st;
        for (uint32_t k = 0; k < mg->npick; k++) {
            const vm_spchunk *c = &mg->r[mg->prun[k]].c;
            for (int w = 0; w < mg->nk; w++)
                sg->keys[(size_t)w * sg->cap + k] = ((const uint64_t *)c->cols[w].data)[mg->prow[k]];
            sg->seq[k] = ((const seqno *)c->cols[mg->nk].data)[mg->prow[k]];
        }
        for (int col = 0; col < sg->ncols; col++)
            copy_column(mg, c0 + col, &sg->cols[col], 0, NULL, false);
        st = stage_write(sg, out->rf, mg->npick, err, errlen);
    } else {
        for (int col = 0; col < out->ncols && !st; col++)
            if (!copy_column(mg, c0 + col, &out->cols[col], out->at, out->heap, out->shared))
                st = TIR_ERR_NOMEM;
        if (out->part)
            mark_bounds(mg, out);
        out->at += mg->npick;
        if (!st && out->hand && out->at + mg->cap > out->hand->cap)   /* no room for another flush */
            st = hand_rows(out, err, errlen);
    }
    mg->npick = 0;
    return st;
}

/* Merges every row of the runs into out, skipping the first `skip`. A
** chunk's rows are written out before the chunk is replaced: the rows
** taken point into it. */
static tir_status merge(merger *mg, msink *out, uint64_t skip, char *err, size_t errlen)
{
    tir_status st = TIR_OK;
    while (!st && mg->n) {
        int w = mg->tree[0];
        mrun *r = &mg->r[w];
        if (r->done)
            break;            /* the least head is past the end: every run is */
        if (skip) {
            skip--;
        } else {
            mg->prun[mg->npick] = (uint32_t)w;
            mg->prow[mg->npick++] = r->pos;
        }
        if (++r->pos == r->end) {
            if (!(st = flush(mg, out, err, errlen)))
                st = load(mg, w, err, errlen);
        } else {
            set_head(mg, r);
            if (mg->npick == mg->cap)
                st = flush(mg, out, err, errlen);
        }
        if (!st)   /* (a failed flush left the run past its chunk's end) */
            replay(mg);
    }
    return st ? st : flush(mg, out, err, errlen);
}

/* Memory a run holds while merged: a chunk read back and its entries. */
static uint64_t run_bytes(const vm_sortdef *def, const vm_sortfile *rf)
{
    return rf->chunk_bytes + (uint64_t)rf->chunk_rows * def->entry_bytes + sizeof(mrun);
}

/* Merges runs[0..k) into one run of the next level, at *into. */
static tir_status merge_runs(const vm_sortdef *def, vm_spill *sp, const vm_sortfile *runs, int k, vm_sortfile *into,
                             const vm_cancel *cancel, char *err, size_t errlen)
{
    vm_sortfile rf = {0};
    for (int i = 0; i < k; i++)
        rf.level = runs[i].level + 1 > rf.level ? runs[i].level + 1 : rf.level;
    merger mg;
    stage sg;
    bool staged = stage_init(&sg, def);
    tir_status st = merger_open(&mg, def, runs, NULL, k, cancel, err, errlen);
    if (!st && !staged)
        st = TIR_ERR_NOMEM;
    if (!st)
        st = vm_spill_create(sp, &rf.f, err, errlen);
    msink out = {.st = &sg, .rf = &rf};
    if (!st)
        st = merge(&mg, &out, 0, err, errlen);
    merger_free(&mg);
    if (staged)
        stage_free(&sg);
    if (st) {
        vm_sortfile_close(&rf);
        return st;
    }
    *into = rf;
    return TIR_OK;
}

/* ------------------------------------------------------ the last merge */

/* The key bytes whose memcmp order is the rows' order: all of them, but
** for those after a string key (where two long strings tie on their
** prefix, the later keys' bytes do not order the rows: the full strings
** do). Rows are cut into ranges by these bytes alone, so rows equal on
** them stay in one range. */
static uint32_t order_bytes(const vm_sortdef *def)
{
    for (int k = 0; k < def->nkeys; k++)
        if (def->keys[k].type == TIR_STRING)
            return def->keys[k].off + def->keys[k].width;
    return def->key_bytes;
}

/* The key bytes of a chunk's first row, and of row j of a chunk read back. */
static const uint8_t *chunk_key(const vm_sortfile *rf, uint64_t chunk, int nk)
{
    return (const uint8_t *)(rf->ckey + chunk * (uint64_t)nk);
}

static void row_key(const vm_spchunk *c, uint32_t j, int nk, uint8_t *out)
{
    for (int w = 0; w < nk; w++)
        vm_wr64(out + 8 * w, ((const uint64_t *)c->cols[w].data)[j]);
}

static int cmp_keys(const void *a, const void *b, void *kb)
{
    return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, *(const uint32_t *)kb);
}

/* Where run rf's first row whose order bytes are at or past key's is: *rg
** gets the rows from there on (c: scratch for a chunk). */
static tir_status lower_bound(const vm_sortdef *def, const vm_sortfile *rf, const uint8_t *key, vm_spchunk *c,
                              range *rg, char *err, size_t errlen)
{
    int nk = key_words(def);
    uint32_t kb = order_bytes(def);
    /* the last chunk that starts before key holds it, or it starts the next */
    uint64_t lo = 0, hi = rf->nchunks;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (memcmp(chunk_key(rf, mid, nk), key, kb) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *rg = (range){0, 0, rf->rows};
    if (lo == 0)
        return TIR_OK;
    uint64_t pos = rf->coff[lo - 1];
    tir_status st = vm_spill_read_at(rf->f, &pos, c, err, errlen);
    if (st)
        return st;
    uint8_t buf[8 * (nk ? nk : 1)];
    uint32_t a = 0, b = c->n;
    while (a < b) {
        uint32_t mid = (a + b) / 2;
        row_key(c, mid, nk, buf);
        if (memcmp(buf, key, kb) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    *rg = (range){rf->coff[lo - 1], a, rf->rows - rf->crow[lo - 1] - a};
    return TIR_OK;
}

/* One thread's share of the last merge. */
typedef struct tpart {
    range *rg;                /* per run */
    uint64_t first, rows;     /* rows [first, first + rows) of the order */
    uint64_t at, nout;        /* its rows in the result: [at, at + nout) */
    vm_strheap heap;
    uint8_t *ents;            /* a window: 4 entries (scratch, scratch, its first row's, its last row's) */
    tir_status st;
    char err[512];
} tpart;

typedef struct lastmerge {
    const vm_sortdef *def;
    const vm_sortfile *runs;
    int nruns;
    tpart *parts;
    uint64_t from;            /* rows of the order skipped (offset) */
    vm_column *cols;
    int ncols;
    uint8_t *part, *peer;
    vm_sortctx oc, pc;        /* a window: the order of all keys, of the partition keys (loc: row) */
    bool shared;
    const vm_cancel *cancel;
} lastmerge;

static void last_part(void *arg, int t)
{
    lastmerge *lm = arg;
    tpart *tp = &lm->parts[t];
    size_t e = lm->def->entry_bytes;
    uint64_t skip = lm->from > tp->first ? lm->from - tp->first : 0;
    if (skip > tp->rows)
        skip = tp->rows;
    tp->at = tp->first + skip - lm->from;
    tp->nout = tp->rows - skip;
    msink out = {.cols = lm->cols, .ncols = lm->ncols, .heap = &tp->heap, .shared = lm->shared, .at = tp->at,
                 .part = lm->part, .peer = lm->peer, .npart = lm->def->win ? lm->def->win->npart : 0,
                 .oc = lm->oc, .pc = lm->pc};
    if (tp->ents) {
        out.prev = tp->ents;
        out.cur = tp->ents + e;
        out.first = tp->ents + 2 * e;
    }
    merger mg;
    tir_status st = merger_open(&mg, lm->def, lm->runs, tp->rg, lm->nruns, lm->cancel, tp->err, sizeof tp->err);
    if (!st)
        st = merge(&mg, &out, skip, tp->err, sizeof tp->err);
    merger_free(&mg);
    if (tp->ents && out.have_prev)
        memcpy(tp->ents + 3 * e, out.prev, e);
    tp->st = st;
}

/* Cuts the runs into nt ranges of about equal rows, by splitters taken
** from the chunks' first keys: parts[t].rg[r] is run r's share of range t. */
static tir_status split(const vm_sortdef *def, const vm_sortfile *runs, int nruns, tpart *parts, int nt,
                        char *err, size_t errlen)
{
    int nk = key_words(def);
    uint32_t kb = order_bytes(def);
    uint64_t nkeys = 0;
    for (int r = 0; r < nruns; r++)
        nkeys += runs[r].nchunks;
    const uint8_t **keys = malloc(sizeof *keys * (nkeys ? nkeys : 1));
    vm_spchunk c;
    vm_spchunk_init(&c);
    tir_status st = keys ? TIR_OK : TIR_ERR_NOMEM;
    uint64_t k = 0;
    for (int r = 0; !st && r < nruns; r++)
        for (uint64_t j = 0; j < runs[r].nchunks; j++)
            keys[k++] = chunk_key(&runs[r], j, nk);
    if (!st)
        qsort_r(keys, nkeys, sizeof *keys, cmp_keys, &kb);
    /* range t: from splitter t (none for t = 0) to splitter t + 1, the
    ** range before ending where it starts */
    for (int t = 0; !st && t < nt; t++)
        for (int r = 0; !st && r < nruns; r++) {
            if (t == 0) {
                parts[t].rg[r] = (range){0, 0, runs[r].rows};
                continue;
            }
            st = lower_bound(def, &runs[r], keys[nkeys * (uint64_t)t / (uint64_t)nt], &c, &parts[t].rg[r], err, errlen);
            if (!st)
                parts[t - 1].rg[r].left -= parts[t].rg[r].left;
        }
    /* the rows of each range, and where it starts in the order */
    uint64_t at = 0;
    for (int t = 0; !st && t < nt; t++) {
        parts[t].rows = 0;
        for (int r = 0; r < nruns; r++)
            parts[t].rows += parts[t].rg[r].left;
        parts[t].first = at;
        at += parts[t].rows;
    }
    vm_spchunk_free(&c);
    free(keys);
    return st;
}

/* The result: the runs merged into the output columns (rows [from, from +
** m) of the order) on nt threads, then a window's functions. */
static tir_status merge_result(const vm_sortdef *def, const vm_sortfile *runs, int nruns, uint64_t from, uint64_t m,
                               int nt, vm_pool *pool, int nthreads, const vm_cancel *cancel, vm_table **out, char *err,
                               size_t errlen)
{
    const vm_windef *win = def->win;
    int ncols = win ? def->ncols : def->npayload;
    size_t e = def->entry_bytes;
    vm_table *res = vm_sink_table_new(&def->stmt->out);
    vm_column *cols = calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
    const vm_column **cp = calloc((size_t)(ncols ? ncols : 1), sizeof *cp);
    tpart *parts = calloc((size_t)nt, sizeof *parts);
    range *rgs = malloc(sizeof *rgs * (size_t)nt * (size_t)(nruns ? nruns : 1));
    uint8_t *part = win ? malloc(m ? m : 1) : NULL, *peer = win ? malloc(m ? m : 1) : NULL;
    uint8_t *ents = win ? malloc(4 * e * (size_t)nt) : NULL;
    tir_status st = res && cols && cp && parts && rgs && (!win || (part && peer && ents)) ? TIR_OK : TIR_ERR_NOMEM;
    if (!st && !vm_sort_columns_new(def, ncols, m, cols))
        st = TIR_ERR_NOMEM;
    for (int t = 0; parts && rgs && t < nt; t++) {
        parts[t].rg = rgs + (size_t)t * (size_t)nruns;
        parts[t].ents = ents ? ents + 4 * e * (size_t)t : NULL;
        vm_strheap_init(&parts[t].heap);
    }
    if (!st && nt > 1)
        st = split(def, runs, nruns, parts, nt, err, errlen);
    else if (!st)
        parts[0] = (tpart){parts[0].rg, 0, m + from, 0, 0, parts[0].heap, parts[0].ents, TIR_OK, ""};
    for (int r = 0; !st && nt == 1 && r < nruns; r++)
        parts[0].rg[r] = (range){0, 0, runs[r].rows};
    lastmerge lm = {def, runs, nruns, parts, from, cols, ncols, part, peer, {0}, {0}, nt > 1, cancel};
    vm_sortdef pd = *def;   /* the partition keys: the first npart */
    if (!st && win) {
        for (int c = 0; c < ncols; c++)
            cp[c] = &cols[c];
        lm.oc = (vm_sortctx){def, NULL, (uint32_t)e, def->key_bytes, false, false, NULL, cp, NULL, 0, pool};
        for (int k = 0; k < def->nkeys; k++)
            lm.oc.has_str |= def->keys[k].type == TIR_STRING;
        pd.nkeys = win->npart;
        lm.pc = lm.oc;
        lm.pc.def = &pd;
        lm.pc.kb = win->part_bytes;
    }
    if (!st)
        vm_par_run(pool, nt, last_part, &lm);
    for (int t = 0; !st && t < nt; t++)
        if ((st = parts[t].st))
            snprintf(err, errlen, "%s", parts[t].err);
    for (int t = 0; parts && t < nt; t++) {
        if (res)
            vm_strheap_move(&res->heap, &parts[t].heap);
        vm_strheap_free(&parts[t].heap);
    }
    uint64_t got = 0;
    for (int t = 0; !st && t < nt; t++)
        got += parts[t].nout;
    if (!st && got != m) {
        snprintf(err, errlen, "internal error: the sort's runs gave %llu rows, not %llu", (unsigned long long)got,
                 (unsigned long long)m);
        st = TIR_ERR_RUNTIME;
    }
    /* a window: the first row of each range against the last one before it */
    for (int t = 1, u = parts && parts[0].nout ? 0 : -1; !st && win && t < nt; t++) {
        if (!parts[t].nout)
            continue;
        if (u >= 0) {
            const uint8_t *x = parts[u].ents + 3 * e, *y = parts[t].ents + 2 * e;
            bool q = vm_sort_cmp(&lm.oc, x, y, 0) != 0;
            peer[parts[t].at] = q;
            part[parts[t].at] = q && win->npart && vm_sort_cmp(&lm.pc, x, y, 0) != 0;
        }
        u = t;
    }
    if (!st) {
        vm_sort_columns_trim(cols, ncols, m);
        st = vm_sort_result_take(def, cols, part, peer, m, pool, nthreads, res, err, errlen);
    }
    for (int c = 0; cols && c < ncols; c++)
        vm_column_free(&cols[c]);
    free(cols);
    free(cp);
    free(parts);
    free(rgs);
    free(part);
    free(peer);
    free(ents);
    if (st) {
        vm_table_free(res);
        return st;
    }
    *out = res;
    return TIR_OK;
}

/* ------------------------------------------- the last merge handed over */

/* The rows the columns hold leave as a table; fresh columns take the next. */
static tir_status hand_rows(msink *out, char *err, size_t errlen)
{
    const vm_sortdef *def = out->hand->def;
    if (!out->at)
        return TIR_OK;
    vm_table *t = vm_sink_table_new(&def->stmt->out);
    if (!t)
        return TIR_ERR_NOMEM;
    for (int c = 0; c < out->ncols; c++)
        out->cols[c].len = out->at;
    vm_sort_columns_trim(out->cols, out->ncols, out->at);
    tir_status st = vm_sort_result_take(def, out->cols, NULL, NULL, out->at, NULL, 1, t, err, errlen);
    vm_strheap_move(&t->heap, out->heap);
    for (int c = 0; c < out->ncols; c++)
        vm_column_free(&out->cols[c]);
    out->at = 0;
    if (st) {
        vm_table_free(t);
        return st;
    }
    if (!vm_sort_columns_new(def, out->ncols, out->hand->cap, out->cols)) {
        vm_table_free(t);
        return TIR_ERR_NOMEM;
    }
    return out->hand->hand(out->hand->ctx, t, err, errlen);   /* t is the taker's now */
}

/* The runs merged in order, from row `from`, into tables handed over as they fill. */
static tir_status merge_handed(const vm_sortdef *def, const vm_sortfile *runs, int nruns, uint64_t from,
                               const vm_cancel *cancel, vm_rows_hand hand, void *ctx, char *err, size_t errlen)
{
    int ncols = def->npayload;
    vm_column *cols = calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
    vm_strheap heap;
    vm_strheap_init(&heap);
    handout ho = {def, HAND_CHUNKS * chunk_rows(def), hand, ctx};
    tir_status st = cols && vm_sort_columns_new(def, ncols, ho.cap, cols) ? TIR_OK : TIR_ERR_NOMEM;
    msink out = {.cols = cols, .ncols = ncols, .heap = &heap, .hand = &ho};
    merger mg = {0};
    if (!st)
        st = merger_open(&mg, def, runs, NULL, nruns, cancel, err, errlen);
    if (!st)
        st = merge(&mg, &out, from, err, errlen);
    merger_free(&mg);
    if (!st)
        st = hand_rows(&out, err, errlen);   /* the last rows */
    for (int c = 0; cols && c < ncols; c++)
        vm_column_free(&cols[c]);
    free(cols);
    vm_strheap_free(&heap);
    return st;
}

/* The result is over what the limit leaves: TIR_ERR_NOMEM. */
static tir_status too_big(uint64_t bytes, uint64_t budget, char *err, size_t errlen)
{
    snprintf(err, errlen, "its result alone holds %llu bytes, over the %llu the limit leaves it",
             (unsigned long long)bytes, (unsigned long long)budget);
    return TIR_ERR_NOMEM;
}

tir_status vm_sort_finish_spilled(vm_sink_sort *const *s, int nw, vm_spill *sp, uint64_t budget, bool force,
                                  int nthreads, const vm_cancel *cancel, vm_rows_hand hand, void *hand_ctx,
                                  uint64_t *extra, vm_table **out, vm_spill_stats *stats, char *err, size_t errlen)
{
    const vm_sortdef *def = s[0]->def;
    if (def->win)
        hand = NULL;   /* a window's functions need their partitions whole */
    *out = NULL;
    *extra = 0;
    if (nthreads < 1)
        nthreads = 1;
    /* the rest of every sink becomes a run; the runs change hands */
    tir_status st = TIR_OK;
    vm_sortfile *runs = NULL;
    size_t nruns = 0, cap = 0;
    uint64_t n = 0, sinks = 0;
    for (int w = 0; w < nw; w++)
        sinks += vm_sink_sort_bytes(s[w]);
    for (int w = 0; w < nw && !st; w++) {
        uint64_t need = sinks + s[w]->n * def->entry_bytes + 2 * VM_SORT_CHUNK_BYTES;
        *extra = need > *extra ? need : *extra;
        sinks -= vm_sink_sort_bytes(s[w]);
        st = vm_sink_sort_spill(s[w], sp, nthreads, err, errlen);
        sinks += vm_sink_sort_bytes(s[w]);
    }
    for (int w = 0; w < nw; w++) {
        stats->bytes += s[w]->spst.bytes;
        stats->files += s[w]->spst.files;
        for (size_t i = 0; i < s[w]->nfiles; i++) {
            n += s[w]->files[i].rows;
            if (!add_file(&runs, &nruns, &cap, s[w]->files[i])) {
                vm_sortfile_close(&s[w]->files[i]);
                st = TIR_ERR_NOMEM;
            }
        }
        s[w]->nfiles = 0;
    }
    uint64_t from = (uint64_t)def->offset < n ? (uint64_t)def->offset : n, m = n - from;
    /* a result that fits is merged on every thread and handed over whole at the end */
    if (hand && !force && (!budget || vm_sort_result_bytes(def, m) <= budget))
        hand = NULL;
    uint64_t result = vm_sort_result_bytes(def, hand ? HAND_CHUNKS * (uint64_t)chunk_rows(def) : m);
    if (!st && budget && result > budget)
        st = too_big(result, budget, err, errlen);
    /* fan-in: as many runs as a chunk each fits beside the result (the
    ** last pass) or beside a chunk being written (the others) */
    uint64_t per_run = 0, staging = 2 * VM_SORT_CHUNK_BYTES;
    for (size_t i = 0; i < nruns; i++)
        per_run = run_bytes(def, &runs[i]) > per_run ? run_bytes(def, &runs[i]) : per_run;
    uint64_t last = !budget ? MAX_FANIN : budget > result ? (budget - result) / (per_run ? per_run : 1) : 0;
    uint64_t mid = !budget ? MAX_FANIN : budget > staging ? (budget - staging) / (per_run ? per_run : 1) : 0;
    last = force && last > FORCED_FANIN ? FORCED_FANIN : last < 2 ? 2 : last > MAX_FANIN ? MAX_FANIN : last;
    mid = force && mid > FORCED_FANIN ? FORCED_FANIN : mid < 2 ? 2 : mid > MAX_FANIN ? MAX_FANIN : mid;
    /* merge the oldest runs into a new one at the end until the rest fit
    ** in one pass, merging no more than that needs */
    size_t head = 0;
    while (!st && nruns - head > last) {
        size_t k = nruns - head - last + 1 < mid ? nruns - head - last + 1 : mid;
        uint64_t held = staging + sizeof(vm_sortfile);
        for (size_t i = head; i < head + k; i++)
            held += run_bytes(def, &runs[i]);
        *extra = held > *extra ? held : *extra;
        vm_sortfile into = {0};
        st = merge_runs(def, sp, runs + head, (int)k, &into, cancel, err, errlen);
        for (; k; k--)   /* read back: their blocks go back to the disk */
            vm_sortfile_close(&runs[head++]);
        if (!st) {
            stats->bytes += vm_spill_file_bytes(into.f);
            stats->files++;
            if (!add_file(&runs, &nruns, &cap, into)) {
                vm_sortfile_close(&into);
                st = TIR_ERR_NOMEM;
            }
        }
    }
    if (!st && hand) {
        uint64_t held = result;
        for (size_t i = head; i < nruns; i++)
            held += run_bytes(def, &runs[i]);
        *extra = held > *extra ? held : *extra;
        for (size_t i = head; i < nruns; i++)
            stats->passes = (uint64_t)runs[i].level + 1 > stats->passes ? (uint64_t)runs[i].level + 1 : stats->passes;
        st = merge_handed(def, runs + head, (int)(nruns - head), from, cancel, hand, hand_ctx, err, errlen);
        if (!st && !(*out = vm_sink_table_new(&def->stmt->out)))
            st = TIR_ERR_NOMEM;
    } else if (!st) {
        /* as many threads as a chunk of every run each fits (the runs fit once) */
        uint64_t held = result, all = 0;
        int level = 0;
        for (size_t i = head; i < nruns; i++) {
            all += run_bytes(def, &runs[i]);
            level = runs[i].level > level ? runs[i].level : level;
        }
        uint64_t nt = m < SPLIT_MIN ? 1 : !budget ? (uint64_t)nthreads : (budget - result) / (all ? all : 1);
        nt = nt < 1 ? 1 : nt > (uint64_t)nthreads ? (uint64_t)nthreads : nt > MAX_SPLIT ? MAX_SPLIT : nt;
        held += nt * all;
        *extra = held > *extra ? held : *extra;
        stats->passes = (uint64_t)level + 1;
        st = merge_result(def, runs + head, (int)(nruns - head), from, m, (int)nt, s[0]->pool, nthreads, cancel, out, err,
                          errlen);
    }
    for (size_t i = head; i < nruns; i++)
        vm_sortfile_close(&runs[i]);
    free(runs);
    if (!st && budget && vm_table_bytes(*out) > budget) {
        st = too_big(vm_table_bytes(*out), budget, err, errlen);
        vm_table_free(*out);
        *out = NULL;
    }
    if (st == TIR_ERR_NOMEM && !err[0])
        snprintf(err, errlen, "out of memory while merging the sort's %zu runs", nruns);
    return st;
}
