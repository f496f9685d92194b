/*
** distinct.c — aggregates over distinct values: count(distinct x),
** sum(distinct x), avg(distinct x), var/stddev(distinct x).
**
** Planned before the program is checked, as two ordinary sinks, so that
** they run in parallel and spill like any other group-by:
**
**   g = hash_group_by :input = v :group_by = K :aggregates = { "n": count(distinct x), "s": sum(y) }
**
** becomes, in the same pipeline,
**
**   g$distinct = hash_group_by :input = v :group_by = { K..., "$distinct": x } :aggregates = { "$p0": sum(y) }
**
** and g itself moves to a pipeline "P.g" of its own, right after:
**
**   rows = table_scan :table = P.g$distinct
**   g = hash_group_by :input = rows :group_by = [K names] :aggregates = { "n": count($in.$distinct), "s": sum($in.$p0) }
**
** Each value of x is one row of the partial group-by, so the second step
** sees x once per group; the other aggregates are computed in two steps
** (count as a sum of counts, avg as a sum over a count). min, max,
** any_value, bool_and and bool_or ignore `distinct`. The checker then
** types both statements as written; readers of P.g find the moved g
** through c->moved.
*/
#include <string.h>

#include "tc.h"

/* A node of the rewritten plan, at the span of what it stands for. */
static ir_expr *new_expr(tc_ctx *c, ir_expr_kind kind, ir_span at)
{
    ir_expr *e = TC_NEWN(c, ir_expr, 1);
    e->kind = kind;
    e->span = at;
    return e;
}

static ir_expr *in_col(tc_ctx *c, const char *name, ir_span at)
{
    ir_expr *e = new_expr(c, IR_E_COL, at);
    e->u.col.qual = (ir_name){"$in", at};
    e->u.col.name = (ir_name){name, at};
    return e;
}

static ir_expr *call1(tc_ctx *c, const char *fn, ir_expr *arg, ir_span at)
{
    ir_expr *e = new_expr(c, IR_E_CALL, at);
    e->u.call.fn = (ir_name){fn, at};
    e->u.call.args = TC_NEWN(c, ir_expr *, 1);
    e->u.call.args[0] = arg;
    e->u.call.nargs = 1;
    return e;
}

static ir_val *expr_val(tc_ctx *c, ir_expr *e)
{
    ir_val *v = TC_NEWN(c, ir_val, 1);
    v->kind = IR_V_EXPR;
    v->span = e->span;
    v->expr = e;
    return v;
}

/* A growing { "name": expr } map. */
typedef struct entries {
    ir_mapent *v;
    int n, cap;
} entries;

static void put_entry(tc_ctx *c, entries *m, const char *name, ir_expr *e)
{
    if (m->n == m->cap) {
        int cap = m->cap ? 2 * m->cap : 8;
        ir_mapent *v = TC_NEWN(c, ir_mapent, cap);
        if (m->n)
            memcpy(v, m->v, sizeof *v * (size_t)m->n);
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = (ir_mapent){.key = {name, e->span}, .val = expr_val(c, e)};
}

static ir_val *map_val(tc_ctx *c, const entries *m, ir_span at)
{
    ir_val *v = TC_NEWN(c, ir_val, 1);
    v->kind = IR_V_MAP;
    v->span = at;
    v->ents = m->v;
    v->n = m->n;
    return v;
}

static ir_val **arg_slot(ir_stmt *st, const char *name)
{
    for (int i = 0; i < st->nargs; i++) {
        const char *n = st->args[i].name.s;
        if (n && !strcmp(n[0] == ':' ? n + 1 : n, name))
            return &st->args[i].val;
    }
    return NULL;
}

static ir_val *arg_of(ir_stmt *st, const char *name)
{
    ir_val **v = arg_slot(st, name);
    return v ? *v : NULL;
}

typedef struct split {
    tc_ctx *c;
    ir_stmt *st;
    bool grouped;
    ir_expr *x;               /* the distinct argument (the first one) */
    const char *xs;           /* ... printed, to compare the others with */
    int ndistinct;
    entries partial;          /* the first step's aggregates */
} split;

static bool ignores_distinct(ir_aggfn f)
{
    return f == IR_AGG_MIN || f == IR_AGG_MAX || f == IR_AGG_BOOL_AND || f == IR_AGG_BOOL_OR;
}

/* Finds the distinct calls; all must take the same argument. */
static bool find_distinct(void *ctx, ir_expr **pe, bool *ok)
{
    split *S = ctx;
    ir_expr *e = *pe;
    ir_aggfn f;
    if (e->kind != IR_E_CALL || !e->u.call.distinct)
        return false;
    if (!tc_agg_kind(e, &f)) {
        ir_error(S->c->d, e->span, "'distinct' is written only in aggregate calls (count(distinct x)); %s is not one",
                 e->u.call.fn.s);
        *ok = false;
        return true;
    }
    if (ignores_distinct(f)) {
        e->u.call.distinct = false;
        return false;
    }
    const char *xs = tc_str(S->c, ir_expr_str(S->c->a, e->u.call.args[0]));
    if (S->ndistinct++ == 0) {
        S->x = e->u.call.args[0];
        S->xs = xs;
    } else if (strcmp(xs, S->xs)) {
        char at[256];
        ir_srcmap m = ir_diags_srcmap(S->c->d);
        ir_where(at, sizeof at, &m, S->x->span);
        ir_error(S->c->d, e->u.call.args[0]->span,
                 "the distinct aggregates of one statement must share their argument: %s here, %s at %s (compute "
                 "the other in a hash_group_by of its own)", xs, S->xs, at);
        *ok = false;
    }
    return true;
}

/* Whether the second step can compute every other aggregate call. */
static bool splittable(void *ctx, ir_expr **pe, bool *ok)
{
    split *S = ctx;
    ir_expr *e = *pe;
    ir_aggfn f;
    if (!tc_agg_kind(e, &f))
        return false;
    if (e->u.call.distinct || f == IR_AGG_AVG || f == IR_AGG_SUM || f == IR_AGG_COUNT || ignores_distinct(f))
        return true;
    ir_error(S->c->d, e->span, "%s cannot be combined with a distinct aggregate in one statement: compute it in a "
                               "hash_group_by of its own and join the two", e->u.call.fn.s);
    *ok = false;
    return true;
}

/* After an error the statement is checked as written, without distinct. */
static bool forget_distinct(void *ctx, ir_expr **pe, bool *ok)
{
    (void)ctx;
    (void)ok;
    if ((*pe)->kind == IR_E_CALL)
        (*pe)->u.call.distinct = false;
    return false;
}

/* A partial aggregate fn(arg) of the first step; the column it makes. */
static ir_expr *partial(split *S, const char *fn, ir_expr *arg, ir_span at)
{
    const char *name = tc_str(S->c, ir_sprintf(S->c->a, "$p%d", S->partial.n));
    put_entry(S->c, &S->partial, name, call1(S->c, fn, arg, at));
    return in_col(S->c, name, at);
}

static ir_expr *copy_expr(tc_ctx *c, const ir_expr *e);

static ir_expr **copy_exprs(tc_ctx *c, ir_expr *const *v, int n)
{
    ir_expr **out = TC_NEWN(c, ir_expr *, n);
    for (int i = 0; i < n; i++)
        out[i] = copy_expr(c, v[i]);
    return out;
}

/* A deep copy of an unchecked expression: the checker resolves names in
** place, so an expression used twice (avg's sum and count) must be two. */
static ir_expr *copy_expr(tc_ctx *c, const ir_expr *e)
{
    if (!e)
        return NULL;
    ir_expr *x = TC_NEWN(c, ir_expr, 1);
    *x = *e;
    switch (e->kind) {
    case IR_E_UNARY:
    case IR_E_BINARY:
        x->u.op.a = copy_expr(c, e->u.op.a);
        x->u.op.b = copy_expr(c, e->u.op.b);
        break;
    case IR_E_LIKE:
        x->u.like.a = copy_expr(c, e->u.like.a);
        x->u.like.pattern = copy_expr(c, e->u.like.pattern);
        x->u.like.escape = copy_expr(c, e->u.like.escape);
        break;
    case IR_E_IN:
        x->u.in.a = copy_expr(c, e->u.in.a);
        x->u.in.items = copy_exprs(c, e->u.in.items, e->u.in.nitems);
        break;
    case IR_E_ISNULL:
        x->u.isnull.a = copy_expr(c, e->u.isnull.a);
        break;
    case IR_E_CASE:
        x->u.cas.whens = copy_exprs(c, e->u.cas.whens, e->u.cas.n);
        x->u.cas.thens = copy_exprs(c, e->u.cas.thens, e->u.cas.n);
        x->u.cas.els = copy_expr(c, e->u.cas.els);
        break;
    case IR_E_CAST:
        x->u.cast.a = copy_expr(c, e->u.cast.a);
        break;
    case IR_E_CALL:
        x->u.call.args = copy_exprs(c, e->u.call.args, e->u.call.nargs);
        break;
    default:   /* leaves: literals, names, parameters, `*` */
        break;
    }
    return x;
}

static ir_expr *to_f64(tc_ctx *c, ir_expr *a)
{
    ir_expr *e = new_expr(c, IR_E_CAST, a->span);
    e->u.cast.a = a;
    e->u.cast.to = TIR_F64;
    e->u.cast.to_span = a->span;
    return e;
}

/* Each aggregate call becomes its second step, over the first step's columns. */
static bool second_step(void *ctx, ir_expr **pe, bool *ok)
{
    split *S = ctx;
    tc_ctx *c = S->c;
    ir_expr *e = *pe;
    ir_aggfn f;
    (void)ok;
    if (!tc_agg_kind(e, &f))
        return false;
    if (e->u.call.nargs != 1)
        return true;   /* reported when the second step is checked */
    ir_span at = e->span;
    ir_expr *arg = e->u.call.args[0];
    const char *fn = e->u.call.fn.s;
    if (e->u.call.distinct) {
        e->u.call.distinct = false;
        e->u.call.args[0] = in_col(c, "$distinct", arg->span);
        return true;
    }
    switch (f) {
    case IR_AGG_COUNT:
    case IR_AGG_COUNT_STAR: {
        ir_expr *sum = call1(c, "sum", partial(S, fn, arg, at), at);
        if (S->grouped) {
            *pe = sum;
        } else {
            /* over no rows at all a count is 0, a sum NULL */
            ir_expr *zero = new_expr(c, IR_E_LIT, at);
            zero->u.lit.type = TIR_I64;
            ir_expr *co = call1(c, "coalesce", sum, at);
            ir_expr **args = TC_NEWN(c, ir_expr *, 2);
            args[0] = sum;
            args[1] = zero;
            co->u.call.args = args;
            co->u.call.nargs = 2;
            *pe = co;
        }
        break;
    }
    case IR_AGG_AVG: {
        ir_expr *div = new_expr(c, IR_E_BINARY, at);
        div->u.op.op = IR_DIV;
        div->u.op.a = to_f64(c, call1(c, "sum", partial(S, "sum", arg, at), at));
        div->u.op.b = to_f64(c, call1(c, "sum", partial(S, "count", copy_expr(c, arg), at), at));
        *pe = div;
        break;
    }
    case IR_AGG_SUM:
    case IR_AGG_MIN:
    case IR_AGG_MAX:
    case IR_AGG_BOOL_AND:
    case IR_AGG_BOOL_OR:
        e->u.call.args[0] = partial(S, fn, arg, at);
        break;
    default:   /* refused by splittable */
        break;
    }
    return true;
}

/* The first step's keys: the statement's own, and the distinct argument;
** their names into *names for the second step. */
static bool first_keys(split *S, ir_val *gb, entries *keys, ir_val **names)
{
    tc_ctx *c = S->c;
    int n = 0;
    ir_val **items = NULL;
    if (gb && gb->kind == IR_V_MAP) {
        for (int i = 0; i < gb->n; i++)
            if (gb->ents[i].val->kind == IR_V_EXPR)
                put_entry(c, keys, gb->ents[i].key.s, gb->ents[i].val->expr);
        n = gb->n;
    } else if (gb) {
        n = tc_list_items(gb, &items);
    }
    ir_val *list = TC_NEWN(c, ir_val, 1);
    list->kind = IR_V_LIST;
    list->span = gb ? gb->span : S->st->op.span;
    list->items = TC_NEWN(c, ir_val *, n);
    list->n = n;
    for (int i = 0; i < n; i++) {
        const char *name;
        ir_span at;
        if (gb->kind == IR_V_MAP) {
            name = gb->ents[i].key.s;
            at = gb->ents[i].key.span;
        } else {
            ir_val *it = items ? items[i] : gb;
            ir_expr *e = it->expr;
            at = it->span;
            if (e && e->kind == IR_E_LIT && e->u.lit.type == TIR_STRING && !e->u.lit.is_null) {
                name = e->u.lit.s;
                e = in_col(c, name, at);
            } else if (e && e->kind == IR_E_COL) {
                name = e->u.col.name.s;
            } else if (e && e->kind == IR_E_PATH && e->u.path.nparts <= 2) {
                name = e->u.path.parts[e->u.path.nparts - 1].s;
            } else {
                ir_error(c->d, at, "items of :group_by must be columns of the input: \"name\", $in.name or v.name");
                return false;
            }
            put_entry(c, keys, name, e);
        }
        ir_expr *lit = new_expr(c, IR_E_LIT, at);
        lit->u.lit.type = TIR_STRING;
        lit->u.lit.s = name;
        lit->u.lit.slen = (uint32_t)strlen(name);
        list->items[i] = expr_val(c, lit);
    }
    put_entry(c, keys, "$distinct", S->x);
    *names = S->grouped ? list : NULL;
    return true;
}

static bool walk_entries(ir_val *aggs, tc_expr_visit visit, split *S)
{
    bool ok = true;
    for (int k = 0; k < aggs->n && ok; k++)
        if (aggs->ents[k].val->kind == IR_V_EXPR)
            tc_walk_expr(&aggs->ents[k].val->expr, visit, S, &ok);
    return ok;
}

static ir_arg *new_args(tc_ctx *c, int n)
{
    return TC_NEWN(c, ir_arg, n);
}

/* Splits st (statement j of pl, at index i of the program's pipelines);
** the new pipeline goes right after pl. */
static void split_stmt(tc_ctx *c, int i, int j)
{
    ir_program *p = c->p;
    ir_pipeline *pl = p->pipelines[i];
    ir_stmt *st = pl->stmts[j];
    ir_val *aggs = arg_of(st, "aggregates");
    if (!aggs || aggs->kind != IR_V_MAP)
        return;
    split S = {.c = c, .st = st, .grouped = !strcmp(st->op.s, "hash_group_by")};
    bool ok = walk_entries(aggs, find_distinct, &S);
    if (ok && S.ndistinct == 0)
        return;
    ir_val *input = arg_of(st, "input");
    entries keys = {0};
    ir_val *names = NULL;
    if (!ok || !walk_entries(aggs, splittable, &S) ||
        !first_keys(&S, S.grouped ? arg_of(st, "group_by") : NULL, &keys, &names)) {
        walk_entries(aggs, forget_distinct, &S);
        return;
    }
    walk_entries(aggs, second_step, &S);

    ir_span at = st->span;
    ir_stmt *first = TC_NEWN(c, ir_stmt, 1);
    first->target = (ir_name){tc_str(c, ir_sprintf(c->a, "%s$distinct", st->target.s)), st->target.span};
    first->op = (ir_name){"hash_group_by", st->op.span};
    first->span = at;
    first->pipeline = pl;
    first->args = new_args(c, 3);
    first->nargs = 3;
    first->args[0] = (ir_arg){{"input", at}, input};
    first->args[1] = (ir_arg){{"group_by", at}, map_val(c, &keys, at)};
    first->args[2] = (ir_arg){{"aggregates", at}, map_val(c, &S.partial, at)};
    pl->stmts[j] = first;

    ir_pipeline *np = TC_NEWN(c, ir_pipeline, 1);
    np->name = (ir_name){tc_str(c, ir_sprintf(c->a, "%s.%s", pl->name.s, st->target.s)), st->target.span};
    np->span = at;
    np->n = 2;
    np->stmts = TC_NEWN(c, ir_stmt *, 2);

    ir_stmt *scan = TC_NEWN(c, ir_stmt, 1);
    scan->target = (ir_name){"rows", at};
    scan->op = (ir_name){"table_scan", st->op.span};
    scan->span = at;
    scan->pipeline = np;
    ir_expr *src = new_expr(c, IR_E_PATH, at);
    src->u.path.parts[0] = pl->name;
    src->u.path.parts[1] = first->target;
    src->u.path.nparts = 2;
    scan->args = new_args(c, 1);
    scan->nargs = 1;
    scan->args[0] = (ir_arg){{"table", at}, expr_val(c, src)};

    /* the statement keeps its other arguments; its input is the scan */
    ir_expr *rows = new_expr(c, IR_E_PATH, at);
    rows->u.path.parts[0] = scan->target;
    rows->u.path.nparts = 1;
    ir_arg *args = new_args(c, st->nargs + 1);
    int n = 0;
    for (int k = 0; k < st->nargs; k++) {
        ir_arg a = st->args[k];
        const char *an = a.name.s ? (a.name.s[0] == ':' ? a.name.s + 1 : a.name.s) : "";
        if (!strcmp(an, "input"))
            a.val = expr_val(c, rows);
        else if (!strcmp(an, "group_by"))
            a.val = names;
        if (a.val)
            args[n++] = a;
    }
    st->args = args;
    st->nargs = n;
    st->pipeline = np;
    np->stmts[0] = scan;
    np->stmts[1] = st;
    if (!ir_map_put(&c->moved, pl, st->target.s, st))
        longjmp(c->oom, 1);

    ir_pipeline **pls = TC_NEWN(c, ir_pipeline *, p->npipelines + 1);
    memcpy(pls, p->pipelines, sizeof *pls * (size_t)(i + 1));
    pls[i + 1] = np;
    memcpy(pls + i + 2, p->pipelines + i + 1, sizeof *pls * (size_t)(p->npipelines - i - 1));
    p->pipelines = pls;
    p->npipelines++;
}

void tc_split_distinct(tc_ctx *c)
{
    ir_program *p = c->p;
    /* new pipelines hold no distinct aggregates: stepping over them is harmless */
    for (int i = 0; i < p->npipelines; i++) {
        ir_pipeline *pl = p->pipelines[i];
        for (int j = 0; j < pl->n; j++) {
            const char *op = pl->stmts[j]->op.s;
            if (op && (!strcmp(op, "hash_group_by") || !strcmp(op, "aggregate")))
                split_stmt(c, i, j);
        }
    }
}
