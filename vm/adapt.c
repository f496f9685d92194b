/*
** adapt.c — conjunctions that reorder themselves while they run.
**
** A plan runs as written, so the writer of `a && b && c` pays for its order:
** a costly, unselective conjunct first makes every row pay for it. Like
** the vectorized engines (Vectorwise, DuckDB's adaptive filters), each
** worker measures per conjunct the time it takes and the rows it removes,
** and every VM_ADAPT_EVERY batches puts first the conjuncts that remove the
** most rows per nanosecond. The rows kept do not depend on the order (every
** conjunct must be true), and the lowering admits only conjuncts that
** cannot fail, so neither do the errors.
*/
#include <string.h>
#include <time.h>

#include "xpipe.h"

enum { VM_ADAPT_EVERY = 8 };

static uint64_t adapt_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

uint64_t vm_adapt_pack(const uint8_t *order, int n)
{
    uint64_t v = 0;
    for (int j = n - 1; j >= 0; j--)
        v = v << 4 | order[j];
    return v;
}

/* Nanoseconds per row removed, the lower the better; a conjunct that has
** seen no row yet is tried first, so that it gets measured. */
static double adapt_rank(const xadapt *st, int k)
{
    if (st->in[k] == 0)
        return 0;
    return (double)st->ns[k] / (double)(st->in[k] - st->out[k] + 1);
}

static void adapt_reorder(const vm_adapt *ad, xadapt *st)
{
    double rank[VM_ADAPT_MAX];
    for (int k = 0; k < ad->n; k++)
        rank[k] = adapt_rank(st, k);
    /* insertion sort, stable: ties keep the written order */
    for (int k = 0; k < ad->n; k++)
        st->order[k] = (uint8_t)k;
    for (int i = 1; i < ad->n; i++) {
        uint8_t k = st->order[i];
        int j = i;
        while (j > 0 && rank[st->order[j - 1]] > rank[k]) {
            st->order[j] = st->order[j - 1];
            j--;
        }
        st->order[j] = k;
    }
    /* older measurements count half: the data may change along the input */
    for (int k = 0; k < ad->n; k++) {
        st->ns[k] /= 2;
        st->in[k] /= 2;
        st->out[k] /= 2;
    }
    atomic_store_explicit(ad->shown, vm_adapt_pack(st->order, ad->n), memory_order_relaxed);
}

tir_status vm_x_adapt(xpipe *x, const vm_run_opts *o, const vm_ins *in)
{
    const vm_adapt *ad = &x->p->adapts[in->a];
    xadapt *st = &x->adapt[in->a];
    if (!st->started) {
        for (int k = 0; k < ad->n; k++)
            st->order[k] = (uint8_t)k;
        st->started = true;
    }
    xsel *cur = &x->s[in->c];
    SEL(x, in->b, in->frame, sel, n);
    cur->n = n;
    cur->dense = !sel;
    if (sel)
        memcpy(cur->idx, sel, sizeof *sel * n);
    for (int j = 0; j < ad->n && cur->n; j++) {
        int k = st->order[j];
        uint32_t before = cur->n;
        uint64_t t0 = adapt_now();
        tir_status s = vm_x_run_code(x, o, ad->start[k], ad->end[k]);
        if (s)
            return s;
        st->ns[k] += adapt_now() - t0;
        xsel *out = &x->s[ad->out[k]];
        st->in[k] += before;
        st->out[k] += out->n;
        if (out == cur)
            continue;
        /* the conjunct's rows become the next one's input */
        uint32_t *idx = cur->idx;
        cur->idx = out->idx;
        out->idx = idx;
        cur->n = out->n;
        cur->dense = false;
    }
    if (++st->batches % VM_ADAPT_EVERY == 0)
        adapt_reorder(ad, st);
    return TIR_OK;
}
