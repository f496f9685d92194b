/*
** expr.c — typing of expressions: names resolved in an operator's scope,
** literals coerced to the type they are used at, numeric operands promoted
** to one type through explicit casts (so lowering never meets mixed types),
** and the built-in scalar functions.
*/
#include "tc.h"
#include "dates.h"
#include "timestamp.h"
#include "csv.h"
#include "kernels.h"
#include "functions.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A decimal of more than 18 digits (TIR_DECIMAL128) is read, kept, cast,
** compared, added, subtracted, multiplied, divided (in f64), taken modulo,
** negated, and given to abs, sign, floor, ceil, trunc, round, coalesce,
** greatest, least and nullif (the math functions take it as an f64): any
** other expression that would compute with one is refused, before
** lowering could meet a type it has no kernel for. Called once e's
** operands are typed (e's own type may not be yet). */
static bool wide_ok(tc_ctx *c, const ir_expr *e)
{
    const ir_expr *kids[3] = {NULL, NULL, NULL};
    const ir_coltype *w = e->ty.type == TIR_DECIMAL128 ? &e->ty : NULL;
    switch (e->kind) {
    case IR_E_UNARY: case IR_E_BINARY: case IR_E_IN:   /* % is refused where it is typed */
        return true;
    case IR_E_LIKE: kids[0] = e->u.like.a; break;
    case IR_E_CAST:   /* to and from any number or string; from a literal: tc_dec_wide_lit_cast */
        return true;
    case IR_E_CALL:
        switch (e->u.call.fid) {
        case IR_FN_ABS: case IR_FN_SIGN: case IR_FN_FLOOR: case IR_FN_CEIL: case IR_FN_TRUNC: case IR_FN_ROUND:
        case IR_FN_COALESCE: case IR_FN_GREATEST: case IR_FN_LEAST: case IR_FN_NULLIF: case IR_FN_BETWEEN:
            return true;
        default: break;
        }
        for (int k = 0; k < 3 && k < e->u.call.nargs; k++)
            kids[k] = e->u.call.args[k];
        break;
    default: return true;   /* columns, references, literals, is null */
    }
    for (int k = 0; k < 3 && !w; k++)
        w = kids[k] && kids[k]->ty.type == TIR_DECIMAL128 ? &kids[k]->ty : NULL;
    if (!w)
        return true;
    char tb[32];
    ir_error(c->d, e->span, "%s: this takes no decimal of more than 18 digits yet; cast it to string or to f64 first",
             ir_type_text(w->type, w->prec, w->scale, tb));
    return false;
}

const char *tc_type_name(tir_type t)
{
    switch (t) {
    case TIR_BOOL: return "bool";
    case TIR_I32: return "i32";
    case TIR_I64: return "i64";
    case TIR_F64: return "f64";
    case TIR_STRING: return "string";
    case TIR_DATE: return "date";
    case TIR_DECIMAL: case TIR_DECIMAL128: return "decimal";
    case TIR_TIMESTAMP: return "timestamp";
    case TIR_INTERVAL: return "interval";
    default: return "?";
    }
}

static const char *op_text(ir_op op)
{
    static const char *const t[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=",
                                    "&&", "||", "-", "!"};
    return t[op];
}

bool tc_numeric(tir_type t)
{
    return t == TIR_I32 || t == TIR_I64 || t == TIR_F64;
}

/* Numeric widening order; 0 for non-numeric types. */
static int rank(tir_type t)
{
    return t == TIR_I32 ? 1 : t == TIR_I64 ? 2 : t == TIR_F64 ? 3 : 0;
}

static ir_coltype plain(tir_type t, bool nullable)
{
    return (ir_coltype){.type = t, .nullable = nullable};
}

tir_type tc_wider(tir_type a, tir_type b)
{
    return rank(a) >= rank(b) ? a : b;
}

bool tc_is_null_lit(const ir_expr *e)
{
    return e->kind == IR_E_LIT && e->u.lit.is_null;
}

static bool is_int_lit(const ir_expr *e)
{
    return e->kind == IR_E_LIT && !e->u.lit.is_null &&
           (e->u.lit.type == TIR_I32 || e->u.lit.type == TIR_I64);
}

static bool is_str_lit(const ir_expr *e)
{
    return e->kind == IR_E_LIT && !e->u.lit.is_null && e->u.lit.type == TIR_STRING;
}

static bool fits_i32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

static void set_lit_type(ir_expr *e, tir_type t)
{
    e->u.lit.type = t;
    e->ty.type = t;
}

/* "YYYY-MM-DD" (years 0001-9999, as the parser accepts) to days since 1970-01-01. */
static bool parse_date(const char *s, size_t len, int64_t *days)
{
    if (!s || len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[10];
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
        v[i] = s[i] - '0';
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[5] * 10 + v[6], d = v[8] * 10 + v[9];
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > vm_days_in_month(y, m))
        return false;
    *days = vm_days_from_civil(y, m, d);
    return true;
}

bool tc_lit_convert(ir_expr *e, tir_type t)
{
    ir_lit *l = &e->u.lit;
    if (l->is_null) {
        set_lit_type(e, t);
        return true;
    }
    if (l->type == t)
        return true;
    switch (t) {
    case TIR_I32:
        if (l->type == TIR_I64 && fits_i32(l->i))
            break;
        return false;
    case TIR_I64:
        if (l->type == TIR_I32)
            break;
        return false;
    case TIR_F64:
        if (l->type != TIR_I32 && l->type != TIR_I64)
            return false;
        l->f = (double)l->i;
        break;
    case TIR_DATE:
        if (l->type == TIR_STRING && parse_date(l->s, l->slen, &l->i))
            break;
        return false;
    case TIR_TIMESTAMP:   /* text as the CSV loader reads it; a date is its midnight */
        if (l->type == TIR_STRING && l->s && vm_parse_timestamp(l->s, l->slen, &l->i))
            break;
        if (l->type == TIR_DATE) {
            l->i *= VM_US_PER_DAY;
            break;
        }
        return false;
    case TIR_DECIMAL:   /* the decimal of its digits; the caller picks the scale */
        return tc_dec_lit(e);
    case TIR_INTERVAL: {
        vm_interval v;
        if (l->type != TIR_STRING || !l->s || !vm_parse_interval(l->s, l->slen, &v))
            return false;
        l->months = v.months, l->days = v.days, l->i = v.micros;
        break;
    }
    default:
        return false;
    }
    set_lit_type(e, t);
    return true;
}

/* When x is a string literal that should have read as a t (a date, a
** timestamp, an interval) but did not: the error saying what t looks like,
** and true. Otherwise false, and no error. */
bool tc_bad_text_lit(tc_ctx *c, const ir_expr *x, tir_type t)
{
    if (x->kind != IR_E_LIT || x->u.lit.is_null || x->u.lit.type != TIR_STRING)
        return false;
    if (t == TIR_DATE)
        ir_error(c->d, x->span, "invalid date '%s' (expected YYYY-MM-DD)", x->u.lit.s);
    else if (t == TIR_TIMESTAMP)
        ir_error(c->d, x->span, "invalid timestamp '%s' (expected YYYY-MM-DD HH:MM:SS[.ffffff])", x->u.lit.s);
    else if (t == TIR_INTERVAL)
        ir_error(c->d, x->span, "invalid interval '%s'", x->u.lit.s);
    else
        return false;
    return true;
}

ir_expr *tc_new_cast(tc_ctx *c, ir_expr *x, tir_type t)
{
    ir_expr *e = TC_NEWN(c, ir_expr, 1);
    e->kind = IR_E_CAST;
    e->span = x->span;
    e->ty = plain(t, x->ty.nullable);
    e->u.cast.a = x;
    e->u.cast.to = t;
    e->u.cast.to_span = x->span;
    return e;
}

bool tc_coerce(tc_ctx *c, ir_expr **pe, tir_type t)
{
    ir_expr *e = *pe;
    if (e->kind == IR_E_LIT)
        return tc_lit_convert(e, t);
    if (e->ty.type == t)
        return true;
    if ((e->ty.type == TIR_DECIMAL && t == TIR_F64) || (e->ty.type == TIR_DATE && t == TIR_TIMESTAMP)) {
        *pe = tc_new_cast(c, e, t);   /* a date is its midnight, as in SQL */
        return true;
    }
    /* a parameter widens in place, as a literal converts: the run converts
    ** its value once, and `x > $p` keeps its constant fast path */
    if (e->kind == IR_E_PARAM && rank(e->ty.type) && rank(t) > rank(e->ty.type)) {
        e->ty.type = t;
        return true;
    }
    if (rank(e->ty.type) && rank(t) > rank(e->ty.type)) {
        *pe = tc_new_cast(c, e, t);
        return true;
    }
    return false;
}

/* Would literal e convert to t? (e is left unchanged.) */
static bool lit_fits(const ir_expr *e, tir_type t)
{
    ir_expr tmp = *e;
    return tc_lit_convert(&tmp, t);
}

int tc_col_index(const ir_schema *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (s->cols[i].name.s && !strcmp(s->cols[i].name.s, name))
            return i;
    return -1;
}

/* The column names of s that a program can write: not the hidden key of a
** table built with :key = [], "(no key)". */
const char *tc_col_list(tc_ctx *c, const ir_schema *s)
{
    size_t n = 1;
    for (int i = 0; i < s->n; i++)
        n += strlen(s->cols[i].name.s) + 2;
    char *buf = tc_new(c, n), *p = buf;
    for (int i = 0; i < s->n; i++) {
        size_t k = strlen(s->cols[i].name.s);
        if (s->cols[i].name.s[0] == '(')
            continue;
        if (p > buf) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, s->cols[i].name.s, k);
        p += k;
    }
    *p = 0;
    return p > buf ? buf : "none";
}

ir_expr *tc_new_col(tc_ctx *c, const ir_schema *src, int side, const char *qual, int index, ir_span at)
{
    ir_expr *e = TC_NEWN(c, ir_expr, 1);
    e->kind = IR_E_COL;
    e->span = at;
    e->ty = src->cols[index].ty;
    e->u.col.qual = (ir_name){qual, at};
    e->u.col.name = src->cols[index].name;
    e->u.col.name.span = at;
    e->u.col.side = side;
    e->u.col.index = index;
    return e;
}

static ir_span name_span(const ir_name *n, ir_span whole)
{
    return n->span.len ? n->span : whole;
}

/* ------------------------------------------------------------- names */

/* Binds e (qualifier and name already in e->u.col) to a column of src. */
static bool bind_col(tc_ctx *c, ir_expr *e, const ir_schema *src, int side, const char *what)
{
    int i = tc_col_index(src, e->u.col.name.s);
    if (i < 0) {
        ir_error(c->d, name_span(&e->u.col.name, e->span), "no column '%s' in %s%s (columns: %s)",
                 e->u.col.name.s, what, tc_meant_col(c, e->u.col.name.s, src), tc_col_list(c, src));
        return false;
    }
    e->kind = IR_E_COL;
    e->u.col.side = side;
    e->u.col.index = i;
    e->ty = src->cols[i].ty;
    return true;
}

static bool check_col(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    const char *q = e->u.col.qual.s;
    if (!strcmp(q, "$in")) {
        return s->input && bind_col(c, e, &s->input->out, 0, "$in");
    }
    if (!strcmp(q, "$ht") || !strcmp(q, "$right")) {
        if (!s->side1 || strcmp(s->side1, q)) {
            ir_error(c->d, e->span, !strcmp(q, "$ht") ? "$ht can only be used in hash_join's :projection and :condition"
                                                      : "$right can only be used in merge_join's :right_key and "
                                                        ":projection");
            return false;
        }
        return s->side1_cols && bind_col(c, e, s->side1_cols, 1, q);
    }
    return false; /* any other $name is a syntax error, reported by the parser */
}

static bool check_path(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    ir_name p[3];
    int n = e->u.path.nparts;
    memcpy(p, e->u.path.parts, sizeof p);
    if (n == 1) {
        if (s->input && tc_col_index(&s->input->out, p[0].s) >= 0)
            ir_error(c->d, e->span, "unknown name '%s'; the input's column is written $in.%s", p[0].s, p[0].s);
        else
            ir_error(c->d, e->span, "unknown name '%s'", p[0].s);
        return false;
    }
    if (n == 2) {
        ir_stmt *st = tc_find_stmt(c, s->pl, p[0].s);
        if (st) {
            if (st == s->input) {
                e->kind = IR_E_COL;
                e->u.col.qual = p[0];
                e->u.col.name = p[1];
                return bind_col(c, e, &st->out, 0, p[0].s);
            }
            if (s->input)
                ir_error(c->d, p[0].span, "'%s' is not the input of this %s (its :input is %s); write $in.%s",
                         p[0].s, s->stmt->op.s, s->input->target.s, p[1].s);
            return false;
        }
        if (tc_find_pipeline(c, p[0].s))
            ir_error(c->d, e->span,
                     "'%s.%s' is a value of a pipeline, not a scalar; read a tuple field as %s.%s.<field>",
                     p[0].s, p[1].s, p[0].s, p[1].s);
        else
            ir_error(c->d, e->span, "unknown name '%s.%s'", p[0].s, p[1].s);
        return false;
    }
    ir_stmt *t = tc_other_value(c, s->pl, &p[0], &p[1]);
    if (!t)
        return false;
    if (t->vkind != IR_VK_TUPLE) {
        ir_error(c->d, e->span, "'%s.%s' is a %s; only fields of tuples (aggregate outputs) can be used as scalars",
                 p[0].s, p[1].s, tc_vkind_name(t->vkind));
        return false;
    }
    int f = tc_col_index(&t->out, p[2].s);
    if (f < 0) {
        ir_error(c->d, p[2].span, "no field '%s' in %s.%s (fields: %s)", p[2].s, p[0].s, p[1].s,
                 tc_col_list(c, &t->out));
        return false;
    }
    e->kind = IR_E_REF;
    e->u.ref.stmt = t;
    e->u.ref.field = f;
    e->ty = tc_keep(t->out.cols[f].ty, t->out.cols[f].ty.nullable);
    return true;
}

/* $in, $ht and $right name rows; a parameter cannot be called that. */
static bool is_row_variable(const char *name)
{
    return !strcmp(name, "in") || !strcmp(name, "ht") || !strcmp(name, "right");
}

/* "$a, $b" of the parameters declared (the first of a name repeated, none
** with a row variable's name), for messages. */
static const char *param_list(tc_ctx *c)
{
    const ir_program *p = c->p;
    size_t n = 1;
    for (int i = 0; i < p->nparams; i++)
        n += strlen(p->params[i]->name.s) + 3;
    char *buf = tc_new(c, n), *o = buf;
    for (int i = 0; i < p->nparams; i++)
        if (ir_map_get(&c->params, NULL, p->params[i]->name.s) == p->params[i])
            o += sprintf(o, "%s$%s", o > buf ? ", " : "", p->params[i]->name.s);
    *o = 0;
    return buf;
}

static bool check_param(tc_ctx *c, ir_expr *e)
{
    const char *name = e->u.param.name.s;
    if (is_row_variable(name)) {
        ir_error(c->d, e->span, "$%s names a row, not a value: write $%s.column", name, name);
        return false;
    }
    ir_param *p = ir_map_get(&c->params, NULL, name);
    if (!p) {
        const char *list = param_list(c);
        if (*list)
            ir_error(c->d, e->span, "unknown parameter '$%s' (parameters: %s)", name, list);
        else
            ir_error(c->d, e->span, "unknown parameter '$%s' (declare it at program level: $%s: type)", name,
                     name);
        return false;
    }
    p->used = true;
    e->u.param.index = p->index;
    e->ty = tc_keep(p->ty, p->ty.nullable);
    return true;
}

bool tc_nonneg_param(tc_ctx *c, ir_expr *e, const char *what)
{
    if (!check_param(c, e))
        return false;
    ir_param *p = c->p->params[e->u.param.index];
    if ((e->ty.type != TIR_I32 && e->ty.type != TIR_I64) || e->ty.nullable) {
        ir_error(c->d, e->span, "%s takes a parameter of type i32 or i64, not nullable; $%s is %s%s", what,
                 p->name.s, tc_type_name(p->ty.type), p->ty.nullable ? " nullable" : "");
        return false;
    }
    if (!p->nonneg.len)
        p->nonneg = e->span;
    return true;
}

/* ------------------------------------------------------------ operators */

static bool check_lit(ir_expr *e)
{
    ir_lit *l = &e->u.lit;
    if (l->is_null) {
        /* provisional: the context retypes it (other operand, branch, cast) */
        l->type = TIR_I64;
    } else if (l->type == TIR_I32 || l->type == TIR_I64) {
        /* the parser reads every integer as i64; the smallest type that holds it */
        l->type = fits_i32(l->i) ? TIR_I32 : TIR_I64;
    }
    e->ty = plain(l->type, l->is_null);
    e->ty.prec = l->prec;
    e->ty.scale = l->scale;
    return true;
}

static bool check_unary(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    if (!tc_expr(c, s, &e->u.op.a) || !wide_ok(c, e))
        return false;
    ir_expr *a = e->u.op.a;
    if (e->u.op.op == IR_NOT) {
        if (tc_is_null_lit(a))
            tc_lit_convert(a, TIR_BOOL);
        if (a->ty.type != TIR_BOOL) {
            ir_error(c->d, a->span, "operand of '!' must be bool, found %s", tc_type_name(a->ty.type));
            return false;
        }
        e->ty = plain(TIR_BOOL, a->ty.nullable);
        return true;
    }
    if (!tc_numeric(a->ty.type) && a->ty.type != TIR_DECIMAL && a->ty.type != TIR_DECIMAL128 &&
        a->ty.type != TIR_INTERVAL) {
        ir_error(c->d, a->span, "operand of unary '-' must be numeric or an interval, found %s", tc_type_name(a->ty.type));
        return false;
    }
    e->ty = tc_keep(a->ty, a->ty.nullable);
    return true;
}

/* Promotes two numeric operands to one type. An integer literal facing a
** non-literal adopts its type when the value fits (x_f64 > 10 compares
** doubles, x_i32 + 1 stays i32). */
static tir_type unify_numeric(tc_ctx *c, ir_expr **pa, ir_expr **pb)
{
    if (is_int_lit(*pa) && !is_int_lit(*pb))
        tc_lit_convert(*pa, (*pb)->ty.type);
    else if (is_int_lit(*pb) && !is_int_lit(*pa))
        tc_lit_convert(*pb, (*pa)->ty.type);
    tir_type ta = (*pa)->ty.type, tb = (*pb)->ty.type;
    tir_type t = tc_wider(ta, tb);
    tc_coerce(c, pa, t);
    tc_coerce(c, pb, t);
    return t;
}

static bool is_cmp(ir_op op)
{
    return op >= IR_EQ && op <= IR_GE;
}

/* date ± integer days is a date, date − date the days between (i32), as
** in SQL; dates are i32 day counts, so the integer side becomes i32 (a
** wider value is checked when it is narrowed, like any cast). */
static bool check_date_arith(tc_ctx *c, ir_expr *e, bool nullable)
{
    ir_expr **pa = &e->u.op.a, **pb = &e->u.op.b;
    bool da = (*pa)->ty.type == TIR_DATE, db = (*pb)->ty.type == TIR_DATE;
    if (da && db) {
        if (e->u.op.op == IR_ADD) {
            ir_error(c->d, e->span, "cannot add two dates (date - date is the days between them)");
            return false;
        }
        e->ty = plain(TIR_I32, nullable);
        return true;
    }
    if (!da && e->u.op.op == IR_SUB) {
        ir_error(c->d, e->span, "cannot subtract a date from %s (date - integer subtracts days)",
                 tc_type_name((*pa)->ty.type));
        return false;
    }
    ir_expr **pi = da ? pb : pa;
    tir_type it = (*pi)->ty.type;
    if (it != TIR_I32 && it != TIR_I64) {
        ir_error(c->d, (*pi)->span, "a date %s an integer number of days, not %s",
                 e->u.op.op == IR_ADD ? "takes" : "loses", tc_type_name(it));
        return false;
    }
    if ((*pi)->kind == IR_E_LIT) {
        if (!tc_lit_convert(*pi, TIR_I32)) {
            ir_error(c->d, (*pi)->span, "%lld days is out of range for a date", (long long)(*pi)->u.lit.i);
            return false;
        }
    } else if (it == TIR_I64) {
        *pi = tc_new_cast(c, *pi, TIR_I32);
    }
    e->ty = plain(TIR_DATE, nullable);
    return true;
}

static bool check_binary(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    bool oka = tc_expr(c, s, &e->u.op.a);
    bool okb = tc_expr(c, s, &e->u.op.b);
    if (!oka || !okb || !wide_ok(c, e))
        return false;
    ir_op op = e->u.op.op;
    ir_expr *a = e->u.op.a, *b = e->u.op.b;
    if (tc_is_null_lit(a) && !tc_is_null_lit(b))
        tc_lit_convert(a, op == IR_AND || op == IR_OR ? TIR_BOOL : b->ty.type);
    else if (tc_is_null_lit(b) && !tc_is_null_lit(a))
        tc_lit_convert(b, op == IR_AND || op == IR_OR ? TIR_BOOL : a->ty.type);
    else if (tc_is_null_lit(a) && (op == IR_AND || op == IR_OR)) {
        tc_lit_convert(a, TIR_BOOL);
        tc_lit_convert(b, TIR_BOOL);
    }
    bool nullable = a->ty.nullable || b->ty.nullable;
    if (tc_iv_involved(e))
        return tc_iv_binary(c, e, nullable);

    if (op == IR_AND || op == IR_OR) {
        for (int k = 0; k < 2; k++) {
            ir_expr *x = k ? b : a;
            if (x->ty.type != TIR_BOOL) {
                ir_error(c->d, x->span, "operands of '%s' must be bool, found %s", op_text(op),
                         tc_type_name(x->ty.type));
                return false;
            }
        }
        e->ty = plain(TIR_BOOL, nullable);
        return true;
    }
    if ((op == IR_ADD || op == IR_SUB) && (a->ty.type == TIR_DATE || b->ty.type == TIR_DATE))
        return check_date_arith(c, e, nullable);
    if (a->ty.type == TIR_DECIMAL || b->ty.type == TIR_DECIMAL || a->ty.type == TIR_DECIMAL128 ||
        b->ty.type == TIR_DECIMAL128)
        return tc_dec_binary(c, e, nullable);
    if (!is_cmp(op)) {
        for (int k = 0; k < 2; k++) {
            ir_expr *x = k ? b : a;
            if (x->ty.type == TIR_TIMESTAMP) {
                ir_error(c->d, e->span, "operator '%s' does not take a timestamp: add or subtract an interval "
                         "($in.ts + interval \"1 day\"); a - b of timestamps is the interval between them",
                         op_text(op));
                return false;
            }
            if (!tc_numeric(x->ty.type)) {
                ir_error(c->d, x->span, "operator '%s' needs numeric operands, found %s%s", op_text(op),
                         tc_type_name(x->ty.type),
                         op == IR_ADD && x->ty.type == TIR_STRING ? "; strings are joined with concat(a, b)"
                                                                  : tc_cast_hint(c, x, TIR_F64));
                return false;
            }
        }
        tir_type t = unify_numeric(c, &e->u.op.a, &e->u.op.b);
        /* x / 0 and x % 0 give NULL rather than failing the run */
        e->ty = plain(t, nullable || op == IR_DIV || op == IR_MOD);
        return true;
    }
    for (int k = 0; k < 2; k++) {
        ir_expr *x = k ? b : a, *y = k ? a : b;
        if (x->ty.type == TIR_DATE && is_str_lit(y) && !tc_lit_convert(y, TIR_DATE)) {
            ir_error(c->d, y->span, "invalid date '%s' (expected YYYY-MM-DD)", y->u.lit.s);
            return false;
        }
        if (x->ty.type == TIR_TIMESTAMP && is_str_lit(y) && !tc_lit_convert(y, TIR_TIMESTAMP)) {
            ir_error(c->d, y->span, "invalid timestamp '%s' (expected YYYY-MM-DD HH:MM:SS[.ffffff])", y->u.lit.s);
            return false;
        }
        if (x->ty.type == TIR_TIMESTAMP && y->ty.type == TIR_DATE)
            tc_coerce(c, k ? &e->u.op.a : &e->u.op.b, TIR_TIMESTAMP);
    }
    a = e->u.op.a, b = e->u.op.b;
    if (tc_numeric(a->ty.type) && tc_numeric(b->ty.type)) {
        unify_numeric(c, &e->u.op.a, &e->u.op.b);
    } else if (a->ty.type != b->ty.type) {
        /* the string side is the one to cast: text read as a number or a date */
        const ir_expr *from = b->ty.type == TIR_STRING ? b : a, *other = from == b ? a : b;
        ir_error(c->d, e->span, "cannot compare %s with %s%s", tc_type_name(a->ty.type), tc_type_name(b->ty.type),
                 tc_cast_hint(c, from, other->ty.type));
        return false;
    }
    e->ty = plain(TIR_BOOL, nullable);
    return true;
}

/* ESCAPE: a string literal of one character; a literal pattern may not
** end with it (the character it would make literal is missing). */
static bool check_escape(tc_ctx *c, ir_expr *e)
{
    ir_expr *esc = e->u.like.escape, *p = e->u.like.pattern;
    const char *op = e->u.like.ci ? "ilike" : "like";
    uint32_t chars = 0;
    for (uint32_t i = 0; is_str_lit(esc) && i < esc->u.lit.slen; i++)
        chars += ((unsigned char)esc->u.lit.s[i] & 0xC0) != 0x80;
    if (chars != 1) {
        ir_error(c->d, esc->span, "the escape of %s must be a string literal of one character, as in escape \"!\"", op);
        return false;
    }
    check_lit(esc);
    k_like_pat lp;
    if (is_str_lit(p) &&
        !k_like_prepare(&lp, p->u.lit.s, p->u.lit.slen, esc->u.lit.s, esc->u.lit.slen, TC_NEWN(c, char, p->u.lit.slen + 1))) {
        ir_error(c->d, p->span, "the pattern of %s ends with its escape character \"%s\" (write it twice for the character itself)",
                 op, esc->u.lit.s);
        return false;
    }
    return true;
}

static bool check_like(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    const char *op = e->u.like.ci ? "ilike" : "like";
    bool ok = tc_expr(c, s, &e->u.like.a);
    ok &= tc_expr(c, s, &e->u.like.pattern);
    if (!ok)
        return false;
    ir_expr *a = e->u.like.a, *p = e->u.like.pattern;
    if (tc_is_null_lit(a))
        tc_lit_convert(a, TIR_STRING);
    if (tc_is_null_lit(p))
        tc_lit_convert(p, TIR_STRING);
    if (a->ty.type != TIR_STRING) {
        ir_error(c->d, a->span, "%s needs a string operand, found %s%s", op, tc_type_name(a->ty.type),
                 tc_cast_hint(c, a, TIR_STRING));
        return false;
    }
    if (p->ty.type != TIR_STRING) {
        ir_error(c->d, p->span, "the pattern of %s must be a string, found %s%s", op, tc_type_name(p->ty.type),
                 tc_cast_hint(c, p, TIR_STRING));
        return false;
    }
    if (e->u.like.escape && !check_escape(c, e))
        return false;
    e->ty = plain(TIR_BOOL, a->ty.nullable || p->ty.nullable);
    return true;
}

/* The type an `in` list is compared at: the operand's, or a wider numeric
** parameter's (the operand is then widened, as for `==`). */
static tir_type in_type(const ir_expr *e)
{
    tir_type t = e->u.in.a->ty.type;
    for (int i = 0; i < e->u.in.nitems; i++) {
        const ir_expr *it = e->u.in.items[i];
        if (it->kind == IR_E_PARAM && rank(t) && rank(it->ty.type) > rank(t))
            t = it->ty.type;
    }
    return t;
}

static bool check_in(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    bool ok = tc_expr(c, s, &e->u.in.a);
    if (ok && !wide_ok(c, e))
        return false;
    for (int i = 0; i < e->u.in.nitems; i++) {
        ir_expr **it = &e->u.in.items[i];
        /* the parser folds -5 into a literal */
        if ((*it)->kind == IR_E_PARAM) {
            ok &= check_param(c, *it);
        } else if ((*it)->kind == IR_E_CAST && (*it)->u.cast.a->kind == IR_E_LIT && (*it)->u.cast.to == TIR_DECIMAL128) {
            ok &= tc_expr(c, s, it);   /* a literal made wide when this list was checked before */
        } else if ((*it)->kind != IR_E_LIT) {
            ir_error(c->d, (*it)->span, "items of an 'in' list must be literals or parameters");
            ok = false;
        } else {
            check_lit(*it);
        }
    }
    if (!ok)
        return false;
    if (tc_is_null_lit(e->u.in.a))
        for (int i = 0; i < e->u.in.nitems; i++)
            if (!tc_is_null_lit(e->u.in.items[i])) {
                tc_lit_convert(e->u.in.a, e->u.in.items[i]->ty.type);
                break;
            }
    tir_type t = in_type(e);
    tc_coerce(c, &e->u.in.a, t);
    bool nullable = e->u.in.a->ty.nullable;
    for (int i = 0; i < e->u.in.nitems; i++) {
        ir_expr **it = &e->u.in.items[i];
        tir_type from = (*it)->ty.type;
        if (t == TIR_DECIMAL128) {
            ok &= tc_dec_wide_item(c, it, e->u.in.a->ty);
        } else if (t == TIR_DECIMAL ? !tc_coerce_dec(c, it, e->u.in.a->ty) : !tc_coerce(c, it, t)) {
            if (!tc_bad_text_lit(c, *it, t))
                ir_error(c->d, (*it)->span, "'in' item of type %s does not fit the operand's type %s",
                         tc_type_name(from), tc_type_name(t));
            ok = false;
        }
        nullable |= (*it)->ty.nullable;
    }
    e->ty = plain(TIR_BOOL, nullable);
    return ok;
}

/* The type of values that must agree (case branches, coalesce's
** arguments): the non-literals are promoted first, then the literals
** convert to that type or (numbers) raise it; all NULL literals: i64.
** Reports a mismatch as "<what> have different types". */
bool tc_common_type(tc_ctx *c, ir_expr ***br, int nb, const char *what, tir_type *out)
{
    bool have = false;
    tir_type t = TIR_I64;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < nb; i++) {
            ir_expr *x = *br[i];
            if (tc_is_null_lit(x) || (x->kind == IR_E_LIT) != (pass == 1))
                continue;
            tir_type u = x->ty.type;
            if (!have) {
                t = u;
                have = true;
            } else if (u == t || (pass == 1 && lit_fits(x, t))) {
                continue;
            } else if ((t == TIR_DECIMAL || t == TIR_DECIMAL128) && (u == TIR_I32 || u == TIR_I64)) {
                continue;   /* integers join decimals (tc_dec_unify) */
            } else if ((u == TIR_DECIMAL || u == TIR_DECIMAL128) && (t == TIR_I32 || t == TIR_I64 || t == TIR_DECIMAL)) {
                t = u;   /* and narrow decimals wide ones */
            } else if (t == TIR_DECIMAL128 &&
                       (u == TIR_DECIMAL || (pass == 1 && (lit_fits(x, TIR_DECIMAL) || tc_dec_text_is_wide(x))))) {
                continue;   /* a number literal is the decimal of its digits, made wide */
            } else if ((t == TIR_TIMESTAMP && u == TIR_DATE) || (t == TIR_DATE && u == TIR_TIMESTAMP)) {
                t = TIR_TIMESTAMP;   /* a date joins timestamps as its midnight */
            } else if (rank(t) && rank(u)) {
                t = tc_wider(t, u);
            } else {
                ir_error(c->d, x->span, "%s have different types: %s and %s%s", what, tc_type_name(t),
                         tc_type_name(u), tc_cast_hint(c, x, t));
                return false;
            }
        }
    }
    *out = t;
    return true;
}

static bool check_case(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    bool ok = true;
    int n = e->u.cas.n;
    for (int i = 0; i < n; i++) {
        ir_expr **w = &e->u.cas.whens[i];
        if (!tc_expr(c, s, w)) {
            ok = false;
            continue;
        }
        if (tc_is_null_lit(*w))
            tc_lit_convert(*w, TIR_BOOL);
        if ((*w)->ty.type != TIR_BOOL) {
            ir_error(c->d, (*w)->span, "case condition must be bool, found %s", tc_type_name((*w)->ty.type));
            ok = false;
        }
    }
    int nb = n + (e->u.cas.els != NULL);
    ir_expr ***br = TC_NEWN(c, ir_expr **, nb);
    for (int i = 0; i < n; i++)
        br[i] = &e->u.cas.thens[i];
    if (e->u.cas.els)
        br[n] = &e->u.cas.els;
    for (int i = 0; i < nb; i++)
        ok &= tc_expr(c, s, br[i]);
    if (!ok)
        return false;

    tir_type t;
    if (!tc_common_type(c, br, nb, "case branches", &t))
        return false;
    ir_coltype dt = {0};
    if ((t == TIR_DECIMAL || t == TIR_DECIMAL128) && !tc_dec_unify(c, br, nb, &dt)) {
        ir_error(c->d, e->span, "case branches do not fit one decimal type");
        return false;
    }
    bool nullable = e->u.cas.els == NULL;
    for (int i = 0; i < nb; i++) {
        ir_expr *x = *br[i];
        if (!tc_coerce(c, br[i], t)) {
            if (!tc_bad_text_lit(c, x, t))
                ir_error(c->d, x->span, "case branch of type %s does not fit the result type %s%s",
                         tc_type_name(x->ty.type), tc_type_name(t), tc_cast_hint(c, x, t));
            return false;
        }
        nullable |= (*br[i])->ty.nullable;
    }
    e->ty = t == TIR_DECIMAL || t == TIR_DECIMAL128 ? tc_keep(dt, nullable) : plain(t, nullable);
    return true;
}

static bool cast_ok(tir_type from, tir_type to)
{
    if (from == TIR_INTERVAL || to == TIR_INTERVAL)   /* text both ways */
        return from == to || from == TIR_STRING || to == TIR_STRING;
    if (from == TIR_DECIMAL || to == TIR_DECIMAL || from == TIR_DECIMAL128 || to == TIR_DECIMAL128)
        return tc_dec_cast_ok(from, to);
    if (from == to || to == TIR_STRING)
        return true;
    if (tc_numeric(from) && tc_numeric(to))
        return true;
    if (from == TIR_BOOL)
        return to == TIR_I32 || to == TIR_I64;
    if (from == TIR_STRING)
        return to == TIR_I32 || to == TIR_I64 || to == TIR_F64 || to == TIR_DATE || to == TIR_TIMESTAMP || to == TIR_BOOL;
    /* a timestamp is its microseconds since 1970 as an i64, a date its
    ** midnight, and its days since 1970 as an integer (any i32 is a date) */
    if (from == TIR_TIMESTAMP)
        return to == TIR_DATE || to == TIR_I64;
    if (to == TIR_TIMESTAMP)
        return from == TIR_DATE || from == TIR_I64;
    if (from == TIR_DATE)
        return to == TIR_I32 || to == TIR_I64;
    if (to == TIR_DATE)
        return from == TIR_I32 || from == TIR_I64;
    return false;
}

/* x as written, cut after max bytes, for quoting in a message; JSON has
** no text (an included plan's is not what was written): its expression is
** printed from the tree. */
static const char *written(tc_ctx *c, const ir_expr *x, uint32_t max)
{
    ir_srcmap m = ir_prog_srcmap(c->p);
    if (ir_is_json(&m, x->span))
        return ir_expr_str(c->a, x);
    uint32_t n = x->span.len > max ? max : x->span.len;
    return ir_sprintf(c->a, "%.*s%s", (int)n, c->p->src + x->span.off, x->span.len > max ? "..." : "");
}

const char *tc_cast_hint(tc_ctx *c, const ir_expr *x, tir_type to)
{
    /* a literal of the wrong type is a slip of the pen, not a cast; nor is
    ** a number where a date is wanted (or back) a day count, most likely */
    bool days = (x->ty.type == TIR_DATE && tc_numeric(to)) || (to == TIR_DATE && tc_numeric(x->ty.type));
    if (x->kind == IR_E_LIT && !x->u.lit.is_null && x->u.lit.type == TIR_STRING && (tc_numeric(to) || to == TIR_BOOL)) {
        /* "3" where a number is meant: the quotes are the slip */
        const char *t = x->u.lit.s;
        size_t n = x->u.lit.slen;
        int64_t i;
        double f;
        bool b;
        bool reads = to == TIR_BOOL ? vm_parse_bool(t, n, &b) && (n == 4 || n == 5)   /* true, false: not 1, 0 */
                     : to == TIR_F64 || to == TIR_DECIMAL || to == TIR_DECIMAL128 ? vm_parse_f64(t, n, &f)
                                                                                    : vm_parse_i64(t, n, &i);
        return reads && n < 40 ? tc_str(c, ir_sprintf(c->a, "; write %.*s, without quotes", (int)n, t)) : "";
    }
    if (x->ty.type == to || !cast_ok(x->ty.type, to) || x->ty.type == TIR_BOOL || x->kind == IR_E_LIT || days)
        return "";
    return tc_str(c, ir_sprintf(c->a, "; write cast(%s as %s)", tc_str(c, written(c, x, 40)), tc_type_name(to)));
}

static bool check_cast(tc_ctx *c, const tc_scope *s, ir_expr **pe)
{
    ir_expr *e = *pe;
    if (!tc_expr(c, s, &e->u.cast.a) || !wide_ok(c, e))
        return false;
    ir_expr *a = e->u.cast.a;
    tir_type to = e->u.cast.to, from = a->ty.type;
    if (tc_is_null_lit(a)) {
        tc_lit_convert(a, to);
        a->ty.prec = e->u.cast.to_prec;
        a->ty.scale = e->u.cast.to_scale;
        a->span = e->span;
        *pe = a;
        return true;
    }
    if (!cast_ok(from, to)) {
        ir_error(c->d, e->span, "cannot cast %s to %s", tc_type_name(from), tc_type_name(to));
        return false;
    }
    if (to == TIR_DECIMAL && a->kind == IR_E_LIT)
        return tc_dec_fold_cast(c, pe);
    if (to == TIR_DECIMAL128 && a->kind == IR_E_LIT)
        return tc_dec_wide_lit_cast(c, e);
    if (to == TIR_DECIMAL || from == TIR_DECIMAL || to == TIR_DECIMAL128 || from == TIR_DECIMAL128) {
        e->ty = tc_dec_type(e->u.cast.to_prec, e->u.cast.to_scale, a->ty.nullable);
        e->ty.type = to;
        return true;
    }
    /* Fold the literal casts whose failure is a compile-time fact. */
    if (a->kind == IR_E_LIT && from == TIR_F64 && (to == TIR_I32 || to == TIR_I64)) {
        /* truncation toward zero, as at run time */
        double t = trunc(a->u.lit.f);
        double lim = to == TIR_I32 ? 2147483648.0 : 9223372036854775808.0;
        if (!(t >= -lim && t < lim)) {
            ir_error(c->d, a->span, "%s does not fit %s", tc_str(c, written(c, a, UINT32_MAX)), tc_type_name(to));
            return false;
        }
        a->u.lit.i = (int64_t)t;
        a->u.lit.type = TIR_I64;
        a->ty = plain(TIR_I64, false);
        if (!tc_lit_convert(a, to))
            return false;
        a->span = e->span;
        *pe = a;
        return true;
    }
    if (a->kind == IR_E_LIT && ((from != TIR_F64 && tc_numeric(from) && tc_numeric(to)) ||
                                (from == TIR_STRING && (to == TIR_DATE || to == TIR_INTERVAL)) ||
                                ((from == TIR_STRING || from == TIR_DATE) && to == TIR_TIMESTAMP))) {
        if (!tc_lit_convert(a, to)) {
            if (!tc_bad_text_lit(c, a, to))
                ir_error(c->d, a->span, "%lld does not fit %s", (long long)a->u.lit.i, tc_type_name(to));
            return false;
        }
        a->span = e->span;
        *pe = a;
        return true;
    }
    e->ty = plain(to, a->ty.nullable);
    return true;
}

static bool check_expr(tc_ctx *c, const tc_scope *s, ir_expr **pe);

bool tc_expr(tc_ctx *c, const tc_scope *s, ir_expr **pe)
{
    return check_expr(c, s, pe) && wide_ok(c, *pe) && tc_iv_ok(c, *pe);
}

static bool check_expr(tc_ctx *c, const tc_scope *s, ir_expr **pe)
{
    ir_expr *e = *pe;
    switch (e->kind) {
    case IR_E_LIT:
        return check_lit(e);
    case IR_E_COL:
        return check_col(c, s, e);
    case IR_E_PATH:
        return check_path(c, s, e);
    case IR_E_REF:
        return true;
    case IR_E_UNARY:
        return check_unary(c, s, e);
    case IR_E_BINARY:
        return check_binary(c, s, e);
    case IR_E_LIKE:
        return check_like(c, s, e);
    case IR_E_IN:
        return check_in(c, s, e);
    case IR_E_ISNULL:
        if (!tc_expr(c, s, &e->u.isnull.a))
            return false;
        e->ty = plain(TIR_BOOL, false);
        return true;
    case IR_E_CASE:
        return check_case(c, s, e);
    case IR_E_CAST:
        return check_cast(c, s, pe);
    case IR_E_CALL:
        return tc_check_call(c, s, e);
    case IR_E_STAR:
        ir_error(c->d, e->span, "'*' is only allowed as the argument of count(*)");
        return false;
    case IR_E_PARAM:
        return check_param(c, e);
    }
    return false;
}
