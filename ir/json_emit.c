/*
** json_emit.c — a program as parsed, written in its JSON form (the schema is
** in docs/EMBEDDING.md; frontend/json.c reads it back to the same tree).
** Written by hand rather than through jansson for the layout (a statement
** per line, an argument per line) and for floats in their shortest form
** that reads back exactly.
*/
#include "ast.h"
#include "buf.h"
#include "map.h"
#include "timestamp.h"
#include "utf8.h"

#include <string.h>

typedef struct je_ctx {
    ir_buf b;
    ir_diags *d;
    ir_map seen;              /* argument names and map keys, per statement or map */
} je_ctx;

/* s as a JSON string; JSON holds only UTF-8 text without NUL bytes. */
static void je_string(je_ctx *cx, const char *s, size_t len, ir_span at)
{
    for (size_t i = 0, n; i < len; i += n)
        if (!s[i] || !(n = ir_utf8_len((const unsigned char *)s + i, len - i))) {
            ir_error(cx->d, at, "this string is not UTF-8 text: the JSON form cannot hold it");
            break;
        }
    ir_buf *b = &cx->b;
    ir_buf_put(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            ir_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            ir_buf_puts(b, "\\n");
        else if (c == '\t')
            ir_buf_puts(b, "\\t");
        else if (c < 0x20)
            ir_buf_printf(b, "\\u%04x", c);
        else
            ir_buf_put(b, s + i, 1);
    }
    ir_buf_put(b, "\"", 1);
}

static void je_str(je_ctx *cx, const char *s, ir_span at)
{
    je_string(cx, s, strlen(s), at);
}

/* Reports a second key of one object (scope), which JSON cannot hold. */
static void je_unique(je_ctx *cx, const void *scope, const ir_name *key, const char *what)
{
    void *first = ir_map_put(&cx->seen, scope, key->s, (void *)key);
    if (!first)
        cx->d->arena->nomem = true;
    else if (first != key)
        ir_error(cx->d, key->span, "%s '%s' given twice: the JSON form holds it once", what, key->s);
}

static void je_expr(je_ctx *cx, const ir_expr *e);

static void je_exprs(je_ctx *cx, const char *key, ir_expr *const *v, int n)
{
    ir_buf_printf(&cx->b, ", \"%s\": [", key);
    for (int i = 0; i < n; i++) {
        if (i)
            ir_buf_puts(&cx->b, ", ");
        je_expr(cx, v[i]);
    }
    ir_buf_puts(&cx->b, "]");
}

/* Strings and dates have their own JSON; null, booleans and numbers are
** written as the text form writes them, but for a number of more digits
** than a double holds, which is {"number": "its digits"}. */
static void je_lit(je_ctx *cx, const ir_expr *e)
{
    const ir_lit *l = &e->u.lit;
    if (!l->is_null && l->type == TIR_STRING) {
        je_string(cx, l->s, l->slen, e->span);
    } else if (!l->is_null && l->type == TIR_DATE) {
        char day[16];
        tir_date_format((int32_t)l->i, day);
        ir_buf_printf(&cx->b, "{\"date\": \"%s\"}", day);
    } else if (!l->is_null && l->type == TIR_TIMESTAMP) {
        char ts[32];
        tir_timestamp_format(l->i, ts);
        ir_buf_printf(&cx->b, "{\"timestamp\": \"%s\"}", ts);
    } else if (!l->is_null && l->type == IR_INTERVAL) {
        char iv[80];
        vm_interval_format(&(vm_interval){l->months, l->days, l->i}, iv);
        ir_buf_printf(&cx->b, "{\"interval\": \"%s\"}", iv);
    } else if (!l->is_null && ir_lit_long_text(l)) {   /* a JSON number would be read as a double */
        ir_buf_printf(&cx->b, "{\"number\": \"%s%.*s\"}", l->f < 0 ? "-" : "", (int)l->slen, l->s);
    } else {
        const char *text = ir_expr_str(cx->d->arena, e);
        ir_buf_puts(&cx->b, text ? text : "null");
        if (!text)
            cx->d->arena->nomem = true;
    }
}

static void je_expr(je_ctx *cx, const ir_expr *e)
{
    ir_buf *b = &cx->b;
    switch (e->kind) {
    case IR_E_LIT:
        je_lit(cx, e);
        break;
    case IR_E_COL:
        ir_buf_puts(b, "{\"col\": ");
        je_str(cx, e->u.col.name.s, e->span);
        ir_buf_puts(b, ", \"of\": ");
        je_str(cx, e->u.col.qual.s + (e->u.col.qual.s[0] == '$'), e->span);
        ir_buf_puts(b, "}");
        break;
    case IR_E_PATH:
        ir_buf_puts(b, "{\"ref\": \"");
        for (int i = 0; i < e->u.path.nparts; i++)
            ir_buf_printf(b, "%s%s", i ? "." : "", e->u.path.parts[i].s);
        ir_buf_puts(b, "\"}");
        break;
    case IR_E_PARAM:
        ir_buf_printf(b, "{\"param\": \"%s\"}", e->u.param.name.s);
        break;
    case IR_E_UNARY:
    case IR_E_BINARY:
        ir_buf_printf(b, "{\"op\": \"%s\"", ir_op_str(e->u.op.op));
        je_exprs(cx, "args", &e->u.op.a, e->kind == IR_E_UNARY ? 1 : 2);
        ir_buf_puts(b, "}");
        break;
    case IR_E_LIKE: {
        ir_expr *args[3] = {e->u.like.a, e->u.like.pattern, e->u.like.escape};
        ir_buf_printf(b, "{\"op\": \"%s\"", e->u.like.ci ? "ilike" : "like");
        je_exprs(cx, "args", args, e->u.like.escape ? 3 : 2);
        ir_buf_puts(b, e->u.like.negated ? ", \"not\": true}" : "}");
        break;
    }
    case IR_E_IN:
        ir_buf_puts(b, "{\"op\": \"in\", \"args\": [");
        je_expr(cx, e->u.in.a);
        for (int i = 0; i < e->u.in.nitems; i++) {
            ir_buf_puts(b, ", ");
            je_expr(cx, e->u.in.items[i]);
        }
        ir_buf_puts(b, e->u.in.negated ? "], \"not\": true}" : "]}");
        break;
    case IR_E_ISNULL:
        ir_buf_puts(b, "{\"op\": \"is null\"");
        je_exprs(cx, "args", &e->u.isnull.a, 1);
        ir_buf_puts(b, e->u.isnull.negated ? ", \"not\": true}" : "}");
        break;
    case IR_E_CASE:
        ir_buf_puts(b, "{\"op\": \"case\"");
        je_exprs(cx, "when", e->u.cas.whens, e->u.cas.n);
        je_exprs(cx, "then", e->u.cas.thens, e->u.cas.n);
        if (e->u.cas.els) {
            ir_buf_puts(b, ", \"else\": ");
            je_expr(cx, e->u.cas.els);
        }
        ir_buf_puts(b, "}");
        break;
    case IR_E_CAST:
        ir_buf_puts(b, "{\"op\": \"cast\"");
        char tb[32];
        je_exprs(cx, "args", &e->u.cast.a, 1);
        ir_buf_printf(b, ", \"type\": \"%s\"}", ir_type_text(e->u.cast.to, e->u.cast.to_prec, e->u.cast.to_scale, tb));
        break;
    case IR_E_CALL:
        ir_buf_printf(b, "{\"call\": \"%s\"", e->u.call.fn.s);
        if (e->u.call.nargs == 1 && e->u.call.args[0]->kind == IR_E_STAR)
            ir_buf_puts(b, ", \"star\": true");
        else
            je_exprs(cx, "args", e->u.call.args, e->u.call.nargs);
        ir_buf_puts(b, e->u.call.distinct ? ", \"distinct\": true}" : "}");
        break;
    case IR_E_STAR:   /* only where the text form has it: `f(1, *)` parses to no tree */
    case IR_E_REF:    /* only in checked trees */
        ir_error(cx->d, e->span, "this expression has no JSON form");
        ir_buf_puts(b, "null");
        break;
    }
}

static void je_bound(je_ctx *cx, const ir_bound *bd)
{
    switch (bd->kind) {
    case IR_B_UNBOUNDED_PRECEDING: ir_buf_puts(&cx->b, "\"unbounded preceding\""); break;
    case IR_B_PRECEDING: ir_buf_printf(&cx->b, "{\"preceding\": %lld}", (long long)bd->n); break;
    case IR_B_CURRENT: ir_buf_puts(&cx->b, "\"current row\""); break;
    case IR_B_FOLLOWING: ir_buf_printf(&cx->b, "{\"following\": %lld}", (long long)bd->n); break;
    case IR_B_UNBOUNDED_FOLLOWING: ir_buf_puts(&cx->b, "\"unbounded following\""); break;
    }
}

static void je_val(je_ctx *cx, const ir_val *v)
{
    ir_buf *b = &cx->b;
    switch (v->kind) {
    case IR_V_LIST:
        ir_buf_puts(b, "[");
        for (int i = 0; i < v->n; i++) {
            if (i)
                ir_buf_puts(b, ", ");
            je_val(cx, v->items[i]);
        }
        ir_buf_puts(b, "]");
        return;
    case IR_V_MAP:
        ir_buf_puts(b, "{\"map\": {");
        for (int i = 0; i < v->n; i++) {
            je_unique(cx, v, &v->ents[i].key, "map key");
            if (i)
                ir_buf_puts(b, ", ");
            je_str(cx, v->ents[i].key.s, v->ents[i].key.span);
            ir_buf_puts(b, ": ");
            je_val(cx, v->ents[i].val);
        }
        ir_buf_puts(b, "}}");
        return;
    case IR_V_EXPR:
        break;
    }
    if (!v->ord_span.len && !v->frame) {
        je_expr(cx, v->expr);
        return;
    }
    ir_buf_puts(b, "{\"value\": ");
    je_expr(cx, v->expr);
    if (v->dir != IR_ORDER_NONE)
        ir_buf_printf(b, ", \"order\": \"%s\"", v->dir == IR_ORDER_DESC ? "desc" : "asc");
    if (v->nulls != IR_NULLS_DEFAULT)
        ir_buf_printf(b, ", \"nulls\": \"%s\"", v->nulls == IR_NULLS_FIRST ? "first" : "last");
    if (v->frame) {
        ir_buf_printf(b, ", \"frame\": {\"unit\": \"%s\", \"from\": ", v->frame->range ? "range" : "rows");
        je_bound(cx, &v->frame->lo);
        ir_buf_puts(b, ", \"to\": ");
        je_bound(cx, &v->frame->hi);
        ir_buf_puts(b, "}");
    }
    ir_buf_puts(b, "}");
}

static void je_table(je_ctx *cx, const ir_table *t)
{
    ir_buf *b = &cx->b;
    ir_buf_printf(b, "{\"name\": \"%s\", \"source\": \"%s\", \"args\": [", t->name.s, t->source.s);
    for (int i = 0; i < t->nargs; i++) {
        ir_buf_puts(b, i ? ", {" : "{");
        if (t->args[i].name.s)
            ir_buf_printf(b, "\"name\": \"%s\", ", t->args[i].name.s);
        ir_buf_puts(b, "\"value\": ");
        je_expr(cx, t->args[i].val->expr);
        ir_buf_puts(b, "}");
    }
    ir_buf_puts(b, "]");
    if (t->schema.cols) {
        ir_buf_puts(b, ", \"columns\": [");
        for (int i = 0; i < t->schema.n; i++) {
            const ir_column *c = &t->schema.cols[i];
            char tb[32];
            ir_buf_puts(b, i ? ",\n      {\"name\": " : "\n      {\"name\": ");
            je_str(cx, c->name.s, c->name.span);
            ir_buf_printf(b, ", \"type\": \"%s\"%s%s", ir_type_text(c->ty.type, c->ty.prec, c->ty.scale, tb),
                          c->ty.nullable ? ", \"nullable\": true" : "", c->ty.unique ? ", \"unique\": true" : "");
            if (c->ty.order != IR_ORDER_NONE)
                ir_buf_printf(b, ", \"order\": \"%s\"", c->ty.order == IR_ORDER_DESC ? "desc" : "asc");
            ir_buf_puts(b, "}");
        }
        ir_buf_puts(b, "\n    ]");
    }
    ir_buf_puts(b, "}");
}

static void je_pipeline(je_ctx *cx, const ir_pipeline *pl)
{
    ir_buf *b = &cx->b;
    ir_buf_printf(b, "{\"name\": \"%s\", \"statements\": [", pl->name.s);
    for (int i = 0; i < pl->n; i++) {
        const ir_stmt *s = pl->stmts[i];
        ir_buf_printf(b, "%s\n      {\"target\": \"%s\", \"op\": \"%s\", \"args\": {", i ? "," : "", s->target.s,
                      s->op.s);
        for (int k = 0; k < s->nargs; k++) {
            je_unique(cx, s, &s->args[k].name, "argument");
            ir_buf_printf(b, "%s\n        \"%s\": ", k ? "," : "", s->args[k].name.s);
            je_val(cx, s->args[k].val);
        }
        ir_buf_puts(b, s->nargs ? "\n      }}" : "}}");
    }
    ir_buf_puts(b, pl->n ? "\n    ]}" : "]}");
}

/* "key": [ items ], one item per line, each written by item(cx, i). */
static void je_section(je_ctx *cx, const char *key, int n, bool *first, void (*item)(je_ctx *, const ir_program *, int),
                       const ir_program *p)
{
    if (!n)
        return;
    ir_buf_printf(&cx->b, "%s\n  \"%s\": [", *first ? "" : ",", key);
    *first = false;
    for (int i = 0; i < n; i++) {
        ir_buf_puts(&cx->b, i ? ",\n    " : "\n    ");
        item(cx, p, i);
    }
    ir_buf_puts(&cx->b, "\n  ]");
}

static void je_table_i(je_ctx *cx, const ir_program *p, int i)
{
    je_table(cx, p->tables[i]);
}

static void je_param_i(je_ctx *cx, const ir_program *p, int i)
{
    const ir_param *prm = p->params[i];
    char tb[32];
    ir_buf_printf(&cx->b, "{\"name\": \"%s\", \"type\": \"%s\"%s}", prm->name.s, ir_type_text(prm->ty.type, prm->ty.prec, prm->ty.scale, tb),
                  prm->ty.nullable ? ", \"nullable\": true" : "");
}

static void je_pipeline_i(je_ctx *cx, const ir_program *p, int i)
{
    je_pipeline(cx, p->pipelines[i]);
}

static void je_output_i(je_ctx *cx, const ir_program *p, int i)
{
    const ir_output *o = &p->outputs[i];
    ir_buf_puts(&cx->b, "{\"ref\": \"");
    for (int k = 0; k < o->what->u.path.nparts; k++)
        ir_buf_printf(&cx->b, "%s%s", k ? "." : "", o->what->u.path.parts[k].s);
    ir_buf_puts(&cx->b, "\"");
    if (o->alias.s) {
        ir_buf_puts(&cx->b, ", \"as\": ");
        je_str(cx, o->alias.s, o->alias.span);
    }
    ir_buf_puts(&cx->b, "}");
}

const char *ir_program_json(ir_arena *a, ir_diags *d, const ir_program *p)
{
    je_ctx cx = {.d = d};
    ir_map_init(&cx.seen, a);
    size_t errors = d->nerrors;
    bool first = true;
    ir_buf_puts(&cx.b, "{");
    je_section(&cx, "tables", p->ntables, &first, je_table_i, p);
    je_section(&cx, "params", p->nparams, &first, je_param_i, p);
    je_section(&cx, "pipelines", p->npipelines, &first, je_pipeline_i, p);
    je_section(&cx, "outputs", p->noutputs, &first, je_output_i, p);
    ir_buf_puts(&cx.b, first ? "}\n" : "\n}\n");
    const char *out = ir_buf_finish(&cx.b, a);
    if (!out)
        a->nomem = true;
    return d->nerrors == errors ? out : NULL;
}
