/*
** distinct.c — aggregates over distinct values: count(distinct x),
** sum(distinct x), avg(distinct x), var/stddev(distinct x),
** string_agg(distinct x, sep).
**
** Planned before the program is checked, as ordinary sinks, so that they
** run in parallel and spill like any other group-by:
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
** (count as a sum of counts, avg as a sum over a count, string_agg as a
** string_agg of string_aggs, in some order). min, max,
** any_value, bool_and and bool_or ignore `distinct`.
**
** With distinct arguments x and z, each gets a first step, g$distinct on
** (K, x, NULL) with the partial aggregates and g$distinct2 on (K, NULL, z)
** with the same aggregates of NULLs (so that the two have one schema), and
** the second step reads their union_all: a group's x values come from the
** first, its z values from the second, where the other column is NULL and
** skipped. The union needs no join on K, whose NULLs would not match.
** The checker then types all statements as written; readers of P.g find
** the moved g through c->moved.
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
    entries xs;               /* the different distinct arguments, by their printed text */
    entries partial;          /* the first step's aggregates */
} split;

/* The name of distinct argument i's column: $distinct, $distinct2, ... */
static const char *distinct_col(tc_ctx *c, int i)
{
    return i ? tc_str(c, ir_sprintf(c->a, "$distinct%d", i + 1)) : "$distinct";
}

/* The index of the distinct argument printed xs, added when new. */
static int distinct_arg(split *S, ir_expr *x, const char *xs)
{
    for (int i = 0; i < S->xs.n; i++)
        if (!strcmp(S->xs.v[i].key.s, xs))
            return i;
    put_entry(S->c, &S->xs, xs, x);
    return S->xs.n - 1;
}

static bool ignores_distinct(ir_aggfn f)
{
    return f == IR_AGG_MIN || f == IR_AGG_MAX || f == IR_AGG_BOOL_AND || f == IR_AGG_BOOL_OR;
}

/* Finds the distinct calls and their different arguments. */
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
    distinct_arg(S, e->u.call.args[0], tc_str(S->c, ir_expr_str(S->c->a, e->u.call.args[0])));
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
    if (e->u.call.distinct || f == IR_AGG_AVG || f == IR_AGG_SUM || f == IR_AGG_COUNT || f == IR_AGG_STRING_AGG ||
        ignores_distinct(f))
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

/* A partial aggregate (a call) of the first step; the column it makes. */
static ir_expr *partial_call(split *S, ir_expr *call, ir_span at)
{
    const char *name = tc_str(S->c, ir_sprintf(S->c->a, "$p%d", S->partial.n));
    put_entry(S->c, &S->partial, name, call);
    return in_col(S->c, name, at);
}

static ir_expr *partial(split *S, const char *fn, ir_expr *arg, ir_span at)
{
    return partial_call(S, call1(S->c, fn, arg, at), at);
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
    if (e->u.call.distinct) {
        ir_expr *x = e->u.call.args[0];
        int i = distinct_arg(S, x, tc_str(c, ir_expr_str(c->a, x)));
        e->u.call.distinct = false;
        e->u.call.args[0] = in_col(c, distinct_col(c, i), x->span);
        return true;
    }
    ir_span at = e->span;
    if (f == IR_AGG_STRING_AGG && e->u.call.nargs == 2) {
        /* the strings of each first-step group joined, then those joined:
        ** each valid string once, in some order (string_agg's order is
        ** the input's, which the first step does not keep) */
        ir_expr *part = copy_expr(c, e);
        e->u.call.args[0] = partial_call(S, part, at);
        return true;
    }
    if (e->u.call.nargs != 1)
        return true;   /* reported when the second step is checked */
    ir_expr *arg = e->u.call.args[0];
    const char *fn = e->u.call.fn.s;
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

/* The statement's own keys, as a map for the first steps; their names into
** *names for the second step. */
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

static ir_expr *bool_lit(tc_ctx *c, bool b, ir_span at)
{
    ir_expr *e = new_expr(c, IR_E_LIT, at);
    e->u.lit.type = TIR_BOOL;
    e->u.lit.i = b;
    return e;
}

/* `case when false then a end`: NULL, of a's type, for the columns a step
** leaves empty so that all first steps have one schema (count(*)'s `*`
** becomes 1). */
static ir_expr *typed_null(tc_ctx *c, const ir_expr *a)
{
    ir_expr *e = new_expr(c, IR_E_CASE, a->span);
    e->u.cas.whens = TC_NEWN(c, ir_expr *, 1);
    e->u.cas.thens = TC_NEWN(c, ir_expr *, 1);
    e->u.cas.n = 1;
    e->u.cas.whens[0] = bool_lit(c, false, a->span);
    if (a->kind == IR_E_STAR) {
        ir_expr *one = new_expr(c, IR_E_LIT, a->span);
        one->u.lit.type = TIR_I64;
        one->u.lit.i = 1;
        e->u.cas.thens[0] = one;
    } else {
        e->u.cas.thens[0] = copy_expr(c, a);
    }
    return e;
}

static ir_name step_name(tc_ctx *c, ir_stmt *st, int i)
{
    const char *s = i ? ir_sprintf(c->a, "%s$distinct%d", st->target.s, i + 1)
                      : ir_sprintf(c->a, "%s$distinct", st->target.s);
    return (ir_name){tc_str(c, s), st->target.span};
}

/* First step i, a sink of pl: a group-by on the statement's keys and
** distinct argument i, the other distinct arguments' columns NULL; step 0
** computes the other aggregates in part, the others give them as NULL or 0,
** which the second step's sums and counts ignore. Expressions are copied
** for all steps but the first: the checker resolves names in place. */
static ir_stmt *first_step(split *S, ir_pipeline *pl, const entries *gk, ir_val *input, int i)
{
    tc_ctx *c = S->c;
    ir_stmt *st = S->st;
    entries keys = {0}, aggs = {0};
    for (int k = 0; k < gk->n; k++) {
        ir_expr *e = gk->v[k].val->expr;
        put_entry(c, &keys, gk->v[k].key.s, i ? copy_expr(c, e) : e);
    }
    for (int j = 0; j < S->xs.n; j++)
        put_entry(c, &keys, distinct_col(c, j), j == i ? S->xs.v[j].val->expr : typed_null(c, S->xs.v[j].val->expr));
    for (int k = 0; k < S->partial.n; k++) {
        ir_expr *e = S->partial.v[k].val->expr;
        if (i) {
            ir_expr *call = copy_expr(c, e);   /* copies the other arguments (string_agg's separator) */
            call->u.call.args[0] = typed_null(c, e->u.call.args[0]);
            e = call;
        }
        put_entry(c, &aggs, S->partial.v[k].key.s, e);
    }
    if (i && input->kind == IR_V_EXPR)
        input = expr_val(c, copy_expr(c, input->expr));
    ir_span at = st->span;
    ir_stmt *first = TC_NEWN(c, ir_stmt, 1);
    first->target = step_name(c, st, i);
    first->op = (ir_name){"hash_group_by", st->op.span};
    first->span = at;
    first->pipeline = pl;
    first->args = new_args(c, 3);
    first->nargs = 3;
    first->args[0] = (ir_arg){{"input", at}, input};
    first->args[1] = (ir_arg){{"group_by", at}, map_val(c, &keys, at)};
    first->args[2] = (ir_arg){{"aggregates", at}, map_val(c, &aggs, at)};
    return first;
}

/* The second step's source: the one first step's rows, or the union of
** all of them. */
static ir_stmt *second_source(tc_ctx *c, ir_pipeline *pl, ir_pipeline *np, ir_stmt **firsts, int n, ir_span at,
                              ir_span opat)
{
    ir_stmt *src = TC_NEWN(c, ir_stmt, 1);
    src->target = (ir_name){"rows", at};
    src->op = (ir_name){n == 1 ? "table_scan" : "union_all", opat};
    src->span = at;
    src->pipeline = np;
    ir_val **items = TC_NEWN(c, ir_val *, n);
    for (int k = 0; k < n; k++) {
        ir_expr *path = new_expr(c, IR_E_PATH, at);
        path->u.path.parts[0] = pl->name;
        path->u.path.parts[1] = firsts[k]->target;
        path->u.path.nparts = 2;
        items[k] = expr_val(c, path);
    }
    ir_val *v = items[0];
    if (n > 1) {
        v = TC_NEWN(c, ir_val, 1);
        v->kind = IR_V_LIST;
        v->span = at;
        v->items = items;
        v->n = n;
    }
    src->args = new_args(c, 1);
    src->nargs = 1;
    src->args[0] = (ir_arg){{n == 1 ? "table" : "inputs", at}, v};
    return src;
}

/* Splits st (statement j of pl, at index i of the program's pipelines);
** the first steps take its place in pl, the new pipeline goes right after. */
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
    if (ok && S.xs.n == 0)
        return;
    ir_val *input = arg_of(st, "input");
    entries keys = {0};
    ir_val *names = NULL;
    if (!ok || !input || !walk_entries(aggs, splittable, &S) ||
        !first_keys(&S, S.grouped ? arg_of(st, "group_by") : NULL, &keys, &names)) {
        walk_entries(aggs, forget_distinct, &S);
        return;
    }
    walk_entries(aggs, second_step, &S);

    ir_stmt **firsts = TC_NEWN(c, ir_stmt *, S.xs.n);
    for (int k = 0; k < S.xs.n; k++)
        firsts[k] = first_step(&S, pl, &keys, input, k);
    ir_stmt **stmts = TC_NEWN(c, ir_stmt *, pl->n + S.xs.n - 1);
    memcpy(stmts, pl->stmts, sizeof *stmts * (size_t)j);
    memcpy(stmts + j, firsts, sizeof *stmts * (size_t)S.xs.n);
    memcpy(stmts + j + S.xs.n, pl->stmts + j + 1, sizeof *stmts * (size_t)(pl->n - j - 1));
    pl->stmts = stmts;
    pl->n += S.xs.n - 1;

    ir_span at = st->span;
    ir_pipeline *np = TC_NEWN(c, ir_pipeline, 1);
    np->name = (ir_name){tc_str(c, ir_sprintf(c->a, "%s.%s", pl->name.s, st->target.s)), st->target.span};
    np->span = at;
    np->n = 2;
    np->stmts = TC_NEWN(c, ir_stmt *, 2);
    ir_stmt *src = second_source(c, pl, np, firsts, S.xs.n, at, st->op.span);

    /* the statement keeps its other arguments; its input is the first steps' rows */
    ir_expr *rows = new_expr(c, IR_E_PATH, at);
    rows->u.path.parts[0] = src->target;
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
    np->stmts[0] = src;
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
                split_stmt(c, i, j);   /* the first steps it puts at j hold no distinct */
        }
    }
}
