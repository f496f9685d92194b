/*
** lower.c — turns a checked program into one register bytecode program per
** pipeline. Every register gets its element type and every instruction its
** typed opcode here, so execution never switches on a type.
**
** A pipeline's statements form a tree rooted at its scan (each statement has
** one input). Statements are emitted depth-first so a hash join's consumers
** are contiguous and the join can loop over them once per output chunk.
** Each statement's output is a set of column registers over one frame (row
** space) plus a selection register (-1 = all rows of the frame).
*/
#include "functions.h"
#include "vm.h"
#include "kernels.h"
#include "decimal.h"
#include "sort.h"

#include <stdio.h>
#include <string.h>

typedef struct lw_rel {
    int frame;
    int sel;
    int *cols;                /* register per output column */
    /* A hash join's pairs (for its :condition): cols over the input and
    ** cols1 over the table, -1 until gathered into the join's frame from
    ** incols, the input's registers. cols1 is NULL for any other relation. */
    int *cols1;
    const int *incols;
    int join;
} lw_rel;

typedef struct lw {
    ir_arena *a;
    vm_plan *plan;
    vm_pipe *p;
    lw_rel *rels;             /* per statement of the pipeline */
    int capcode, capregs, capconsts, capjoins, capaggs, capgroups, capbuilds, capemits, caplimits, capbloomdefs,
        capsorts, caprxdefs, capadapts;
    char *err;
    size_t errlen;
    bool failed;
    int cur;                  /* statement being lowered (profiles attribute time to it) */
} lw;

static void *grow(ir_arena *a, void *old, int n, int *cap, size_t sz)
{
    if (n < *cap)
        return old;
    int ncap = *cap ? *cap * 2 : 16;
    void *p = ir_alloc(a, (size_t)ncap * sz);
    if (p && old)
        memcpy(p, old, (size_t)n * sz);
    *cap = ncap;
    return p;
}

#define PUSH(L, arr, n, cap) ((arr) = grow((L)->a, (arr), (n), &(L)->cap, sizeof *(arr)), &(arr)[(n)++])

static void lw_fail(lw *L, const char *msg)
{
    if (!L->failed)
        snprintf(L->err, L->errlen, "%s", msg);
    L->failed = true;
}

static int new_reg(lw *L, tir_type t, int frame, const char *what)
{
    vm_regdef *r = PUSH(L, L->p->regs, L->p->nregs, capregs);
    r->type = vm_phys(t);
    r->frame = (uint16_t)frame;
    r->konst = -1;
    r->what = what;
    return L->p->nregs - 1;
}

static int new_sel(lw *L)
{
    return L->p->nsels++;
}

static vm_ins *emit(lw *L, vm_opcode op, int frame, ir_span span)
{
    vm_ins *i = PUSH(L, L->p->code, L->p->ncode, capcode);
    i->op = (uint16_t)op;
    i->frame = (uint16_t)frame;
    i->stmt = (uint16_t)L->cur;
    i->a = i->b = i->c = i->d = i->e = -1;
    i->span = span;
    return i;
}

static int add_const(lw *L, const ir_expr *e, tir_type t);

static bool same_const(const vm_const *x, const vm_const *y)
{
    return x->type == y->type && x->is_null == y->is_null && x->i == y->i && x->w == y->w && x->prec == y->prec &&
           x->scale == y->scale && x->ref == y->ref && x->months == y->months && x->days == y->days &&
           x->field == y->field && x->param == y->param && !memcmp(&x->f, &y->f, sizeof x->f) && x->s.len == y->s.len &&
           !memcmp(tir_str_ptr(&x->s), tir_str_ptr(&y->s), x->s.len);
}

/* Equal constants share one slot, except runs that IN needs contiguous. */
static int dedup_const(lw *L, int k)
{
    for (int i = 0; i < k; i++)
        if (same_const(&L->p->consts[i], &L->p->consts[k])) {
            L->p->nconsts--;
            return i;
        }
    return k;
}

static int new_const(lw *L, const ir_expr *e, tir_type t)
{
    return dedup_const(L, add_const(L, e, t));
}

static int add_const(lw *L, const ir_expr *e, tir_type t)
{
    vm_const *k = PUSH(L, L->p->consts, L->p->nconsts, capconsts);
    *k = (vm_const){0}; /* the slot may hold a constant new_const took back */
    k->type = vm_phys(t);
    if (e->kind == IR_E_REF) {
        k->ref = e->u.ref.stmt;
        k->field = e->u.ref.field;
        return L->p->nconsts - 1;
    }
    if (e->kind == IR_E_PARAM) {
        k->param = L->plan->prog->params[e->u.param.index];
        return L->p->nconsts - 1;
    }
    const ir_lit *l = &e->u.lit;
    k->is_null = l->is_null;
    k->i = l->i;
    k->f = l->f;
    if (t == TIR_INTERVAL)
        k->months = l->months, k->days = l->days;
    if (t == TIR_DECIMAL && l->type == TIR_DECIMAL) {   /* explain prints it as the decimal it is */
        k->prec = l->prec ? l->prec : 1;
        k->scale = l->scale;
    }
    if (t == TIR_F64 && l->type != TIR_F64)
        k->f = (double)l->i;
    if (t == TIR_STRING && !l->is_null) {
        /* literal bytes live in the compile arena, which outlives the run */
        k->s.len = l->slen;
        if (l->slen <= TIR_STR_INLINE) {
            memcpy(k->s.prefix, l->s, l->slen);
        } else {
            memcpy(k->s.prefix, l->s, 4);
            k->s.u.ptr = l->s;
        }
    }
    return L->p->nconsts - 1;
}

/* Known when the pipeline starts: these get the constant fast paths. */
static bool is_const(const ir_expr *e)
{
    return e->kind == IR_E_LIT || e->kind == IR_E_REF || e->kind == IR_E_PARAM;
}

/* Opcode offsets inside the typed families declared in opcodes.h. */
static int num_ix(tir_type t)
{
    t = vm_phys(t);   /* a decimal or a timestamp is its i64 */
    return t == TIR_I64 ? 1 : t == TIR_F64 ? 2 : 0; /* i32 and date share i32 */
}
static int ord_ix(tir_type t)
{
    return t == TIR_STRING ? 3 : num_ix(t);
}
static int all_ix(tir_type t)
{
    return t == TIR_BOOL ? 4 : ord_ix(t);
}
/* ... and of the key families (VM_KEY): the 16-byte keys after them. */
static int key_ix(tir_type t)
{
    return t == TIR_DECIMAL128 ? 5 : t == TIR_INTERVAL ? 6 : all_ix(t);
}
static int cmp_ix(ir_op op)
{
    return op - IR_EQ; /* EQ NE LT LE GT GE in both enums */
}
static ir_op flip_cmp(ir_op op)
{
    switch (op) {
    case IR_LT: return IR_GT;
    case IR_LE: return IR_GE;
    case IR_GT: return IR_LT;
    case IR_GE: return IR_LE;
    default: return op;
    }
}
static bool is_cmp(ir_op op)
{
    return op >= IR_EQ && op <= IR_GE;
}

static vm_opcode width_op(vm_opcode w1, tir_type t)
{
    switch (vm_type_width(vm_phys(t))) {
    case 1: return w1;
    case 4: return (vm_opcode)(w1 + 1);
    case 8: return (vm_opcode)(w1 + 2);
    default: return (vm_opcode)(w1 + 3);
    }
}

static int cx(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in);
static int cx_op(lw *L, vm_opcode op, const ir_expr *e, int frame, int sel, int a, int b, int ex);
static int const_reg(lw *L, const ir_expr *e, tir_type t);

/* Column ix of a join pair's side (0 input, 1 table), gathered into the
** join's frame at its first use and shared by the condition and the
** projection. */
static int pair_col(lw *L, const lw_rel *pr, int side, int ix, tir_type t, const char *what, ir_span at)
{
    int *slot = side ? &pr->cols1[ix] : &pr->cols[ix];
    if (*slot >= 0)
        return *slot;
    *slot = new_reg(L, t, pr->frame, what);
    vm_ins *i = emit(L, width_op(side ? VM_OP_JOIN_HT_W1 : VM_OP_JOIN_GATHER_W1, t), pr->frame, at);
    i->a = side ? ix : pr->incols[ix];
    i->b = pr->join;
    i->c = *slot;
    return *slot;
}

static int const_reg(lw *L, const ir_expr *e, tir_type t)
{
    int k = new_const(L, e, t);
    int r = new_reg(L, t, 0, ir_expr_str(L->a, e));
    L->p->regs[r].konst = k;
    return r;
}

static void copy_into(lw *L, int out, int v, tir_type t, int frame, int s, ir_span at)
{
    vm_ins *i = emit(L, width_op(VM_OP_COPY_W1, t), frame, at);
    i->a = v, i->c = out, i->d = s;
}

/* a && b and a || b as values: b is evaluated only over the rows a does
** not decide (a not false for &&, not true for ||), so it costs nothing
** elsewhere and cannot fail there (an overflow a guards against). */
static int cx_logic(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    bool and = e->u.op.op == IR_AND;
    int a = cx(L, e->u.op.a, frame, sel, in), test = a;
    if (and) {   /* not false = NOT a is not true */
        test = new_reg(L, TIR_BOOL, frame, "not");
        vm_ins *i = emit(L, VM_OP_NOT, frame, e->u.op.a->span);
        i->a = a, i->c = test, i->d = sel;
    }
    int need = new_sel(L);
    vm_ins *i = emit(L, VM_OP_SEL_NOT_TRUE, frame, e->u.op.a->span);
    i->a = test, i->b = sel, i->c = need;
    int b = cx(L, e->u.op.b, frame, need, in);
    int both = new_reg(L, TIR_BOOL, frame, ir_expr_str(L->a, e));
    i = emit(L, and ? VM_OP_AND : VM_OP_OR, frame, e->span);
    i->a = a, i->b = b, i->c = both, i->d = need;
    int out = new_reg(L, TIR_BOOL, frame, ir_expr_str(L->a, e));
    copy_into(L, out, a, TIR_BOOL, frame, sel, e->span);
    copy_into(L, out, both, TIR_BOOL, frame, need, e->span);
    return out;
}

/* A broadcast i64 constant v. */
static int i64_reg(lw *L, int64_t v, ir_span at)
{
    ir_expr *k = IR_NEW(L->a, ir_expr);
    k->kind = IR_E_LIT;
    k->span = at;
    k->ty = (ir_coltype){.type = TIR_I64};
    k->u.lit = (ir_lit){.type = TIR_I64, .i = v};
    return const_reg(L, k, TIR_I64);
}

static bool is_interval(const ir_expr *e)
{
    return e->kind == IR_E_LIT && !e->u.lit.is_null && e->u.lit.type == IR_INTERVAL;
}

/* timestamp ± interval literal, interval literal + timestamp (typecheck: a
** subtracted interval's parts are not their type's minimum). */
static int cx_add_interval(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    bool left = is_interval(e->u.op.a);
    const ir_lit *l = &(left ? e->u.op.a : e->u.op.b)->u.lit;
    int sign = e->u.op.op == IR_SUB ? -1 : 1;
    int a = cx(L, left ? e->u.op.b : e->u.op.a, frame, sel, in);
    int32_t months = sign * l->months, days = sign * l->days;
    int md = i64_reg(L, (int64_t)((uint64_t)(uint32_t)months << 32 | (uint32_t)days), e->span);
    return cx_op(L, VM_OP_TS_ADD_INTERVAL, e, frame, sel, a, md, i64_reg(L, sign * l->i, e->span));
}

/* The other operators with an interval operand (typecheck.c/interval.c
** typed them), and timestamp - timestamp. */
static int cx_interval(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    const ir_expr *x = e->u.op.a, *y = e->u.op.b;
    ir_op op = e->u.op.op;
    if (e->ty.type == TIR_TIMESTAMP && (is_interval(x) || is_interval(y)))
        return cx_add_interval(L, e, frame, sel, in);
    bool ia = x->ty.type == TIR_INTERVAL, ib = y->ty.type == TIR_INTERVAL;
    if ((op == IR_ADD && ia && !ib) || (op == IR_MUL && !ia))   /* interval + timestamp, n * interval: commute */
        x = e->u.op.b, y = e->u.op.a;
    int a = cx(L, x, frame, sel, in), b = cx(L, y, frame, sel, in);
    vm_opcode o;
    if (is_cmp(op))
        o = (vm_opcode)(VM_OP_CMP_EQ_IV + cmp_ix(op));
    else if (op == IR_MUL)
        o = VM_OP_IV_MUL;
    else if (e->ty.type == TIR_INTERVAL)
        o = x->ty.type == TIR_TIMESTAMP ? VM_OP_TS_SUB_TS : op == IR_ADD ? VM_OP_IV_ADD : VM_OP_IV_SUB;
    else if (op == IR_ADD)
        o = VM_OP_TS_ADD_IV;
    else {   /* timestamp - interval: plus its negation */
        int neg = new_reg(L, TIR_INTERVAL, frame, ir_expr_str(L->a, y));
        vm_ins *i = emit(L, VM_OP_IV_NEG, frame, e->span);
        i->a = b, i->c = neg, i->d = sel;
        b = neg, o = VM_OP_TS_ADD_IV;
    }
    return cx_op(L, o, e, frame, sel, a, b, -1);
}

static int cx_binary(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    if (e->u.op.op == IR_AND || e->u.op.op == IR_OR)
        return cx_logic(L, e, frame, sel, in);
    tir_type xa = e->u.op.a->ty.type, xb = e->u.op.b->ty.type;
    if (xa == TIR_INTERVAL || xb == TIR_INTERVAL || (xa == TIR_TIMESTAMP && xb == TIR_TIMESTAMP && e->u.op.op == IR_SUB))
        return cx_interval(L, e, frame, sel, in);
    int a = cx(L, e->u.op.a, frame, sel, in);
    int b = cx(L, e->u.op.b, frame, sel, in);
    tir_type at = e->u.op.a->ty.type;
    vm_opcode op;
    if (at == TIR_DECIMAL128) {   /* the checker made both wide, at one scale but for * */
        ir_op o = e->u.op.op;
        op = is_cmp(o) ? (vm_opcode)(VM_OP_CMP_EQ_D128 + cmp_ix(o))
             : o == IR_ADD ? VM_OP_DEC_WIDE_ADD : o == IR_SUB ? VM_OP_DEC_WIDE_SUB
             : o == IR_MOD ? VM_OP_DEC_WIDE_MOD : VM_OP_DEC_WIDE_MUL;
        return cx_op(L, op, e, frame, sel, a, b, is_cmp(o) || o == IR_MOD ? -1 : e->ty.prec);
    }
    switch (e->u.op.op) {
    case IR_ADD: op = VM_OP_ADD_I32; break;
    case IR_SUB: op = VM_OP_SUB_I32; break;
    case IR_MUL: op = VM_OP_MUL_I32; break;
    case IR_DIV: op = VM_OP_DIV_I32; break;
    case IR_MOD: op = VM_OP_MOD_I32; break;
    case IR_AND: op = VM_OP_AND; break;
    case IR_OR: op = VM_OP_OR; break;
    default: op = VM_OP_CMP_EQ_I32; break;
    }
    if (is_cmp(e->u.op.op))
        op = (vm_opcode)(VM_OP_CMP_EQ_I32 + cmp_ix(e->u.op.op) * 5 + all_ix(at));
    else if (op != VM_OP_AND && op != VM_OP_OR)
        op = (vm_opcode)(op + num_ix(at));
    /* decimals: the i64 operation, then the precision of the result checked
    ** where SQL's result type was capped at 18 digits (uncapped, the result
    ** cannot pass its precision: the i64 operation alone serves) */
    const ir_coltype *ta = &e->u.op.a->ty, *tb = &e->u.op.b->ty;
    int full = e->u.op.op == IR_MUL ? ta->prec + tb->prec
                                    : (ta->prec - ta->scale > tb->prec - tb->scale ? ta->prec - ta->scale
                                                                                   : tb->prec - tb->scale) +
                                          e->ty.scale + 1;
    bool dec = e->ty.type == TIR_DECIMAL && e->u.op.op != IR_MOD && full > e->ty.prec;
    if (dec)
        op = e->u.op.op == IR_ADD ? VM_OP_DEC_ADD : e->u.op.op == IR_SUB ? VM_OP_DEC_SUB : VM_OP_DEC_MUL;
    int out = new_reg(L, e->ty.type, frame, ir_expr_str(L->a, e));
    vm_ins *i = emit(L, op, frame, e->span);
    i->a = a;
    i->b = b;
    i->c = out;
    i->d = sel;
    if (dec)
        i->e = e->ty.prec;
    return out;
}

static int cx_unary(lw *L, vm_opcode op, const ir_expr *arg, const ir_expr *e, int frame, int sel,
                    const lw_rel *in, int extra)
{
    int a = cx(L, arg, frame, sel, in);
    int out = new_reg(L, e->ty.type, frame, ir_expr_str(L->a, e));
    vm_ins *i = emit(L, op, frame, e->span);
    i->a = a;
    i->c = out;
    i->d = sel;
    i->e = extra;
    return out;
}

static int lower_pred(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in);

static int cx_case(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    int out = new_reg(L, e->ty.type, frame, ir_expr_str(L->a, e));
    vm_opcode copy = width_op(VM_OP_COPY_W1, e->ty.type);
    int remaining = sel;
    for (int w = 0; w < e->u.cas.n; w++) {
        /* a condition is a predicate: lazy && and || as in a filter */
        int st = lower_pred(L, e->u.cas.whens[w], frame, remaining, in), sf = new_sel(L);
        vm_ins *i = emit(L, VM_OP_SEL_DIFF, frame, e->u.cas.whens[w]->span);
        i->a = st, i->b = remaining, i->c = sf;
        int v = cx(L, e->u.cas.thens[w], frame, st, in);
        i = emit(L, copy, frame, e->u.cas.thens[w]->span);
        i->a = v, i->c = out, i->d = st;
        remaining = sf;
    }
    if (e->u.cas.els) {
        int v = cx(L, e->u.cas.els, frame, remaining, in);
        vm_ins *i = emit(L, copy, frame, e->u.cas.els->span);
        i->a = v, i->c = out, i->d = remaining;
    } else {
        vm_ins *i = emit(L, VM_OP_SET_NULL, frame, e->span);
        i->c = out, i->d = remaining;
    }
    return out;
}

static bool is_dec(tir_type t)
{
    return t == TIR_DECIMAL || t == TIR_DECIMAL128;
}

/* cast(literal as decimal(p, s)) of p > 18 (the checker puts one where a
** literal meets a wide decimal): one 16-byte constant, rescaled here by the
** cast's own kernel (the checker checked that it fits). */
static int wide_konst(lw *L, const ir_expr *e)
{
    const ir_expr *a = e->u.cast.a;
    int k = add_const(L, a, TIR_DECIMAL128);
    vm_const *c = &L->p->consts[k];
    int64_t v = a->u.lit.i;
    c->i = 0;
    c->prec = e->u.cast.to_prec;
    c->scale = e->u.cast.to_scale;
    bool ok = a->u.lit.type == TIR_STRING   /* the checker read it (tc_dec_wide_lit_cast) */
                  ? vm_dec128_parse(a->u.lit.s, a->u.lit.slen, c->prec, c->scale, &c->w) == VM_DEC_OK
                  : k_dec_to128(&v, NULL, NULL, 1, a->u.lit.scale, c->scale, c->prec, &c->w);
    if (!c->is_null && !ok)
        lw_fail(L, "a literal does not fit its wide decimal");
    return dedup_const(L, k);
}

static int wide_const(lw *L, const ir_expr *e)
{
    int r = new_reg(L, TIR_DECIMAL128, 0, ir_expr_str(L->a, e));
    L->p->regs[r].konst = wide_konst(L, e);
    return r;
}

/* A cast from or to a decimal: integers and decimals are rescaled i64s,
** or __int128s when either end is wide (the wide casts share the rescale's
** operands: scales in b, digits in e). */
static int cx_dec_cast(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    const ir_expr *a = e->u.cast.a;
    tir_type from = a->ty.type, to = e->u.cast.to;
    bool wf = from == TIR_DECIMAL128, wt = to == TIR_DECIMAL128;
    int fs = is_dec(from) ? a->ty.scale : 0;
    int ts = is_dec(to) ? e->u.cast.to_scale : 0, tp = is_dec(to) ? e->u.cast.to_prec : 18;
    if (to == TIR_STRING)
        return cx_unary(L, VM_OP_CAST_TO_STR, a, e, frame, sel, in, (int)from | fs << 8);
    if (from == TIR_STRING)
        return cx_unary(L, VM_OP_CAST_STR_TO, a, e, frame, sel, in, (int)to | ts << 8 | tp << 16);
    if (wt && a->kind == IR_E_LIT)
        return wide_const(L, e);
    if (to == TIR_F64)
        return cx_unary(L, wf ? VM_OP_DEC_WIDE_TO_F64 : VM_OP_DEC_TO_F64, a, e, frame, sel, in, fs);
    int r = cx(L, a, frame, sel, in);
    vm_ins *i;
    if (from == TIR_F64) {
        int out = new_reg(L, to, frame, ir_expr_str(L->a, e));
        i = emit(L, wt ? VM_OP_F64_TO_DEC_WIDE : VM_OP_F64_TO_DEC, frame, e->span);
        i->a = r, i->b = ts, i->c = out, i->d = sel, i->e = tp;
        return out;
    }
    if (from == TIR_I32) {
        int w = new_reg(L, TIR_I64, frame, "widened");
        i = emit(L, VM_OP_CAST_I32_I64, frame, e->span);
        i->a = r, i->c = w, i->d = sel;
        r = w;
    }
    int out = new_reg(L, wt ? TIR_DECIMAL128 : TIR_I64, frame, ir_expr_str(L->a, e));
    i = emit(L, wf && wt ? VM_OP_DEC_WIDE_RESCALE : wt ? VM_OP_DEC_TO128 : wf ? VM_OP_DEC_WIDE_TO64 : VM_OP_DEC_RESCALE,
             frame, e->span);
    i->a = r, i->b = fs | ts << 8, i->c = out, i->d = sel, i->e = tp;
    if (to != TIR_I32)
        return out;
    int n = new_reg(L, TIR_I32, frame, ir_expr_str(L->a, e));
    i = emit(L, VM_OP_CAST_I64_I32, frame, e->span);
    i->a = out, i->c = n, i->d = sel;
    return n;
}

static int cx_cast(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    tir_type from = e->u.cast.a->ty.type, to = e->u.cast.to;
    if (is_dec(from) || is_dec(to))
        return cx_dec_cast(L, e, frame, sel, in);
    if (from == to || (from == TIR_I32 && to == TIR_DATE) || (from == TIR_DATE && to == TIR_I32) ||
        (from == TIR_I64 && to == TIR_TIMESTAMP) || (from == TIR_TIMESTAMP && to == TIR_I64))
        return cx(L, e->u.cast.a, frame, sel, in);
    vm_opcode op;
    int extra = -1;
    if ((from == TIR_I32 || from == TIR_DATE) && to == TIR_I64) op = VM_OP_CAST_I32_I64;   /* a date: its days */
    else if (from == TIR_I32 && to == TIR_F64) op = VM_OP_CAST_I32_F64;
    else if (from == TIR_I64 && to == TIR_F64) op = VM_OP_CAST_I64_F64;
    else if (from == TIR_I64 && (to == TIR_I32 || to == TIR_DATE)) op = VM_OP_CAST_I64_I32;   /* checked */
    else if (from == TIR_F64 && to == TIR_I64) op = VM_OP_CAST_F64_I64;
    else if (from == TIR_F64 && to == TIR_I32) op = VM_OP_CAST_F64_I32;
    else if (from == TIR_BOOL && to == TIR_I64) op = VM_OP_CAST_BOOL_I64;
    else if (from == TIR_BOOL && to == TIR_I32) op = VM_OP_CAST_BOOL_I32;
    else if (from == TIR_DATE && to == TIR_TIMESTAMP) op = VM_OP_CAST_DATE_TS;
    else if (from == TIR_TIMESTAMP && to == TIR_DATE) op = VM_OP_CAST_TS_DATE;
    else if (to == TIR_STRING) op = VM_OP_CAST_TO_STR, extra = (int)from;
    else if (from == TIR_STRING) op = VM_OP_CAST_STR_TO, extra = (int)to;
    else {
        lw_fail(L, "unsupported cast reached lowering");
        return 0;
    }
    return cx_unary(L, op, e->u.cast.a, e, frame, sel, in, extra);
}

/* out = op(r[a], r[b], r[ex]) over sel (b, ex < 0: absent). */
static int cx_op(lw *L, vm_opcode op, const ir_expr *e, int frame, int sel, int a, int b, int ex)
{
    int out = new_reg(L, e->ty.type, frame, ir_expr_str(L->a, e));
    vm_ins *i = emit(L, op, frame, e->span);
    i->a = a, i->b = b, i->c = out, i->d = sel, i->e = ex;
    return out;
}

/* Argument k of call e over sel, or -1 when the call has fewer. */
static int cx_arg(lw *L, const ir_expr *e, int k, int frame, int sel, const lw_rel *in)
{
    return k < e->u.call.nargs ? cx(L, e->u.call.args[k], frame, sel, in) : -1;
}

/* rows of s where r[v] is NULL (into *isnull) and where it is not. */
static void split_null(lw *L, int v, int frame, int s, ir_span at, int *isnull, int *notnull)
{
    int b = new_reg(L, TIR_BOOL, frame, "is null");
    vm_ins *i = emit(L, VM_OP_IS_NULL, frame, at);
    i->a = v, i->c = b, i->d = s;
    *isnull = new_sel(L);
    i = emit(L, VM_OP_SEL_TRUE, frame, at);
    i->a = b, i->b = s, i->c = *isnull;
    if (notnull) {
        *notnull = new_sel(L);
        i = emit(L, VM_OP_SEL_NOT_TRUE, frame, at);
        i->a = b, i->b = s, i->c = *notnull;
    }
}

/* coalesce: each argument is evaluated only over the rows still NULL. */
static int cx_coalesce(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    int out = new_reg(L, e->ty.type, frame, ir_expr_str(L->a, e));
    int remaining = sel;
    for (int k = 0; k < e->u.call.nargs; k++) {
        const ir_expr *a = e->u.call.args[k];
        int v = cx(L, a, frame, remaining, in);
        copy_into(L, out, v, e->ty.type, frame, remaining, a->span);
        if (!a->ty.nullable || k == e->u.call.nargs - 1)
            break;
        split_null(L, v, frame, remaining, a->span, &remaining, NULL);
    }
    return out;
}

static int cmp_op(ir_op op, tir_type t)
{
    if (t == TIR_DECIMAL128 || t == TIR_INTERVAL)   /* 16-byte values: their own comparisons */
        return (t == TIR_DECIMAL128 ? VM_OP_CMP_EQ_D128 : VM_OP_CMP_EQ_IV) + cmp_ix(op);
    return VM_OP_CMP_EQ_I32 + cmp_ix(op) * 5 + all_ix(t);
}

/* nullif(a, b): a where a = b is not true, NULL where it is. A decimal a
** brought to b's scale for the test keeps its own type (typecheck). */
static int cx_nullif(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    tir_type t = e->ty.type;
    const ir_expr *a0 = e->u.call.args[0];
    int a = cx_arg(L, e, 0, frame, sel, in), b = cx_arg(L, e, 1, frame, sel, in);
    int eq = new_reg(L, TIR_BOOL, frame, "nullif test");
    vm_ins *i = emit(L, (vm_opcode)cmp_op(IR_EQ, a0->ty.type), frame, e->span);
    i->a = a, i->b = b, i->c = eq, i->d = sel;
    int same = new_sel(L), differ = new_sel(L);
    i = emit(L, VM_OP_SEL_TRUE, frame, e->span);
    i->a = eq, i->b = sel, i->c = same;
    i = emit(L, VM_OP_SEL_NOT_TRUE, frame, e->span);
    i->a = eq, i->b = sel, i->c = differ;
    if (is_dec(t) && a0->kind == IR_E_CAST && (a0->ty.type != t || a0->ty.scale != e->ty.scale))
        a = cx(L, a0->u.cast.a, frame, differ, in);
    int out = new_reg(L, t, frame, ir_expr_str(L->a, e));
    copy_into(L, out, a, t, frame, differ, e->span);
    i = emit(L, VM_OP_SET_NULL, frame, e->span);
    i->c = out, i->d = same;
    return out;
}

/* greatest / least: the running extreme takes an argument where it is
** NULL or the argument beats it (a NULL argument never does). */
static int cx_extreme(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in, bool greatest)
{
    tir_type t = e->ty.type;
    int out = new_reg(L, t, frame, ir_expr_str(L->a, e));
    copy_into(L, out, cx_arg(L, e, 0, frame, sel, in), t, frame, sel, e->span);
    for (int k = 1; k < e->u.call.nargs; k++) {
        const ir_expr *a = e->u.call.args[k];
        int v = cx(L, a, frame, sel, in), none, some;
        split_null(L, out, frame, sel, a->span, &none, &some);
        copy_into(L, out, v, t, frame, none, a->span);
        int beats = new_reg(L, TIR_BOOL, frame, "beats");
        vm_ins *i = emit(L, (vm_opcode)cmp_op(greatest ? IR_GT : IR_LT, t), frame, a->span);
        i->a = v, i->b = out, i->c = beats, i->d = some;
        int take = new_sel(L);
        i = emit(L, VM_OP_SEL_TRUE, frame, a->span);
        i->a = beats, i->b = some, i->c = take;
        copy_into(L, out, v, t, frame, take, a->span);
    }
    return out;
}

/* x between lo and hi where x is computed (typecheck wrote the others as
** two comparisons): x once, both comparisons, their three-valued AND. */
static int cx_between(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    tir_type t = e->u.call.args[0]->ty.type;
    int x = cx_arg(L, e, 0, frame, sel, in), lo = cx_arg(L, e, 1, frame, sel, in), hi = cx_arg(L, e, 2, frame, sel, in);
    int ge = cx_op(L, (vm_opcode)cmp_op(IR_GE, t), e, frame, sel, x, lo, -1);
    int le = cx_op(L, (vm_opcode)cmp_op(IR_LE, t), e, frame, sel, x, hi, -1);
    return cx_op(L, VM_OP_AND, e, frame, sel, ge, le, -1);
}

/* concat: pairwise, left to right (one argument: NULL becomes ''). */
static int cx_concat(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    int acc = cx_arg(L, e, 0, frame, sel, in);
    if (e->u.call.nargs == 1)
        return cx_op(L, VM_OP_CONCAT, e, frame, sel, acc, -1, -1);
    for (int k = 1; k < e->u.call.nargs; k++)
        acc = cx_op(L, VM_OP_CONCAT, e, frame, sel, acc, cx_arg(L, e, k, frame, sel, in), -1);
    return acc;
}

/* regexp_*(s, pattern, ...): the pattern as a vm_rxdef, which the
** instruction names in b. */
static int cx_regexp(lw *L, const ir_expr *e, vm_opcode op, int frame, int sel, const lw_rel *in)
{
    const ir_expr *p = e->u.call.args[1];
    int s = cx_arg(L, e, 0, frame, sel, in), pat = cx_arg(L, e, 1, frame, sel, in);
    int repl = op == VM_OP_REGEXP_REPLACE ? cx_arg(L, e, 2, frame, sel, in) : -1;
    vm_rxdef *d = PUSH(L, L->p->rxdefs, L->p->nrxdefs, caprxdefs);
    d->pat = pat;
    d->konst = is_const(p) ? L->p->regs[pat].konst : -1;
    d->flags = op == VM_OP_REGEXP_EXTRACT ? 0 : e->u.call.part;
    d->group = op == VM_OP_REGEXP_EXTRACT ? e->u.call.part : 0;
    d->span = p->span;
    return cx_op(L, op, e, frame, sel, s, L->p->nrxdefs - 1, repl);
}

/* a [not] [i]like p [escape c]: a literal or constant pattern without
** escape runs the kernels of its shape (LIKE); the others match row by
** row, or once prepared per batch when the pattern is constant (LIKE_V). */
static int cx_like(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    const ir_expr *p = e->u.like.pattern;
    int a = cx(L, e->u.like.a, frame, sel, in);
    if (is_const(p) && !e->u.like.escape && !e->u.like.ci) {
        int k = new_const(L, p, TIR_STRING);
        int out = new_reg(L, TIR_BOOL, frame, ir_expr_str(L->a, e));
        vm_ins *i = emit(L, e->u.like.negated ? VM_OP_NOT_LIKE : VM_OP_LIKE, frame, e->span);
        i->a = a, i->b = k, i->c = out, i->d = sel;
        return out;
    }
    int b = cx(L, p, frame, sel, in);
    int esc = e->u.like.escape ? new_const(L, e->u.like.escape, TIR_STRING) : -1;
    int out = cx_op(L, e->u.like.ci ? VM_OP_ILIKE_V : VM_OP_LIKE_V, e, frame, sel, a, b, esc);
    if (!e->u.like.negated)
        return out;
    int neg = new_reg(L, TIR_BOOL, frame, ir_expr_str(L->a, e));
    vm_ins *i = emit(L, VM_OP_NOT, frame, e->span);
    i->a = out, i->c = neg, i->d = sel;
    return neg;
}

/* The instruction of a function that is one instruction over its
** arguments in order (r[a], r[b], r[e]); 0 for the others. */
static vm_opcode direct_op(ir_fn f)
{
    switch (f) {
    case IR_FN_SQRT: return VM_OP_SQRT_F64;
    case IR_FN_LN: return VM_OP_LN_F64;
    case IR_FN_EXP: return VM_OP_EXP_F64;
    case IR_FN_POWER: return VM_OP_POWER_F64;
    case IR_FN_LENGTH: return VM_OP_LENGTH;
    case IR_FN_OCTET_LENGTH: return VM_OP_OCTET_LENGTH;
    case IR_FN_SUBSTRING: return VM_OP_SUBSTR;
    case IR_FN_UPPER: return VM_OP_UPPER;
    case IR_FN_LOWER: return VM_OP_LOWER;
    case IR_FN_STARTS_WITH: return VM_OP_STARTS_WITH;
    case IR_FN_ENDS_WITH: return VM_OP_ENDS_WITH;
    case IR_FN_CONTAINS: return VM_OP_CONTAINS;
    case IR_FN_STRPOS: return VM_OP_STRPOS;
    case IR_FN_REPLACE: return VM_OP_REPLACE;
    case IR_FN_LPAD: return VM_OP_LPAD;
    case IR_FN_RPAD: return VM_OP_RPAD;
    default: return (vm_opcode)0;
    }
}

/* floor, ceil, trunc or round of a decimal, to the coarser scale the
** checker gave it (round's digits d in part): digits dropped, and for
** round(x, d < 0) the zeros put back, as a scale-0 decimal. A scale that
** does not change is the value itself. */
static int cx_dec_round(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    ir_fn f = (ir_fn)e->u.call.fid;
    const ir_expr *a0 = e->u.call.args[0];
    int from = a0->ty.scale, d = f == IR_FN_ROUND ? e->u.call.part : 0;
    int up = d < 0 ? -d : 0, drop = from - d;
    if (drop <= 0)
        return cx(L, a0, frame, sel, in);
    int r = cx(L, a0, frame, sel, in);
    bool wide = a0->ty.type == TIR_DECIMAL128;   /* digits past the type's all drop alike: 19 (39) */
    int maxdrop = wide ? 39 : 19, maxup = wide ? 38 : 18;
    int out = new_reg(L, wide ? TIR_DECIMAL128 : TIR_I64, frame, ir_expr_str(L->a, e));
    vm_opcode op = f == IR_FN_FLOOR ? VM_OP_DEC_FLOOR : f == IR_FN_CEIL ? VM_OP_DEC_CEIL
                 : f == IR_FN_TRUNC ? VM_OP_DEC_TRUNC : VM_OP_DEC_ROUND;
    if (wide)
        op = (vm_opcode)(op - VM_OP_DEC_TRUNC + VM_OP_DEC_WIDE_TRUNC);
    vm_ins *i = emit(L, op, frame, e->span);
    i->a = r, i->b = (drop > maxdrop ? maxdrop : drop) | (up > maxup ? maxup : up) << 8, i->c = out, i->d = sel,
    i->e = e->ty.prec;
    return out;
}

_Static_assert(IR_FN_EPOCH - IR_FN_YEAR == IR_DP_EPOCH - IR_DP_YEAR, "the part functions follow the parts");

/* A part of a date or timestamp. */
static int cx_part(lw *L, const ir_expr *a, const ir_expr *e, int frame, int sel, const lw_rel *in, ir_datepart p)
{
    if (a->ty.type == TIR_DATE)
        return cx_unary(L, VM_OP_DATE_PART, a, e, frame, sel, in, p);
    if (a->ty.type == TIR_INTERVAL)
        return cx_unary(L, p == IR_DP_EPOCH ? VM_OP_IV_EPOCH : VM_OP_IV_PART, a, e, frame, sel, in, p);
    return cx_unary(L, p == IR_DP_EPOCH ? VM_OP_TS_EPOCH : VM_OP_TS_PART, a, e, frame, sel, in, p);
}

static int cx_call(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    ir_fn f = (ir_fn)e->u.call.fid;
    const ir_expr *a0 = e->u.call.args[0];
    tir_type at = a0->ty.type;
    int ix = num_ix(at);
    vm_opcode op = direct_op(f);
    if (f >= IR_FN_YEAR && f <= IR_FN_EPOCH)   /* the functions are named as the parts, in one order */
        return cx_part(L, a0, e, frame, sel, in, (ir_datepart)(IR_DP_YEAR + (f - IR_FN_YEAR)));
    if (op) {
        int a = cx_arg(L, e, 0, frame, sel, in), b = cx_arg(L, e, 1, frame, sel, in);
        return cx_op(L, op, e, frame, sel, a, b, cx_arg(L, e, 2, frame, sel, in));
    }
    switch (f) {
    case IR_FN_ABS:
        return cx_unary(L, at == TIR_DECIMAL128 ? VM_OP_DEC_WIDE_ABS : (vm_opcode)(VM_OP_ABS_I32 + ix), a0, e, frame,
                        sel, in, -1);
    case IR_FN_SIGN:
        return cx_unary(L, at == TIR_DECIMAL128 ? VM_OP_DEC_WIDE_SIGN : (vm_opcode)(VM_OP_SIGN_I32 + ix), a0, e,
                        frame, sel, in, -1);
    case IR_FN_FLOOR:
    case IR_FN_CEIL:
    case IR_FN_TRUNC:
        if (is_dec(at))
            return cx_dec_round(L, e, frame, sel, in);
        if (at != TIR_F64)  /* integers have no fraction */
            return cx(L, a0, frame, sel, in);
        op = f == IR_FN_FLOOR ? VM_OP_FLOOR_F64 : f == IR_FN_CEIL ? VM_OP_CEIL_F64 : VM_OP_TRUNC_F64;
        return cx_unary(L, op, a0, e, frame, sel, in, -1);
    case IR_FN_ROUND:
        if (is_dec(at))
            return cx_dec_round(L, e, frame, sel, in);
        if (at != TIR_F64 && e->u.call.nargs == 1)
            return cx(L, a0, frame, sel, in);
        return cx_op(L, (vm_opcode)(VM_OP_ROUND_I32 + ix), e, frame, sel, cx_arg(L, e, 0, frame, sel, in),
                     cx_arg(L, e, 1, frame, sel, in), -1);
    case IR_FN_COALESCE: return cx_coalesce(L, e, frame, sel, in);
    case IR_FN_NULLIF: return cx_nullif(L, e, frame, sel, in);
    case IR_FN_GREATEST: return cx_extreme(L, e, frame, sel, in, true);
    case IR_FN_LEAST: return cx_extreme(L, e, frame, sel, in, false);
    case IR_FN_BETWEEN: return cx_between(L, e, frame, sel, in);
    case IR_FN_TRIM:
    case IR_FN_LTRIM:
    case IR_FN_RTRIM: {
        int ends = f == IR_FN_TRIM ? 3 : f == IR_FN_LTRIM ? 1 : 2;
        int s = cx_arg(L, e, 0, frame, sel, in);
        return cx_op(L, VM_OP_TRIM, e, frame, sel, s, cx_arg(L, e, 1, frame, sel, in), ends);
    }
    case IR_FN_CONCAT: return cx_concat(L, e, frame, sel, in);
    case IR_FN_REGEXP_MATCHES: return cx_regexp(L, e, VM_OP_REGEXP_MATCHES, frame, sel, in);
    case IR_FN_REGEXP_REPLACE: return cx_regexp(L, e, VM_OP_REGEXP_REPLACE, frame, sel, in);
    case IR_FN_REGEXP_EXTRACT: return cx_regexp(L, e, VM_OP_REGEXP_EXTRACT, frame, sel, in);
    case IR_FN_DATE_PART: return cx_part(L, e->u.call.args[1], e, frame, sel, in, (ir_datepart)e->u.call.part);
    case IR_FN_DATE_TRUNC:
        op = e->ty.type == TIR_TIMESTAMP ? VM_OP_TS_TRUNC : VM_OP_DATE_TRUNC;
        return cx_unary(L, op, e->u.call.args[1], e, frame, sel, in, e->u.call.part);
    case IR_FN_DATE_DIFF: {
        op = e->u.call.args[1]->ty.type == TIR_TIMESTAMP ? VM_OP_TS_DIFF : VM_OP_DATE_DIFF;
        int a = cx_arg(L, e, 1, frame, sel, in);
        return cx_op(L, op, e, frame, sel, a, cx_arg(L, e, 2, frame, sel, in), e->u.call.part);
    }
    default: break;
    }
    lw_fail(L, "unknown function reached lowering");
    return 0;
}

/* Compiles e over the rows of sel in frame; returns its register. */
/* x in [...] of a 16-byte x (a wide decimal, an interval): x = item for
** each item, ORed (three-valued, so a NULL item or x gives what SQL's IN
** gives); the items are constants of x's type. */
static int cx_in_wide(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    int a = cx(L, e->u.in.a, frame, sel, in), acc = -1;
    vm_opcode eqop = (vm_opcode)cmp_op(IR_EQ, e->u.in.a->ty.type);
    for (int j = 0; j < e->u.in.nitems; j++) {
        int eq = cx_op(L, eqop, e, frame, sel, a, cx(L, e->u.in.items[j], frame, sel, in), -1);
        acc = acc < 0 ? eq : cx_op(L, VM_OP_OR, e, frame, sel, acc, eq, -1);
    }
    return e->u.in.negated ? cx_op(L, VM_OP_NOT, e, frame, sel, acc, -1, -1) : acc;
}

static int cx(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    if (L->failed)
        return 0;
    switch (e->kind) {
    case IR_E_COL:
        return in->cols1 ? pair_col(L, in, e->u.col.side, e->u.col.index, e->ty.type, e->u.col.name.s, e->span)
                         : in->cols[e->u.col.index];
    case IR_E_LIT:
    case IR_E_REF:
    case IR_E_PARAM:
        return const_reg(L, e, e->ty.type);
    case IR_E_BINARY:
        return cx_binary(L, e, frame, sel, in);
    case IR_E_UNARY:
        if (e->u.op.op == IR_NOT)
            return cx_unary(L, VM_OP_NOT, e->u.op.a, e, frame, sel, in, -1);
        if (e->ty.type == TIR_INTERVAL)
            return cx_unary(L, VM_OP_IV_NEG, e->u.op.a, e, frame, sel, in, -1);
        return cx_unary(L, e->ty.type == TIR_DECIMAL128 ? VM_OP_DEC_WIDE_NEG : (vm_opcode)(VM_OP_NEG_I32 + num_ix(e->ty.type)),
                        e->u.op.a, e, frame, sel, in, -1);
    case IR_E_ISNULL:
        return cx_unary(L, e->u.isnull.negated ? VM_OP_IS_NOT_NULL : VM_OP_IS_NULL, e->u.isnull.a, e, frame,
                        sel, in, -1);
    case IR_E_LIKE:
        return cx_like(L, e, frame, sel, in);
    case IR_E_IN: {
        tir_type t = e->u.in.a->ty.type;
        if (t == TIR_DECIMAL128 || t == TIR_INTERVAL)
            return cx_in_wide(L, e, frame, sel, in);
        int a = cx(L, e->u.in.a, frame, sel, in);
        int k0 = L->p->nconsts;
        for (int j = 0; j < e->u.in.nitems; j++)
            add_const(L, e->u.in.items[j], t);
        int out = new_reg(L, TIR_BOOL, frame, ir_expr_str(L->a, e));
        vm_ins *i = emit(L, (vm_opcode)(VM_OP_IN_I32 + all_ix(t)), frame, e->span);
        i->a = a, i->b = k0, i->e = e->u.in.nitems, i->c = out, i->d = sel;
        if (!e->u.in.negated)
            return out;
        int neg = new_reg(L, TIR_BOOL, frame, ir_expr_str(L->a, e));
        i = emit(L, VM_OP_NOT, frame, e->span);
        i->a = out, i->c = neg, i->d = sel;
        return neg;
    }
    case IR_E_CASE:
        return cx_case(L, e, frame, sel, in);
    case IR_E_CAST:
        return cx_cast(L, e, frame, sel, in);
    case IR_E_CALL:
        return cx_call(L, e, frame, sel, in);
    default:
        lw_fail(L, "unexpected expression kind in lowering");
        return 0;
    }
}

/* Selection form of `x op constant`: SEL_op_VC when a kernel exists. */
static int sel_cmp_const(lw *L, ir_op op, const ir_expr *x, const ir_expr *k, int frame, int sel,
                         const lw_rel *in, ir_span span)
{
    tir_type t = x->ty.type;
    int a = cx(L, x, frame, sel, in);
    int out = new_sel(L);
    vm_ins *i;
    if (t == TIR_BOOL) {
        int kr = const_reg(L, k, t);
        int b = new_reg(L, TIR_BOOL, frame, "cmp");
        i = emit(L, (vm_opcode)(VM_OP_CMP_EQ_I32 + cmp_ix(op) * 5 + all_ix(t)), frame, span);
        i->a = a, i->b = kr, i->c = b, i->d = sel;
        i = emit(L, VM_OP_SEL_TRUE, frame, span);
        i->a = b, i->b = sel, i->c = out;
        return out;
    }
    i = emit(L, (vm_opcode)(VM_OP_SEL_EQ_VC_I32 + cmp_ix(op) * 4 + ord_ix(t)), frame, span);
    i->a = a, i->b = sel, i->c = out, i->d = new_const(L, k, t);
    return out;
}

/* A wide literal (a cast of one) or a tuple field: a constant register. */
static bool is_wide_const(const ir_expr *e)
{
    return is_const(e) || (e->kind == IR_E_CAST && e->u.cast.a->kind == IR_E_LIT);
}

/* Wide decimals compared in a filter (the checker made both wide, at one
** scale): the constant, if any, goes right, where the kernel reads it once. */
static int sel_cmp_wide(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    const ir_expr *x = e->u.op.a, *y = e->u.op.b;
    ir_op op = e->u.op.op;
    if (is_wide_const(x) && !is_wide_const(y)) {
        const ir_expr *t = x;
        x = y, y = t;
        op = flip_cmp(op);
    }
    int a = cx(L, x, frame, sel, in), b = cx(L, y, frame, sel, in);
    int out = new_sel(L);
    vm_ins *i = emit(L, (vm_opcode)(VM_OP_SEL_EQ_D128 + cmp_ix(op)), frame, e->span);
    i->a = a, i->b = sel, i->c = out, i->d = b;
    return out;
}

/* `column op constant` over a number type: evaluable as a dense mask. */
static bool maskable(const ir_expr *e)
{
    if (e->kind != IR_E_BINARY || !is_cmp(e->u.op.op))
        return false;
    const ir_expr *x = e->u.op.a, *k = e->u.op.b;
    if (is_const(x))
        x = e->u.op.b, k = e->u.op.a;
    tir_type t = x->ty.type;
    return x->kind == IR_E_COL && is_const(k) &&
           (t == TIR_I32 || t == TIR_DATE || t == TIR_I64 || t == TIR_F64 || t == TIR_DECIMAL || t == TIR_TIMESTAMP);
}

/* The conjuncts of e in order, flattened. */
static int conjuncts(const ir_expr *e, const ir_expr **out, int n, int cap)
{
    if (e->kind == IR_E_BINARY && e->u.op.op == IR_AND) {
        n = conjuncts(e->u.op.a, out, n, cap);
        return conjuncts(e->u.op.b, out, n, cap);
    }
    if (n < cap)
        out[n] = e;
    return n + 1;
}

static int lower_not(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in);
static int lower_pred(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in);

/* Whether e evaluates without a run-time error on any row: no integer
** arithmetic (overflow), no cast that may not fit, no function that may
** fail. Only such conjuncts may run in another order than written, since
** an earlier one may be what keeps a later one from failing. */
static bool cannot_fail(const ir_expr *e)
{
    static const char *const safe_fns[] = {"length", "octet_length", "lower", "upper", "trim", "ltrim", "rtrim",
                                           "starts_with", "ends_with", "contains", "strpos", "substring",
                                           "coalesce", "nullif", "year", "month", "day"};
    if (!e)
        return true;
    switch (e->kind) {
    case IR_E_LIT:
    case IR_E_COL:
    case IR_E_REF:
    case IR_E_PARAM:
        return true;
    case IR_E_UNARY:
        return (e->u.op.op == IR_NOT || e->ty.type == TIR_F64) && cannot_fail(e->u.op.a);
    case IR_E_BINARY:
        if (!is_cmp(e->u.op.op) && e->u.op.op != IR_AND && e->u.op.op != IR_OR && e->ty.type != TIR_F64)
            return false;
        return cannot_fail(e->u.op.a) && cannot_fail(e->u.op.b);
    case IR_E_LIKE:
        return e->u.like.pattern->kind == IR_E_LIT && cannot_fail(e->u.like.a);
    case IR_E_IN:
        for (int i = 0; i < e->u.in.nitems; i++)
            if (!cannot_fail(e->u.in.items[i]))
                return false;
        return cannot_fail(e->u.in.a);
    case IR_E_ISNULL:
        return cannot_fail(e->u.isnull.a);
    case IR_E_CASE:
        for (int i = 0; i < e->u.cas.n; i++)
            if (!cannot_fail(e->u.cas.whens[i]) || !cannot_fail(e->u.cas.thens[i]))
                return false;
        return cannot_fail(e->u.cas.els);
    case IR_E_CAST: {
        tir_type from = e->u.cast.a->ty.type, to = e->u.cast.to;
        bool widens = from == to || to == TIR_STRING || to == TIR_F64 ? from != TIR_STRING : to == TIR_I64 && from == TIR_I32;
        widens |= (from == TIR_TIMESTAMP && (to == TIR_DATE || to == TIR_I64)) || (from == TIR_I64 && to == TIR_TIMESTAMP);
        if (is_dec(to))   /* a rescale may pass the precision */
            widens = false;
        return widens && cannot_fail(e->u.cast.a);
    }
    case IR_E_CALL:
        for (size_t i = 0; i < sizeof safe_fns / sizeof *safe_fns; i++)
            if (!strcmp(e->u.call.fn.s, safe_fns[i])) {
                for (int j = 0; j < e->u.call.nargs; j++)
                    if (!cannot_fail(e->u.call.args[j]))
                        return false;
                return true;
            }
        return false;
    default:
        return false;
    }
}

/* Conjuncts c[0..n) (n >= 2, none can fail) over sel as blocks that
** VM_OP_ADAPT runs cheapest first (adapt.c); the rows passing all of them. */
static int lower_adaptive(lw *L, const ir_expr **c, int n, int frame, int sel, const lw_rel *in, ir_span at)
{
    vm_adapt *ad = PUSH(L, L->p->adapts, L->p->nadapts, capadapts);
    int id = L->p->nadapts - 1;
    ad->n = n;
    ad->stmt = L->cur;
    ad->shown = IR_NEW(L->a, _Atomic uint64_t);
    int cur = new_sel(L), pc = L->p->ncode;
    vm_ins *i = emit(L, VM_OP_ADAPT, frame, at);
    i->a = id, i->b = sel, i->c = cur;
    uint8_t order[VM_ADAPT_MAX];
    for (int k = 0; k < n; k++) {
        order[k] = (uint8_t)k;
        L->p->adapts[id].start[k] = L->p->ncode;
        int out = lower_pred(L, c[k], frame, cur, in);
        L->p->adapts[id].out[k] = out;
        L->p->adapts[id].end[k] = L->p->ncode;
    }
    if (L->failed || !L->p->adapts[id].shown)
        return cur;
    *L->p->adapts[id].shown = vm_adapt_pack(order, n);
    L->p->code[pc].d = L->p->ncode;
    return cur;
}

/* Conjuncts c[0..n) over sel, in turn: each sees the rows the ones before
** kept; reordered as they run when there are several and none can fail. */
static int lower_rest(lw *L, const ir_expr **c, int n, int frame, int sel, const lw_rel *in, ir_span at)
{
    /* not over a join's pairs: their columns are gathered at first use,
    ** which must stay first in every order */
    bool adapt = n >= 2 && n <= VM_ADAPT_MAX && !L->plan->fixed_order && !in->cols1;
    for (int j = 0; j < n && adapt; j++)
        adapt = cannot_fail(c[j]);
    if (adapt)
        return lower_adaptive(L, c, n, frame, sel, in, at);
    for (int j = 0; j < n; j++)
        sel = lower_pred(L, c[j], frame, sel, in);
    return sel;
}

/* Leading `column op constant` conjuncts over (nearly) every row of a frame
** are cheaper as one dense pass each, ANDed into a bit mask, and one
** selection at the end, than as a chain of ever sparser selections. */
static int lower_conj(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    const ir_expr *c[64];
    int n = conjuncts(e, c, 0, 64), lead = 0;
    bool dense = sel < 0 || sel == L->p->scan.live_sel;
    while (n <= 64 && lead < n && maskable(c[lead]))
        lead++;
    if (n > 64) {
        int s = lower_pred(L, e->u.op.a, frame, sel, in);
        return lower_pred(L, e->u.op.b, frame, s, in);
    }
    if (!dense || lead < 2)
        return lower_rest(L, c, n, frame, sel, in, e->span);
    int mask = new_reg(L, TIR_I64, frame, "conjunction mask");
    int reg[64];
    ir_op ops[64];
    const ir_expr *ks[64];
    tir_type ts[64];
    bool done[64] = {false};
    for (int j = 0; j < lead; j++) {
        const ir_expr *x = c[j]->u.op.a, *k = c[j]->u.op.b;
        ops[j] = c[j]->u.op.op;
        if (is_const(x)) {
            x = c[j]->u.op.b, k = c[j]->u.op.a;
            ops[j] = flip_cmp(ops[j]);
        }
        reg[j] = cx(L, x, frame, sel, in);
        ks[j] = k;
        ts[j] = x->ty.type;
    }
    /* a lower and an upper bound of one column make one range pass */
    for (int j = 0, first = 1; j < lead; j++) {
        if (done[j])
            continue;
        tir_type t = ts[j];
        bool lower = ops[j] == IR_GE || ops[j] == IR_GT, upper = ops[j] == IR_LE || ops[j] == IR_LT;
        int pair = -1;
        for (int j2 = j + 1; j2 < lead && pair < 0 && (lower || upper); j2++) {
            bool l2 = ops[j2] == IR_GE || ops[j2] == IR_GT, u2 = ops[j2] == IR_LE || ops[j2] == IR_LT;
            if (!done[j2] && reg[j2] == reg[j] && (lower ? u2 : l2))
                pair = j2;
        }
        vm_ins *i;
        if (pair >= 0) {
            int lo = lower ? j : pair, hi = lower ? pair : j;
            int form = (ops[lo] == IR_GT) * 2 + (ops[hi] == IR_LT);
            i = emit(L, (vm_opcode)(VM_OP_MASK_GE_LE_VCC_I32 + form * 3 + num_ix(t)), frame, c[j]->span);
            i->d = new_const(L, ks[lo], t), i->b = new_const(L, ks[hi], t);
            done[pair] = true;
        } else {
            i = emit(L, (vm_opcode)(VM_OP_MASK_EQ_VC_I32 + cmp_ix(ops[j]) * 3 + num_ix(t)), frame, c[j]->span);
            i->d = new_const(L, ks[j], t);
        }
        i->a = reg[j], i->c = mask, i->e = !first;
        first = 0;
    }
    int out = new_sel(L);
    vm_ins *i = emit(L, VM_OP_SEL_MASK, frame, e->span);
    i->a = mask, i->b = sel, i->c = out;
    return lower_rest(L, c + lead, n - lead, frame, out, in, e->span);
}

/* sel's rows where e is true, given those where a is: the rest are
** tried with b only (a lazy ||). */
static int lower_or(lw *L, int st, const ir_expr *b, bool negate, int frame, int sel, const lw_rel *in, ir_span at)
{
    int rest = new_sel(L);
    vm_ins *i = emit(L, VM_OP_SEL_DIFF, frame, at);
    i->a = st, i->b = sel, i->c = rest;
    int sb = negate ? lower_not(L, b, frame, rest, in) : lower_pred(L, b, frame, rest, in);
    int out = new_sel(L);
    i = emit(L, VM_OP_SEL_UNION, frame, at);
    i->a = st, i->b = sb, i->c = out;
    return out;
}

/* Refines sel to the rows where e is false (not NULL): !e in a filter,
** pushed through && and || (De Morgan) so that they stay lazy, and into
** comparisons, which flip. */
static int lower_not(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    if (e->kind == IR_E_UNARY && e->u.op.op == IR_NOT)
        return lower_pred(L, e->u.op.a, frame, sel, in);
    if (e->kind == IR_E_BINARY && e->u.op.op == IR_OR)
        return lower_not(L, e->u.op.b, frame, lower_not(L, e->u.op.a, frame, sel, in), in);
    if (e->kind == IR_E_BINARY && e->u.op.op == IR_AND)
        return lower_or(L, lower_not(L, e->u.op.a, frame, sel, in), e->u.op.b, true, frame, sel, in, e->span);
    if (e->kind == IR_E_BINARY && is_cmp(e->u.op.op)) {
        /* false, not NULL: the opposite comparison is true */
        static const ir_op opposite[] = {IR_NE, IR_EQ, IR_GE, IR_GT, IR_LE, IR_LT};
        ir_expr *flip = IR_NEW(L->a, ir_expr);
        if (!flip) {
            lw_fail(L, "out of memory");
            return sel;
        }
        *flip = *e;
        flip->u.op.op = opposite[cmp_ix(e->u.op.op)];
        return lower_pred(L, flip, frame, sel, in);
    }
    int v = cx(L, e, frame, sel, in), nv = new_reg(L, TIR_BOOL, frame, "not");
    vm_ins *i = emit(L, VM_OP_NOT, frame, e->span);
    i->a = v, i->c = nv, i->d = sel;
    int out = new_sel(L);
    i = emit(L, VM_OP_SEL_TRUE, frame, e->span);
    i->a = nv, i->b = sel, i->c = out;
    return out;
}

/* Refines sel by predicate e; conjunctions become chained selections,
** disjunctions try their right side only on the rows the left rejects. */
static int lower_pred(lw *L, const ir_expr *e, int frame, int sel, const lw_rel *in)
{
    if (e->kind == IR_E_BINARY && e->u.op.op == IR_AND)
        return lower_conj(L, e, frame, sel, in);
    if (e->kind == IR_E_BINARY && e->u.op.op == IR_OR)
        return lower_or(L, lower_pred(L, e->u.op.a, frame, sel, in), e->u.op.b, false, frame, sel, in, e->span);
    if (e->kind == IR_E_UNARY && e->u.op.op == IR_NOT)
        return lower_not(L, e->u.op.a, frame, sel, in);
    if (e->kind == IR_E_BINARY && is_cmp(e->u.op.op) && e->u.op.a->ty.type != TIR_INTERVAL) {
        const ir_expr *x = e->u.op.a, *y = e->u.op.b;
        if (x->ty.type == TIR_DECIMAL128)
            return sel_cmp_wide(L, e, frame, sel, in);
        if (is_const(y) && !is_const(x))
            return sel_cmp_const(L, e->u.op.op, x, y, frame, sel, in, e->span);
        if (is_const(x) && !is_const(y))
            return sel_cmp_const(L, flip_cmp(e->u.op.op), y, x, frame, sel, in, e->span);
        if (x->ty.type != TIR_BOOL) {
            int a = cx(L, x, frame, sel, in), b = cx(L, y, frame, sel, in);
            int out = new_sel(L);
            vm_ins *i = emit(L, (vm_opcode)(VM_OP_SEL_EQ_VV_I32 + cmp_ix(e->u.op.op) * 4 + ord_ix(x->ty.type)),
                             frame, e->span);
            i->a = a, i->b = sel, i->c = out, i->d = b;
            return out;
        }
    }
    int b = cx(L, e, frame, sel, in);
    int out = new_sel(L);
    vm_ins *i = emit(L, VM_OP_SEL_TRUE, frame, e->span);
    i->a = b, i->b = sel, i->c = out;
    return out;
}

static int stmt_index(const ir_pipeline *pl, const ir_stmt *s)
{
    for (int i = 0; i < pl->n; i++)
        if (pl->stmts[i] == s)
            return i;
    return -1;
}

static vm_aggslot *agg_slots(lw *L, const ir_agg *aggs, int n)
{
    vm_aggslot *slots = IR_NEWN(L->a, vm_aggslot, n);
    for (int j = 0; j < n; j++) {
        slots[j].fn = aggs[j].fn;
        slots[j].type = aggs[j].arg ? vm_phys(aggs[j].arg->ty.type) : TIR_I64;
        slots[j].scale = aggs[j].arg ? aggs[j].arg->ty.scale : 0;
        slots[j].sep = aggs[j].sep;
        slots[j].seplen = aggs[j].seplen;
        slots[j].nonnull = aggs[j].fn == IR_AGG_SUM && aggs[j].arg && !aggs[j].arg->ty.nullable;
    }
    return slots;
}

/* Opcode for aggregate fn over type t, from the ungrouped or grouped family. */
static vm_opcode agg_op(ir_aggfn fn, tir_type t, bool grouped)
{
    vm_opcode count = grouped ? VM_OP_GAGG_COUNT : VM_OP_AGG_COUNT;
    vm_opcode star = grouped ? VM_OP_GAGG_COUNT_STAR : VM_OP_AGG_COUNT_STAR;
    vm_opcode sum = grouped ? VM_OP_GAGG_SUM_I32 : VM_OP_AGG_SUM_I32;
    vm_opcode avg = grouped ? VM_OP_GAGG_AVG_I32 : VM_OP_AGG_AVG_I32;
    vm_opcode min = grouped ? VM_OP_GAGG_MIN_I32 : VM_OP_AGG_MIN_I32;
    vm_opcode max = grouped ? VM_OP_GAGG_MAX_I32 : VM_OP_AGG_MAX_I32;
    if (t == TIR_DECIMAL128 && fn != IR_AGG_COUNT)   /* sum, avg, min, max (any_value): the checker allows no other */
        return fn == IR_AGG_SUM ? (grouped ? VM_OP_GAGG_SUM_D128 : VM_OP_AGG_SUM_D128)
               : fn == IR_AGG_AVG ? (grouped ? VM_OP_GAGG_AVG_D128 : VM_OP_AGG_AVG_D128)
               : fn == IR_AGG_MIN ? (grouped ? VM_OP_GAGG_MIN_D128 : VM_OP_AGG_MIN_D128)
                                  : (grouped ? VM_OP_GAGG_MAX_D128 : VM_OP_AGG_MAX_D128);
    if (t == TIR_INTERVAL && fn != IR_AGG_COUNT)   /* min, max (any_value) */
        return fn == IR_AGG_MIN ? (grouped ? VM_OP_GAGG_MIN_IV : VM_OP_AGG_MIN_IV)
                                : (grouped ? VM_OP_GAGG_MAX_IV : VM_OP_AGG_MAX_IV);
    switch (fn) {
    case IR_AGG_COUNT: return count;
    case IR_AGG_COUNT_STAR: return star;
    case IR_AGG_SUM: return (vm_opcode)(sum + num_ix(t));
    case IR_AGG_AVG: return t == TIR_F64 ? (vm_opcode)(sum + num_ix(t)) : (vm_opcode)(avg + num_ix(t));
    case IR_AGG_VAR_SAMP:
    case IR_AGG_VAR_POP:
    case IR_AGG_STDDEV_SAMP:
    case IR_AGG_STDDEV_POP: return grouped ? VM_OP_GAGG_VAR_F64 : VM_OP_AGG_VAR_F64;
    case IR_AGG_MIN:
    case IR_AGG_BOOL_AND: return (vm_opcode)(min + ord_ix(t));
    case IR_AGG_BOOL_OR: return (vm_opcode)(max + ord_ix(t));
    case IR_AGG_STRING_AGG: return grouped ? VM_OP_GAGG_STRAGG : VM_OP_AGG_STRAGG;
    default: return (vm_opcode)(max + ord_ix(t));
    }
}

static void lower_stmt(lw *L, const ir_pipeline *pl, int si);

/* Counts the rows a statement produces (or, for a sink, consumes). */
static void count_rows(lw *L, int si, int frame, int sel, ir_span span)
{
    vm_ins *i = emit(L, VM_OP_PROFILE, frame, span);
    i->a = si;
    i->d = sel;
}

static void lower_children(lw *L, const ir_pipeline *pl, int si)
{
    for (int j = 0; j < pl->n; j++)
        if (pl->stmts[j]->input == pl->stmts[si])
            lower_stmt(L, pl, j);
}

static void lower_emit_rows(lw *L, ir_stmt *s, const ir_schema *schema, const lw_rel *r)
{
    vm_emit *em = PUSH(L, L->p->emits, L->p->nemits, capemits);
    em->stmt = s;
    em->schema = schema;
    em->ncols = schema->n;
    em->regs = r->cols;
    vm_ins *i = emit(L, VM_OP_EMIT, r->frame, s->span);
    i->a = L->p->nemits - 1;
    i->d = r->sel;
}

static void lower_emit(lw *L, ir_stmt *s, const lw_rel *r)
{
    lower_emit_rows(L, s, &s->out, r);
}

/* Seed 002's simple quals: a conjunct `col <op> constant` of the filter that
** reads the scan directly bounds the blocks worth reading. Bounds are
** inclusive even for < and >, which only reads a block more. */
/* A bound's constant: a wide literal is a cast of one (is_wide_const). */
static int prune_bound(lw *L, const ir_expr *e, tir_type t)
{
    return e->kind == IR_E_CAST ? wide_konst(L, e) : new_const(L, e, t);
}

static void add_prune(lw *L, vm_scan *sc, int col, const ir_expr *lo, const ir_expr *hi, tir_type t)
{
    vm_prune *pr = IR_NEWN(L->a, vm_prune, sc->nprunes + 1);
    if (sc->nprunes)
        memcpy(pr, sc->prunes, sizeof *pr * (size_t)sc->nprunes);
    pr[sc->nprunes++] = (vm_prune){col, lo ? prune_bound(L, lo, t) : -1, hi ? prune_bound(L, hi, t) : -1};
    sc->prunes = pr;
}

static void simple_quals(lw *L, vm_scan *sc, const ir_expr *e)
{
    if (e->kind != IR_E_BINARY)
        return;
    ir_op op = e->u.op.op;
    if (op == IR_AND) {
        simple_quals(L, sc, e->u.op.a);
        simple_quals(L, sc, e->u.op.b);
        return;
    }
    if (!is_cmp(op) || op == IR_NE)
        return;
    const ir_expr *x = e->u.op.a, *k = e->u.op.b;
    /* the checker made both operands wide when one is, at one scale */
    bool (*konst)(const ir_expr *) = x->ty.type == TIR_DECIMAL128 ? is_wide_const : is_const;
    if (konst(x) && !konst(k)) {
        const ir_expr *t = x;
        x = k, k = t;
        op = flip_cmp(op);
    }
    /* an interval bound is compared with the statistics as its k_iv_key (scan.c) */
    if (x->kind != IR_E_COL || x->u.col.side != 0 || !konst(k) || k->ty.type != x->ty.type ||
        (x->ty.type == TIR_DECIMAL128 && k->ty.scale != x->ty.scale))
        return;
    tir_type t = x->ty.type;
    if (op == IR_EQ)
        add_prune(L, sc, x->u.col.index, k, k, t);
    else if (op == IR_LT || op == IR_LE)
        add_prune(L, sc, x->u.col.index, NULL, k, t);
    else
        add_prune(L, sc, x->u.col.index, k, NULL, t);
}

/* hash_join and merge_join: a probe instruction fills the join's output
** frame a chunk at a time (semi/anti: a selection of the input), its
** consumers follow, and JOIN_LOOP goes back while chunks remain. A merge
** join reads its right side's rows where a hash join reads table entries.
** A hash join's :condition is evaluated over each chunk of pairs and
** JOIN_COND keeps those it holds for; semi and anti joins then loop over
** the pairs first and select their input rows once the batch is done. */
static void lower_join(lw *L, const ir_pipeline *pl, int si, const lw_rel *in)
{
    ir_stmt *s = pl->stmts[si];
    lw_rel *out = &L->rels[si];
    bool merge = s->kind == IR_OP_MERGE_JOIN;
    int nkeys = merge ? s->u.mjoin.nkeys : s->u.join.ht->ht_nkeys;
    ir_expr **keys = merge ? s->u.mjoin.keys : s->u.join.keys;
    const ir_projitem *proj = merge ? s->u.mjoin.proj : s->u.join.proj;
    const ir_expr *cond = merge ? NULL : s->u.join.cond;
    vm_join *j = PUSH(L, L->p->joins, L->p->njoins, capjoins);
    int ji = L->p->njoins - 1;
    j->stmt = s;
    j->merge = merge;
    j->kind = merge ? s->u.mjoin.jkind : s->u.join.jkind;
    j->nkeys = nkeys;
    j->key_regs = IR_NEWN(L->a, int, nkeys);
    for (int k = 0; k < nkeys; k++)
        j->key_regs[k] = cx(L, keys[k], in->frame, in->sel, in);
    j->in_frame = in->frame;
    j->in_sel = in->sel;
    bool filtering = j->kind == IR_JOIN_SEMI || j->kind == IR_JOIN_ANTI;
    j->cond = cond != NULL;
    j->out_frame = filtering && !cond ? in->frame : L->p->nframes++;
    j->out_sel = filtering ? new_sel(L) : -1;
    j->cand_sel = cond ? new_sel(L) : -1;
    j->pc = L->p->ncode;
    j->nregs_before = L->p->nregs;
    vm_ins *i = emit(L, merge ? VM_OP_MJOIN_PROBE : VM_OP_JOIN_PROBE, j->out_frame, s->span);
    i->a = ji;
    i->b = in->sel;
    int nin = s->input->out.n, nht = merge ? 0 : s->u.join.ht->out.n;
    lw_rel pr = {.frame = j->out_frame, .sel = j->cand_sel, .cols = IR_NEWN(L->a, int, nin),
                 .cols1 = IR_NEWN(L->a, int, nht ? nht : 1), .incols = in->cols, .join = ji};
    for (int c = 0; c < nin; c++)
        pr.cols[c] = -1;
    for (int c = 0; c < nht; c++)
        pr.cols1[c] = -1;
    if (cond) {
        int held = lower_pred(L, cond, pr.frame, pr.sel, &pr);
        i = emit(L, VM_OP_JOIN_COND, pr.frame, cond->span);
        i->a = ji, i->b = held;
        i->c = new_sel(L); /* semi, anti: only the pairs' marks are kept */
        if (!filtering)
            L->p->joins[ji].out_sel = i->c;
        if (filtering) {
            i = emit(L, VM_OP_JOIN_LOOP, pr.frame, s->span);
            i->a = ji;
            i->b = L->p->joins[ji].pc;
            i = emit(L, VM_OP_JOIN_SEMI, in->frame, s->span);
            i->a = ji;
            i->c = L->p->joins[ji].out_sel;
        }
    }
    j = &L->p->joins[ji];
    out->frame = filtering ? in->frame : j->out_frame;
    out->sel = j->out_sel;
    out->cols = IR_NEWN(L->a, int, s->out.n);
    for (int c = 0; c < s->out.n; c++) {
        ir_projitem pi = proj[c];
        tir_type t = s->out.cols[c].ty.type;
        if (filtering) {
            out->cols[c] = in->cols[pi.index];
        } else if (!merge) {
            out->cols[c] = pair_col(L, &pr, pi.side, pi.index, t, s->out.cols[c].name.s, s->span);
        } else {
            out->cols[c] = new_reg(L, t, j->out_frame, s->out.cols[c].name.s);
            /* a native right side's 16-byte values are strings to decode or plain values */
            bool x16 = pi.side && (t == TIR_DECIMAL128 || t == TIR_INTERVAL);
            i = emit(L, x16 ? VM_OP_MJOIN_RIGHT_X16 : width_op(pi.side ? VM_OP_MJOIN_RIGHT_W1 : VM_OP_JOIN_GATHER_W1, t),
                     j->out_frame, s->span);
            i->a = pi.side ? pi.index : in->cols[pi.index];
            i->b = ji;
            i->c = out->cols[c];
        }
    }
    count_rows(L, si, out->frame, out->sel, s->span);
    if (s->used_later)
        lower_emit(L, s, out);
    lower_children(L, pl, si);
    L->cur = si;
    if (!filtering) {
        i = emit(L, VM_OP_JOIN_LOOP, j->out_frame, s->span);
        i->a = ji;
        i->b = L->p->joins[ji].pc;
    }
    L->p->joins[ji].end_pc = L->p->ncode;
}

/* The sink column holding e's values: an input column as it is, else a
** hidden column computed here. */
static int sink_col(lw *L, vm_sortdef *d, const ir_expr *e, const lw_rel *in)
{
    if (e->kind == IR_E_COL && e->u.col.side == 0)
        return e->u.col.index;
    d->types[d->ncols] = vm_phys(e->ty.type);
    d->nullable[d->ncols] = e->ty.nullable;
    d->regs[d->ncols] = cx(L, e, in->frame, in->sel, in);
    return d->ncols++;
}

/* sort and window: a sink of the input's rows with normalized keys. */
static void lower_sort(lw *L, int si, ir_stmt *s, const lw_rel *in)
{
    bool win = s->kind == IR_OP_WINDOW;
    const ir_schema *ins = &s->input->out;
    int npart = win ? s->u.window.npart : 0, nfns = win ? s->u.window.nfns : 0;
    int nkeys = win ? npart + s->u.window.norder : s->u.sort.nkeys;
    vm_sortdef *d = PUSH(L, L->p->sorts, L->p->nsorts, capsorts);
    int di = L->p->nsorts - 1;
    memset(d, 0, sizeof *d);
    d->stmt = s;
    d->npayload = ins->n;
    int maxcols = ins->n + nkeys + 2 * nfns;
    d->types = IR_NEWN(L->a, tir_type, maxcols ? maxcols : 1);
    d->nullable = IR_NEWN(L->a, bool, maxcols ? maxcols : 1);
    d->regs = IR_NEWN(L->a, int, maxcols ? maxcols : 1);
    d->rowoff = IR_NEWN(L->a, uint32_t, maxcols ? maxcols : 1);
    d->nullbit = IR_NEWN(L->a, int, maxcols ? maxcols : 1);
    d->keys = IR_NEWN(L->a, vm_sortkey, nkeys ? nkeys : 1);
    for (int c = 0; c < ins->n; c++) {
        d->types[c] = vm_phys(ins->cols[c].ty.type);
        d->nullable[c] = ins->cols[c].ty.nullable;
        d->regs[c] = in->cols[c];
    }
    d->ncols = ins->n;
    d->nkeys = nkeys;
    d->limit = win ? -1 : s->u.sort.limit;
    d->offset = win ? 0 : s->u.sort.offset;
    uint32_t off = 0, part_bytes = 0;
    for (int k = 0; k < nkeys; k++) {
        const ir_sortspec *sp = win ? (k < npart ? &s->u.window.part[k] : &s->u.window.order[k - npart])
                                    : &s->u.sort.keys[k];
        vm_sortkey *key = &d->keys[k];
        key->type = vm_phys(sp->e->ty.type);
        key->flags = (sp->desc ? K_SK_DESC : 0) | (sp->e->ty.nullable ? K_SK_NULLABLE : 0) |
                     (sp->nulls_first ? K_SK_NULLS_FIRST : 0);
        key->reg = cx(L, sp->e, in->frame, in->sel, in);
        key->col = sp->e->kind == IR_E_COL && sp->e->u.col.side == 0 ? sp->e->u.col.index : -1;
        if (key->col < 0 && key->type == TIR_STRING) {
            d->types[d->ncols] = TIR_STRING;
            d->nullable[d->ncols] = sp->e->ty.nullable;
            d->regs[d->ncols] = key->reg;
            key->col = d->ncols++;
        }
        key->off = off;
        key->width = (uint32_t)k_sortkey_width(key->type, key->flags);
        off += key->width;
        if (k + 1 == npart)
            part_bytes = off;
    }
    d->key_bytes = off;
    d->entry_bytes = vm_sort_entry_bytes(off, d->limit >= 0);
    if (win) {
        vm_windef *w = IR_NEW(L->a, vm_windef);
        w->prog = L->plan->prog;
        w->npart = npart;
        w->part_bytes = part_bytes;
        w->nfns = nfns;
        w->fns = IR_NEWN(L->a, vm_winfndef, nfns ? nfns : 1);
        for (int f = 0; f < nfns; f++) {
            const ir_winfn *wf = &s->u.window.fns[f];
            vm_winfndef *o = &w->fns[f];
            o->kind = wf->kind;
            o->type = vm_phys(s->out.cols[ins->n + f].ty.type);
            o->arg_type = wf->arg ? vm_phys(wf->arg->ty.type) : TIR_I64;
            o->dec = wf->arg && wf->arg->ty.type == TIR_DECIMAL;
            o->scale = o->dec || o->arg_type == TIR_DECIMAL128 ? wf->arg->ty.scale : 0;
            o->arg = wf->arg ? sink_col(L, d, wf->arg, in) : -1;
            o->def = wf->def ? sink_col(L, d, wf->def, in) : -1;
            o->n = wf->n;
            o->frame = wf->frame;
            o->span = wf->span;
        }
        d->win = w;
    }
    vm_sort_layout(d);
    count_rows(L, si, in->frame, in->sel, s->span);
    int sel = in->sel;
    const vm_sortkey *k0 = &d->keys[0];
    if (d->limit >= 0 && nkeys > 0 && (k0->type == TIR_I32 || k0->type == TIR_DATE || k0->type == TIR_I64 ||
                                       k0->type == TIR_F64) &&
        !(k0->flags & K_SK_NULLS_FIRST && k0->flags & K_SK_NULLABLE)) {
        /* a full top-N drops rows whose first key cannot beat its worst */
        sel = new_sel(L);
        vm_ins *i = emit(L, (vm_opcode)(VM_OP_TOPN_CUT_I32 + num_ix(k0->type)), in->frame, s->span);
        i->a = k0->reg, i->b = in->sel, i->c = sel, i->d = di;
    }
    vm_ins *i = emit(L, VM_OP_SORT_ADD, in->frame, s->span);
    i->a = di;
    i->d = sel;
}

/* Input k of source s: a table_scan's one table or relation, or
** union_all's k-th input (all its columns). */
static vm_scanpart source_part(lw *L, const ir_stmt *s, int k)
{
    vm_scanpart sp;
    const ir_schema *in;
    if (s->kind == IR_OP_SCAN) {
        sp = (vm_scanpart){s->u.scan.table, s->u.scan.src_stmt, s->u.scan.cols, NULL};
        in = s->u.scan.table ? &s->u.scan.table->schema : &s->u.scan.src_stmt->out;
    } else {
        const ir_unionin *u = &s->u.uni.in[k];
        int *cols = IR_NEWN(L->a, int, s->out.n ? s->out.n : 1);
        for (int c = 0; c < s->out.n; c++)
            cols[c] = c;
        sp = (vm_scanpart){u->table, u->rel, cols, NULL};
        in = u->schema;
    }
    tir_type *types = IR_NEWN(L->a, tir_type, s->out.n ? s->out.n : 1);
    for (int c = 0; c < s->out.n; c++)
        types[c] = vm_phys(in->cols[sp.cols[c]].ty.type);
    sp.types = types;
    return sp;
}

/* A pipeline's source (table_scan, union_all): registers bound to each
** batch of its inputs' rows. */
static void lower_source(lw *L, const ir_pipeline *pl, ir_stmt *s, lw_rel *out)
{
    vm_scan *sc = &L->p->scan;
    sc->stmt = s;
    sc->ncols = s->out.n;
    sc->nparts = s->kind == IR_OP_UNION ? s->u.uni.n : 1;
    sc->parts = IR_NEWN(L->a, vm_scanpart, sc->nparts);
    sc->native = false;
    for (int k = 0; k < sc->nparts; k++) {
        sc->parts[k] = source_part(L, s, k);
        sc->native |= sc->parts[k].table && sc->parts[k].table->native;
    }
    sc->regs = IR_NEWN(L->a, int, s->out.n ? s->out.n : 1);
    sc->live_sel = sc->native ? new_sel(L) : -1;
    out->frame = 0;
    out->sel = sc->live_sel;
    out->cols = sc->regs;
    for (int c = 0; c < s->out.n; c++) {
        tir_type t = vm_phys(s->out.cols[c].ty.type);
        sc->regs[c] = new_reg(L, t, 0, s->out.cols[c].name.s);
        /* native strings are decoded into the register, narrower numbers
        ** widened into it; the rest is read in place */
        bool owned = false;
        for (int k = 0; k < sc->nparts; k++) {
            const vm_scanpart *sp = &sc->parts[k];
            owned |= (sp->table && sp->table->native && t == TIR_STRING) || sp->types[c] != t;
        }
        L->p->regs[sc->regs[c]].borrowed = !owned;
    }
    emit(L, VM_OP_SCAN, 0, s->span);
    count_rows(L, pl->n, 0, -1, s->span); /* slot n: rows read from the source */
}

static void lower_stmt(lw *L, const ir_pipeline *pl, int si)
{
    if (L->failed)
        return;
    ir_stmt *s = pl->stmts[si];
    lw_rel *out = &L->rels[si];
    L->cur = si;
    const lw_rel *in = s->input ? &L->rels[stmt_index(pl, s->input)] : NULL;
    vm_ins *i;
    switch (s->kind) {
    case IR_OP_UNION:
        lower_source(L, pl, s, out);
        break;
    case IR_OP_SCAN: {
        vm_scan *sc = &L->p->scan;
        lower_source(L, pl, s, out);
        for (int m = 0; m < s->u.scan.nmm; m++) {
            const ir_minmax *mm = &s->u.scan.mm[m];
            add_prune(L, sc, mm->col, mm->lo, mm->hi, s->out.cols[mm->col].ty.type);
        }
        /* only when that filter is the scan's one reader: other readers need every row */
        int readers = 0, filt = -1;
        for (int j = 1; j < pl->n; j++)
            if (pl->stmts[j]->input == s) {
                readers++;
                filt = pl->stmts[j]->kind == IR_OP_FILTER ? j : -1;
            }
        if (readers == 1 && filt > 0 && !s->used_later && pl->stmts[filt]->u.filter.pred)
            simple_quals(L, sc, pl->stmts[filt]->u.filter.pred);
        /* :minmaxes keep rows with lo <= x <= hi (a NULL bound keeps none) */
        for (int m = 0; m < s->u.scan.nmm; m++) {
            const ir_minmax *mm = &s->u.scan.mm[m];
            ir_expr col = {.kind = IR_E_COL, .span = mm->span};
            col.ty = s->out.cols[mm->col].ty;
            col.u.col.index = mm->col;
            col.u.col.qual = (ir_name){"$in", mm->span};   /* named in the registers' text */
            col.u.col.name = s->out.cols[mm->col].name;
            if (col.ty.type == TIR_DECIMAL128 || col.ty.type == TIR_INTERVAL) {
                /* compared like a filter's wide decimals, or intervals (by their normalized value) */
                ir_expr ge = {.kind = IR_E_BINARY, .span = mm->span, .u.op = {IR_GE, &col, mm->lo}};
                ir_expr le = {.kind = IR_E_BINARY, .span = mm->span, .u.op = {IR_LE, &col, mm->hi}};
                ge.ty = le.ty = (ir_coltype){.type = TIR_BOOL, .nullable = true};
                out->sel = lower_pred(L, &ge, 0, out->sel, out);
                out->sel = lower_pred(L, &le, 0, out->sel, out);
                continue;
            }
            out->sel = sel_cmp_const(L, IR_GE, &col, mm->lo, 0, out->sel, out, mm->span);
            out->sel = sel_cmp_const(L, IR_LE, &col, mm->hi, 0, out->sel, out, mm->span);
        }
        sc->nblooms = s->u.scan.nblooms;
        sc->blooms = IR_NEWN(L->a, vm_bloomuse, sc->nblooms ? sc->nblooms : 1);
        for (int b = 0; b < sc->nblooms; b++) {
            const ir_bloomuse *bu = &s->u.scan.blooms[b];
            sc->blooms[b] = (vm_bloomuse){bu->col, bu->bf};
            int sel = new_sel(L);
            i = emit(L, (vm_opcode)(VM_OP_BLOOM_SEL_I32 + key_ix(s->out.cols[bu->col].ty.type)), 0, bu->span);
            i->a = sc->regs[bu->col], i->b = out->sel, i->c = sel, i->d = b;
            i->e = new_reg(L, TIR_I64, 0, "bloom hashes");
            out->sel = sel;
        }
        break;
    }
    case IR_OP_FILTER:
        out->frame = in->frame;
        out->sel = lower_pred(L, s->u.filter.pred, in->frame, in->sel, in);
        out->cols = IR_NEWN(L->a, int, s->out.n);
        for (int c = 0; c < s->out.n; c++)
            out->cols[c] = in->cols[s->u.filter.proj[c]];
        break;
    case IR_OP_PROJECT:
        out->frame = in->frame;
        out->sel = in->sel;
        out->cols = IR_NEWN(L->a, int, s->out.n);
        for (int c = 0; c < s->out.n; c++)
            out->cols[c] = cx(L, s->u.project.exprs[c], in->frame, in->sel, in);
        break;
    case IR_OP_LIMIT: {
        vm_limit *lim = PUSH(L, L->p->limits, L->p->nlimits, caplimits);
        lim->count = s->u.limit.count;
        lim->offset = s->u.limit.offset;
        lim->count_k = s->u.limit.count_param ? new_const(L, s->u.limit.count_param, TIR_I64) : -1;
        lim->offset_k = s->u.limit.offset_param ? new_const(L, s->u.limit.offset_param, TIR_I64) : -1;
        out->frame = in->frame;
        out->cols = in->cols;
        out->sel = new_sel(L);
        i = emit(L, VM_OP_LIMIT, in->frame, s->span);
        i->a = L->p->nlimits - 1, i->b = in->sel, i->c = out->sel;
        break;
    }
    case IR_OP_HASH_JOIN:
        lower_join(L, pl, si, in);
        return; /* emits and children handled inside the join's loop */
    case IR_OP_AGGREGATE: {
        vm_agg *ag = PUSH(L, L->p->aggs, L->p->naggs, capaggs);
        int ai = L->p->naggs - 1;
        ag->stmt = s;
        ag->nslots = s->out.n;
        ag->slots = agg_slots(L, s->u.aggregate.aggs, s->out.n);
        count_rows(L, si, in->frame, in->sel, s->span);
        for (int k = 0; k < s->out.n; k++) {
            const ir_agg *g = &s->u.aggregate.aggs[k];
            int r = g->arg ? cx(L, g->arg, in->frame, in->sel, in) : -1;
            i = emit(L, agg_op(g->fn, ag->slots[k].type, false), in->frame, g->span);
            i->a = ai, i->b = r, i->d = in->sel, i->e = k;
        }
        return;
    }
    case IR_OP_BUILD_HASH: {
        vm_build *b = PUSH(L, L->p->builds, L->p->nbuilds, capbuilds);
        b->stmt = s;
        b->nkeys = s->u.build.nkeys;
        b->nvals = s->u.build.nvals;
        b->regs = IR_NEWN(L->a, int, b->nkeys + b->nvals);
        for (int k = 0; k < b->nkeys; k++)
            b->regs[k] = cx(L, s->u.build.keys[k], in->frame, in->sel, in);
        for (int k = 0; k < b->nvals; k++)
            b->regs[b->nkeys + k] = cx(L, s->u.build.vals[k], in->frame, in->sel, in);
        count_rows(L, si, in->frame, in->sel, s->span);
        i = emit(L, VM_OP_HT_INSERT, in->frame, s->span);
        i->a = L->p->nbuilds - 1, i->d = in->sel;
        return;
    }
    case IR_OP_BUILD_BLOOM: {
        vm_bloomdef *b = PUSH(L, L->p->bloomdefs, L->p->nbloomdefs, capbloomdefs);
        b->stmt = s;
        b->key_reg = cx(L, s->u.bloom.key, in->frame, in->sel, in);
        count_rows(L, si, in->frame, in->sel, s->span);
        i = emit(L, (vm_opcode)(VM_OP_BLOOM_ADD_I32 + key_ix(s->u.bloom.key->ty.type)), in->frame, s->span);
        i->a = b->key_reg, i->b = L->p->nbloomdefs - 1, i->d = in->sel;
        i->e = new_reg(L, TIR_I64, in->frame, "bloom hashes");
        return;
    }
    case IR_OP_DELETE: {
        /* the rows to delete are kept as row numbers; the run applies them */
        lw_rel ids = {.frame = in->frame, .sel = in->sel, .cols = IR_NEWN(L->a, int, 1)};
        ids.cols[0] = new_reg(L, TIR_I64, in->frame, "row numbers");
        i = emit(L, VM_OP_ROWID, in->frame, s->span);
        i->c = ids.cols[0];
        count_rows(L, si, in->frame, in->sel, s->span);
        lower_emit(L, s, &ids);
        return;
    }
    case IR_OP_WRITE_TABLE:
        count_rows(L, si, in->frame, in->sel, s->span);
        lower_emit_rows(L, s, &s->input->out, in);
        return;
    case IR_OP_SORT:
    case IR_OP_WINDOW:
        lower_sort(L, si, s, in);
        return;
    case IR_OP_MERGE_JOIN:
        lower_join(L, pl, si, in);
        return;
    case IR_OP_GROUP_BY: {
        vm_group *g = PUSH(L, L->p->groups, L->p->ngroups, capgroups);
        int gi = L->p->ngroups - 1;
        g->stmt = s;
        g->nkeys = s->u.group.nkeys;
        g->key_regs = IR_NEWN(L->a, int, g->nkeys);
        for (int k = 0; k < g->nkeys; k++)
            g->key_regs[k] = cx(L, s->u.group.keys[k], in->frame, in->sel, in);
        g->nslots = s->u.group.naggs;
        g->slots = agg_slots(L, s->u.group.aggs, g->nslots);
        g->gid_reg = new_reg(L, TIR_I32, in->frame, "group ids");
        count_rows(L, si, in->frame, in->sel, s->span);
        i = emit(L, VM_OP_GROUP_FIND, in->frame, s->span);
        i->a = gi, i->c = g->gid_reg, i->d = in->sel;
        for (int k = 0; k < g->nslots; k++) {
            const ir_agg *ag = &s->u.group.aggs[k];
            int r = ag->arg ? cx(L, ag->arg, in->frame, in->sel, in) : -1;
            i = emit(L, agg_op(ag->fn, g->slots[k].type, true), in->frame, ag->span);
            i->a = gi, i->b = r, i->c = g->gid_reg, i->d = in->sel, i->e = k;
        }
        return;
    }
    default:
        lw_fail(L, "unknown operator reached lowering");
        return;
    }
    count_rows(L, si, out->frame, out->sel, s->span);
    /* a tuple here is an aggregate's computed entries (tc_check's split) */
    if (s->used_later && (s->vkind == IR_VK_RELATION || s->kind == IR_OP_PROJECT))
        lower_emit(L, s, out);
    lower_children(L, pl, si);
}

int vm_plan_value_index(const vm_plan *plan, const ir_stmt *s)
{
    (void)plan;
    return s->value - 1;
}

static void note_use(vm_plan *plan, const ir_stmt *s, int order)
{
    int v = vm_plan_value_index(plan, s);
    if (v >= 0 && plan->vals[v].last_use < order)
        plan->vals[v].last_use = order;
}

static void note_expr_uses(vm_plan *plan, const ir_expr *e, int order)
{
    if (!e)
        return;
    switch (e->kind) {
    case IR_E_REF: note_use(plan, e->u.ref.stmt, order); break;
    case IR_E_UNARY: note_expr_uses(plan, e->u.op.a, order); break;
    case IR_E_BINARY:
        note_expr_uses(plan, e->u.op.a, order);
        note_expr_uses(plan, e->u.op.b, order);
        break;
    case IR_E_LIKE:
        note_expr_uses(plan, e->u.like.a, order);
        note_expr_uses(plan, e->u.like.pattern, order);
        break;
    case IR_E_IN: note_expr_uses(plan, e->u.in.a, order); break;
    case IR_E_ISNULL: note_expr_uses(plan, e->u.isnull.a, order); break;
    case IR_E_CAST: note_expr_uses(plan, e->u.cast.a, order); break;
    case IR_E_CASE:
        for (int i = 0; i < e->u.cas.n; i++) {
            note_expr_uses(plan, e->u.cas.whens[i], order);
            note_expr_uses(plan, e->u.cas.thens[i], order);
        }
        note_expr_uses(plan, e->u.cas.els, order);
        break;
    case IR_E_CALL:
        for (int i = 0; i < e->u.call.nargs; i++)
            note_expr_uses(plan, e->u.call.args[i], order);
        break;
    default: break;
    }
}

/* Every value of other pipelines that statement s reads, as used by pipeline `order`. */
static void note_stmt_uses(vm_plan *plan, const ir_stmt *s, int order)
{
    switch (s->kind) {
    case IR_OP_UNION:
        for (int k = 0; k < s->u.uni.n; k++)
            if (s->u.uni.in[k].rel)
                note_use(plan, s->u.uni.in[k].rel, order);
        break;
    case IR_OP_SCAN:
        if (s->u.scan.src_stmt)
            note_use(plan, s->u.scan.src_stmt, order);
        for (int m = 0; m < s->u.scan.nmm; m++) {
            note_expr_uses(plan, s->u.scan.mm[m].lo, order);
            note_expr_uses(plan, s->u.scan.mm[m].hi, order);
        }
        for (int b = 0; b < s->u.scan.nblooms; b++)
            note_use(plan, s->u.scan.blooms[b].bf, order);
        break;
    case IR_OP_FILTER: note_expr_uses(plan, s->u.filter.pred, order); break;
    case IR_OP_PROJECT:
        for (int c = 0; c < s->out.n; c++)
            note_expr_uses(plan, s->u.project.exprs[c], order);
        break;
    case IR_OP_AGGREGATE:
        for (int c = 0; c < s->out.n; c++)
            note_expr_uses(plan, s->u.aggregate.aggs[c].arg, order);
        break;
    case IR_OP_GROUP_BY:
        for (int c = 0; c < s->u.group.naggs; c++)
            note_expr_uses(plan, s->u.group.aggs[c].arg, order);
        break;
    case IR_OP_HASH_JOIN:
        note_use(plan, s->u.join.ht, order);
        for (int k = 0; k < s->u.join.ht->ht_nkeys; k++)
            note_expr_uses(plan, s->u.join.keys[k], order);
        note_expr_uses(plan, s->u.join.cond, order);
        break;
    case IR_OP_MERGE_JOIN:
        if (s->u.mjoin.rstmt)
            note_use(plan, s->u.mjoin.rstmt, order);
        break;
    case IR_OP_SORT:
        for (int k = 0; k < s->u.sort.nkeys; k++)
            note_expr_uses(plan, s->u.sort.keys[k].e, order);
        break;
    case IR_OP_WINDOW:
        for (int k = 0; k < s->u.window.npart; k++)
            note_expr_uses(plan, s->u.window.part[k].e, order);
        for (int k = 0; k < s->u.window.norder; k++)
            note_expr_uses(plan, s->u.window.order[k].e, order);
        for (int f = 0; f < s->u.window.nfns; f++) {
            note_expr_uses(plan, s->u.window.fns[f].arg, order);
            note_expr_uses(plan, s->u.window.fns[f].def, order);
        }
        break;
    default: break;
    }
}

/* A relation made when its pipeline ends, not row by row. */
static bool is_breaker(const ir_stmt *s)
{
    return s->kind == IR_OP_GROUP_BY || s->kind == IR_OP_SORT || s->kind == IR_OP_WINDOW;
}

/* Which statements' values outlive their pipeline, and until when (seed 002). */
static bool plan_values(ir_arena *a, vm_plan *plan)
{
    ir_program *p = plan->prog;
    int n = 0;
    for (int i = 0; i < p->npipelines; i++)
        for (int j = 0; j < p->pipelines[i]->n; j++)
            n += p->pipelines[i]->stmts[j]->used_later || p->pipelines[i]->stmts[j]->vkind != IR_VK_RELATION ||
                 is_breaker(p->pipelines[i]->stmts[j]);
    plan->vals = IR_NEWN(a, vm_valdef, n ? n : 1);
    if (!plan->vals)
        return false;
    for (int i = 0; i < p->npipelines; i++) {
        ir_pipeline *pl = p->pipelines[i];
        for (int j = 0; j < pl->n; j++) {
            ir_stmt *s = pl->stmts[j];
            if (s->used_later || s->vkind != IR_VK_RELATION || is_breaker(s)) {
                plan->vals[plan->nvals].stmt = s;
                plan->vals[plan->nvals].last_use = pl->order;
                s->value = ++plan->nvals;
            }
        }
    }
    for (int i = 0; i < p->npipelines; i++) {
        ir_pipeline *pl = p->pipelines[i];
        for (int j = 0; j < pl->n; j++)
            note_stmt_uses(plan, pl->stmts[j], pl->order);
    }
    for (int o = 0; o < p->noutputs; o++)
        note_use(plan, p->outputs[o].stmt, INT32_MAX);
    return true;
}

/* Marks the registers an instruction may read: the r[x] operands its
** synopsis names (over-approximated: a written r[c] is marked too) and the
** register lists of the sinks and probes it stands for. */
static void mark_reads(const vm_pipe *p, const vm_ins *in, bool *used)
{
    const char *syn = vm_opcode_synopsis[in->op];
    const int32_t ops[5] = {in->a, in->b, in->c, in->d, in->e};
    for (int f = 0; f < 5; f++) {
        char pat[5] = {'r', '[', (char)('a' + f), ']', 0};
        if (ops[f] >= 0 && ops[f] < p->nregs && strstr(syn, pat))
            used[ops[f]] = true;
    }
    switch ((vm_opcode)in->op) {
    case VM_OP_JOIN_PROBE:
    case VM_OP_MJOIN_PROBE:
        for (int k = 0; k < p->joins[in->a].nkeys; k++)
            used[p->joins[in->a].key_regs[k]] = true;
        break;
    case VM_OP_HT_INSERT:
        for (int k = 0; k < p->builds[in->a].nkeys + p->builds[in->a].nvals; k++)
            used[p->builds[in->a].regs[k]] = true;
        break;
    case VM_OP_GROUP_FIND:
        for (int k = 0; k < p->groups[in->a].nkeys; k++)
            used[p->groups[in->a].key_regs[k]] = true;
        break;
    case VM_OP_EMIT:
        for (int k = 0; k < p->emits[in->a].ncols; k++)
            used[p->emits[in->a].regs[k]] = true;
        break;
    case VM_OP_SORT_ADD:
        for (int k = 0; k < p->sorts[in->a].ncols; k++)
            used[p->sorts[in->a].regs[k]] = true;
        for (int k = 0; k < p->sorts[in->a].nkeys; k++)
            used[p->sorts[in->a].keys[k].reg] = true;
        break;
    default:
        break;
    }
}

/* vm_join.live of each hash join: what a probe row set aside must keep. */
static void join_live_sets(ir_arena *a, vm_pipe *p)
{
    for (int ji = 0; ji < p->njoins; ji++) {
        vm_join *j = &p->joins[ji];
        if (j->merge)
            continue;
        bool *used = IR_NEWN(a, bool, p->nregs ? p->nregs : 1);
        memset(used, 0, sizeof *used * (size_t)(p->nregs ? p->nregs : 1));
        for (int pc = j->pc; pc < j->end_pc; pc++)
            mark_reads(p, &p->code[pc], used);
        j->live = IR_NEWN(a, int, p->nregs ? p->nregs : 1);
        j->nlive = 0;
        for (int r = 0; r < j->nregs_before; r++)
            if (used[r] && p->regs[r].frame == j->in_frame && p->regs[r].konst < 0)
                j->live[j->nlive++] = r;
        j->key_live = IR_NEWN(a, int, j->nkeys ? j->nkeys : 1);
        for (int k = 0; k < j->nkeys; k++) {
            j->key_live[k] = -1;
            for (int l = 0; l < j->nlive; l++)
                if (j->live[l] == j->key_regs[k])
                    j->key_live[k] = l;
        }
    }
}

static bool lower_all(ir_arena *a, ir_program *p, uint32_t batch, bool fixed_order, vm_plan **out, char *err,
                      size_t errlen)
{
    vm_plan *plan = IR_NEW(a, vm_plan);
    if (!plan) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    plan->prog = p;
    plan->batch = batch;
    plan->fixed_order = fixed_order;
    plan->npipes = p->npipelines;
    plan->pipes = IR_NEWN(a, vm_pipe, p->npipelines ? p->npipelines : 1);
    if (!plan->pipes || !plan_values(a, plan)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (int i = 0; i < p->npipelines; i++) {
        ir_pipeline *pl = p->pipelines[i];
        lw L = {.a = a, .plan = plan, .p = &plan->pipes[i], .err = err, .errlen = errlen};
        L.p->ir = pl;
        L.p->nframes = 1;
        L.rels = IR_NEWN(a, lw_rel, pl->n ? pl->n : 1);
        if (pl->n == 0 || (pl->stmts[0]->kind != IR_OP_SCAN && pl->stmts[0]->kind != IR_OP_UNION)) {
            snprintf(err, errlen, "pipeline %s does not start with a source", pl->name.s);
            return false;
        }
        lower_stmt(&L, pl, 0);
        L.cur = pl->n;
        emit(&L, VM_OP_END, 0, pl->span);
        if (L.failed)
            return false;
        join_live_sets(a, L.p);
    }
    *out = plan;
    return true;
}

bool vm_lower(ir_arena *a, ir_program *p, uint32_t batch, bool fixed_order, vm_plan **out, char *err, size_t errlen)
{
    /* Allocations here are not checked one by one: running out unwinds to
    ** this point, as in the parser and the checker. */
    jmp_buf nomem, *outer = a->oom;
    if (setjmp(nomem)) {
        a->oom = outer;
        snprintf(err, errlen, "out of memory");
        return false;
    }
    a->oom = &nomem;
    bool ok = lower_all(a, p, batch, fixed_order, out, err, errlen);
    a->oom = outer;
    return ok;
}
