/*
** interval.c — the interval type in expressions. An interval (months,
** days and microseconds apart, as DuckDB keeps one) is a value: a literal,
** a CSV column, the difference of two timestamps. It adds to and
** subtracts from timestamps (a date is its midnight), adds to intervals,
** multiplies by an integer, negates and compares (DuckDB's order, see
** vm_iv_cmp), is found in `in` lists, is picked by coalesce and nullif,
** is hashed and sorted by its normalized key and stored in native tables.
** Other functions and aggregates that would compute with one are refused
** here or by the aggregates, naming the type, before lowering could meet
** it.
*/
#include "tc.h"
#include "timestamp.h"
#include "functions.h"

static const char *const op_text[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">="};

static bool is_str_lit(const ir_expr *e)
{
    return e->kind == IR_E_LIT && !e->u.lit.is_null && e->u.lit.type == TIR_STRING;
}

/* A timestamp, a date or a string literal: what converts to a timestamp. */
static bool ts_like(const ir_expr *e)
{
    tir_type t = e->ty.type;
    return t == TIR_TIMESTAMP || t == TIR_DATE || is_str_lit(e);
}

bool tc_iv_involved(const ir_expr *e)
{
    const ir_expr *a = e->u.op.a, *b = e->u.op.b;
    if (a->ty.type == TIR_INTERVAL || b->ty.type == TIR_INTERVAL)
        return true;
    /* timestamp - timestamp; date - date stays the days between (i32) */
    return e->u.op.op == IR_SUB && ((a->ty.type == TIR_TIMESTAMP && ts_like(b)) ||
                                    (b->ty.type == TIR_TIMESTAMP && ts_like(a)));
}

/* *pe as a timestamp: a date non-literal through a cast, a literal converted. */
static bool to_ts(tc_ctx *c, ir_expr **pe)
{
    tir_type t = (*pe)->ty.type;
    if (t == TIR_TIMESTAMP || tc_coerce(c, pe, TIR_TIMESTAMP))
        return true;
    if (is_str_lit(*pe))
        ir_error(c->d, (*pe)->span, "invalid timestamp '%s' (expected YYYY-MM-DD HH:MM:SS[.ffffff])", (*pe)->u.lit.s);
    else
        ir_error(c->d, (*pe)->span, "expected a date or a timestamp, found %s", tc_type_name(t));
    return false;
}

static bool is_iv_lit(const ir_expr *e)
{
    return e->kind == IR_E_LIT && !e->u.lit.is_null && e->u.lit.type == TIR_INTERVAL;
}

bool tc_iv_binary(tc_ctx *c, ir_expr *e, bool nullable)
{
    ir_op op = e->u.op.op;
    ir_expr **pa = &e->u.op.a, **pb = &e->u.op.b;
    tir_type ta = (*pa)->ty.type, tb = (*pb)->ty.type;
    bool ia = ta == TIR_INTERVAL, ib = tb == TIR_INTERVAL;
    if (op >= IR_EQ && op <= IR_GE) {
        ir_expr **other = ia ? pb : pa;   /* a string literal reads as an interval */
        if (is_str_lit(*other) && !tc_lit_convert(*other, TIR_INTERVAL)) {
            ir_error(c->d, (*other)->span, "invalid interval '%s'", (*other)->u.lit.s);
            return false;
        }
        if ((*pa)->ty.type != TIR_INTERVAL || (*pb)->ty.type != TIR_INTERVAL) {
            ir_error(c->d, e->span, "cannot compare %s with %s", tc_type_name((*pa)->ty.type),
                     tc_type_name((*pb)->ty.type));
            return false;
        }
        e->ty = (ir_coltype){.type = TIR_BOOL, .nullable = nullable};
        return true;
    }
    tir_type out = TIR_INTERVAL;
    if ((op == IR_ADD || op == IR_SUB) && ia && ib) {
        /* interval ± interval */
    } else if (op == IR_ADD && (ia != ib) && ts_like(ia ? *pb : *pa)) {
        if (!to_ts(c, ia ? pb : pa))
            return false;
        out = TIR_TIMESTAMP;
    } else if (op == IR_SUB && ib && ts_like(*pa)) {
        if (!to_ts(c, pa))
            return false;
        /* lowering negates a literal: its parts must have a negation */
        const ir_lit *l = &(*pb)->u.lit;
        if (is_iv_lit(*pb) && (l->months == INT32_MIN || l->days == INT32_MIN || l->i == INT64_MIN)) {
            ir_error(c->d, (*pb)->span, "the interval is too large to subtract");
            return false;
        }
        out = TIR_TIMESTAMP;
    } else if (op == IR_SUB && !ia && !ib) {   /* timestamp - timestamp (tc_iv_involved) */
        if (!to_ts(c, pa) || !to_ts(c, pb))
            return false;
    } else if (op == IR_MUL && ia != ib && ((ia ? tb : ta) == TIR_I32 || (ia ? tb : ta) == TIR_I64)) {
        tc_coerce(c, ia ? pb : pa, TIR_I64);
    } else {
        const char *how = op == IR_MUL || op == IR_DIV ? "; an interval is multiplied by an integer"
                          : op == IR_SUB && ia       ? "; an interval is subtracted from a timestamp or an interval"
                                                     : "; an interval adds to a date, a timestamp or an interval";
        ir_error(c->d, e->span, "operator '%s' does not take %s and %s%s", op_text[op], tc_type_name(ta),
                 tc_type_name(tb), how);
        return false;
    }
    e->ty = (ir_coltype){.type = out, .nullable = nullable};
    return true;
}

bool tc_iv_ok(tc_ctx *c, const ir_expr *e)
{
    const ir_expr *kid = NULL;
    switch (e->kind) {
    case IR_E_CALL:   /* the parts of one (funcs.c), coalesce and nullif */
        if ((e->u.call.fid >= IR_FN_YEAR && e->u.call.fid <= IR_FN_EPOCH) || e->u.call.fid == IR_FN_DATE_PART ||
            e->u.call.fid == IR_FN_COALESCE || e->u.call.fid == IR_FN_NULLIF || e->u.call.fid == IR_FN_BETWEEN)
            return true;
        if (e->u.call.fid == IR_FN_GREATEST || e->u.call.fid == IR_FN_LEAST) {
            /* DuckDB orders them there by months, then days, then micros as they are, not as its comparisons do */
            for (int k = 0; k < e->u.call.nargs; k++)
                if (e->u.call.args[k]->ty.type == TIR_INTERVAL) {
                    ir_error(c->d, e->span, "%s does not take intervals yet (DuckDB's picks by the parts as they are, "
                             "1 month below 40 days, unlike its comparisons); write case when a %s b then a else b end",
                             e->u.call.fid == IR_FN_GREATEST ? "greatest" : "least",
                             e->u.call.fid == IR_FN_GREATEST ? ">=" : "<=");
                    return false;
                }
            return true;
        }
        for (int k = 0; k < e->u.call.nargs && !kid; k++)
            kid = e->u.call.args[k]->ty.type == TIR_INTERVAL ? e->u.call.args[k] : NULL;
        kid = kid ? kid : e;
        break;
    default:
        return true;   /* operators and casts check their own operands */
    }
    if (kid->ty.type != TIR_INTERVAL)
        return true;
    ir_error(c->d, e->span, "this function does not take an interval: intervals are so far added, subtracted, "
             "multiplied, negated, compared (in lists too), taken apart (year .. epoch), given to coalesce and nullif, "
             "cast to and from string and printed");
    return false;
}
