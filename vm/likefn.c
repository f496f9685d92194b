/*
** likefn.c — `a [i]like p [escape c]` where p is a value per row, or has
** an escape character, or the match ignores case. A constant pattern is
** prepared once per batch (its shape found, its escapes resolved) and runs
** the shape's kernel; a pattern per row is prepared row by row, without
** compiling anything. ilike is lower(a) like lower(p): both sides (and the
** escape character) folded by the Unicode simple lower-case mapping that
** lower() uses, as DuckDB does.
*/
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "likefn.h"
#include "strfn.h"

/* lp = the pattern p (folded into fp when fold), its literal in lit. */
static bool prepare(xpipe *x, const vm_ins *in, bool fold, const tir_str *p, const char *esc, uint32_t esclen,
                    vm_sbuf *fp, vm_sbuf *lit, k_like_pat *lp, tir_status *st)
{
    const char *pat = tir_str_ptr(p);
    uint32_t len = p->len;
    if (fold) {
        fp->n = 0;
        if (!vm_case_map(x, pat, len, false, fp)) {
            *st = vm_x_fail(x, TIR_ERR_NOMEM, in->span, "out of memory folding a pattern");
            return false;
        }
        pat = fp->p;
        len = (uint32_t)fp->n;
    }
    if (!vm_sbuf_room(lit, (size_t)len + 1)) {
        *st = vm_x_fail(x, TIR_ERR_NOMEM, in->span, "out of memory preparing a pattern");
        return false;
    }
    if (!k_like_prepare(lp, pat, len, esc, esclen, lit->p)) {
        *st = vm_x_fail(x, TIR_ERR_RUNTIME, in->span, "the like pattern \"%.*s\" ends with its escape character",
                        (int)(p->len < 200 ? p->len : 200), tir_str_ptr(p));
        return false;
    }
    return true;
}

tir_status vm_op_like_v(xpipe *x, const vm_ins *in, bool fold)
{
    SEL(x, in->d, in->frame, sel, n);
    const tir_str *a = x->r[in->a].data, *p = x->r[in->b].data;
    uint64_t *v = vm_str_valid3(x, in->frame, in->c, in->a, in->b, -1);
    x->r[in->c].validity = v;
    uint8_t *out = x->rbuf[in->c];
    int konst = x->p->regs[in->b].konst;
    vm_sbuf fs = {0}, fp = {0}, lit = {0}, fe = {0};
    const char *esc = NULL;
    uint32_t esclen = 0;
    tir_status st = TIR_OK;
    if (in->e >= 0) {
        esc = tir_str_ptr(&x->k[in->e].s);
        esclen = x->k[in->e].s.len;
        if (fold && vm_case_map(x, esc, esclen, false, &fe))
            esc = fe.p, esclen = (uint32_t)fe.n;
    }
    k_like_pat lp = {0};
    if (konst >= 0 && !x->k[konst].is_null) {
        if (!prepare(x, in, fold, &x->k[konst].s, esc, esclen, &fp, &lit, &lp, &st))
            goto done;
        if (!fold) {
            k_like_run(&lp, a, sel, n, out);
            goto done;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (!K_VALID(v, r))
            continue;
        if (konst < 0 && !prepare(x, in, fold, &p[r], esc, esclen, &fp, &lit, &lp, &st))
            break;
        if (!fold) {
            out[r] = k_like_match(&lp, tir_str_ptr(&a[r]), a[r].len);
            continue;
        }
        fs.n = 0;
        if (!vm_case_map(x, tir_str_ptr(&a[r]), a[r].len, false, &fs)) {
            st = vm_x_fail(x, TIR_ERR_NOMEM, in->span, "out of memory folding a string");
            break;
        }
        out[r] = k_like_match(&lp, fs.p, (uint32_t)fs.n);
    }
done:
    free(fs.p);
    free(fp.p);
    free(lit.p);
    free(fe.p);
    return st;
}
