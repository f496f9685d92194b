/*
** regexfn.c — the regexp functions over the rows of a selection, with
** PCRE2 (ir/regex.h compiles: UTF mode; bytes of a subject that are not
** valid UTF-8 match no item, so such a subject is matched, never an
** error). A constant pattern (literal, parameter, another pipeline's
** field) is compiled and JIT-compiled once when the pipeline starts; the
** compiled code is read-only and shared by the workers, each matching with
** its own match data and JIT stack. A pattern that varies by row is
** compiled per distinct pattern into a worker's small cache, and
** JIT-compiled once it has been used for enough rows to pay for it.
** regexp_replace follows RE2's (DuckDB's) rewrite: \0..\9 insert groups,
** \\ a backslash, and an empty match right after the previous match is
** skipped.
*/
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "regex.h"
#include "regexfn.h"
#include "strfn.h"

#define VM_RX_CACHE 8          /* patterns per worker that vary by row */
#define VM_RX_JIT_USES 64      /* rows after which such a pattern is JIT-compiled */
#define VM_RX_JIT_STACK (1u << 20)

struct vm_rxset {
    pcre2_code **code;         /* per vm_rxdef: its constant pattern, or NULL */
    int n;
};

typedef struct rxcached {
    char *pat;
    uint32_t len, uses;
    int flags;
    pcre2_code *code;
} rxcached;

struct vm_rxlocal {
    pcre2_match_data *md;
    uint32_t pairs;            /* md's ovector pairs */
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    rxcached cache[VM_RX_CACHE];
    int next;                  /* the cache entry replaced next */
};

static tir_status bad_pattern(xpipe *x, ir_span at, const char *p, uint32_t len, const char *msg, size_t off)
{
    return vm_x_fail(x, TIR_ERR_RUNTIME, at, "invalid regular expression \"%.*s\": %s at offset %zu",
                     (int)(len < 200 ? len : 200), p, msg, off);
}

static pcre2_code *compile(xpipe *x, const vm_rxdef *d, const char *p, uint32_t len, bool jit, tir_status *st)
{
    char msg[256];
    size_t off = 0;
    pcre2_code *re = ir_rx_compile(p, len, d->flags, msg, sizeof msg, &off);
    if (!re) {
        *st = bad_pattern(x, d->span, p, len, msg, off);
        return NULL;
    }
    if (jit) /* where the JIT is unavailable the interpreter matches */
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

tir_status vm_rx_start(xpipe *x, int nw)
{
    const vm_pipe *p = x[0].p;
    if (!p->nrxdefs)
        return TIR_OK;
    vm_rxset *set = calloc(1, sizeof *set);
    if (!set || !(set->code = calloc((size_t)p->nrxdefs, sizeof *set->code))) {
        free(set);
        return TIR_ERR_NOMEM;
    }
    set->n = p->nrxdefs;
    for (int w = 0; w < nw; w++)
        x[w].rx = set;
    tir_status st = TIR_OK;
    for (int i = 0; i < p->nrxdefs && !st; i++) {
        const vm_rxdef *d = &p->rxdefs[i];
        const vm_const *k = d->konst >= 0 ? &x[0].k[d->konst] : NULL;
        if (k && !k->is_null)
            set->code[i] = compile(&x[0], d, tir_str_ptr(&k->s), k->s.len, true, &st);
    }
    for (int w = 0; w < nw && !st; w++) {
        vm_rxlocal *l = x[w].rxl = calloc(1, sizeof *l);
        if (!l || !(l->mctx = pcre2_match_context_create(NULL)) ||
            !(l->jstack = pcre2_jit_stack_create(32 * 1024, VM_RX_JIT_STACK, NULL)))
            return TIR_ERR_NOMEM;
        pcre2_jit_stack_assign(l->mctx, NULL, l->jstack);
    }
    return st;
}

void vm_rx_end(xpipe *x, int nw)
{
    for (int w = 0; w < nw; w++) {
        vm_rxlocal *l = x[w].rxl;
        x[w].rxl = NULL;
        if (!l)
            continue;
        for (int i = 0; i < VM_RX_CACHE; i++) {
            free(l->cache[i].pat);
            pcre2_code_free(l->cache[i].code);
        }
        pcre2_match_data_free(l->md);
        pcre2_match_context_free(l->mctx);
        pcre2_jit_stack_free(l->jstack);
        free(l);
    }
    vm_rxset *set = nw ? x[0].rx : NULL;
    for (int w = 0; w < nw; w++)
        x[w].rx = NULL;
    if (!set)
        return;
    for (int i = 0; i < set->n; i++)
        pcre2_code_free(set->code[i]);
    free(set->code);
    free(set);
}

/* The compiled pattern of a row's pattern, from the worker's cache. */
static pcre2_code *row_code(xpipe *x, const vm_rxdef *d, const tir_str *pat, tir_status *st)
{
    vm_rxlocal *l = x->rxl;
    const char *p = tir_str_ptr(pat);
    for (int i = 0; i < VM_RX_CACHE; i++) {
        rxcached *c = &l->cache[i];
        if (c->code && c->len == pat->len && c->flags == d->flags && !memcmp(c->pat, p, pat->len)) {
            if (++c->uses == VM_RX_JIT_USES)
                pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);
            return c->code;
        }
    }
    pcre2_code *re = compile(x, d, p, pat->len, false, st);
    char *copy = re ? malloc((size_t)pat->len + 1) : NULL;
    if (!copy) {
        pcre2_code_free(re);
        if (re)
            *st = TIR_ERR_NOMEM;
        return NULL;
    }
    memcpy(copy, p, pat->len);
    rxcached *c = &l->cache[l->next];
    l->next = (l->next + 1) % VM_RX_CACHE;
    free(c->pat);
    pcre2_code_free(c->code);
    *c = (rxcached){.pat = copy, .len = pat->len, .flags = d->flags, .code = re, .uses = 1};
    return re;
}

/* Match data with room for every group of re. */
static bool room_for(vm_rxlocal *l, const pcre2_code *re, uint32_t *groups)
{
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, groups);
    if (l->md && l->pairs > *groups)
        return true;
    pcre2_match_data_free(l->md);
    l->pairs = *groups + 1;
    return (l->md = pcre2_match_data_create(l->pairs, NULL)) != NULL;
}

/* 1 when re matches s from byte start, 0 when not; -1 when matching
** failed (a limit reached): *st says so. */
static int match(xpipe *x, const vm_ins *in, const pcre2_code *re, const char *s, uint32_t len, size_t start,
                 tir_status *st)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)s, len, start, 0, x->rxl->md, x->rxl->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    *st = vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "the regular expression could not match a row: %s", (char *)msg);
    return -1;
}

/* The replacement rep for the match in ov: \0..\9 the groups (unset ones
** empty), \\ a backslash, anything else as written. */
static void rewrite(vm_sbuf *b, const char *s, const PCRE2_SIZE *ov, uint32_t pairs, const char *rep, uint32_t rl)
{
    for (uint32_t k = 0; k < rl; k++) {
        char nx = k + 1 < rl ? rep[k + 1] : 0;
        if (rep[k] != '\\' || !((nx >= '0' && nx <= '9') || nx == '\\')) {
            vm_sbuf_put(b, rep + k, 1);
            continue;
        }
        k++;
        uint32_t g = (uint32_t)(nx - '0');
        if (nx == '\\')
            vm_sbuf_put(b, "\\", 1);
        else if (g < pairs && ov[2 * g] != PCRE2_UNSET)
            vm_sbuf_put(b, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    }
}

/* s with the first (global: every) match of re replaced, into b; the
** number of matches replaced, or -1 when matching failed. */
static int replace(xpipe *x, const vm_ins *in, const pcre2_code *re, const char *s, uint32_t sl, const tir_str *rep,
                   bool global, vm_sbuf *b, tir_status *st)
{
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->rxl->md);
    size_t p = 0, lastend = SIZE_MAX;
    int count = 0;
    while (p <= sl) {
        int m = match(x, in, re, s, sl, p, st);
        if (m < 0)
            return -1;
        if (!m)
            break;
        /* \K can move a match's start; never before where the search began */
        size_t ms = ov[0] < p ? p : ov[0], me = ov[1] < ms ? ms : ov[1];
        vm_sbuf_put(b, s + p, ms - p);
        if (ms == me && ms == lastend) {
            /* an empty match where the last one ended: step over a character */
            size_t q = p < sl ? vm_utf8_skip(s, sl, (uint32_t)p, 1) : p + 1;
            vm_sbuf_put(b, s + p, (q > sl ? sl : q) - p);
            p = q;
            continue;
        }
        rewrite(b, s, ov, x->rxl->pairs, tir_str_ptr(rep), rep->len);
        p = lastend = me;
        count++;
        if (!global)
            break;
    }
    if (p < sl)
        vm_sbuf_put(b, s + p, sl - p);
    return count;
}

tir_status vm_op_regexp(xpipe *x, const vm_ins *in)
{
    SEL(x, in->d, in->frame, sel, n);
    const vm_rxdef *d = &x->p->rxdefs[in->b];
    const tir_str *a = x->r[in->a].data, *pat = x->r[d->pat].data;
    const tir_str *rep = in->e >= 0 ? x->r[in->e].data : NULL;
    uint64_t *v = vm_str_valid3(x, in->frame, in->c, in->a, d->pat, in->e);
    x->r[in->c].validity = v;
    uint8_t *flag = x->rbuf[in->c];
    tir_str *out = x->rbuf[in->c];
    const pcre2_code *konst = d->konst >= 0 ? x->rx->code[in->b] : NULL;
    vm_sbuf b = {0};
    tir_status st = TIR_OK;
    for (uint32_t i = 0; i < n && !st; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!K_VALID(v, r))
            continue;
        const pcre2_code *re = konst ? konst : row_code(x, d, &pat[r], &st);
        uint32_t groups;
        if (!re)
            break;
        if (!room_for(x->rxl, re, &groups)) {
            st = TIR_ERR_NOMEM;
            break;
        }
        const char *s = tir_str_ptr(&a[r]);
        int m;
        switch (in->op) {
        case VM_OP_REGEXP_MATCHES:
            m = match(x, in, re, s, a[r].len, 0, &st);
            flag[r] = m > 0;
            break;
        case VM_OP_REGEXP_EXTRACT: {
            if ((uint32_t)d->group > groups) {
                st = vm_x_fail(x, TIR_ERR_RUNTIME, d->span, "regexp_extract asks for group %d, but the pattern has %u",
                               d->group, groups);
                break;
            }
            const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->rxl->md);
            m = match(x, in, re, s, a[r].len, 0, &st);
            size_t g = (size_t)d->group * 2;
            out[r] = m > 0 && ov[g] != PCRE2_UNSET ? vm_str_slice(s + ov[g], (uint32_t)(ov[g + 1] - ov[g]))
                                                   : vm_str_slice("", 0);
            break;
        }
        default:
            m = replace(x, in, re, s, a[r].len, &rep[r], d->flags & IR_RX_GLOBAL, &b, &st);
            if (m == 0) {
                out[r] = a[r];
                b.n = 0;
            } else if (m > 0 && !vm_sbuf_take(x, &b, &out[r])) {
                st = vm_x_fail(x, TIR_ERR_NOMEM, in->span, "out of memory making a string");
            }
            break;
        }
    }
    free(b.p);
    return st;
}
