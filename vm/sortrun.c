/*
** sortrun.c — the external merge sort behind a sort or window over the
** memory limit (sort.h): a sink's rows written out as a sorted run, and
** the runs merged back, a chunk of each at a time, into longer runs and at
** last into the result.
**
** A run is a spill file whose chunks hold, per row: the entry's key words
** (one 8-byte column per word, the bytes as in memory), the row's sequence
** (16 bytes: morsel, row within the morsel) and the sink's columns. The
** merge keeps one chunk of each run read back, rebuilds its entries (key
** words and a locator run << 48 | row, so that long strings tied on their
** prefix are compared in full from the chunk), and takes the least head
** with a loser tree: key bytes, full strings, then the sequence. Since the
** sequence is unique and the in-memory sort is stable, the rows come out
** in the in-memory order whatever the runs, passes and threads were.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sortcmp.h"

/* Most runs merged at once (each holds a file open and a chunk in
** memory), and at once when forced (testing: several passes). */
enum { MAX_FANIN = 256, FORCED_FANIN = 4 };

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

/* Writes the stage's first n rows to run rf as one chunk. */
static tir_status stage_write(stage *st, vm_sortfile *rf, uint32_t n, char *err, size_t errlen)
{
    uint64_t before = vm_spill_file_bytes(rf->f);
    tir_status s = vm_spill_write(rf->f, st->sp, st->nk + 1 + st->ncols, NULL, n, err, errlen);
    uint64_t bytes = vm_spill_file_bytes(rf->f) - before;
    if (bytes > rf->chunk_bytes)
        rf->chunk_bytes = bytes;
    if (n > rf->chunk_rows)
        rf->chunk_rows = n;
    rf->rows += s ? 0 : n;
    return s;
}

/* The sequence of the sink's row r: its morsel's run of entries holds it. */
static seqno row_seq(const vm_sink_sort *s, uint64_t r)
{
    size_t lo = 0, hi = s->nruns;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->runs[mid].start <= r)
            lo = mid;
        else
            hi = mid;
    }
    return (seqno){s->runs[lo].morsel, s->runs[lo].ord + (r - s->runs[lo].start)};
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
    if (!stage_init(&st, def))
        return TIR_ERR_NOMEM;
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
            st.seq[i] = row_seq(s, vm_rd64(p + e - 8) & VM_SORT_LOC_ROW);
        }
        vm_sink_sort_gather(s, ge, m, st.cols);
        status = stage_write(&st, &rf, m, err, errlen);
    }
    vm_big_free(g, n * e);
    stage_free(&st);
    if (status) {
        vm_spill_close(rf.f);
        return status;
    }
    s->files[s->nfiles++] = rf;
    s->spst.files++;
    s->spst.bytes += vm_spill_file_bytes(rf.f);
    vm_sink_sort_clear(s);
    return TIR_OK;
}

/* -------------------------------------------------------------- merging */

/* One run being merged: its current chunk and that chunk's entries. */
typedef struct mrun {
    vm_sortfile rf;           /* rf.f is closed (NULL) once the run is read to its end */
    vm_spchunk c;
    uint8_t *ent;
    size_t entcap;
    uint32_t pos;
    bool done;
} mrun;

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
    uint64_t at;
    uint8_t *part, *peer;
    int npart;
    vm_sortctx oc, pc;
    uint8_t *prev, *cur;      /* entries of the last row and of this one (loc: row) */
} msink;

typedef struct merger {
    const vm_sortdef *def;
    vm_sortctx ctx;
    int nk;
    size_t e;
    int n;                    /* runs */
    mrun *r;
    const vm_spchunk **chunks;
    int *tree;                /* tree[0]: the least head; tree[1..n): losers of the matches */
    uint32_t *prun, *prow;    /* rows taken since the last flush: run and row */
    uint32_t npick, cap;
    volatile int *cancel;     /* non-zero: stop at the next flush */
} merger;

static void merger_free(merger *mg)
{
    for (int i = 0; mg->r && i < mg->n; i++) {
        vm_spill_close(mg->r[i].rf.f);
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

/* Reads run i's next chunk and rebuilds its entries; at the end the run
** is closed. */
static tir_status load(merger *mg, int i, char *err, size_t errlen)
{
    mrun *r = &mg->r[i];
    tir_status st = vm_spill_read(r->rf.f, &r->c, err, errlen);
    if (st)
        return st;
    if (!r->c.n) {
        r->done = true;
        vm_spill_close(r->rf.f);
        r->rf.f = NULL;
        vm_spchunk_free(&r->c);
        return TIR_OK;
    }
    if (r->c.ncols != mg->nk + 1 + mg->def->ncols) {
        snprintf(err, errlen, "internal error: a sort run's chunk has %d columns", r->c.ncols);
        return TIR_ERR_RUNTIME;
    }
    if (r->c.n > r->entcap) {
        uint8_t *p = realloc(r->ent, r->c.n * mg->e);
        if (!p)
            return TIR_ERR_NOMEM;
        r->ent = p;
        r->entcap = r->c.n;
    }
    size_t e = mg->e;
    for (int w = 0; w < mg->nk; w++) {
        const uint64_t *kw = r->c.cols[w].data;
        for (uint32_t j = 0; j < r->c.n; j++)
            vm_wr64(r->ent + j * e + 8 * (size_t)w, kw[j]);
    }
    for (uint32_t j = 0; j < r->c.n; j++)
        vm_wr64(r->ent + j * e + e - 8, (uint64_t)i << 48 | j);
    r->pos = 0;
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

/* Takes the n runs (closing them whatever happens) and reads their first chunks. */
static tir_status merger_open(merger *mg, const vm_sortdef *def, vm_sortfile *runs, int n, volatile int *cancel,
                              char *err, size_t errlen)
{
    memset(mg, 0, sizeof *mg);
    mg->def = def;
    mg->cancel = cancel;
    mg->nk = key_words(def);
    mg->e = def->entry_bytes;
    mg->cap = chunk_rows(def);
    mg->r = calloc((size_t)n, sizeof *mg->r);
    if (mg->r) {
        mg->n = n;
        for (int i = 0; i < n; i++)
            mg->r[i].rf = runs[i];
    } else {
        for (int i = 0; i < n; i++)
            vm_spill_close(runs[i].f);
    }
    mg->chunks = calloc((size_t)n, sizeof *mg->chunks);
    mg->tree = calloc((size_t)n, sizeof *mg->tree);
    mg->prun = malloc(sizeof *mg->prun * mg->cap);
    mg->prow = malloc(sizeof *mg->prow * mg->cap);
    if (!mg->r || !mg->chunks || !mg->tree || !mg->prun || !mg->prow)
        return TIR_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        mg->chunks[i] = &mg->r[i].c;
    mg->ctx = (vm_sortctx){def, NULL, (uint32_t)mg->e, def->key_bytes, false, false, NULL, NULL, mg->chunks,
                           mg->nk + 1};
    for (int k = 0; k < def->nkeys; k++)
        mg->ctx.has_str |= def->keys[k].type == TIR_STRING;
    tir_status st = TIR_OK;
    for (int i = 0; i < n && !st; i++)
        st = load(mg, i, err, errlen);
    if (!st)
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
** chunks). */
static bool copy_column(const merger *mg, int col, vm_column *dst, uint64_t at, vm_strheap *heap)
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
        const uint64_t *v = mg->r[mg->prun[k]].c.cols[col].validity;
        vm_bit_set(dst->validity, at + k, vm_bit_get(v, mg->prow[k]));
    }
    return true;
}

/* Writes the rows taken since the last flush to the sink. */
static tir_status flush(merger *mg, msink *out, char *err, size_t errlen)
{
    if (mg->cancel && *mg->cancel) {
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
            copy_column(mg, c0 + col, &sg->cols[col], 0, NULL);
        st = stage_write(sg, out->rf, mg->npick, err, errlen);
    } else {
        for (int col = 0; col < out->ncols && !st; col++)
            if (!copy_column(mg, c0 + col, &out->cols[col], out->at, out->heap))
                st = TIR_ERR_NOMEM;
        for (uint32_t k = 0; out->part && k < mg->npick; k++) {
            uint64_t row = out->at + k;
            memcpy(out->cur, mg->r[mg->prun[k]].ent + (size_t)mg->prow[k] * mg->e, mg->e - 8);
            vm_wr64(out->cur + mg->e - 8, row);
            bool q = !row || vm_sort_cmp(&out->oc, out->prev, out->cur, 0) != 0;
            out->peer[row] = q;
            out->part[row] = !row || (q && out->npart && vm_sort_cmp(&out->pc, out->prev, out->cur, 0) != 0);
            uint8_t *t = out->prev;
            out->prev = out->cur;
            out->cur = t;
        }
        out->at += mg->npick;
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
    while (!st) {
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
        if (++r->pos == r->c.n) {
            if (!(st = flush(mg, out, err, errlen)))
                st = load(mg, w, err, errlen);
        } else if (mg->npick == mg->cap) {
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
static tir_status merge_runs(const vm_sortdef *def, vm_spill *sp, vm_sortfile *runs, int k, vm_sortfile *into,
                             volatile int *cancel, char *err, size_t errlen)
{
    vm_sortfile rf = {0};
    for (int i = 0; i < k; i++)
        rf.level = runs[i].level + 1 > rf.level ? runs[i].level + 1 : rf.level;
    merger mg;
    stage sg;
    bool staged = stage_init(&sg, def);
    tir_status st = merger_open(&mg, def, runs, k, cancel, err, errlen);
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
        vm_spill_close(rf.f);
        return st;
    }
    *into = rf;
    return TIR_OK;
}

/* The result: the runs merged into the output columns (rows [from, from +
** m) of the order), then a window's functions. */
static tir_status merge_result(const vm_sortdef *def, vm_sortfile *runs, int k, uint64_t from, uint64_t m,
                               int nthreads, volatile int *cancel, vm_table **out, char *err, size_t errlen)
{
    const vm_windef *win = def->win;
    int ncols = win ? def->ncols : def->npayload;
    size_t e = def->entry_bytes;
    merger mg;
    tir_status st = merger_open(&mg, def, runs, k, cancel, err, errlen);
    vm_table *res = vm_sink_table_new(&def->stmt->out);
    vm_column *cols = calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
    const vm_column **cp = calloc((size_t)(ncols ? ncols : 1), sizeof *cp);
    uint8_t *part = win ? malloc(m ? m : 1) : NULL, *peer = win ? malloc(m ? m : 1) : NULL;
    uint8_t *ents = win ? malloc(2 * e) : NULL;
    if (!st && (!res || !cols || !cp || (win && (!part || !peer || !ents)) || !vm_sort_columns_new(def, ncols, m, cols)))
        st = TIR_ERR_NOMEM;
    msink sink = {.cols = cols, .ncols = ncols, .heap = res ? &res->heap : NULL, .part = part, .peer = peer};
    vm_sortdef pd = *def;   /* the partition keys: the first npart */
    if (!st && win) {
        for (int c = 0; c < ncols; c++)
            cp[c] = &cols[c];
        sink.oc = (vm_sortctx){def, NULL, (uint32_t)e, def->key_bytes, false, mg.ctx.has_str, NULL, cp, NULL, 0};
        pd.nkeys = win->npart;
        sink.pc = sink.oc;
        sink.pc.def = &pd;
        sink.pc.kb = win->part_bytes;
        sink.npart = win->npart;
        sink.prev = ents;
        sink.cur = ents + e;
    }
    if (!st)
        st = merge(&mg, &sink, from, err, errlen);
    merger_free(&mg);
    if (!st && sink.at != m) {
        snprintf(err, errlen, "internal error: the sort's runs gave %llu rows, not %llu",
                 (unsigned long long)sink.at, (unsigned long long)m);
        st = TIR_ERR_RUNTIME;
    }
    if (!st) {
        vm_sort_columns_trim(cols, ncols, m);
        st = vm_sort_result_take(def, cols, part, peer, m, nthreads, res, err, errlen);
    }
    for (int c = 0; cols && c < ncols; c++)
        vm_column_free(&cols[c]);
    free(cols);
    free(cp);
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

/* The result is over what the limit leaves: TIR_ERR_NOMEM. */
static tir_status too_big(uint64_t bytes, uint64_t budget, char *err, size_t errlen)
{
    snprintf(err, errlen, "its result alone holds %llu bytes, over the %llu the limit leaves it",
             (unsigned long long)bytes, (unsigned long long)budget);
    return TIR_ERR_NOMEM;
}

tir_status vm_sort_finish_spilled(vm_sink_sort *const *s, int nw, vm_spill *sp, uint64_t budget, bool force,
                                  int nthreads, volatile int *cancel, uint64_t *extra, vm_table **out,
                                  vm_spill_stats *stats, char *err, size_t errlen)
{
    const vm_sortdef *def = s[0]->def;
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
            vm_sortfile rf = s[w]->files[i];
            n += rf.rows;
            if (!add_file(&runs, &nruns, &cap, rf)) {
                vm_spill_close(rf.f);
                st = TIR_ERR_NOMEM;
            }
        }
        s[w]->nfiles = 0;
    }
    uint64_t from = (uint64_t)def->offset < n ? (uint64_t)def->offset : n, m = n - from;
    uint64_t result = vm_sort_result_bytes(def, m);
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
        vm_sortfile into;
        st = merge_runs(def, sp, runs + head, (int)k, &into, cancel, err, errlen);
        head += k;   /* closed by the merge, whatever it returned */
        if (!st) {
            stats->bytes += vm_spill_file_bytes(into.f);
            stats->files++;
            if (!add_file(&runs, &nruns, &cap, into)) {
                vm_spill_close(into.f);
                st = TIR_ERR_NOMEM;
            }
        }
    }
    if (!st) {
        uint64_t held = result;
        int level = 0;
        for (size_t i = head; i < nruns; i++) {
            held += run_bytes(def, &runs[i]);
            level = runs[i].level > level ? runs[i].level : level;
        }
        *extra = held > *extra ? held : *extra;
        stats->passes = (uint64_t)level + 1;
        st = merge_result(def, runs + head, (int)(nruns - head), from, m, nthreads, cancel, out, err, errlen);
        head = nruns;
    }
    for (size_t i = head; i < nruns; i++)
        vm_spill_close(runs[i].f);
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
