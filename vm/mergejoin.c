/*
** mergejoin.c — merge_join: the input (the pipeline's rows, in order) is
** merged with a right side sorted on the same keys: a relation of an
** earlier pipeline or a table, in memory or a native table read block by
** block. No hash table is built; each worker keeps a cursor into the right
** side that only moves forward (its morsels come in order), finds each new
** left key by galloping from it, and emits the run of equal right rows for
** every left row with that key. Output chunks are filled like a hash
** join's (JOIN_LOOP), so a key with many matches needs no unbounded buffer.
**
** Keys compare as a sort orders them: a wide decimal by its value, an
** interval by its normalized value (k_iv_key), so "1 month" meets "30
** days" as in a hash join. NULL keys match nothing. The right side's first key has its NULLs at one
** end (every producer of an order puts them there; the checks on load make
** sure), so the searches run between them; later keys' NULLs sit where
** their order says. A left key smaller than the one before is a runtime
** error rather than a wrong answer.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "xpipe.h"

#define MJ_NONE UINT64_MAX

struct vm_mjside {
    const ir_stmt *stmt;
    const vm_table *mem;      /* in memory, or ... */
    vm_store *store;          /* ... a native table */
    int ncols;
    int *src;                 /* per right column (schema order): its column in mem or store */
    int nkeys;
    const int *kcol;          /* per key: right column */
    const bool *desc;
    int *nulls;               /* per key: 1 NULLs first, 0 last */
    uint64_t nrows;
    uint64_t lo, hi;          /* rows whose first key is not NULL */
    uint32_t brows;           /* rows per block (store) */
    const uint64_t *deleted;  /* store: deleted rows */
};

/* One right value. */
typedef union mjval {
    int64_t i;
    int32_t i32;
    uint8_t b;
    double f;
    tir_str s;
    __int128 w;
    tir_interval iv;
} mjval;

struct xmjoin {
    const vm_mjside *s;
    uint64_t pos;             /* no later left key lies before it */
    bool have_prev;
    mjval prev[16];           /* the last left key that was looked up ... */
    uint64_t prev_lo, prev_hi;/* ... and its run of right rows */
    /* the bytes of prev's long strings, kept from one batch to the next:
    ** the left rows' own may be gone (a relation read from disk a chunk at
    ** a time reuses its buffer) */
    char *prevbuf[16];
    uint32_t prevcap[16];
    uint64_t *rlo, *rhi;      /* per input row of the batch: its run */
    uint64_t *rrow;           /* output chunk: right row of each output row, or MJ_NONE */
    uint64_t at;              /* chunk cursor: next right row of the current input row */
    /* the first key's values around the last row read: a block of a store,
    ** or the whole column in memory (the typed searches read through it) */
    uint64_t kfirst, kend;
    const void *kdata;
    const vm_store_chunk *kch;
    /* store: chunks per block and right column, fetched on first use */
    vm_store_chunk *chunks;
    uint8_t *have;
    uint32_t nblocks;
    tir_status st;
    char *err;
    size_t errlen;
};

/* ------------------------------------------------------------ right side */

static bool is_null_at(const vm_mjside *s, xmjoin *m, int col, uint64_t r);

tir_status vm_mj_side_open(const ir_stmt *join, const vm_table *mem, vm_store *store, vm_mjside **out, char *err,
                           size_t errlen)
{
    const ir_schema *rs = join->u.mjoin.rschema;
    vm_mjside *s = calloc(1, sizeof *s);
    if (!s)
        return TIR_ERR_NOMEM;
    s->stmt = join;
    s->mem = mem;
    s->store = store;
    s->ncols = rs->n;
    s->nkeys = join->u.mjoin.nkeys;
    s->kcol = join->u.mjoin.rkeys;
    s->desc = join->u.mjoin.desc;
    s->src = malloc(sizeof *s->src * (size_t)(rs->n ? rs->n : 1));
    s->nulls = malloc(sizeof *s->nulls * (size_t)s->nkeys);
    if (!s->src || !s->nulls) {
        vm_mj_side_free(s);
        return TIR_ERR_NOMEM;
    }
    for (int c = 0; c < rs->n; c++) {
        s->src[c] = c;
        if (store) {
            int k = 0;
            while (k < vm_store_ncols(store) && strcmp(vm_store_col(store, k)->name, rs->cols[c].name.s))
                k++;
            if (k == vm_store_ncols(store)) {
                snprintf(err, errlen, "%s: no column '%s'", vm_store_path(store), rs->cols[c].name.s);
                vm_mj_side_free(s);
                return TIR_ERR_DATA;
            }
            s->src[c] = k;
        }
    }
    s->nrows = store ? vm_store_nrows(store) : mem->nrows;
    s->brows = store ? vm_store_block_rows(store) : 0;
    s->deleted = store ? vm_store_deleted(store) : NULL;
    for (int k = 0; k < s->nkeys; k++)
        s->nulls[k] = join->u.mjoin.rnulls[k];
    /* the first key's NULLs are at one end: the searches stay between them */
    xmjoin *m = vm_mj_new(s, 1, err, errlen);
    if (!m) {
        vm_mj_side_free(s);
        return TIR_ERR_NOMEM;
    }
    uint64_t lo = 0, hi = s->nrows;
    while (lo < hi && is_null_at(s, m, s->kcol[0], lo))
        lo++;
    while (hi > lo && is_null_at(s, m, s->kcol[0], hi - 1))
        hi--;
    tir_status st = m->st;
    vm_mj_free(m);
    if (st) {
        vm_mj_side_free(s);
        return st;
    }
    s->lo = lo;
    s->hi = hi;
    if (s->nulls[0] < 0)
        s->nulls[0] = lo > 0;
    for (int k = 1; k < s->nkeys; k++)
        if (s->nulls[k] < 0)
            s->nulls[k] = 0;
    *out = s;
    return TIR_OK;
}

void vm_mj_side_free(vm_mjside *s)
{
    if (!s)
        return;
    free(s->src);
    free(s->nulls);
    free(s);
}

xmjoin *vm_mj_new(const vm_mjside *s, uint32_t cap, char *err, size_t errlen)
{
    xmjoin *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->s = s;
    m->pos = s->lo;
    m->err = err;
    m->errlen = errlen;
    m->rlo = malloc(sizeof *m->rlo * cap);
    m->rhi = malloc(sizeof *m->rhi * cap);
    m->rrow = malloc(sizeof *m->rrow * cap);
    if (s->store) {
        m->nblocks = vm_store_nblocks(s->store);
        m->chunks = calloc((size_t)m->nblocks * (size_t)s->ncols + 1, sizeof *m->chunks);
        m->have = calloc((size_t)m->nblocks * (size_t)s->ncols + 1, 1);
    }
    if (!m->rlo || !m->rhi || !m->rrow || (s->store && (!m->chunks || !m->have))) {
        vm_mj_free(m);
        return NULL;
    }
    return m;
}

void vm_mj_free(xmjoin *m)
{
    if (!m)
        return;
    free(m->rlo);
    free(m->rhi);
    free(m->rrow);
    free(m->chunks);
    free(m->have);
    for (int k = 0; k < 16; k++)
        free(m->prevbuf[k]);
    free(m);
}

/* Points prev's long strings at bytes of m's own (after a batch). */
static bool own_prev(xmjoin *m, const tir_type *kt, int nk)
{
    for (int k = 0; k < nk && m->have_prev; k++) {
        tir_str *s = &m->prev[k].s;
        if (kt[k] != TIR_STRING || s->len <= TIR_STR_INLINE || s->u.ptr == m->prevbuf[k])
            continue;
        if (s->len > m->prevcap[k]) {
            char *b = realloc(m->prevbuf[k], s->len);
            if (!b)
                return false;
            m->prevbuf[k] = b;
            m->prevcap[k] = s->len;
        }
        memcpy(m->prevbuf[k], s->u.ptr, s->len);
        s->u.ptr = m->prevbuf[k];
    }
    return true;
}

/* The chunk of right column col holding row r (store), with r's offset in it. */
static const vm_store_chunk *chunk_at(xmjoin *m, int col, uint64_t r, uint32_t *off)
{
    const vm_mjside *s = m->s;
    uint32_t b = (uint32_t)(r / s->brows);
    size_t k = (size_t)b * (size_t)s->ncols + (size_t)col;
    *off = (uint32_t)(r - (uint64_t)b * s->brows);
    if (!m->have[k]) {
        tir_status st = vm_store_chunk_get(s->store, b, s->src[col], &m->chunks[k], m->err, m->errlen);
        if (st) {
            /* reported once; reads of the chunk then see NULLs */
            if (!m->st)
                m->st = st;
            memset(&m->chunks[k], 0, sizeof m->chunks[k]);
            static const uint64_t none = 0;
            m->chunks[k].validity = &none;
            m->chunks[k].type = TIR_BOOL;
        }
        m->have[k] = 1;
    }
    return &m->chunks[k];
}

static bool is_null_at(const vm_mjside *s, xmjoin *m, int col, uint64_t r)
{
    if (s->mem)
        return !vm_bit_get(s->mem->cols[s->src[col]].validity, r);
    uint32_t off;
    const vm_store_chunk *ch = chunk_at(m, col, r, &off);
    return !vm_bit_get(ch->validity, off);
}

/* Right column col at row r; false for NULL. */
static inline bool rval(xmjoin *m, int col, tir_type t, uint64_t r, mjval *v)
{
    const vm_mjside *s = m->s;
    const void *data;
    const uint64_t *valid;
    uint64_t off;
    const vm_store_chunk *ch = NULL;
    if (s->mem) {
        const vm_column *c = &s->mem->cols[s->src[col]];
        data = c->data;
        valid = c->validity;
        off = r;
    } else {
        uint32_t o;
        ch = chunk_at(m, col, r, &o);
        data = ch->data;
        valid = ch->validity;
        off = o;
    }
    if (!vm_bit_get(valid, off))
        return false;
    switch (t) {
    case TIR_BOOL: v->i = ((const uint8_t *)data)[off]; break;
    case TIR_I32: case TIR_DATE: v->i = ((const int32_t *)data)[off]; break;
    case TIR_I64: v->i = ((const int64_t *)data)[off]; break;
    case TIR_F64: v->f = ((const double *)data)[off]; break;
    case TIR_DECIMAL128: v->w = ((const __int128 *)data)[off]; break;
    case TIR_INTERVAL: v->iv = ((const tir_interval *)data)[off]; break;
    default:
        if (ch)
            vm_store_strings(ch, (uint32_t)off, 1, &v->s);
        else
            v->s = ((const tir_str *)data)[off];
        break;
    }
    return true;
}

/* ------------------------------------------------------------ comparing */

/* Total orders of the key types, as in a sort: NaN above every number,
** -0.0 equal to 0.0. */
static inline int cmp_f64(double a, double b)
{
    uint64_t x = k_sortkey_f64_bits(a), y = k_sortkey_f64_bits(b);
    return (x > y) - (x < y);
}

static inline int cmp_val(tir_type t, const mjval *a, const mjval *b)
{
    switch (t) {
    case TIR_F64: return cmp_f64(a->f, b->f);
    case TIR_STRING: return k_str_cmp(&a->s, &b->s);
    case TIR_DECIMAL128: return (a->w > b->w) - (a->w < b->w);
    case TIR_INTERVAL: return (k_iv_key(a->iv) > k_iv_key(b->iv)) - (k_iv_key(a->iv) < k_iv_key(b->iv));
    default: return (a->i > b->i) - (a->i < b->i);
    }
}

/* Right row r against the left key k, in the join's order: < 0 when r
** comes before k. */
static int cmp_right(xmjoin *m, const tir_type *kt, uint64_t r, const mjval *k)
{
    const vm_mjside *s = m->s;
    for (int i = 0; i < s->nkeys; i++) {
        mjval v;
        int c;
        if (!rval(m, s->kcol[i], kt[i], r, &v))
            c = s->nulls[i] ? -1 : 1;
        else {
            c = cmp_val(kt[i], &v, &k[i]);
            if (s->desc[i])
                c = -c;
        }
        if (c)
            return c;
    }
    return 0;
}

/* First row of [from, hi) not before k (upper: not at or before k), found
** by galloping from `from`: cheap when it is near, logarithmic when far. */
static uint64_t search(xmjoin *m, const tir_type *kt, const mjval *k, uint64_t from, bool upper)
{
    uint64_t hi = m->s->hi;
    int lim = upper ? 0 : -1; /* rows with cmp <= lim come before the answer */
    if (from >= hi || cmp_right(m, kt, from, k) > lim)
        return from;
    uint64_t a = from, step = 1;
    while (a + step < hi && cmp_right(m, kt, a + step, k) <= lim) {
        a += step;
        step *= 2;
    }
    uint64_t b = a + step < hi ? a + step : hi;
    while (b - a > 1) {
        uint64_t mid = a + (b - a) / 2;
        if (cmp_right(m, kt, mid, k) <= lim)
            a = mid;
        else
            b = mid;
    }
    return b;
}

/* ------------------------------------------- one key: typed searches */

static void kseg_load(xmjoin *m, uint64_t r)
{
    const vm_mjside *s = m->s;
    if (s->mem) {
        m->kfirst = 0;
        m->kend = s->nrows;
        m->kdata = s->mem->cols[s->src[s->kcol[0]]].data;
        return;
    }
    uint32_t off;
    const vm_store_chunk *ch = chunk_at(m, s->kcol[0], r, &off);
    m->kfirst = r - off;
    m->kend = m->kfirst + ch->rows;
    m->kdata = ch->data;
    m->kch = ch;
}

/* The right side's first key at row r (never NULL: the searches stay
** between the NULLs); cmp_T orders two values as a sort does. */
#define RKEY_FIXED(T, CT)                                                      \
    static inline CT rkey_##T(xmjoin *m, uint64_t r)                           \
    {                                                                          \
        if (r < m->kfirst || r >= m->kend)                                     \
            kseg_load(m, r);                                                   \
        return m->kdata ? ((const CT *)m->kdata)[r - m->kfirst] : (CT){0};     \
    }
RKEY_FIXED(i32, int32_t)
RKEY_FIXED(i64, int64_t)
RKEY_FIXED(f64, double)
RKEY_FIXED(bool, uint8_t)
RKEY_FIXED(d128, __int128)
RKEY_FIXED(iv, tir_interval)

static inline tir_str rkey_str(xmjoin *m, uint64_t r)
{
    if (r < m->kfirst || r >= m->kend)
        kseg_load(m, r);
    tir_str v = {0};
    if (m->s->mem)
        v = ((const tir_str *)m->kdata)[r];
    else if (m->kch->type == TIR_STRING)
        vm_store_strings(m->kch, (uint32_t)(r - m->kfirst), 1, &v);
    return v;
}

static inline int cmp_i32(int32_t a, int32_t b) { return (a > b) - (a < b); }
static inline int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }
static inline int cmp_bool(uint8_t a, uint8_t b) { return (a > b) - (a < b); }
static inline int cmp_str(tir_str a, tir_str b) { return k_str_cmp(&a, &b); }
static inline int cmp_d128(__int128 a, __int128 b) { return (a > b) - (a < b); }
static inline int cmp_iv(tir_interval a, tir_interval b) { return cmp_d128(k_iv_key(a), k_iv_key(b)); }

/* Runs of equal right rows for the input rows sel[0..n) with one key of
** type T: the first row not before the key by galloping from the cursor,
** then the first row after it. False: an input key out of order. */
#define MJ_RUNS(T, CT, LEFT)                                                                       \
    static inline uint64_t search_##T(xmjoin *m, CT k, uint64_t from, bool upper, int dir)         \
    {                                                                                              \
        uint64_t hi = m->s->hi;                                                                    \
        int lim = upper ? 0 : -1;                                                                  \
        if (from >= hi || dir * cmp_##T(rkey_##T(m, from), k) > lim)                               \
            return from;                                                                           \
        uint64_t a = from, step = 1;                                                               \
        while (a + step < hi && dir * cmp_##T(rkey_##T(m, a + step), k) <= lim) {                  \
            a += step;                                                                             \
            step *= 2;                                                                             \
        }                                                                                          \
        uint64_t b = a + step < hi ? a + step : hi;                                                \
        while (b - a > 1) {                                                                        \
            uint64_t mid = a + (b - a) / 2;                                                        \
            if (dir * cmp_##T(rkey_##T(m, mid), k) <= lim)                                         \
                a = mid;                                                                           \
            else                                                                                   \
                b = mid;                                                                           \
        }                                                                                          \
        return b;                                                                                  \
    }                                                                                              \
    static bool runs_##T(xmjoin *m, const vm_vec *lk, const uint32_t *sel, uint32_t n)             \
    {                                                                                              \
        const CT *L = lk->data;                                                                    \
        int dir = m->s->desc[0] ? -1 : 1;                                                          \
        CT prev = LEFT(m->prev[0]);                                                                \
        for (uint32_t i = 0; i < n; i++) {                                                         \
            uint32_t row = sel ? sel[i] : i;                                                       \
            if (!vm_bit_get(lk->validity, row)) {                                                  \
                m->rlo[i] = m->rhi[i] = 0;                                                         \
                continue;                                                                          \
            }                                                                                      \
            CT k = L[row];                                                                         \
            int c = m->have_prev ? dir * cmp_##T(k, prev) : 1;                                     \
            if (c < 0)                                                                             \
                return false;                                                                      \
            if (c > 0) {                                                                           \
                /* the rows of the key before are before this one */                               \
                uint64_t from = m->have_prev && m->prev_hi > m->pos ? m->prev_hi : m->pos;         \
                uint64_t lo = search_##T(m, k, from, false, dir);                                  \
                m->prev_lo = lo;                                                                   \
                m->prev_hi = search_##T(m, k, lo, true, dir);                                      \
                m->pos = lo;                                                                       \
                prev = k;                                                                          \
                m->have_prev = true;                                                               \
            }                                                                                      \
            m->rlo[i] = m->prev_lo;                                                                \
            m->rhi[i] = m->prev_hi;                                                                \
        }                                                                                          \
        LEFT(m->prev[0]) = prev;                                                                   \
        return true;                                                                               \
    }
#define AS_I32(v) ((v).i32)
#define AS_I64(v) ((v).i)
#define AS_F64(v) ((v).f)
#define AS_BOOL(v) ((v).b)
#define AS_STR(v) ((v).s)
#define AS_D128(v) ((v).w)
#define AS_IV(v) ((v).iv)
MJ_RUNS(i32, int32_t, AS_I32)
MJ_RUNS(i64, int64_t, AS_I64)
MJ_RUNS(f64, double, AS_F64)
MJ_RUNS(bool, uint8_t, AS_BOOL)
MJ_RUNS(str, tir_str, AS_STR)
MJ_RUNS(d128, __int128, AS_D128)
MJ_RUNS(iv, tir_interval, AS_IV)

static bool deleted(const vm_mjside *s, uint64_t r)
{
    return s->deleted && (s->deleted[r >> 6] >> (r & 63) & 1);
}

/* ---------------------------------------------------------------- probe */

static tir_status order_error(xpipe *x, const vm_ins *in, const vm_join *jd)
{
    const ir_program *prog = x->plan->prog;
    char at[512];
    ir_srcmap m = ir_prog_srcmap(prog);
    ir_locate(at, sizeof at, &m, in->span);
    snprintf(x->err, x->errlen, "%s: error: merge_join's input is not in the order of its keys (%s ...): a "
             "key comes after a greater one", at, jd->stmt->u.mjoin.keys[0]->u.col.name.s);
    return TIR_ERR_DATA;
}

tir_status vm_mj_probe(xpipe *x, const vm_ins *in)
{
    const vm_join *jd = &x->p->joins[in->a];
    xjoin *j = &x->joins[in->a];
    xmjoin *m = j->mj;
    const vm_mjside *s = m->s;
    int nk = s->nkeys;
    const uint32_t *sel = in->b < 0 || x->s[in->b].dense ? NULL : x->s[in->b].idx;
    uint32_t n = in->b < 0 ? x->f[jd->in_frame].n : x->s[in->b].n;
    tir_type kt[16];
    for (int k = 0; k < nk; k++)
        kt[k] = x->r[jd->key_regs[k]].type;
    if (!j->pending && nk == 1) {
        /* each input row's run of equal right rows: one key, typed */
        const vm_vec *lk = &x->r[jd->key_regs[0]];
        bool ok;
        switch (kt[0]) {
        case TIR_I32: case TIR_DATE: ok = runs_i32(m, lk, sel, n); break;
        case TIR_I64: ok = runs_i64(m, lk, sel, n); break;
        case TIR_F64: ok = runs_f64(m, lk, sel, n); break;
        case TIR_BOOL: ok = runs_bool(m, lk, sel, n); break;
        case TIR_DECIMAL128: ok = runs_d128(m, lk, sel, n); break;
        case TIR_INTERVAL: ok = runs_iv(m, lk, sel, n); break;
        default: ok = runs_str(m, lk, sel, n); break;
        }
        if (!ok)
            return order_error(x, in, jd);
    } else if (!j->pending) {
        /* each input row's run of equal right rows, keys compared in turn */
        for (uint32_t i = 0; i < n; i++) {
            uint32_t row = sel ? sel[i] : i;
            mjval key[16];
            bool null = false;
            for (int k = 0; k < nk; k++) {
                const vm_vec *v = &x->r[jd->key_regs[k]];
                null |= !vm_bit_get(v->validity, row);
                switch (kt[k]) {
                case TIR_BOOL: key[k].i = ((const uint8_t *)v->data)[row]; break;
                case TIR_I32: case TIR_DATE: key[k].i = ((const int32_t *)v->data)[row]; break;
                case TIR_I64: key[k].i = ((const int64_t *)v->data)[row]; break;
                case TIR_F64: key[k].f = ((const double *)v->data)[row]; break;
                case TIR_DECIMAL128: key[k].w = ((const __int128 *)v->data)[row]; break;
                case TIR_INTERVAL: key[k].iv = ((const tir_interval *)v->data)[row]; break;
                default: key[k].s = ((const tir_str *)v->data)[row]; break;
                }
            }
            if (null) {
                m->rlo[i] = m->rhi[i] = 0;
                continue;
            }
            int c = 1;
            for (int k = 0; k < nk && m->have_prev; k++) {
                c = cmp_val(kt[k], &key[k], &m->prev[k]);
                if (s->desc[k])
                    c = -c;
                if (c)
                    break;
            }
            if (m->have_prev && c < 0)
                return order_error(x, in, jd);
            if (!m->have_prev || c > 0) {
                uint64_t lo = search(m, kt, key, m->pos, false);
                m->prev_lo = lo;
                m->prev_hi = search(m, kt, key, lo, true);
                m->pos = lo;
                memcpy(m->prev, key, sizeof *key * (size_t)nk);
                m->have_prev = true;
            }
            m->rlo[i] = m->prev_lo;
            m->rhi[i] = m->prev_hi;
        }
    }
    if (!j->pending) {
        if (m->st)
            return m->st;
        if (!own_prev(m, kt, nk))
            return TIR_ERR_NOMEM;
        if (s->deleted) {
            /* runs of deleted rows only match nothing */
            for (uint32_t i = 0; i < n; i++) {
                uint64_t r = m->rlo[i];
                while (r < m->rhi[i] && deleted(s, r))
                    r++;
                if (r == m->rhi[i])
                    m->rlo[i] = m->rhi[i] = 0;
            }
        }
        j->nin = n;
        j->cursor = 0;
        m->at = n ? m->rlo[0] : 0;
        if (jd->kind == IR_JOIN_SEMI || jd->kind == IR_JOIN_ANTI) {
            xsel *out = &x->s[jd->out_sel];
            uint32_t k = 0;
            bool want = jd->kind == IR_JOIN_SEMI;
            for (uint32_t i = 0; i < n; i++) {
                out->idx[k] = sel ? sel[i] : i;
                k += (m->rlo[i] < m->rhi[i]) == want;
            }
            out->n = k;
            return TIR_OK;
        }
    }
    /* the next chunk of (input row, right row) pairs */
    uint32_t k = 0, cap = x->cap, cur = j->cursor, nin = j->nin;
    uint64_t at = m->at;
    bool left = jd->kind == IR_JOIN_LEFT;
    if (!left && !s->deleted) {
        /* inner join, every right row live: the runs as they are */
        uint32_t *pidx = j->pidx;
        uint64_t *rrow = m->rrow;
        const uint64_t *rlo = m->rlo, *rhi = m->rhi;
        while (cur < nin && k < cap) {
            uint32_t row = sel ? sel[cur] : cur;
            uint64_t hi = rhi[cur];
            while (at < hi && k < cap) {
                pidx[k] = row;
                rrow[k++] = at++;
            }
            if (at < hi)
                break;
            cur++;
            at = cur < nin ? rlo[cur] : 0;
        }
    }
    while (cur < nin && k < cap) {
        uint32_t row = sel ? sel[cur] : cur;
        uint64_t hi = m->rhi[cur];
        if (m->rlo[cur] == hi) {
            if (left) {
                j->pidx[k] = row;
                m->rrow[k++] = MJ_NONE;
            }
        } else {
            for (; at < hi && k < cap; at++) {
                if (deleted(s, at))
                    continue;
                j->pidx[k] = row;
                m->rrow[k++] = at;
            }
            if (at < hi)
                break;
        }
        cur++;
        at = cur < nin ? m->rlo[cur] : 0;
    }
    j->cursor = cur;
    m->at = at;
    x->f[jd->out_frame].n = k;
    j->pending = cur < nin;
    return TIR_OK;
}

/* MJOIN_RIGHT_W* and _X16: r[c] = right column a at the chunk's right rows. */
#define MJ_RIGHT(W, CT, STR)                                                                   \
    tir_status vm_mj_right_##W(xpipe *x, const vm_ins *in)                                     \
    {                                                                                          \
        xmjoin *m = x->joins[in->b].mj;                                                        \
        const vm_mjside *s = m->s;                                                             \
        uint32_t n = x->f[in->frame].n;                                                        \
        CT *dst = x->rbuf[in->c];                                                              \
        uint64_t *v = x->rvalid[in->c];                                                        \
        bool any_null = false;                                                                 \
        const vm_column *mc = s->mem ? &s->mem->cols[s->src[in->a]] : NULL;                    \
        const vm_store_chunk *ch = NULL;                                                       \
        uint64_t cfirst = 1, cend = 0; /* the rows of ch */                                    \
        for (uint32_t i = 0; i < n; i++) {                                                     \
            uint64_t r = m->rrow[i];                                                           \
            bool ok = false;                                                                   \
            if (r == MJ_NONE) {                                                                \
            } else if (mc) {                                                                   \
                ok = vm_bit_get(mc->validity, r);                                              \
                dst[i] = ((const CT *)mc->data)[r];                                            \
            } else {                                                                           \
                if (r < cfirst || r >= cend) {                                                 \
                    uint32_t o;                                                                \
                    ch = chunk_at(m, in->a, r, &o);                                            \
                    cfirst = r - o;                                                            \
                    cend = cfirst + ch->rows;                                                  \
                }                                                                              \
                uint32_t o = (uint32_t)(r - cfirst);                                           \
                ok = vm_bit_get(ch->validity, o);                                              \
                if (!ok)                                                                       \
                    ;                                                                          \
                else if (STR)                                                                  \
                    vm_store_strings(ch, o, 1, (tir_str *)(void *)&dst[i]);                    \
                else                                                                           \
                    dst[i] = ((const CT *)ch->data)[o];                                        \
            }                                                                                  \
            if (!ok)                                                                           \
                memset(&dst[i], 0, sizeof dst[i]);                                             \
            vm_bit_set(v, i, ok);                                                              \
            any_null |= !ok;                                                                   \
        }                                                                                      \
        x->r[in->c].validity = any_null ? v : NULL;                                            \
        return m->st;                                                                          \
    }
MJ_RIGHT(W1, uint8_t, 0)
MJ_RIGHT(W4, uint32_t, 0)
MJ_RIGHT(W8, uint64_t, 0)
MJ_RIGHT(W16, tir_str, 1)
MJ_RIGHT(X16, __int128, 0)
