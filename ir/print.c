/*
** print.c — types, operators and expressions as text, for --explain and
** for diagnostics, and whole programs as .tir text (the way back from the
** JSON form). Everything prints in source syntax that parses back to the
** same tree: every compound operand is parenthesized, so the text never
** depends on precedence. A program read from JSON can be printed noting
** where each of its nodes lands in the text (an included JSON plan is
** spliced in as that text: messages about it name the nodes).
*/
#include "ast.h"
#include "buf.h"
#include "dates.h"
#include "decimal.h"
#include "timestamp.h"
#include "functions.h"

#include <ctype.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(tir_type t)
{
    static const char *const names[TIR_NTYPES] = {
        [TIR_BOOL] = "bool", [TIR_I32] = "i32", [TIR_I64] = "i64",
        [TIR_F64] = "f64", [TIR_STRING] = "string", [TIR_DATE] = "date", [TIR_DECIMAL] = "decimal",
        [TIR_TIMESTAMP] = "timestamp", [TIR_DECIMAL128] = "decimal", [TIR_INTERVAL] = "interval",
    };
    return (unsigned)t < TIR_NTYPES ? names[t] : "?";
}

const char *ir_type_text(tir_type t, int prec, int scale, char buf[32])
{
    if (t == TIR_DECIMAL || t == TIR_DECIMAL128)
        snprintf(buf, 32, "decimal(%d,%d)", prec, scale);
    else
        snprintf(buf, 32, "%s", type_name(t));
    return buf;
}

const char *ir_coltype_str(ir_arena *a, ir_coltype t)
{
    char tb[32];
    return ir_sprintf(a, "%s%s%s%s", ir_type_text(t.type, t.prec, t.scale, tb),
                      t.nullable ? " nullable" : "", t.unique ? " unique" : "",
                      t.order == IR_ORDER_ASC ? " asc" : t.order == IR_ORDER_DESC ? " desc" : "");
}

const char *ir_op_str(ir_op op)
{
    static const char *const s[] = {
        [IR_ADD] = "+", [IR_SUB] = "-", [IR_MUL] = "*", [IR_DIV] = "/", [IR_MOD] = "%",
        [IR_EQ] = "==", [IR_NE] = "!=", [IR_LT] = "<", [IR_LE] = "<=", [IR_GT] = ">",
        [IR_GE] = ">=", [IR_AND] = "&&", [IR_OR] = "||", [IR_NEG] = "-", [IR_NOT] = "!",
    };
    return (unsigned)op < sizeof s / sizeof s[0] ? s[op] : "?";
}

const char *ir_opkind_name(ir_opkind k)
{
    static const char *const s[] = {
        [IR_OP_UNKNOWN] = "unknown", [IR_OP_SCAN] = "table_scan", [IR_OP_FILTER] = "filter",
        [IR_OP_PROJECT] = "project", [IR_OP_AGGREGATE] = "aggregate",
        [IR_OP_BUILD_HASH] = "build_hash", [IR_OP_HASH_JOIN] = "hash_join",
        [IR_OP_GROUP_BY] = "hash_group_by", [IR_OP_LIMIT] = "limit",
        [IR_OP_BUILD_BLOOM] = "build_bloom", [IR_OP_DELETE] = "delete", [IR_OP_WRITE_TABLE] = "write_table",
        [IR_OP_SORT] = "sort", [IR_OP_MERGE_JOIN] = "merge_join", [IR_OP_WINDOW] = "window",
        [IR_OP_UNION] = "union_all",
    };
    return (unsigned)k < sizeof s / sizeof s[0] ? s[k] : "unknown";
}

const char *ir_datepart_name(ir_datepart p)
{
    static const char *const s[] = {
#define X_NAME(ID, name) name,
        IR_DATE_PARTS(X_NAME)
#undef X_NAME
    };
    return (unsigned)p < sizeof s / sizeof s[0] ? s[p] : "?";
}

const char *ir_aggfn_name(ir_aggfn f)
{
    static const char *const s[] = {
        [IR_AGG_COUNT] = "count", [IR_AGG_COUNT_STAR] = "count(*)", [IR_AGG_SUM] = "sum",
        [IR_AGG_MIN] = "min", [IR_AGG_MAX] = "max", [IR_AGG_AVG] = "avg",
        [IR_AGG_VAR_SAMP] = "var_samp", [IR_AGG_VAR_POP] = "var_pop",
        [IR_AGG_STDDEV_SAMP] = "stddev_samp", [IR_AGG_STDDEV_POP] = "stddev_pop",
        [IR_AGG_BOOL_AND] = "bool_and", [IR_AGG_BOOL_OR] = "bool_or",
        [IR_AGG_STRING_AGG] = "string_agg",
    };
    return (unsigned)f < sizeof s / sizeof s[0] ? s[f] : "?";
}

const char *ir_joinkind_name(ir_joinkind k)
{
    static const char *const s[IR_JOIN_NKINDS] = {
        [IR_JOIN_INNER] = "inner", [IR_JOIN_LEFT] = "left", [IR_JOIN_SEMI] = "semi",
        [IR_JOIN_ANTI] = "anti", [IR_JOIN_RIGHT] = "right", [IR_JOIN_FULL] = "full",
    };
    return (unsigned)k < IR_JOIN_NKINDS ? s[k] : "?";
}

/* ------------------------------------------------------------ expressions */

bool ir_lit_long_text(const ir_lit *l)
{
    int sig = 0, after = -1, all = 0;
    for (uint32_t k = 0; l->type == TIR_F64 && l->s && k < l->slen; k++) {
        char ch = l->s[k];
        if (ch == '.') {
            after = 0;
            continue;
        }
        if (ch < '0' || ch > '9')
            return false;   /* an exponent: a double's digits */
        sig += sig || ch != '0';
        all++;
        after += after >= 0;
    }
    return sig > 15 || after > 18 || all > 18;
}

/* The C locale keeps the decimal point a '.'. */
void ir_double_text(double v, char s[48])
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, 48, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    char *e = strchr(s, 'e');
    if (!strchr(s, '.') && !strchr(s, 'n')) {   /* not inf/nan */
        size_t at = e ? (size_t)(e - s) : strlen(s);
        memmove(s + at + 2, s + at, strlen(s + at) + 1);
        memcpy(s + at, ".0", 2);
    }
}

static void put_double(ir_buf *b, double v)
{
    char s[48];
    ir_double_text(v, s);
    ir_buf_puts(b, s);
}

static void put_string(ir_buf *b, const char *s, uint32_t len)
{
    ir_buf_put(b, "\"", 1);
    for (uint32_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '"': ir_buf_put(b, "\\\"", 2); break;
        case '\\': ir_buf_put(b, "\\\\", 2); break;
        case '\n': ir_buf_put(b, "\\n", 2); break;
        case '\t': ir_buf_put(b, "\\t", 2); break;
        default: ir_buf_put(b, s + i, 1);
        }
    }
    ir_buf_put(b, "\"", 1);
}

static void put_lit(ir_buf *b, const ir_lit *l)
{
    if (l->is_null) {
        ir_buf_puts(b, "null");
        return;
    }
    if (l->type == IR_INTERVAL) {   /* the form the parser reads back */
        char iv[80];
        vm_interval_format(&(vm_interval){l->months, l->days, l->i}, iv);
        ir_buf_printf(b, "interval \"%s\"", iv);
        return;
    }
    switch (l->type) {
    case TIR_BOOL:
        ir_buf_puts(b, l->i ? "true" : "false");
        break;
    case TIR_I32:
    case TIR_I64:
        ir_buf_printf(b, "%lld", (long long)l->i);
        break;
    case TIR_F64:
        /* a decimal beside it takes all the digits written (typecheck/decimal.c) */
        if (ir_lit_long_text(l))
            ir_buf_printf(b, "%s%.*s", l->f < 0 ? "-" : "", (int)l->slen, l->s);
        else
            put_double(b, l->f);
        break;
    case TIR_DECIMAL: {   /* reads back as the float literal it came from */
        char d[32];
        vm_dec_format(l->i, l->scale, d);
        ir_buf_printf(b, "%s%s", d, l->scale ? "" : ".0");
        break;
    }
    case TIR_STRING:
        put_string(b, l->s, l->slen);
        break;
    case TIR_DATE: {
        char d[TIR_DATE_TEXT_SIZE];
        vm_date_text((int32_t)l->i, d);
        ir_buf_printf(b, "date \"%s\"", d);
        break;
    }
    case TIR_TIMESTAMP: {
        char ts[TIR_TIMESTAMP_TEXT_SIZE];
        vm_timestamp_format(l->i, ts);
        ir_buf_printf(b, "timestamp \"%s\"", ts);
        break;
    }

    default:
        ir_buf_puts(b, "?");
    }
}

/* Where the nodes printed so far landed (ir_jtext), or NULL: not noted. */
typedef struct marks {
    ir_jprinted *v;           /* malloc'd while printing */
    uint32_t n, cap;
    uint32_t open;            /* the entry of the node being printed; UINT32_MAX: none */
    bool nomem;
} marks;

/* Notes that the node of span s starts at the end of b; its entry, which
** mark_close ends, or UINT32_MAX when nothing is noted. */
static uint32_t mark_open(marks *m, const ir_buf *b, ir_span s)
{
    if (!m || m->nomem)
        return UINT32_MAX;
    if (m->n == m->cap) {
        uint32_t cap = m->cap ? 2 * m->cap : 64;
        ir_jprinted *v = cap > m->cap ? realloc(m->v, (size_t)cap * sizeof *v) : NULL;
        if (!v) {
            m->nomem = true;
            return UINT32_MAX;
        }
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n] = (ir_jprinted){(uint32_t)b->n, (uint32_t)b->n, m->open, s.off};
    m->open = m->n;
    return m->n++;
}

static void mark_close(marks *m, const ir_buf *b, uint32_t k)
{
    if (k == UINT32_MAX)
        return;
    m->v[k].end = (uint32_t)b->n;
    m->open = m->v[k].up;
}

static void put_name(ir_buf *b, marks *m, const ir_name *n)
{
    uint32_t k = mark_open(m, b, n->span);
    ir_buf_puts(b, n->s);
    mark_close(m, b, k);
}

static void put_expr(ir_buf *b, marks *m, const ir_expr *e);

static bool compound(const ir_expr *e)
{
    switch (e->kind) {
    case IR_E_UNARY: case IR_E_BINARY: case IR_E_LIKE: case IR_E_IN: case IR_E_ISNULL:
        return true;
    default:
        return false;
    }
}

/* A parenthesized operand is noted with its parentheses, as the parser's
** span of it takes them in. */
static void put_operand(ir_buf *b, marks *m, const ir_expr *e, bool wrap)
{
    uint32_t k = wrap ? mark_open(m, b, e->span) : UINT32_MAX;
    if (wrap)
        ir_buf_put(b, "(", 1);
    put_expr(b, m, e);
    if (wrap)
        ir_buf_put(b, ")", 1);
    mark_close(m, b, k);
}

static void put_list(ir_buf *b, marks *m, ir_expr *const *v, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            ir_buf_put(b, ", ", 2);
        put_expr(b, m, v[i]);
    }
}

/* f(distinct - 1) reads as f's distinct aggregate of -1: a first argument,
** printed from b->p + at to the end, that begins with the name distinct is
** put in parentheses, which the parser drops again. Its nodes, noted from
** entry first on, move with it; its own entry takes in the parentheses. */
static void parenthesize_distinct(ir_buf *b, marks *m, size_t at, uint32_t first)
{
    const char *s = b->nomem ? NULL : b->p + at;
    if (!s || strncmp(s, "distinct", 8) || isalnum((unsigned char)s[8]) || s[8] == '_')
        return;
    size_t end = b->n;
    ir_buf_put(b, "()", 2);
    if (b->nomem)
        return;
    memmove(b->p + at + 1, b->p + at, end - at);
    b->p[at] = '(';
    b->p[end + 1] = ')';
    for (uint32_t k = first; m && !m->nomem && k < m->n; k++) {
        m->v[k].off += k > first;
        m->v[k].end += k > first ? 1 : 2;
    }
}

static void put_expr(ir_buf *b, marks *m, const ir_expr *e)
{
    uint32_t mark = mark_open(m, b, e->span);
    switch (e->kind) {
    case IR_E_LIT:
        put_lit(b, &e->u.lit);
        break;
    case IR_E_COL:
        if (e->u.col.qual.s) {   /* "$in", "$ht" or a statement */
            put_name(b, m, &e->u.col.qual);
            ir_buf_put(b, ".", 1);
        }
        put_name(b, m, &e->u.col.name);
        break;
    case IR_E_PATH:
        for (int i = 0; i < e->u.path.nparts; i++) {
            if (i)
                ir_buf_put(b, ".", 1);
            put_name(b, m, &e->u.path.parts[i]);
        }
        break;
    case IR_E_REF: {
        const ir_stmt *s = e->u.ref.stmt;
        ir_buf_puts(b, s->pipeline->name.s);
        ir_buf_put(b, ".", 1);
        ir_buf_puts(b, s->target.s);
        ir_buf_put(b, ".", 1);
        ir_buf_puts(b, s->out.cols[e->u.ref.field].name.s);
        break;
    }
    case IR_E_UNARY: {
        const ir_expr *a = e->u.op.a;
        ir_buf_puts(b, ir_op_str(e->u.op.op));
        /* "- -5" must not print as "--5" */
        bool neg_lit = a->kind == IR_E_LIT && !a->u.lit.is_null &&
                       ((a->u.lit.type == TIR_F64 && a->u.lit.f < 0) ||
                        (a->u.lit.type != TIR_F64 && a->u.lit.i < 0));
        put_operand(b, m, a, compound(a) || neg_lit);
        break;
    }
    case IR_E_BINARY:
        put_operand(b, m, e->u.op.a, compound(e->u.op.a));
        ir_buf_printf(b, " %s ", ir_op_str(e->u.op.op));
        put_operand(b, m, e->u.op.b, compound(e->u.op.b));
        break;
    case IR_E_LIKE:
        put_operand(b, m, e->u.like.a, compound(e->u.like.a));
        ir_buf_puts(b, e->u.like.negated ? " not " : " ");
        ir_buf_puts(b, e->u.like.ci ? "ilike " : "like ");
        put_operand(b, m, e->u.like.pattern, compound(e->u.like.pattern));
        if (e->u.like.escape) {
            ir_buf_puts(b, " escape ");
            put_operand(b, m, e->u.like.escape, compound(e->u.like.escape));
        }
        break;
    case IR_E_IN:
        put_operand(b, m, e->u.in.a, compound(e->u.in.a));
        ir_buf_puts(b, e->u.in.negated ? " not in [" : " in [");
        put_list(b, m, e->u.in.items, e->u.in.nitems);
        ir_buf_put(b, "]", 1);
        break;
    case IR_E_ISNULL:
        put_operand(b, m, e->u.isnull.a, compound(e->u.isnull.a));
        ir_buf_puts(b, e->u.isnull.negated ? " is not null" : " is null");
        break;
    case IR_E_CASE:
        ir_buf_puts(b, "case");
        for (int i = 0; i < e->u.cas.n; i++) {
            ir_buf_puts(b, " when ");
            put_expr(b, m, e->u.cas.whens[i]);
            ir_buf_puts(b, " then ");
            put_expr(b, m, e->u.cas.thens[i]);
        }
        if (e->u.cas.els) {
            ir_buf_puts(b, " else ");
            put_expr(b, m, e->u.cas.els);
        }
        ir_buf_puts(b, " end");
        break;
    case IR_E_CAST: {
        ir_buf_puts(b, "cast(");
        put_expr(b, m, e->u.cast.a);
        ir_buf_puts(b, " as ");
        char tb[32];
        uint32_t to = mark_open(m, b, e->u.cast.to_span);
        ir_buf_puts(b, ir_type_text(e->u.cast.to, e->u.cast.to_prec, e->u.cast.to_scale, tb));
        mark_close(m, b, to);
        ir_buf_put(b, ")", 1);
        break;
    }
    case IR_E_CALL:
        put_name(b, m, &e->u.call.fn);
        ir_buf_put(b, "(", 1);
        if (e->u.call.distinct)
            ir_buf_puts(b, "distinct ");
        for (int i = 0; i < e->u.call.nargs; i++) {
            if (i)
                ir_buf_put(b, ", ", 2);
            size_t at = b->n;
            uint32_t first = m ? m->n : 0;
            put_expr(b, m, e->u.call.args[i]);
            if (i == 0 && !e->u.call.distinct)
                parenthesize_distinct(b, m, at, first);
        }
        ir_buf_put(b, ")", 1);
        break;
    case IR_E_STAR:
        ir_buf_put(b, "*", 1);
        break;
    case IR_E_PARAM:
        ir_buf_printf(b, "$%s", e->u.param.name.s);
        break;
    }
    mark_close(m, b, mark);
}

const char *ir_expr_str(ir_arena *a, const ir_expr *e)
{
    ir_buf b = {0};
    put_expr(&b, NULL, e);
    const char *s = ir_buf_finish(&b, a);
    return s;
}

/* ------------------------------------------------------------ programs */

static void put_bound(ir_buf *b, marks *m, const ir_bound *bd)
{
    uint32_t k = mark_open(m, b, bd->span);
    switch (bd->kind) {
    case IR_B_UNBOUNDED_PRECEDING: ir_buf_puts(b, "unbounded preceding"); break;
    case IR_B_PRECEDING: ir_buf_printf(b, "%lld preceding", (long long)bd->n); break;
    case IR_B_CURRENT: ir_buf_puts(b, "current row"); break;
    case IR_B_FOLLOWING: ir_buf_printf(b, "%lld following", (long long)bd->n); break;
    case IR_B_UNBOUNDED_FOLLOWING: ir_buf_puts(b, "unbounded following"); break;
    }
    mark_close(m, b, k);
}

static void put_val(ir_buf *b, marks *m, const ir_val *v)
{
    uint32_t mark = mark_open(m, b, v->span);
    switch (v->kind) {
    case IR_V_LIST:
        ir_buf_put(b, "[", 1);
        for (int i = 0; i < v->n; i++) {
            if (i)
                ir_buf_put(b, ", ", 2);
            put_val(b, m, v->items[i]);
        }
        ir_buf_put(b, "]", 1);
        break;
    case IR_V_MAP:
        ir_buf_put(b, "{", 1);
        for (int i = 0; i < v->n; i++) {
            ir_buf_puts(b, i ? ", " : " ");
            uint32_t key = mark_open(m, b, v->ents[i].key.span);
            put_string(b, v->ents[i].key.s, (uint32_t)strlen(v->ents[i].key.s));
            mark_close(m, b, key);
            ir_buf_put(b, ": ", 2);
            put_val(b, m, v->ents[i].val);
        }
        ir_buf_puts(b, v->n ? " }" : "}");
        break;
    case IR_V_EXPR:
        put_expr(b, m, v->expr);
        uint32_t ord = v->ord_span.len ? mark_open(m, b, v->ord_span) : UINT32_MAX;
        if (v->dir != IR_ORDER_NONE)
            ir_buf_puts(b, v->dir == IR_ORDER_DESC ? " desc" : " asc");
        if (v->nulls != IR_NULLS_DEFAULT)
            ir_buf_puts(b, v->nulls == IR_NULLS_FIRST ? " nulls first" : " nulls last");
        mark_close(m, b, ord);
        if (v->frame) {
            uint32_t frame = mark_open(m, b, v->frame->span);
            ir_buf_puts(b, v->frame->range ? " range between " : " rows between ");
            put_bound(b, m, &v->frame->lo);
            ir_buf_puts(b, " and ");
            put_bound(b, m, &v->frame->hi);
            mark_close(m, b, frame);
        }
        break;
    }
    mark_close(m, b, mark);
}

static void put_table(ir_buf *b, marks *m, const ir_table *t)
{
    uint32_t mark = mark_open(m, b, t->span);
    put_name(b, m, &t->name);
    ir_buf_puts(b, ": Table = ");
    put_name(b, m, &t->source);
    ir_buf_put(b, "(", 1);
    for (int i = 0; i < t->nargs; i++) {
        if (i)
            ir_buf_put(b, ", ", 2);
        if (t->args[i].name.s) {
            put_name(b, m, &t->args[i].name);
            ir_buf_puts(b, " = ");
        }
        put_expr(b, m, t->args[i].val->expr);
    }
    ir_buf_put(b, ")", 1);
    if (t->schema.cols) {
        ir_buf_puts(b, " {\n");
        for (int i = 0; i < t->schema.n; i++) {
            const ir_column *c = &t->schema.cols[i];
            char tb[32];
            ir_buf_puts(b, "    ");
            uint32_t col = mark_open(m, b, c->span);
            uint32_t name = mark_open(m, b, c->name.span);
            put_string(b, c->name.s, (uint32_t)strlen(c->name.s));
            mark_close(m, b, name);
            ir_buf_printf(b, ": %s%s%s%s", ir_type_text(c->ty.type, c->ty.prec, c->ty.scale, tb),
                          c->ty.nullable ? " nullable" : "", c->ty.unique ? " unique" : "",
                          c->ty.order == IR_ORDER_ASC ? " asc" : c->ty.order == IR_ORDER_DESC ? " desc" : "");
            mark_close(m, b, col);
            ir_buf_puts(b, i + 1 < t->schema.n ? ",\n" : "\n");
        }
        ir_buf_put(b, "}", 1);
    }
    mark_close(m, b, mark);
    ir_buf_put(b, "\n", 1);
}

static void put_pipeline(ir_buf *b, marks *m, const ir_pipeline *pl)
{
    uint32_t mark = mark_open(m, b, pl->span);
    put_name(b, m, &pl->name);
    ir_buf_puts(b, ": Pipeline = {\n");
    for (int i = 0; i < pl->n; i++) {
        const ir_stmt *s = pl->stmts[i];
        ir_buf_puts(b, "    ");
        uint32_t stmt = mark_open(m, b, s->span);
        put_name(b, m, &s->target);
        ir_buf_puts(b, " = ");
        put_name(b, m, &s->op);
        for (int k = 0; k < s->nargs; k++) {
            ir_buf_puts(b, "\n        :");
            put_name(b, m, &s->args[k].name);
            ir_buf_puts(b, " = ");
            put_val(b, m, s->args[k].val);
        }
        mark_close(m, b, stmt);
        ir_buf_put(b, "\n", 1);
    }
    ir_buf_put(b, "}", 1);
    mark_close(m, b, mark);
    ir_buf_put(b, "\n", 1);
}

static void put_program(ir_buf *b, marks *m, const ir_program *p)
{
    for (int i = 0; i < p->ntables; i++)
        put_table(b, m, p->tables[i]);
    char tb[32];
    for (int i = 0; i < p->nparams; i++) {
        const ir_param *prm = p->params[i];
        uint32_t mark = mark_open(m, b, prm->span);
        uint32_t name = mark_open(m, b, prm->name.span);   /* the parser's name takes in the '$' */
        ir_buf_printf(b, "$%s", prm->name.s);
        mark_close(m, b, name);
        ir_buf_printf(b, ": %s%s", ir_type_text(prm->ty.type, prm->ty.prec, prm->ty.scale, tb),
                      prm->ty.nullable ? " nullable" : "");
        mark_close(m, b, mark);
        ir_buf_put(b, "\n", 1);
    }
    for (int i = 0; i < p->npipelines; i++) {
        ir_buf_put(b, "\n", 1);
        put_pipeline(b, m, p->pipelines[i]);
    }
    if (p->noutputs)
        ir_buf_put(b, "\n", 1);
    for (int i = 0; i < p->noutputs; i++) {
        const ir_output *out = &p->outputs[i];
        uint32_t mark = mark_open(m, b, out->span);
        ir_buf_puts(b, "output ");
        put_expr(b, m, out->what);
        if (out->alias.s) {
            ir_buf_puts(b, " as ");
            uint32_t alias = mark_open(m, b, out->alias.span);
            put_string(b, out->alias.s, (uint32_t)strlen(out->alias.s));
            mark_close(m, b, alias);
        }
        mark_close(m, b, mark);
        ir_buf_put(b, "\n", 1);
    }
}

const char *ir_program_str(ir_arena *a, const ir_program *p, ir_jtext *printed)
{
    ir_buf b = {0};
    ir_buf_put(&b, "", 0);
    marks m = {.open = UINT32_MAX};
    put_program(&b, printed ? &m : NULL, p);
    if (printed) {
        ir_jprinted *v = m.n && !m.nomem ? IR_NEWN(a, ir_jprinted, m.n) : NULL;
        if (v)
            memcpy(v, m.v, (size_t)m.n * sizeof *v);
        *printed = (ir_jtext){p->paths, v, v ? m.n : 0, NULL, 0};
        b.nomem |= m.nomem || (m.n && !v);
    }
    free(m.v);
    return ir_buf_finish(&b, a);
}
