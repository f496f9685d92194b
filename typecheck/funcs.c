/*
** funcs.c — type checking of scalar function calls: the name against the
** table of ir/functions.h (aggregates are only entries of :aggregates),
** the number of arguments, their types (literals adapt, integers widen,
** casts are inserted where a function takes any type) and the result's
** type and nullability. A checked call records its function's id, which
** is what lowering reads.
*/
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "decimal.h"
#include "functions.h"
#include "regex.h"
#include "suggest.h"
#include "tc.h"

typedef struct fn_def {
    const char *name;
    int lo, hi;
} fn_def;

#define X_DEF(ID, name, lo, hi, syn) {name, lo, hi},
static const fn_def fns[IR_NFUNCTIONS] = {IR_FUNCTIONS(X_DEF)};
#undef X_DEF

static ir_coltype plain(tir_type t, bool nullable)
{
    return (ir_coltype){.type = t, .nullable = nullable};
}

static bool is_aggregate_name(const char *fn)
{
    static const char *const names[] = {"count", "sum", "min", "max", "avg", "any_value", "var_samp", "variance",
                                        "var_pop", "stddev_samp", "stddev", "stddev_pop", "bool_and", "bool_or", "string_agg"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(fn, names[i]))
            return true;
    return false;
}

/* Argument i of call e must be of type t (null and convertible literals adapt). */
static bool want_arg(tc_ctx *c, ir_expr *e, int i, tir_type t, const char *what)
{
    ir_expr **pa = &e->u.call.args[i];
    tir_type from = (*pa)->ty.type;
    if (from == t || ((*pa)->kind == IR_E_LIT && tc_lit_convert(*pa, t)))
        return true;
    if ((t == TIR_I64 || t == TIR_F64) && tc_numeric(from) && (from != TIR_F64 || t == TIR_F64))
        return tc_coerce(c, pa, t);
    ir_error(c->d, (*pa)->span, "argument %d of %s must be %s, found %s%s", i + 1, e->u.call.fn.s, what,
             tc_type_name(from), (*pa)->kind == IR_E_LIT ? "" : tc_cast_hint(c, *pa, t));
    return false;
}

/* An integer literal, negated or not: its value in *v. */
static bool int_lit(const ir_expr *a, int64_t *v)
{
    if (a->kind == IR_E_LIT && !a->u.lit.is_null && (a->u.lit.type == TIR_I32 || a->u.lit.type == TIR_I64)) {
        *v = a->u.lit.i;
        return true;
    }
    if (a->kind == IR_E_UNARY && a->u.op.op == IR_NEG && int_lit(a->u.op.a, v) && *v != INT64_MIN) {
        *v = -*v;
        return true;
    }
    return false;
}

/* A decimal argument the function computes on exactly: abs and sign read
** the scaled integer, floor, ceil, trunc and round give a decimal of a
** coarser scale (round only when its digits are a constant, which fixes
** that scale); the others compute in double. */
static bool keeps_decimal(const ir_expr *e)
{
    int64_t d;
    switch (e->u.call.fid) {
    case IR_FN_ABS:
    case IR_FN_SIGN:
    case IR_FN_FLOOR:
    case IR_FN_CEIL:
    case IR_FN_TRUNC:
        return true;
    case IR_FN_ROUND:
        return e->u.call.nargs == 1 || int_lit(e->u.call.args[1], &d);
    default:
        return false;
    }
}

static bool want_numeric(tc_ctx *c, ir_expr *e, int i)
{
    ir_expr *a = e->u.call.args[i];
    if (tc_is_null_lit(a))
        tc_lit_convert(a, TIR_I64);
    if (tc_numeric(a->ty.type))
        return true;
    if (a->ty.type == TIR_DECIMAL || a->ty.type == TIR_DECIMAL128) {
        if (!keeps_decimal(e))
            e->u.call.args[i] = tc_new_cast(c, a, TIR_F64);
        return true;
    }
    ir_error(c->d, a->span, "argument %d of %s must be numeric, found %s", i + 1, e->u.call.fn.s,
             tc_type_name(a->ty.type));
    return false;
}

/* Every argument of e made of one type t (see tc_common_type); messages
** name them as `what` says, by default "the arguments of f". */
static bool common_args(tc_ctx *c, ir_expr *e, tir_type *t, const char *what)
{
    int n = e->u.call.nargs;
    ir_expr ***br = TC_NEWN(c, ir_expr **, n);
    for (int i = 0; i < n; i++)
        br[i] = &e->u.call.args[i];
    if (!what)
        what = ir_sprintf(c->a, "the arguments of %s", e->u.call.fn.s);
    if (!tc_common_type(c, br, n, what, t))
        return false;
    ir_coltype dt;
    if ((*t == TIR_DECIMAL || *t == TIR_DECIMAL128) && !tc_dec_unify(c, br, n, &dt)) {
        ir_error(c->d, e->span, "the arguments of %s do not fit one decimal type", e->u.call.fn.s);
        return false;
    }
    for (int i = 0; i < n; i++)
        if (!tc_coerce(c, br[i], *t)) {
            ir_error(c->d, (*br[i])->span, "argument %d of %s, of type %s, does not fit the type %s of the others",
                     i + 1, e->u.call.fn.s, tc_type_name((*br[i])->ty.type), tc_type_name(*t));
            return false;
        }
    return true;
}

/* Argument i as a string: other types get a cast (concat takes any). */
static void to_string_arg(tc_ctx *c, ir_expr *e, int i)
{
    ir_expr **pa = &e->u.call.args[i];
    if ((*pa)->ty.type == TIR_STRING || ((*pa)->kind == IR_E_LIT && tc_lit_convert(*pa, TIR_STRING)))
        return;
    *pa = tc_new_cast(c, *pa, TIR_STRING);
}

/* A part date_trunc and date_diff take: a span. The week days and the
** epoch are fields, not spans to truncate to or count. */
static bool is_span(int k)
{
    return k != IR_DP_DOW && k != IR_DP_ISODOW && k != IR_DP_DOY && k != IR_DP_EPOCH;
}

/* The first argument of date_part, date_trunc and date_diff: a part, as a
** string literal. */
static bool date_part(tc_ctx *c, ir_expr *e)
{
    const ir_expr *a = e->u.call.args[0];
    bool field = e->u.call.fid == IR_FN_DATE_PART;
    for (int k = 0; a->kind == IR_E_LIT && a->u.lit.type == TIR_STRING && !a->u.lit.is_null && k < IR_NDATEPARTS; k++)
        if (!strcmp(a->u.lit.s, ir_datepart_name((ir_datepart)k)) && (field || is_span(k))) {
            e->u.call.part = k;
            return true;
        }
    if (field)
        ir_error(c->d, a->span, "argument 1 of date_part must be a part: \"year\", \"quarter\", \"month\", \"week\", "
                 "\"day\", \"dow\", \"isodow\", \"doy\", \"decade\", \"century\", \"millennium\", \"isoyear\", "
                 "\"hour\", \"minute\", \"second\", \"millisecond\", \"microsecond\" or \"epoch\"");
    else
        ir_error(c->d, a->span, "argument 1 of %s must be a part: \"year\", \"quarter\", \"month\", \"week\", "
                 "\"day\", \"decade\", \"century\", \"millennium\", \"isoyear\", \"hour\", \"minute\", "
                 "\"second\", \"millisecond\" or \"microsecond\"", e->u.call.fn.s);
    return false;
}

/* A part of an interval, as DuckDB gives it (vm/intervalfn.c): an i64,
** the epoch an f64; the week and the days of the week or year are not
** parts of one. */
static bool interval_part(tc_ctx *c, ir_expr *e, ir_fn f)
{
    if (f == IR_FN_DATE_PART && !date_part(c, e))
        return false;
    if (f != IR_FN_DATE_PART)
        e->u.call.part = IR_DP_YEAR + (f - IR_FN_YEAR);
    ir_datepart p = (ir_datepart)e->u.call.part;
    if (p == IR_DP_WEEK || p == IR_DP_DOW || p == IR_DP_ISODOW || p == IR_DP_DOY || p == IR_DP_ISOYEAR) {
        ir_error(c->d, e->span, "an interval has no part \"%s\" (year, quarter, month, day, decade, century, "
                 "millennium, hour, minute, second, millisecond, microsecond or epoch)", ir_datepart_name(p));
        return false;
    }
    const ir_expr *a = e->u.call.args[f == IR_FN_DATE_PART];
    e->ty = (ir_coltype){.type = p == IR_DP_EPOCH ? TIR_F64 : TIR_I64, .nullable = a->ty.nullable};
    return true;
}

/* Argument i of a date function: a date or a timestamp. ts: it must be a
** timestamp (a part of the day is asked), and a date becomes its midnight. */
static bool want_moment(tc_ctx *c, ir_expr *e, int i, bool ts)
{
    ir_expr **pa = &e->u.call.args[i];
    tir_type from = (*pa)->ty.type;
    if (from == TIR_TIMESTAMP || (from == TIR_DATE && !ts && (*pa)->kind != IR_E_LIT))
        return true;
    if ((*pa)->kind == IR_E_LIT && !(*pa)->u.lit.is_null && from == TIR_STRING)
        if ((!ts && tc_lit_convert(*pa, TIR_DATE)) || tc_lit_convert(*pa, TIR_TIMESTAMP))
            return true;
    if (tc_is_null_lit(*pa) || from == TIR_DATE)
        return tc_coerce(c, pa, ts ? TIR_TIMESTAMP : TIR_DATE);
    ir_error(c->d, (*pa)->span, "argument %d of %s must be a date or a timestamp, found %s%s", i + 1, e->u.call.fn.s,
             tc_type_name(from), (*pa)->kind == IR_E_LIT ? "" : tc_cast_hint(c, *pa, ts ? TIR_TIMESTAMP : TIR_DATE));
    return false;
}

static bool is_lit_of(const ir_expr *a, tir_type t)
{
    return a->kind == IR_E_LIT && !a->u.lit.is_null && a->u.lit.type == t;
}

/* The flags of a regexp function (argument i, a string literal of the
** letters in `allowed`) into e's part. */
static bool rx_flags(tc_ctx *c, ir_expr *e, int i, const char *allowed)
{
    const ir_expr *a = e->u.call.args[i];
    int flags = 0;
    for (uint32_t k = 0; is_lit_of(a, TIR_STRING) && k < a->u.lit.slen && flags >= 0; k++) {
        char ch = a->u.lit.s[k];
        if (!ch || !strchr(allowed, ch))
            flags = -1;
        else
            flags = ch == 'i' ? flags | IR_RX_CASELESS : ch == 'c' ? flags & ~IR_RX_CASELESS : flags | IR_RX_GLOBAL;
    }
    if (!is_lit_of(a, TIR_STRING) || flags < 0) {
        ir_error(c->d, a->span, "argument %d of %s must be a string literal of flags: %s", i + 1, e->u.call.fn.s,
                 strchr(allowed, 'g') ? "\"g\" (every match), \"i\" (caseless), \"c\" (case-sensitive)"
                                      : "\"i\" (caseless), \"c\" (case-sensitive)");
        return false;
    }
    e->u.call.part = flags;
    return true;
}

/* A literal pattern is compiled here, so that an invalid one is an error
** where it is written; *groups receives its capturing groups (-1 when the
** pattern is not a literal). */
static bool rx_pattern(tc_ctx *c, ir_expr *e, int flags, int *groups)
{
    const ir_expr *p = e->u.call.args[1];
    *groups = -1;
    if (!is_lit_of(p, TIR_STRING))
        return true;
    char msg[256];
    size_t off = 0;
    pcre2_code *re = ir_rx_compile(p->u.lit.s, p->u.lit.slen, flags, msg, sizeof msg, &off);
    if (!re) {
        ir_error(c->d, p->span, "invalid regular expression \"%s\": %s at offset %zu", p->u.lit.s, msg, off);
        return false;
    }
    uint32_t n = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n);
    pcre2_code_free(re);
    *groups = (int)n;
    return true;
}

/* regexp_replace's replacement, when a literal: \0..\9 name groups the
** pattern has, \\ is a backslash. */
static bool rx_replacement(tc_ctx *c, const ir_expr *e, int groups)
{
    const ir_expr *r = e->u.call.args[2];
    for (uint32_t k = 0; is_lit_of(r, TIR_STRING) && k < r->u.lit.slen; k++) {
        if (r->u.lit.s[k] != '\\')
            continue;
        char nx = k + 1 < r->u.lit.slen ? r->u.lit.s[k + 1] : 0;
        if (nx >= '0' && nx <= '9' && groups >= 0 && nx - '0' > groups) {
            ir_error(c->d, r->span, "the replacement names group \\%c, but the pattern has %d group%s", nx, groups,
                     groups == 1 ? "" : "s");
            return false;
        }
        if (!(nx >= '0' && nx <= '9') && nx != '\\') {
            ir_error(c->d, r->span, "in a replacement a backslash is followed by a group number 0-9 or by another "
                                    "backslash (written \"\\\\1\" and \"\\\\\\\\\" in a string)");
            return false;
        }
        k++;
    }
    return true;
}

/* regexp_matches, regexp_replace, regexp_extract: strings, the options
** literals. */
static bool type_regexp(tc_ctx *c, ir_expr *e, ir_fn f)
{
    int n = e->u.call.nargs, nstr = f == IR_FN_REGEXP_REPLACE ? 3 : 2, groups;
    bool ok = true;
    for (int i = 0; i < nstr; i++)
        ok &= want_arg(c, e, i, TIR_STRING, "a string");
    if (!ok)
        return false;
    e->u.call.part = 0;
    if (f != IR_FN_REGEXP_EXTRACT && n > nstr && !rx_flags(c, e, nstr, f == IR_FN_REGEXP_REPLACE ? "gic" : "ic"))
        return false;
    if (!rx_pattern(c, e, f == IR_FN_REGEXP_EXTRACT ? 0 : e->u.call.part, &groups))
        return false;
    if (f == IR_FN_REGEXP_REPLACE)
        return rx_replacement(c, e, groups);
    if (f != IR_FN_REGEXP_EXTRACT || n < 3)
        return true;
    const ir_expr *g = e->u.call.args[2];
    if (!(is_lit_of(g, TIR_I32) || is_lit_of(g, TIR_I64)) || g->u.lit.i < 0 || g->u.lit.i > 99) {
        ir_error(c->d, g->span, "argument 3 of regexp_extract must be a group number, an integer literal 0-99");
        return false;
    }
    if (groups >= 0 && g->u.lit.i > groups) {
        ir_error(c->d, g->span, "regexp_extract asks for group %lld, but the pattern has %d group%s",
                 (long long)g->u.lit.i, groups, groups == 1 ? "" : "s");
        return false;
    }
    e->u.call.part = (int)g->u.lit.i;
    return true;
}

static bool all_nullable(const ir_expr *e)
{
    for (int i = 0; i < e->u.call.nargs; i++)
        if (!e->u.call.args[i]->ty.nullable)
            return false;
    return true;
}

static bool any_nullable(const ir_expr *e)
{
    for (int i = 0; i < e->u.call.nargs; i++)
        if (e->u.call.args[i]->ty.nullable)
            return true;
    return false;
}

/* The function a misspelled or other-dialect name most likely means. */
static const char *meant(const char *fn)
{
    static const char *const alias[][2] = {
        {"substr", "substring"}, {"ifnull", "coalesce"}, {"nvl", "coalesce"}, {"pow", "power"},
        {"ceiling", "ceil"}, {"instr", "strpos"}, {"position", "strpos"}, {"char_length", "length"},
        {"character_length", "length"}, {"len", "length"}, {"ucase", "upper"}, {"lcase", "lower"},
        {"log", "ln"}, {"btrim", "trim"}, {"startswith", "starts_with"}, {"endswith", "ends_with"},
        {"regexp_like", "regexp_matches"}, {"regexp_substr", "regexp_extract"}, {"rlike", "regexp_matches"},
    };
    for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
        if (!strcmp(fn, alias[i][0]))
            return alias[i][1];
    const char *names[IR_NFUNCTIONS];
    for (int f = 0; f < IR_NFUNCTIONS; f++)
        names[f] = fns[f].name;
    return ir_closest(fn, names, IR_NFUNCTIONS);
}

static const char *function_list(tc_ctx *c)
{
    ir_buf b = {0};
    for (int f = 0; f < IR_NFUNCTIONS; f++)
        ir_buf_printf(&b, "%s%s", f ? ", " : "", fns[f].name);
    return tc_str(c, ir_buf_finish(&b, c->a));
}

/* The types of the arguments and the result of checked call e of f. */
static ir_expr *cmp_node(tc_ctx *c, ir_op op, ir_expr *a, ir_expr *b, ir_coltype ty)
{
    ir_expr *e = TC_NEWN(c, ir_expr, 1);
    e->kind = IR_E_BINARY;
    e->span = ir_span_join(a->span, b->span);
    e->ty = ty;
    e->u.op.op = op;
    e->u.op.a = a;
    e->u.op.b = b;
    return e;
}

/* x between lo and hi, its arguments of one type by now, is bool. Where x
** is a column or a constant (under a cast, perhaps), e becomes the two
** comparisons x >= lo && x <= hi, x copied for free, so a filter gets the
** range pass and block pruning of comparisons; any other x stays in the
** call, computed once (lower.c), as a copy per between would double a
** program's size per nested one. NULL semantics are those of the && . */
static void between_split(tc_ctx *c, ir_expr *e, bool nullable)
{
    ir_expr *x = e->u.call.args[0], *lo = e->u.call.args[1], *hi = e->u.call.args[2];
    const ir_expr *leaf = x->kind == IR_E_CAST ? x->u.cast.a : x;
    e->ty = plain(TIR_BOOL, nullable);
    if (leaf->kind != IR_E_COL && leaf->kind != IR_E_LIT && leaf->kind != IR_E_PARAM && leaf->kind != IR_E_REF)
        return;
    ir_expr *x2 = TC_NEWN(c, ir_expr, 1);
    *x2 = *x;
    if (x->kind == IR_E_CAST) {
        x2->u.cast.a = TC_NEWN(c, ir_expr, 1);
        *x2->u.cast.a = *leaf;
    }
    ir_expr *ge = cmp_node(c, IR_GE, x, lo, plain(TIR_BOOL, x->ty.nullable || lo->ty.nullable));
    ir_expr *le = cmp_node(c, IR_LE, x2, hi, plain(TIR_BOOL, x->ty.nullable || hi->ty.nullable));
    e->kind = IR_E_BINARY;
    e->u.op.op = IR_AND;
    e->u.op.a = ge;
    e->u.op.b = le;
}

static bool type_call(tc_ctx *c, ir_expr *e, ir_fn f)
{
    ir_expr **args = e->u.call.args;
    int n = e->u.call.nargs;
    bool ok = true;
    tir_type t = TIR_STRING;
    bool nullable = any_nullable(e);
    int dec_scale = -1, dec_prec = 0;   /* >= 0: a decimal result's scale (and precision, if > 0) */
    ir_coltype first = args[0]->ty;   /* nullif: a decimal first argument's own type is the result's */
    bool keep_first = false;
    switch (f) {
    case IR_FN_ABS:
        if (!want_numeric(c, e, 0))
            return false;
        t = args[0]->ty.type;
        break;
    case IR_FN_FLOOR:
    case IR_FN_CEIL:
    case IR_FN_TRUNC:
        if (!want_numeric(c, e, 0))
            return false;
        t = args[0]->ty.type;
        dec_scale = 0;   /* decimal(p, s) -> decimal(p, 0): a carry fits the fraction's digits */
        break;
    case IR_FN_SIGN:
        if (!want_numeric(c, e, 0))
            return false;
        t = TIR_I32;
        break;
    case IR_FN_ROUND: {
        int64_t d = 0;
        if (!want_numeric(c, e, 0) || (n > 1 && !want_arg(c, e, 1, TIR_I64, "an integer")))
            return false;
        t = args[0]->ty.type;
        nullable = any_nullable(e);
        if ((t == TIR_DECIMAL || t == TIR_DECIMAL128) && (n == 1 || int_lit(args[1], &d))) {
            /* decimal(p, s) -> decimal(p, min(s, d)), as DuckDB; d < 0 rounds to tens and
            ** more at scale 0, which from an integer (s = 0) may need a digit more */
            int s0 = args[0]->ty.scale;
            e->u.call.part = d < -99 ? -99 : d > 99 ? 99 : (int)d;
            dec_scale = d < 0 ? 0 : d < s0 ? (int)d : s0;
            if (d < 0 && s0 == 0)
                dec_prec = args[0]->ty.prec + 1;
        }
        break;
    }
    case IR_FN_SQRT:
    case IR_FN_LN:
    case IR_FN_EXP:
    case IR_FN_POWER:
        for (int i = 0; i < n; i++)
            ok &= want_numeric(c, e, i) && want_arg(c, e, i, TIR_F64, "numeric");
        if (!ok)
            return false;
        t = TIR_F64;
        /* outside its domain, or too large for a double: NULL */
        nullable = true;
        break;
    case IR_FN_COALESCE:
    case IR_FN_GREATEST:
    case IR_FN_LEAST:
        if (!common_args(c, e, &t, NULL))
            return false;
        nullable = all_nullable(e);
        break;
    case IR_FN_BETWEEN: {
        /* a string literal bound reads as x's date, timestamp or interval, as in a comparison */
        tir_type xt = args[0]->ty.type;
        for (int i = 1; i < 3; i++)
            if (args[i]->kind == IR_E_LIT && !tc_lit_convert(args[i], xt) && tc_bad_text_lit(c, args[i], xt))
                return false;
        if (!common_args(c, e, &t, "the operands of between"))
            return false;
        between_split(c, e, any_nullable(e));
        return true;
    }
    case IR_FN_NULLIF: {
        ir_expr *a = args[0];
        if (!common_args(c, e, &t, NULL))
            return false;
        nullable = true;
        /* as DuckDB: compared at the common type, the result a's own (lowering
        ** copies a from under the cast that brought it to the common scale) */
        keep_first = (first.type == TIR_DECIMAL || first.type == TIR_DECIMAL128) && a->kind != IR_E_LIT &&
                     args[0] != a && args[0]->kind == IR_E_CAST && args[0]->u.cast.a == a;
        break;
    }
    case IR_FN_LENGTH:
    case IR_FN_OCTET_LENGTH:
        if (!want_arg(c, e, 0, TIR_STRING, "a string"))
            return false;
        t = TIR_I64;
        break;
    case IR_FN_SUBSTRING:
        ok = want_arg(c, e, 0, TIR_STRING, "a string");
        for (int i = 1; i < n; i++)
            ok &= want_arg(c, e, i, TIR_I64, "an integer");
        if (!ok)
            return false;
        break;
    case IR_FN_UPPER:
    case IR_FN_LOWER:
    case IR_FN_TRIM:
    case IR_FN_LTRIM:
    case IR_FN_RTRIM:
    case IR_FN_REPLACE:
        for (int i = 0; i < n; i++)
            ok &= want_arg(c, e, i, TIR_STRING, "a string");
        if (!ok)
            return false;
        break;
    case IR_FN_STARTS_WITH:
    case IR_FN_ENDS_WITH:
    case IR_FN_CONTAINS:
    case IR_FN_STRPOS:
        for (int i = 0; i < n; i++)
            ok &= want_arg(c, e, i, TIR_STRING, "a string");
        if (!ok)
            return false;
        t = f == IR_FN_STRPOS ? TIR_I64 : TIR_BOOL;
        break;
    case IR_FN_LPAD:
    case IR_FN_RPAD:
        ok = want_arg(c, e, 0, TIR_STRING, "a string");
        ok &= want_arg(c, e, 1, TIR_I64, "an integer");
        ok &= want_arg(c, e, 2, TIR_STRING, "a string");
        if (!ok)
            return false;
        break;
    case IR_FN_CONCAT:
        for (int i = 0; i < n; i++)
            to_string_arg(c, e, i);
        nullable = false;
        break;
    case IR_FN_YEAR:
    case IR_FN_QUARTER:
    case IR_FN_MONTH:
    case IR_FN_WEEK:
    case IR_FN_DAY:
    case IR_FN_DOW:
    case IR_FN_ISODOW:
    case IR_FN_DOY:
    case IR_FN_DECADE:
    case IR_FN_CENTURY:
    case IR_FN_MILLENNIUM:
    case IR_FN_ISOYEAR:
        if (!want_moment(c, e, 0, false))
            return false;
        t = TIR_I32;
        break;
    case IR_FN_HOUR:
    case IR_FN_MINUTE:
    case IR_FN_SECOND:
    case IR_FN_MILLISECOND:
    case IR_FN_MICROSECOND:
    case IR_FN_EPOCH:
        if (!want_moment(c, e, 0, true))
            return false;
        t = f == IR_FN_EPOCH ? TIR_F64 : TIR_I32;
        break;
    case IR_FN_DATE_PART:
    case IR_FN_DATE_TRUNC:
    case IR_FN_DATE_DIFF: {
        if (!date_part(c, e))
            return false;
        /* a part of the day, or a timestamp beside a date: timestamps */
        bool ts = e->u.call.part >= IR_DP_HOUR;
        for (int i = 1; i < n; i++)
            ts |= args[i]->ty.type == TIR_TIMESTAMP;
        for (int i = 1; i < n; i++)
            ok &= want_moment(c, e, i, ts);
        if (!ok)
            return false;
        ts = args[1]->ty.type == TIR_TIMESTAMP;
        t = f == IR_FN_DATE_DIFF ? TIR_I64 : f == IR_FN_DATE_TRUNC ? (ts ? TIR_TIMESTAMP : TIR_DATE)
            : e->u.call.part == IR_DP_EPOCH ? TIR_F64 : TIR_I32;
        break;
    }
    case IR_FN_REGEXP_MATCHES:
    case IR_FN_REGEXP_REPLACE:
    case IR_FN_REGEXP_EXTRACT:
        if (!type_regexp(c, e, f))
            return false;
        t = f == IR_FN_REGEXP_MATCHES ? TIR_BOOL : TIR_STRING;
        break;
    case IR_NFUNCTIONS:
        return false;
    }
    e->ty = t == TIR_DECIMAL || t == TIR_DECIMAL128 ? tc_keep(args[0]->ty, nullable) : plain(t, nullable);
    if (keep_first) {
        e->ty = tc_keep(first, true);
        return true;
    }
    bool dec = t == TIR_DECIMAL || t == TIR_DECIMAL128;
    if (dec && dec_scale >= 0) {   /* the form stays: a wide one's precision does not shrink */
        int cap = t == TIR_DECIMAL ? VM_DEC_MAXPREC : VM_DEC128_MAXPREC;
        e->ty.scale = (uint8_t)dec_scale;
        if (dec_prec)
            e->ty.prec = (uint8_t)(dec_prec > cap ? cap : dec_prec);
        return true;
    }
    for (int i = 1; dec && i < n; i++)   /* one scale by now; the widest precision */
        if (args[i]->ty.prec > e->ty.prec)
            e->ty.prec = args[i]->ty.prec;
    return true;
}

bool tc_check_call(tc_ctx *c, const tc_scope *s, ir_expr *e)
{
    const char *fn = e->u.call.fn.s;
    ir_span fs = e->u.call.fn.span.len ? e->u.call.fn.span : e->span;
    if (is_aggregate_name(fn)) {
        ir_error(c->d, fs, "aggregate function '%s' is only allowed in an entry of :aggregates, outside any other "
                           "aggregate", fn);
        return false;
    }
    int f = 0;
    while (f < IR_NFUNCTIONS && strcmp(fns[f].name, fn))
        f++;
    if (f == IR_NFUNCTIONS) {
        const char *m = meant(fn), *agg = m ? NULL : tc_agg_meant(fn);
        if (agg)
            ir_error(c->d, fs, "unknown function '%s': did you mean the aggregate '%s'? (aggregates are the whole "
                     "value of an entry of :aggregates, or its operands)", fn, agg);
        else if (m)
            ir_error(c->d, fs, "unknown function '%s': did you mean '%s'? (functions: %s)", fn, m, function_list(c));
        else
            ir_error(c->d, fs, "unknown function '%s' (functions: %s)", fn, function_list(c));
        return false;
    }
    if (e->u.call.distinct) {
        ir_error(c->d, fs, "'distinct' is written only in aggregate calls (count(distinct x)); %s is not one", fn);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < e->u.call.nargs; i++)
        ok &= tc_expr(c, s, &e->u.call.args[i]);
    if (!ok)
        return false;
    int n = e->u.call.nargs, lo = fns[f].lo, hi = fns[f].hi;
    if (n < lo || n > hi) {
        if (lo == hi)
            ir_error(c->d, e->span, "%s takes %d argument%s, found %d", fn, lo, lo == 1 ? "" : "s", n);
        else if (hi == IR_FN_MANY)
            ir_error(c->d, e->span, "%s takes %d to %d arguments, found %d", fn, lo, hi, n);
        else
            ir_error(c->d, e->span, "%s takes %d or %d arguments, found %d", fn, lo, hi, n);
        return false;
    }
    e->u.call.fid = f;
    if ((f >= IR_FN_YEAR && f <= IR_FN_EPOCH && e->u.call.args[0]->ty.type == TIR_INTERVAL) ||
        (f == IR_FN_DATE_PART && e->u.call.args[1]->ty.type == TIR_INTERVAL))
        return interval_part(c, e, (ir_fn)f);
    return type_call(c, e, (ir_fn)f);
}
