/*
** window.c — window functions over rows already sorted by partition and
** order keys (sort.c's finish calls vm_window_eval). Partitions are shared
** out to threads in contiguous stretches; each function runs per
** partition with one typed loop over its rows, never a type test per row.
**
** Frames: every frame tir allows (rows with offsets, range in peer groups,
** unbounded ends) has a start and an end that never move backwards as the
** current row advances. Sums, counts and averages over integers use prefix
** sums (128-bit, exact; over wide decimals 128 bits and a count of wraps);
** over f64 a running sum when the frame starts at the partition, else a
** segment tree (O(log n) a row, no cancellation); min and max a monotonic
** deque (O(1) amortized; intervals by k_iv_key, DuckDB's order). Nothing
** costs O(rows x frame).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "par.h"
#include "sort.h"

/* A partition's rows [ps, pe) and, per row, its frame [fs, fe) and its
** peer group [gs, ge). */
typedef struct wpart {
    uint64_t ps, pe;
    uint64_t *gs, *ge;        /* indexed by row - ps */
    uint64_t *fs, *fe;
    int64_t *idx;             /* row to take a value from, or -1 (NULL), -2 (the lag/lead default) */
    size_t cap;
} wpart;

typedef struct wctx {
    const vm_windef *win;
    const vm_column *in;
    const uint8_t *part, *peer;
    vm_column *out;           /* one per function */
    uint64_t bounds[VM_MAX_WORKERS + 1];
    tir_status st[VM_MAX_WORKERS];
    const vm_winfndef *failed[VM_MAX_WORKERS];
} wctx;

static bool wpart_reserve(wpart *p, uint64_t n)
{
    if (n <= p->cap)
        return true;
    size_t cap = p->cap ? p->cap : 1024;
    while (cap < n)
        cap *= 2;
    uint64_t *a = realloc(p->gs, cap * 8), *b = a ? realloc(p->ge, cap * 8) : NULL;
    if (a)
        p->gs = a;
    if (b)
        p->ge = b;
    uint64_t *c = b ? realloc(p->fs, cap * 8) : NULL, *d = c ? realloc(p->fe, cap * 8) : NULL;
    if (c)
        p->fs = c;
    if (d)
        p->fe = d;
    int64_t *x = d ? realloc(p->idx, cap * 8) : NULL;
    if (x)
        p->idx = x;
    if (!x)
        return false;
    p->cap = cap;
    return true;
}

/* The frame of every row of the partition, as [fs, fe) in rows. */
static void frames(wpart *p, const ir_frame *f)
{
    uint64_t ps = p->ps, pe = p->pe, n = pe - ps;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = ps + k;
        int64_t lo, hi;
        if (f->range) {
            lo = f->lo.kind == IR_B_UNBOUNDED_PRECEDING ? (int64_t)ps : (int64_t)p->gs[k];
            hi = f->hi.kind == IR_B_UNBOUNDED_FOLLOWING ? (int64_t)pe : (int64_t)p->ge[k];
        } else {
            lo = f->lo.kind == IR_B_UNBOUNDED_PRECEDING ? (int64_t)ps
               : f->lo.kind == IR_B_PRECEDING           ? (int64_t)i - f->lo.n
               : f->lo.kind == IR_B_FOLLOWING           ? (int64_t)i + f->lo.n
                                                        : (int64_t)i;
            hi = f->hi.kind == IR_B_UNBOUNDED_FOLLOWING ? (int64_t)pe
               : f->hi.kind == IR_B_PRECEDING           ? (int64_t)i - f->hi.n + 1
               : f->hi.kind == IR_B_FOLLOWING           ? (int64_t)i + f->hi.n + 1
                                                        : (int64_t)i + 1;
        }
        lo = lo < (int64_t)ps ? (int64_t)ps : lo > (int64_t)pe ? (int64_t)pe : lo;
        hi = hi < lo ? lo : hi > (int64_t)pe ? (int64_t)pe : hi;
        p->fs[k] = (uint64_t)lo;
        p->fe[k] = (uint64_t)hi;
    }
}

/* ------------------------------------------------------ value functions */

/* out row i <- in row idx[i], NULL (-1), or the default column's row i (-2). */
#define TAKE_LOOP(CT)                                                                             \
    do {                                                                                          \
        CT *d = out->data;                                                                        \
        const CT *s = src->data, *df = def ? def->data : NULL;                                    \
        for (uint64_t k = 0; k < n; k++) {                                                        \
            int64_t j = p->idx[k];                                                                \
            uint64_t i = p->ps + k;                                                               \
            bool v = j >= 0 ? vm_bit_get(src->validity, (uint64_t)j) : j == -2 && vm_bit_get(def->validity, i); \
            if (j >= 0)                                                                           \
                d[i] = s[j];                                                                      \
            else if (j == -2)                                                                     \
                d[i] = df[i];                                                                     \
            else                                                                                  \
                memset(&d[i], 0, sizeof d[i]);                                                    \
            if (out->validity)                                                                    \
                vm_bit_set(out->validity, i, v);                                                  \
        }                                                                                         \
    } while (0)

static void take(const wpart *p, const vm_column *src, const vm_column *def, vm_column *out)
{
    uint64_t n = p->pe - p->ps;
    switch (vm_type_width(out->type)) {
    case 1: TAKE_LOOP(uint8_t); break;
    case 4: TAKE_LOOP(uint32_t); break;
    case 8: TAKE_LOOP(uint64_t); break;
    default: TAKE_LOOP(tir_str); break;
    }
}

/* -------------------------------------------------------- min and max */

/* A monotonic deque of row numbers over the frames: the front is the
** frame's least (min) or greatest (max) valid value. */
#define MINMAX_FN(T, CT, LESS)                                                                    \
    static void minmax_##T(const wpart *p, const vm_column *x, bool max, vm_column *out, uint64_t *dq) \
    {                                                                                             \
        const CT *v = x->data;                                                                    \
        CT *d = out->data;                                                                        \
        uint64_t n = p->pe - p->ps, head = 0, tail = 0, next = p->ps;                             \
        for (uint64_t k = 0; k < n; k++) {                                                        \
            uint64_t i = p->ps + k, fs = p->fs[k], fe = p->fe[k];                                 \
            for (; next < fe; next++) {                                                           \
                if (!vm_bit_get(x->validity, next))                                               \
                    continue;                                                                     \
                while (tail > head && (max ? LESS(v[dq[tail - 1]], v[next]) : LESS(v[next], v[dq[tail - 1]]))) \
                    tail--;                                                                       \
                dq[tail++] = next;                                                                \
            }                                                                                     \
            while (tail > head && dq[head] < fs)                                                  \
                head++;                                                                           \
            bool has = tail > head && fs < fe;                                                    \
            if (has)                                                                              \
                d[i] = v[dq[head]];                                                               \
            else                                                                                  \
                memset(&d[i], 0, sizeof d[i]);                                                    \
            vm_bit_set(out->validity, i, has);                                                    \
        }                                                                                         \
    }
#define LESS_NUM(a, b) ((a) < (b))
#define LESS_STR(a, b) (k_str_cmp(&(a), &(b)) < 0)
#define LESS_IV(a, b) (k_iv_key(a) < k_iv_key(b))
MINMAX_FN(i32, int32_t, LESS_NUM)
MINMAX_FN(i64, int64_t, LESS_NUM)
MINMAX_FN(f64, double, LESS_NUM)
MINMAX_FN(str, tir_str, LESS_STR)
MINMAX_FN(d128, __int128, LESS_NUM)
MINMAX_FN(iv, tir_interval, LESS_IV)

/* ------------------------------------------------- sums, counts, averages */

/* cnt[k] = valid values in rows [ps, ps + k) of the partition. */
static void prefix_count(const wpart *p, const vm_column *x, uint64_t *cnt)
{
    uint64_t n = p->pe - p->ps, c = 0;
    cnt[0] = 0;
    for (uint64_t k = 0; k < n; k++) {
        c += vm_bit_get(x->validity, p->ps + k);
        cnt[k + 1] = c;
    }
}

/* sum[k] = the sum of the valid values in rows [ps, ps + k), exact. */
#define PREFIX_SUM(T, CT)                                                                         \
    static void prefix_sum_##T(const wpart *p, const vm_column *x, __int128 *sum)                  \
    {                                                                                             \
        const CT *v = x->data;                                                                    \
        uint64_t n = p->pe - p->ps;                                                               \
        __int128 s = 0;                                                                           \
        sum[0] = 0;                                                                               \
        for (uint64_t k = 0; k < n; k++) {                                                        \
            if (vm_bit_get(x->validity, p->ps + k))                                               \
                s += v[p->ps + k];                                                                \
            sum[k + 1] = s;                                                                       \
        }                                                                                         \
    }
PREFIX_SUM(i32, int32_t)
PREFIX_SUM(i64, int64_t)

/* Wide decimals: the prefix sums modulo 2^128 in sum[] and how many times
** they wrapped (signed) in wraps[], so that a frame's sum is exact even
** where the partition's running sum passes 16 bytes. */
static void prefix_sum_d128(const wpart *p, const vm_column *x, __int128 *sum, int64_t *wraps)
{
    const __int128 *v = x->data;
    uint64_t n = p->pe - p->ps;
    unsigned __int128 s = 0;
    int64_t w = 0;
    sum[0] = 0;
    wraps[0] = 0;
    for (uint64_t k = 0; k < n; k++) {
        if (vm_bit_get(x->validity, p->ps + k)) {
            __int128 a = v[p->ps + k];
            unsigned __int128 t = s + (unsigned __int128)a;
            w += (t < s) - (a < 0);
            s = t;
        }
        sum[k + 1] = (__int128)s;
        wraps[k + 1] = w;
    }
}

/* The sum of rows [a, b) from prefix_sum_d128's arrays: false when it does
** not fit 16 bytes (then *f still holds it as a double). */
static bool frame_sum_d128(const __int128 *sum, const int64_t *wraps, uint64_t a, uint64_t b, __int128 *s,
                           double *f)
{
    unsigned __int128 lo = (unsigned __int128)sum[b] - (unsigned __int128)sum[a];
    int64_t hi = wraps[b] - wraps[a] - ((unsigned __int128)sum[b] < (unsigned __int128)sum[a]);
    *s = (__int128)lo;
    hi += *s < 0;   /* now the sum is hi * 2^128 + *s: 0 when it fits */
    *f = (double)hi * 0x1p128 + (double)*s;
    return hi == 0;
}

/* f64 sums of the frames: running when every frame starts at the
** partition (the same additions, in order, as a plain sum), else a
** segment tree over the partition. */
static void fsums(const wpart *p, const vm_column *x, double *tree, double *out)
{
    const double *v = x->data;
    uint64_t n = p->pe - p->ps;
    bool running = true;
    for (uint64_t k = 0; k < n && running; k++)
        running = p->fs[k] == p->ps;
    if (running) {
        double s = 0;
        uint64_t at = p->ps;
        for (uint64_t k = 0; k < n; k++) {
            for (; at < p->fe[k]; at++)
                if (vm_bit_get(x->validity, at))
                    s += v[at];
            out[k] = s;
        }
        return;
    }
    uint64_t size = 1;
    while (size < n)
        size *= 2;
    for (uint64_t k = 0; k < size; k++)
        tree[size + k] = k < n && vm_bit_get(x->validity, p->ps + k) ? v[p->ps + k] : 0.0;
    for (uint64_t k = size - 1; k >= 1; k--)
        tree[k] = tree[2 * k] + tree[2 * k + 1];
    for (uint64_t k = 0; k < n; k++) {
        double s = 0;
        uint64_t lo = p->fs[k] - p->ps + size, hi = p->fe[k] - p->ps + size;
        while (lo < hi) {
            if (lo & 1)
                s += tree[lo++];
            if (hi & 1)
                s += tree[--hi];
            lo >>= 1;
            hi >>= 1;
        }
        out[k] = s;
    }
}

/* --------------------------------------------------------- per partition */

typedef struct wscratch {
    wpart p;
    uint64_t *cnt;            /* prefix counts (n + 1) */
    __int128 *sum;            /* prefix sums (n + 1) */
    int64_t *wraps;           /* their wraps, wide decimals (n + 1) */
    double *fsum;             /* f64 frame sums (n) */
    double *tree;             /* segment tree (2 x next power of two >= n) */
    uint64_t *dq;             /* deque (n) */
    size_t cap;
} wscratch;

static bool scratch_reserve(wscratch *w, uint64_t n)
{
    if (!wpart_reserve(&w->p, n))
        return false;
    if (n <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < n)
        cap *= 2;
    free(w->cnt);
    free(w->sum);
    free(w->wraps);
    free(w->fsum);
    free(w->tree);
    free(w->dq);
    w->cnt = malloc((cap + 1) * sizeof *w->cnt);
    w->sum = malloc((cap + 1) * sizeof *w->sum);
    w->wraps = malloc((cap + 1) * sizeof *w->wraps);
    w->fsum = malloc(cap * sizeof *w->fsum);
    w->tree = malloc(2 * cap * sizeof *w->tree);
    w->dq = malloc(cap * sizeof *w->dq);
    w->cap = cap;
    if (!w->cnt || !w->sum || !w->wraps || !w->fsum || !w->tree || !w->dq) {
        w->cap = 0;
        return false;
    }
    return true;
}

/* Evaluates f over one partition; false: an integer sum overflowed. */
static bool eval_fn(const vm_winfndef *f, const vm_column *in, wscratch *w, vm_column *out)
{
    wpart *p = &w->p;
    uint64_t ps = p->ps, n = p->pe - ps;
    int64_t *o64 = out->data;
    double *of = out->data;
    const vm_column *x = f->arg >= 0 ? &in[f->arg] : NULL;
    switch (f->kind) {
    case IR_W_ROW_NUMBER:
        for (uint64_t k = 0; k < n; k++)
            o64[ps + k] = (int64_t)k + 1;
        return true;
    case IR_W_RANK:
        for (uint64_t k = 0; k < n; k++)
            o64[ps + k] = (int64_t)(p->gs[k] - ps) + 1;
        return true;
    case IR_W_DENSE_RANK: {
        int64_t r = 0;
        for (uint64_t k = 0; k < n; k++) {
            r += p->gs[k] == ps + k;
            o64[ps + k] = r;
        }
        return true;
    }
    case IR_W_PERCENT_RANK:
        for (uint64_t k = 0; k < n; k++)
            of[ps + k] = n > 1 ? (double)(p->gs[k] - ps) / (double)(n - 1) : 0.0;
        return true;
    case IR_W_CUME_DIST:
        for (uint64_t k = 0; k < n; k++)
            of[ps + k] = (double)(p->ge[k] - ps) / (double)n;
        return true;
    case IR_W_NTILE: {
        /* n rows in b buckets: the first n % b buckets get one row more */
        uint64_t b = (uint64_t)f->n, q = n / b, r = n % b;
        for (uint64_t k = 0; k < n; k++)
            o64[ps + k] = q == 0 ? (int64_t)k + 1
                          : k < r * (q + 1) ? (int64_t)(k / (q + 1)) + 1
                                            : (int64_t)(r + (k - r * (q + 1)) / q) + 1;
        return true;
    }
    case IR_W_LAG:
    case IR_W_LEAD:
        for (uint64_t k = 0; k < n; k++) {
            int64_t j = f->kind == IR_W_LAG ? (int64_t)k - f->n : (int64_t)k + f->n;
            p->idx[k] = j >= 0 && j < (int64_t)n ? (int64_t)ps + j : f->def >= 0 ? -2 : -1;
        }
        take(p, x, f->def >= 0 ? &in[f->def] : NULL, out);
        return true;
    case IR_W_FIRST_VALUE:
    case IR_W_LAST_VALUE:
    case IR_W_NTH_VALUE:
        for (uint64_t k = 0; k < n; k++) {
            uint64_t fs = p->fs[k], fe = p->fe[k];
            uint64_t at = f->kind == IR_W_FIRST_VALUE ? fs : f->kind == IR_W_LAST_VALUE ? fe - 1 : fs + (uint64_t)f->n - 1;
            p->idx[k] = fs < fe && at < fe ? (int64_t)at : -1;
        }
        take(p, x, NULL, out);
        return true;
    case IR_W_COUNT_STAR:
        for (uint64_t k = 0; k < n; k++)
            o64[ps + k] = (int64_t)(p->fe[k] - p->fs[k]);
        return true;
    case IR_W_COUNT:
    case IR_W_SUM:
    case IR_W_AVG: {
        bool ints = x->type != TIR_F64, wide = x->type == TIR_DECIMAL128;
        prefix_count(p, x, w->cnt);
        if (f->kind != IR_W_COUNT && x->type == TIR_I32)
            prefix_sum_i32(p, x, w->sum);
        else if (f->kind != IR_W_COUNT && x->type == TIR_I64)
            prefix_sum_i64(p, x, w->sum);
        else if (f->kind != IR_W_COUNT && wide)
            prefix_sum_d128(p, x, w->sum, w->wraps);
        else if (f->kind != IR_W_COUNT)
            fsums(p, x, w->tree, w->fsum);
        for (uint64_t k = 0; k < n; k++) {
            uint64_t a = p->fs[k] - ps, b = p->fe[k] - ps, c = w->cnt[b] - w->cnt[a];
            uint64_t i = ps + k;
            if (f->kind == IR_W_COUNT) {
                o64[i] = (int64_t)c;
                continue;
            }
            vm_bit_set(out->validity, i, c > 0);
            if (!c) {
                size_t ow = vm_type_width(out->type);
                memset((char *)out->data + i * ow, 0, ow);
                continue;
            }
            if (!ints) {
                of[i] = f->kind == IR_W_AVG ? w->fsum[k] / (double)c : w->fsum[k];
                continue;
            }
            if (wide) {   /* a sum past 38 digits is an error, as in aggregate */
                __int128 s;
                double d;
                bool fits = frame_sum_d128(w->sum, w->wraps, a, b, &s, &d);
                if (f->kind == IR_W_AVG)
                    of[i] = d / ((double)c * (double)k_pow10_128(f->scale));
                else if (!fits || s >= k_pow10_128(38) || s <= -k_pow10_128(38))
                    return false;
                else
                    ((__int128 *)out->data)[i] = s;
                continue;
            }
            __int128 s = w->sum[b] - w->sum[a];
            if (f->kind == IR_W_AVG) {
                of[i] = (double)s / ((double)c * (double)k_pow10(f->scale));
            } else {
                if (s > INT64_MAX || s < INT64_MIN || (f->dec && (s >= k_pow10(18) || s <= -k_pow10(18))))
                    return false;
                o64[i] = (int64_t)s;
            }
        }
        return true;
    }
    case IR_W_MIN:
    case IR_W_MAX: {
        bool max = f->kind == IR_W_MAX;
        switch (x->type) {
        case TIR_I32: case TIR_DATE: minmax_i32(p, x, max, out, w->dq); break;
        case TIR_I64: minmax_i64(p, x, max, out, w->dq); break;
        case TIR_F64: minmax_f64(p, x, max, out, w->dq); break;
        case TIR_DECIMAL128: minmax_d128(p, x, max, out, w->dq); break;
        case TIR_INTERVAL: minmax_iv(p, x, max, out, w->dq); break;
        default: minmax_str(p, x, max, out, w->dq); break;
        }
        return true;
    }
    }
    return true;
}

static void eval_range(void *arg, int t)
{
    wctx *c = arg;
    const vm_windef *win = c->win;
    uint64_t lo = c->bounds[t], hi = c->bounds[t + 1];
    wscratch w = {0};
    for (uint64_t ps = lo; ps < hi && !c->st[t];) {
        uint64_t pe = ps + 1;
        while (pe < hi && !c->part[pe])
            pe++;
        if (!scratch_reserve(&w, pe - ps)) {
            c->st[t] = TIR_ERR_NOMEM;
            break;
        }
        wpart *p = &w.p;
        p->ps = ps;
        p->pe = pe;
        /* peer groups */
        for (uint64_t k = 0, g = ps; k < pe - ps; k++) {
            if (c->peer[ps + k])
                g = ps + k;
            p->gs[k] = g;
        }
        for (uint64_t k = pe - ps, g = pe; k-- > 0;) {
            p->ge[k] = g;
            if (c->peer[ps + k])
                g = ps + k;
        }
        for (int i = 0; i < win->nfns; i++) {
            const vm_winfndef *f = &win->fns[i];
            frames(p, &f->frame);
            if (!eval_fn(f, c->in, &w, &c->out[i])) {
                c->st[t] = TIR_ERR_RUNTIME;
                c->failed[t] = f;
                break;
            }
        }
        ps = pe;
    }
    free(w.p.gs);
    free(w.p.ge);
    free(w.p.fs);
    free(w.p.fe);
    free(w.p.idx);
    free(w.cnt);
    free(w.sum);
    free(w.wraps);
    free(w.fsum);
    free(w.tree);
    free(w.dq);
}

/* Could function f give NULL? Then its column has a validity bitmap. */
static bool fn_nullable(const vm_winfndef *f)
{
    switch (f->kind) {
    case IR_W_ROW_NUMBER: case IR_W_RANK: case IR_W_DENSE_RANK: case IR_W_PERCENT_RANK:
    case IR_W_CUME_DIST: case IR_W_NTILE: case IR_W_COUNT: case IR_W_COUNT_STAR:
        return false;
    default:
        return true;
    }
}

tir_status vm_window_eval(const vm_windef *win, const vm_column *in, const uint8_t *part, const uint8_t *peer,
                          uint64_t n, vm_pool *pool, int nthreads, vm_table *out, int first, char *err,
                          size_t errlen)
{
    wctx c = {win, in, part, peer, &out->cols[first], {0}, {TIR_OK}, {NULL}};
    for (int i = 0; i < win->nfns; i++) {
        vm_column *col = &out->cols[first + i];
        vm_column_free(col);
        size_t w = vm_type_width(win->fns[i].type);
        col->data = vm_big_realloc(NULL, 0, (n ? n : 1) * w);
        col->cap = n ? n : 1;
        col->len = n;
        if (!col->data || (fn_nullable(&win->fns[i]) && !(col->validity = calloc(col->cap / 64 + 1, 8))))
            return TIR_ERR_NOMEM;
    }
    /* threads take whole partitions: each stretch starts at a partition */
    if (n < (1u << 16) || nthreads < 1)
        nthreads = 1;
    if (nthreads > VM_MAX_WORKERS)
        nthreads = VM_MAX_WORKERS;
    c.bounds[0] = 0;
    for (int t = 1; t < nthreads; t++) {
        uint64_t b = n * (uint64_t)t / (uint64_t)nthreads;
        if (b < c.bounds[t - 1])
            b = c.bounds[t - 1];
        while (b < n && !part[b])
            b++;
        c.bounds[t] = b;
    }
    c.bounds[nthreads] = n;
    vm_par_run(pool, nthreads, eval_range, &c);
    for (int t = 0; t < nthreads; t++) {
        if (c.st[t] == TIR_ERR_RUNTIME) {
            const ir_program *prog = win->prog;
            char at[512], text[256];
            ir_srcmap m = ir_prog_srcmap(prog);
            ir_locate(at, sizeof at, &m, c.failed[t]->span);
            ir_span_text(text, sizeof text, &m, c.failed[t]->span);
            const vm_winfndef *f = c.failed[t];
            if (f->dec || f->arg_type == TIR_DECIMAL128)
                snprintf(err, errlen, "%s: error: decimal overflow in '%s': the value has more than %d digits", at,
                         text, f->dec ? 18 : 38);
            else
                snprintf(err, errlen, "%s: error: integer overflow in '%s'", at, text);
        }
        if (c.st[t])
            return c.st[t];
    }
    return TIR_OK;
}
