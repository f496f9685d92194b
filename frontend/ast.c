/*
** ast.c — the tree constructors the grammar actions call, one per action.
** They decode literal text (numbers, string escapes, dates), give every
** node the span of its source text, and report the errors that are about
** a token's content rather than the token sequence.
*/
#define _GNU_SOURCE   /* strtod_l: literals must not depend on the host's locale */
#include "fe.h"
#include "decimal.h"
#include "timestamp.h"
#include "functions.h"
#include "grammar.h"
#include "dates.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Parser-built expressions carry their tree depth next to the node; the
** depth bound (FE_MAX_EXPR_DEPTH) protects every later recursive pass. */
typedef struct fe_node {
    ir_expr e;                /* first: an ir_expr * is an fe_node * */
    int depth;
} fe_node;

void *fe_alloc(fe_ctx *cx, size_t n)
{
    void *p = ir_alloc(cx->a, n);
    if (!p)
        longjmp(*cx->nomem, 1);
    return p;
}

void *fe_push(fe_ctx *cx, void *arr, int n, const void *elem, size_t size)
{
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        void *grown = fe_alloc(cx, (size_t)(n ? 2 * n : 4) * size);
        if (n)
            memcpy(grown, arr, (size_t)n * size);
        arr = grown;
    }
    memcpy((char *)arr + (size_t)n * size, elem, size);
    return arr;
}

static const char *fe_text(fe_ctx *cx, ir_span t)
{
    return cx->src + t.off;
}

static bool fe_is(fe_ctx *cx, ir_span t, const char *word)
{
    return strlen(word) == t.len && memcmp(fe_text(cx, t), word, t.len) == 0;
}

static ir_name fe_name(fe_ctx *cx, ir_span t)
{
    char *s = ir_strndup(cx->a, fe_text(cx, t), t.len);
    if (!s)
        longjmp(*cx->nomem, 1);
    return (ir_name){s, t};
}

/* Decodes the string token t (opening quote included; the closing one is
** missing when the lexer reported it unterminated). */
static const char *fe_unquote(fe_ctx *cx, ir_span t, uint32_t *len)
{
    const char *p = fe_text(cx, t) + 1, *end = fe_text(cx, t) + t.len;
    char *out = fe_alloc(cx, t.len), *o = out;
    while (p < end && *p != '"') {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        if (p + 1 >= end)   /* a lone backslash ends an unterminated string */
            break;
        switch (p[1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        default:
            ir_error(cx->d, (ir_span){(uint32_t)(p - cx->src), 2},
                     "unknown escape '\\%c' in string (expected \\\" \\\\ \\n or \\t)", p[1]);
            *o++ = p[1];
        }
        p += 2;
    }
    *o = 0;
    *len = (uint32_t)(o - out);
    return out;
}

static ir_name fe_key(fe_ctx *cx, ir_span t, bool quoted)
{
    if (!quoted)
        return fe_name(cx, t);
    uint32_t len;
    return (ir_name){fe_unquote(cx, t, &len), t};
}

static int fe_depth(const ir_expr *e)
{
    return e ? ((const fe_node *)e)->depth : 0;
}

/* A new node of the given depth. Past FE_MAX_EXPR_DEPTH the node becomes a
** null literal standing for the whole too-deep expression, so even an
** erroneous tree stays shallow; callers see that by its kind. */
static ir_expr *fe_expr(fe_ctx *cx, ir_expr_kind kind, ir_span span, int depth)
{
    fe_node *n = fe_alloc(cx, sizeof *n);
    n->e.span = span;
    if (depth > FE_MAX_EXPR_DEPTH) {
        if (!cx->too_deep)
            ir_error(cx->d, span, "expression nested too deeply (more than %d levels)",
                     FE_MAX_EXPR_DEPTH);
        cx->too_deep = true;
        n->e.kind = IR_E_LIT;
        n->e.u.lit.type = TIR_I64;
        n->e.u.lit.is_null = true;
        n->depth = 1;
        return &n->e;
    }
    n->e.kind = kind;
    n->depth = depth;
    return &n->e;
}

static int fe_max(int a, int b)
{
    return a > b ? a : b;
}

static bool fe_type(fe_ctx *cx, ir_span t, tir_type *ty)
{
    static const char *const names[TIR_NTYPES] = {
        [TIR_BOOL] = "bool", [TIR_I32] = "i32", [TIR_I64] = "i64",
        [TIR_F64] = "f64", [TIR_STRING] = "string", [TIR_DATE] = "date", [TIR_DECIMAL] = "decimal",
        [TIR_TIMESTAMP] = "timestamp", [TIR_INTERVAL] = "interval",
    };
    for (int i = 0; i < TIR_NTYPES; i++) {
        if (names[i] && fe_is(cx, t, names[i])) {
            *ty = (tir_type)i;
            return true;
        }
    }
    ir_error(cx->d, t, "unknown type '%.*s' (expected bool, i32, i64, f64, string, date, timestamp, interval, decimal(p, s))",
             (int)t.len, fe_text(cx, t));
    return false;
}

static long fe_small_int(fe_ctx *cx, ir_span t)
{
    const char *p = fe_text(cx, t);
    long v = 0;
    for (uint32_t i = 0; i < t.len && v < 1000; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* decimal alone is decimal(18, 3), as in DuckDB; decimal(p) has scale 0. */
fe_tname fe_typename(fe_ctx *cx, ir_span name, const ir_span *prec, const ir_span *scale, ir_span end)
{
    fe_tname t = {{.type = TIR_I64}, ir_span_join(name, end)};
    if (!fe_type(cx, name, &t.ty.type))
        return t;
    if (t.ty.type != TIR_DECIMAL) {
        if (prec)
            ir_error(cx->d, t.span, "type %.*s takes no arguments (only decimal(p, s) does)", (int)name.len,
                     fe_text(cx, name));
        return t;
    }
    long p = prec ? fe_small_int(cx, *prec) : 18, s = scale ? fe_small_int(cx, *scale) : prec ? 0 : 3;
    const char *bad = vm_dec_check(p, s);
    if (bad) {
        ir_error(cx->d, t.span, "%s (in decimal(%ld, %ld))", bad, p, s);
        t.ty.type = TIR_I64;
        return t;
    }
    t.ty.type = VM_DEC_TYPE(p);
    t.ty.prec = (uint8_t)p;
    t.ty.scale = (uint8_t)s;
    return t;
}

/* ------------------------------------------------------------ errors */

/* What a person used to SQL (or another language) most likely meant by
** the token that does not fit; "" when nothing comes to mind. */
static const char *syntax_hint(fe_ctx *cx, int major, ir_span at)
{
    if (major == FE_T_AND_KW)
        return " ('and' is written '&&')";
    if (fe_is(cx, at, "or"))
        return " ('or' is written '||')";
    if (major == FE_T_NOT || fe_is(cx, cx->prev, "not"))
        return " ('not x' is written '!x'; 'not' is only part of 'not like', 'not in' and 'is not null')";
    if (major == FE_T_EQ)
        return " (comparison is written '==')";
    if (major == FE_T_GT && cx->prev.off + cx->prev.len == at.off && fe_is(cx, cx->prev, "<"))
        return " ('<>' is written '!=')";
    return "";
}

void fe_syntax_error(fe_ctx *cx, int major, ir_span at)
{
    /* A statement, definition or the end where a bracket should have
    ** closed: the place to fix is the bracket. The parser resumes at the
    ** statement, so that bracket is closed for good. */
    bool starts_item = major == 0 || major == FE_T_TARGET || major == FE_T_OUTPUT ||
                       (major == FE_T_IDENT && cx->next == FE_T_COLON && at.off > 0 && cx->src[at.off - 1] == '\n');
    if (cx->nopen > 0 && cx->nopen <= 64 && starts_item) {
        char where[300];
        ir_srcmap m = ir_diags_srcmap(cx->d);
        ir_where(where, sizeof where, &m, at);
        int n = at.len > 40 ? 40 : (int)at.len;
        ir_span o = cx->open[--cx->nopen];
        char c = cx->src[o.off];
        if (major == 0)
            ir_error(cx->d, o, "this '%c' is never closed: the program ends first", c);
        else
            ir_error(cx->d, o, "this '%c' is never closed: '%.*s' at %s starts what follows", c, n,
                     fe_text(cx, at), where);
        return;
    }
    if (major == 0) {
        ir_error(cx->d, at, "syntax error: unexpected end of input");
        return;
    }
    int n = at.len > 40 ? 40 : (int)at.len;
    ir_error(cx->d, at, "syntax error: unexpected '%.*s%s'%s", n, fe_text(cx, at), at.len > 40 ? "..." : "",
             syntax_hint(cx, major, at));
}

void fe_stack_overflow(fe_ctx *cx)
{
    ir_error(cx->d, cx->tok, "program nested too deeply");
    cx->overflow = true;
}

/* ------------------------------------------------------------ literals */

ir_expr *fe_int(fe_ctx *cx, ir_span t)
{
    ir_expr *e = fe_expr(cx, IR_E_LIT, t, 1);
    const char *p = fe_text(cx, t);
    int64_t v = 0;
    for (uint32_t i = 0; i < t.len; i++) {
        int digit = p[i] - '0';
        if (v > (INT64_MAX - digit) / 10) {
            ir_error(cx->d, t, "integer literal out of range (the largest is %lld)",
                     (long long)INT64_MAX);
            v = 0;
            break;
        }
        v = v * 10 + digit;
    }
    e->u.lit.type = TIR_I64;
    e->u.lit.i = v;
    return e;
}

ir_expr *fe_float(fe_ctx *cx, ir_span t)
{
    ir_expr *e = fe_expr(cx, IR_E_LIT, t, 1);
    char *text = ir_strndup(cx->a, fe_text(cx, t), t.len);
    if (!text)
        longjmp(*cx->nomem, 1);
    double v;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c) {
        v = strtod_l(text, NULL, c);
        freelocale(c);
    } else {
        v = strtod(text, NULL);
    }
    if (isinf(v)) {
        ir_error(cx->d, t, "float literal out of range");
        v = 0;
    }
    e->u.lit.type = TIR_F64;
    e->u.lit.f = v;
    /* as written, without its sign (f's): a decimal takes the digits a double loses */
    e->u.lit.s = text;
    e->u.lit.slen = t.len;
    return e;
}

ir_expr *fe_string(fe_ctx *cx, ir_span t)
{
    ir_expr *e = fe_expr(cx, IR_E_LIT, t, 1);
    e->u.lit.type = TIR_STRING;
    e->u.lit.s = fe_unquote(cx, t, &e->u.lit.slen);
    return e;
}

ir_expr *fe_bool(fe_ctx *cx, ir_span t, bool v)
{
    ir_expr *e = fe_expr(cx, IR_E_LIT, t, 1);
    e->u.lit.type = TIR_BOOL;
    e->u.lit.i = v;
    return e;
}

ir_expr *fe_null(fe_ctx *cx, ir_span t)
{
    ir_expr *e = fe_expr(cx, IR_E_LIT, t, 1);
    e->u.lit.type = TIR_I64;   /* placeholder: the checker types nulls by use */
    e->u.lit.is_null = true;
    return e;
}

bool fe_date_days(const char *s, size_t len, int64_t *days)
{
    bool ok = len == 10 && s[4] == '-' && s[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        ok = i == 4 || i == 7 || (s[i] >= '0' && s[i] <= '9');
    if (!ok)
        return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > vm_days_in_month(y, m))
        return false;
    *days = vm_days_from_civil(y, m, d);
    return true;
}

const char *fe_typed_lit(tir_type t, const char *s, size_t len, ir_lit *l)
{
    l->type = t;
    if (t == TIR_DATE)
        return fe_date_days(s, len, &l->i) ? NULL : "\"YYYY-MM-DD\", year 0001 to 9999";
    if (t == IR_INTERVAL) {
        vm_interval v;
        if (!vm_parse_interval(s, len, &v))
            return "numbers with units year, month, week, day, hour, minute, second, millisecond or microsecond, "
                   "and at most one HH:MM:SS[.ffffff], e.g. \"1 month 2 days 03:00:00\"";
        l->months = v.months, l->days = v.days, l->i = v.micros;
        return NULL;
    }
    return vm_parse_timestamp(s, len, &l->i) ? NULL : "\"YYYY-MM-DD HH:MM:SS[.ffffff]\", year 0001 to 9999";
}

/* date "YYYY-MM-DD": days since 1970-01-01; timestamp "YYYY-MM-DD
** HH:MM:SS[.ffffff]": microseconds since 1970-01-01 00:00:00. */
ir_expr *fe_typed(fe_ctx *cx, ir_span kw, ir_span str, tir_type t)
{
    ir_expr *e = fe_expr(cx, IR_E_LIT, ir_span_join(kw, str), 1);
    uint32_t len;
    const char *s = fe_unquote(cx, str, &len);
    const char *expected = fe_typed_lit(t, s, len, &e->u.lit);
    if (expected)
        ir_error(cx->d, str, "invalid %s %.*s (expected %s)", t == IR_INTERVAL ? "interval" : tir_type_name(t),
                 (int)str.len, fe_text(cx, str), expected);
    return e;
}

/* ------------------------------------------------------------ names */

ir_expr *fe_col(fe_ctx *cx, ir_span qual, ir_span name)
{
    ir_expr *e = fe_expr(cx, IR_E_COL, ir_span_join(qual, name), 1);
    if (!fe_is(cx, qual, "$in") && !fe_is(cx, qual, "$ht") && !fe_is(cx, qual, "$right"))
        ir_error(cx->d, qual, "unknown variable '%.*s' (expected $in, $ht or $right)",
                 (int)qual.len, fe_text(cx, qual));
    e->u.col.qual = fe_name(cx, qual);
    e->u.col.name = fe_name(cx, name);
    return e;
}

/* The name of `$name` without its '$'; the span keeps it, for messages. */
static ir_name fe_dollar_name(fe_ctx *cx, ir_span t)
{
    ir_name n = fe_name(cx, (ir_span){t.off + 1, t.len - 1});
    n.span = t;
    return n;
}

ir_expr *fe_param_ref(fe_ctx *cx, ir_span t)
{
    ir_expr *e = fe_expr(cx, IR_E_PARAM, t, 1);
    e->u.param.name = fe_dollar_name(cx, t);
    e->u.param.index = -1;
    return e;
}

ir_expr *fe_path(fe_ctx *cx, ir_expr *path, ir_span part)
{
    if (!path) {
        ir_expr *e = fe_expr(cx, IR_E_PATH, part, 1);
        e->u.path.parts[0] = fe_name(cx, part);
        e->u.path.nparts = 1;
        return e;
    }
    ir_span last = path->u.path.parts[path->u.path.nparts - 1].span;
    bool reported = path->span.off + path->span.len != last.off + last.len;
    if (path->u.path.nparts < 3)
        path->u.path.parts[path->u.path.nparts++] = fe_name(cx, part);
    else if (!reported)
        ir_error(cx->d, part, "a name has at most 3 parts (like pipeline.value.field)");
    path->span = ir_span_join(path->span, part);
    return path;
}

/* ------------------------------------------------------- compound exprs */

ir_expr *fe_call(fe_ctx *cx, ir_span fn, fe_exprs args, ir_span rp)
{
    int depth = 0;
    for (int i = 0; i < args.n; i++)
        depth = fe_max(depth, fe_depth(args.v[i]));
    ir_expr *e = fe_expr(cx, IR_E_CALL, ir_span_join(fn, rp), depth + 1);
    if (e->kind != IR_E_CALL)
        return e;
    e->u.call.fn = fe_name(cx, fn);
    e->u.call.args = args.v;
    e->u.call.nargs = args.n;
    return e;
}

ir_expr *fe_call_star(fe_ctx *cx, ir_span fn, ir_span star, ir_span rp)
{
    ir_expr *s = fe_expr(cx, IR_E_STAR, star, 1);
    return fe_call(cx, fn, fe_exprs_add(cx, (fe_exprs){0}, s), rp);
}

/* count(distinct x), string_agg(distinct x, sep): an aggregate over the
** distinct values of x, the other arguments as written (tc_split_distinct
** plans it). */
ir_expr *fe_call_distinct(fe_ctx *cx, ir_span fn, ir_expr *arg, fe_exprs rest, ir_span rp)
{
    fe_exprs args = fe_exprs_add(cx, (fe_exprs){0}, arg);
    for (int i = 0; i < rest.n; i++)
        args = fe_exprs_add(cx, args, rest.v[i]);
    ir_expr *e = fe_call(cx, fn, args, rp);
    if (e->kind == IR_E_CALL)
        e->u.call.distinct = true;
    return e;
}

/* x between lo and hi is the call between(x, lo, hi): the checker types
** it as two comparisons sharing x, and writes it as them when x is a
** column or a constant (so a copy of x costs nothing; copying any x
** would double a program's size per nested between). */
ir_expr *fe_between(fe_ctx *cx, ir_expr *a, ir_span kw, ir_expr *lo, ir_expr *hi)
{
    fe_exprs args = fe_exprs_add(cx, fe_exprs_add(cx, fe_exprs_add(cx, (fe_exprs){0}, a), lo), hi);
    ir_expr *e = fe_call(cx, kw, args, hi->span);
    e->span = ir_span_join(a->span, hi->span);
    return e;
}

ir_expr *fe_paren(ir_span lp, ir_expr *e, ir_span rp)
{
    e->span = ir_span_join(lp, rp);
    return e;
}

fe_whens fe_when(fe_ctx *cx, fe_whens w, ir_expr *cond, ir_expr *then)
{
    w.whens = fe_push(cx, w.whens, w.n, &cond, sizeof cond);
    w.thens = fe_push(cx, w.thens, w.n, &then, sizeof then);
    w.n++;
    return w;
}

ir_expr *fe_case(fe_ctx *cx, ir_span kw, fe_whens w, ir_expr *els, ir_span end)
{
    int depth = fe_depth(els);
    for (int i = 0; i < w.n; i++)
        depth = fe_max(depth, fe_max(fe_depth(w.whens[i]), fe_depth(w.thens[i])));
    ir_expr *e = fe_expr(cx, IR_E_CASE, ir_span_join(kw, end), depth + 1);
    if (e->kind != IR_E_CASE)
        return e;
    e->u.cas.whens = w.whens;
    e->u.cas.thens = w.thens;
    e->u.cas.n = w.n;
    e->u.cas.els = els;
    return e;
}

ir_expr *fe_cast(fe_ctx *cx, ir_span kw, ir_expr *a, fe_tname type, ir_span rp)
{
    ir_expr *e = fe_expr(cx, IR_E_CAST, ir_span_join(kw, rp), fe_depth(a) + 1);
    if (e->kind != IR_E_CAST)
        return e;
    e->u.cast.a = a;
    e->u.cast.to = type.ty.type;
    e->u.cast.to_prec = type.ty.prec;
    e->u.cast.to_scale = type.ty.scale;
    e->u.cast.to_span = type.span;
    return e;
}

/* extract(year from x) is the call year(x). */
ir_expr *fe_extract(fe_ctx *cx, ir_span kw, ir_span field, ir_expr *a, ir_span rp)
{
    int k = 0;
    while (k < IR_NDATEPARTS && !fe_is(cx, field, ir_datepart_name((ir_datepart)k)))
        k++;
    if (k == IR_NDATEPARTS)
        ir_error(cx->d, field, "unknown field '%.*s' in extract (expected year, quarter, month, week, day, dow, "
                 "isodow, doy, decade, century, millennium, isoyear, hour, minute, second, millisecond, "
                 "microsecond or epoch)", (int)field.len, fe_text(cx, field));
    ir_expr *e = fe_call(cx, field, fe_exprs_add(cx, (fe_exprs){0}, a), rp);
    e->span = ir_span_join(kw, rp);
    return e;
}

ir_expr *fe_binary(fe_ctx *cx, int major, ir_expr *a, ir_expr *b)
{
    ir_op op;
    switch (major) {
    case FE_T_OR: op = IR_OR; break;
    case FE_T_AND: op = IR_AND; break;
    case FE_T_EQEQ: op = IR_EQ; break;
    case FE_T_NE: op = IR_NE; break;
    case FE_T_LT: op = IR_LT; break;
    case FE_T_LE: op = IR_LE; break;
    case FE_T_GT: op = IR_GT; break;
    case FE_T_GE: op = IR_GE; break;
    case FE_T_PLUS: op = IR_ADD; break;
    case FE_T_MINUS: op = IR_SUB; break;
    case FE_T_STAR: op = IR_MUL; break;
    case FE_T_SLASH: op = IR_DIV; break;
    default: op = IR_MOD; break;   /* FE_T_PERCENT: the grammar passes nothing else */
    }
    ir_expr *e = fe_expr(cx, IR_E_BINARY, ir_span_join(a->span, b->span),
                         fe_max(fe_depth(a), fe_depth(b)) + 1);
    if (e->kind != IR_E_BINARY)
        return e;
    e->u.op.op = op;
    e->u.op.a = a;
    e->u.op.b = b;
    return e;
}

/* A minus before a number literal makes a negative literal, so that
** constants such as minmax bounds stay literals. */
ir_expr *fe_unary(fe_ctx *cx, ir_span opspan, ir_op op, ir_expr *a)
{
    if (op == IR_NEG && a->kind == IR_E_LIT && !a->u.lit.is_null &&
        (a->u.lit.type == TIR_I64 || a->u.lit.type == TIR_F64)) {
        if (a->u.lit.type == TIR_I64)
            a->u.lit.i = -a->u.lit.i;
        else
            a->u.lit.f = -a->u.lit.f;
        a->span = ir_span_join(opspan, a->span);
        return a;
    }
    ir_expr *e = fe_expr(cx, IR_E_UNARY, ir_span_join(opspan, a->span), fe_depth(a) + 1);
    if (e->kind != IR_E_UNARY)
        return e;
    e->u.op.op = op;
    e->u.op.a = a;
    return e;
}

ir_expr *fe_like(fe_ctx *cx, ir_expr *a, int kw, bool negated, ir_expr *pattern, ir_expr *escape)
{
    const ir_expr *last = escape ? escape : pattern;
    int depth = fe_max(fe_depth(a), fe_depth(pattern));
    ir_expr *e = fe_expr(cx, IR_E_LIKE, ir_span_join(a->span, last->span),
                         fe_max(depth, escape ? fe_depth(escape) : 0) + 1);
    if (e->kind != IR_E_LIKE)
        return e;
    e->u.like.a = a;
    e->u.like.pattern = pattern;
    e->u.like.escape = escape;
    e->u.like.negated = negated;
    e->u.like.ci = kw == FE_T_ILIKE;
    return e;
}

ir_expr *fe_in(fe_ctx *cx, ir_expr *a, bool negated, fe_exprs items, ir_span rb)
{
    int depth = fe_depth(a);
    for (int i = 0; i < items.n; i++)
        depth = fe_max(depth, fe_depth(items.v[i]));
    ir_expr *e = fe_expr(cx, IR_E_IN, ir_span_join(a->span, rb), depth + 1);
    if (e->kind != IR_E_IN)
        return e;
    e->u.in.a = a;
    e->u.in.items = items.v;
    e->u.in.nitems = items.n;
    e->u.in.negated = negated;
    return e;
}

ir_expr *fe_isnull(fe_ctx *cx, ir_expr *a, bool negated, ir_span null_kw)
{
    ir_expr *e = fe_expr(cx, IR_E_ISNULL, ir_span_join(a->span, null_kw), fe_depth(a) + 1);
    if (e->kind != IR_E_ISNULL)
        return e;
    e->u.isnull.a = a;
    e->u.isnull.negated = negated;
    return e;
}

fe_exprs fe_exprs_add(fe_ctx *cx, fe_exprs l, ir_expr *e)
{
    l.v = fe_push(cx, l.v, l.n++, &e, sizeof e);
    return l;
}

/* ------------------------------------------------------------ arguments */

ir_val *fe_val_expr(fe_ctx *cx, ir_expr *e)
{
    ir_val *v = fe_alloc(cx, sizeof *v);
    v->kind = IR_V_EXPR;
    v->span = e->span;
    v->expr = e;
    return v;
}

ir_val *fe_val_ordered(fe_ctx *cx, ir_expr *e, fe_ordering o)
{
    ir_val *v = fe_val_expr(cx, e);
    v->dir = o.dir;
    v->nulls = o.nulls;
    v->ord_span = o.span;
    v->span = ir_span_join(v->span, o.span);
    return v;
}

ir_val *fe_val_framed(fe_ctx *cx, ir_expr *e, ir_frame *f)
{
    ir_val *v = fe_val_expr(cx, e);
    v->frame = f;
    v->span = ir_span_join(v->span, f->span);
    return v;
}

fe_ordering fe_ordering_dir(fe_ctx *cx, ir_span word, ir_order dir)
{
    (void)cx;
    return (fe_ordering){dir, IR_NULLS_DEFAULT, word};
}

fe_ordering fe_ordering_nulls(fe_ctx *cx, fe_ordering o, ir_span nulls_kw, ir_span word, ir_nulls nulls)
{
    if (o.nulls != IR_NULLS_DEFAULT)
        ir_error(cx->d, ir_span_join(nulls_kw, word), "NULL placement given twice");
    o.nulls = nulls;
    o.span = o.span.len ? ir_span_join(o.span, word) : ir_span_join(nulls_kw, word);
    return o;
}

ir_bound fe_bound(fe_ctx *cx, ir_boundkind kind, ir_span first, ir_span last)
{
    ir_bound b = {kind, 0, ir_span_join(first, last)};
    if (kind == IR_B_PRECEDING || kind == IR_B_FOLLOWING) {
        /* the INT token: digits only, so a failed conversion is an overflow */
        const char *p = fe_text(cx, first);
        uint64_t v = 0;
        bool big = false;
        for (uint32_t i = 0; i < first.len; i++) {
            big |= v > (UINT64_C(1) << 62) / 10;
            v = v * 10 + (uint64_t)(p[i] - '0');
        }
        if (big || v > INT64_MAX / 2)
            ir_error(cx->d, first, "frame offset %.*s is too large", (int)first.len, p);
        else
            b.n = (int64_t)v;
    }
    return b;
}

ir_frame *fe_frame(fe_ctx *cx, ir_span kw, bool range, ir_bound lo, ir_bound hi)
{
    ir_frame *f = fe_alloc(cx, sizeof *f);
    f->range = range;
    f->lo = lo;
    f->hi = hi;
    f->span = ir_span_join(kw, hi.span);
    return f;
}

void fe_check_items(fe_ctx *cx, ir_span at, int n, const char *what)
{
    if (n > TIR_MAX_COLUMNS)
        ir_error(cx->d, at, "%s of %d items; at most %d are supported", what, n, TIR_MAX_COLUMNS);
}

ir_val *fe_val_list(fe_ctx *cx, ir_span lb, fe_vals items, ir_span rb)
{
    ir_val *v = fe_alloc(cx, sizeof *v);
    v->kind = IR_V_LIST;
    v->span = ir_span_join(lb, rb);
    fe_check_items(cx, lb, items.n, "a list");
    v->items = items.v;
    v->n = items.n;
    return v;
}

ir_val *fe_val_map(fe_ctx *cx, ir_span lb, fe_ents ents, ir_span rb)
{
    ir_val *v = fe_alloc(cx, sizeof *v);
    v->kind = IR_V_MAP;
    v->span = ir_span_join(lb, rb);
    fe_check_items(cx, lb, ents.n, "a map");
    v->ents = ents.v;
    v->n = ents.n;
    return v;
}

fe_vals fe_vals_add(fe_ctx *cx, fe_vals l, ir_val *v)
{
    l.v = fe_push(cx, l.v, l.n++, &v, sizeof v);
    return l;
}

fe_ents fe_ents_add(fe_ctx *cx, fe_ents l, ir_span key, bool quoted, ir_val *v)
{
    ir_mapent ent = {fe_key(cx, key, quoted), v};
    l.v = fe_push(cx, l.v, l.n++, &ent, sizeof ent);
    return l;
}

fe_args fe_arg(fe_ctx *cx, fe_args l, ir_span name, ir_val *v)
{
    ir_arg arg = {fe_name(cx, name), v};
    l.v = fe_push(cx, l.v, l.n++, &arg, sizeof arg);
    return l;
}

fe_args fe_srcarg(fe_ctx *cx, fe_args l, const ir_span *name, ir_expr *e)
{
    ir_arg arg = {{NULL, e->span}, fe_val_expr(cx, e)};
    if (name)
        arg.name = fe_name(cx, *name);
    l.v = fe_push(cx, l.v, l.n++, &arg, sizeof arg);
    return l;
}

/* ------------------------------------------------------------ items */

fe_coltype fe_coltype_new(fe_ctx *cx, fe_tname type)
{
    (void)cx;
    return (fe_coltype){type.ty, type.span};
}

fe_coltype fe_attr(fe_ctx *cx, fe_coltype t, ir_span w)
{
    bool dup = false;
    if (fe_is(cx, w, "nullable")) {
        dup = t.ty.nullable;
        t.ty.nullable = true;
    } else if (fe_is(cx, w, "unique")) {
        dup = t.ty.unique;
        t.ty.unique = true;
    } else if (fe_is(cx, w, "asc") || fe_is(cx, w, "desc")) {
        ir_order o = fe_is(cx, w, "asc") ? IR_ORDER_ASC : IR_ORDER_DESC;
        if (t.ty.order != IR_ORDER_NONE && t.ty.order != o)
            ir_error(cx->d, w, "a column cannot be both asc and desc");
        dup = t.ty.order == o;
        t.ty.order = o;
    } else {
        ir_error(cx->d, w, "syntax error: unexpected '%.*s' (expected nullable, unique, asc or desc)",
                 (int)w.len, fe_text(cx, w));
    }
    if (dup)
        ir_error(cx->d, w, "duplicate attribute '%.*s'", (int)w.len, fe_text(cx, w));
    t.span = ir_span_join(t.span, w);
    return t;
}

fe_cols fe_column(fe_ctx *cx, fe_cols l, ir_span name, bool quoted, fe_coltype t)
{
    ir_column col = {fe_key(cx, name, quoted), t.ty, ir_span_join(name, t.span)};
    l.v = fe_push(cx, l.v, l.n++, &col, sizeof col);
    return l;
}

void fe_table(fe_ctx *cx, ir_span name, ir_span source, fe_args args, const fe_cols *cols, ir_span end)
{
    ir_table *t = fe_alloc(cx, sizeof *t);
    t->name = fe_name(cx, name);
    t->source = fe_name(cx, source);
    t->args = args.v;
    t->nargs = args.n;
    if (cols) {
        t->schema.cols = cols->v;
        t->schema.n = cols->n;
    }
    t->span = ir_span_join(name, end);
    ir_program *p = cx->prog;
    p->tables = fe_push(cx, p->tables, p->ntables++, &t, sizeof t);
}

void fe_pipeline_begin(fe_ctx *cx, ir_span name, ir_span lb)
{
    ir_pipeline *pl = fe_alloc(cx, sizeof *pl);
    pl->name = fe_name(cx, name);
    pl->span = ir_span_join(name, lb);
    ir_program *p = cx->prog;
    p->pipelines = fe_push(cx, p->pipelines, p->npipelines++, &pl, sizeof pl);
    cx->pipe = pl;
}

void fe_stmt(fe_ctx *cx, ir_span target, ir_span op, fe_args args)
{
    ir_stmt *s = fe_alloc(cx, sizeof *s);
    s->target = fe_name(cx, target);
    s->op = fe_name(cx, op);
    s->args = args.v;
    s->nargs = args.n;
    s->span = ir_span_join(target, args.n ? args.v[args.n - 1].val->span : op);
    s->pipeline = cx->pipe;
    ir_pipeline *pl = cx->pipe;
    pl->stmts = fe_push(cx, pl->stmts, pl->n++, &s, sizeof s);
}

void fe_pipeline_end(fe_ctx *cx, ir_span rb)
{
    cx->pipe->span = ir_span_join(cx->pipe->span, rb);
    cx->pipe = NULL;
}

void fe_param(fe_ctx *cx, ir_span t, fe_tname type, const ir_span *nullable_kw)
{
    ir_param *prm = fe_alloc(cx, sizeof *prm);
    prm->name = fe_dollar_name(cx, t);
    prm->ty = type.ty;   /* i64 when the type is unknown (reported) */
    prm->ty.nullable = nullable_kw != NULL;
    prm->span = ir_span_join(t, nullable_kw ? *nullable_kw : type.span);
    ir_program *p = cx->prog;
    prm->index = p->nparams;
    p->params = fe_push(cx, p->params, p->nparams++, &prm, sizeof prm);
}

void fe_output(fe_ctx *cx, ir_span kw, ir_expr *path, const ir_span *alias, bool quoted)
{
    ir_output o = {.what = path, .span = ir_span_join(kw, path->span)};
    if (alias) {
        o.alias = fe_key(cx, *alias, quoted);
        o.span = ir_span_join(o.span, *alias);
    }
    ir_program *p = cx->prog;
    p->outputs = fe_push(cx, p->outputs, p->noutputs++, &o, sizeof o);
}
