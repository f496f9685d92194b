/*
** json.c — fe_parse_json: a program's JSON form (docs/EMBEDDING.md, "Plans
** as JSON"), read with jansson into the tree the .tir grammar builds, node
** for node, so that the checker and everything after it cannot tell the two
** apart. A node's span is its number in the program's table of JSON paths
** (diag.h): every message, the checker's and the run's included, names the
** JSON path of its node instead of a line and column.
*/
#define _GNU_SOURCE   /* strtod_l: a {"number"} must not depend on the host's locale */
#include "fe.h"
#include "decimal.h"
#include "timestamp.h"

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct fj_ctx {
    fe_ctx fe;                /* the arena, the diagnostics and the out-of-memory exit */
    ir_jpaths *paths;
    uint32_t cap;
} fj_ctx;

/* The node key (or index, when key is NULL) of parent; key must live as
** long as the program. */
static ir_span fj_node(fj_ctx *cx, ir_span parent, const char *key, int index)
{
    ir_jpaths *p = cx->paths;
    if (p->n == cx->cap) {
        uint32_t cap = cx->cap ? 2 * cx->cap : 256;
        ir_jnode *v = fe_alloc(&cx->fe, (size_t)cap * sizeof *v);
        if (p->n)
            memcpy(v, p->v, (size_t)p->n * sizeof *v);
        p->v = v;
        cx->cap = cap;
    }
    p->v[p->n] = (ir_jnode){parent.off, key ? -1 : index, key};
    return (ir_span){p->n++, 1};
}

static const char *fj_strdup(fj_ctx *cx, const char *s, size_t len)
{
    char *c = ir_strndup(cx->fe.a, s, len);
    if (!c)
        longjmp(*cx->fe.nomem, 1);
    return c;
}

static const char *fj_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static void fj_want(fj_ctx *cx, const json_t *j, ir_span at, const char *want)
{
    ir_error(cx->fe.d, at, "expected %s, found %s", want, fj_kind(j));
}

/* words (NULL-terminated) as "a, b, c", for a message. */
static const char *fj_list(fj_ctx *cx, const char *const *words)
{
    ir_buf b = {0};
    for (int i = 0; words[i]; i++)
        ir_buf_printf(&b, "%s%s", i ? ", " : "", words[i]);
    const char *list = ir_buf_finish(&b, cx->fe.a);
    return list ? list : "";
}

/* Checks that o is an object whose members are all among keys
** (NULL-terminated); a member of another name is reported at its path. */
static bool fj_object(fj_ctx *cx, json_t *o, ir_span at, const char *what, const char *const *keys)
{
    if (!json_is_object(o)) {
        ir_error(cx->fe.d, at, "%s is an object, found %s", what, fj_kind(o));
        return false;
    }
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int i = 0;
        while (keys[i] && strcmp(keys[i], k))
            i++;
        if (keys[i])
            continue;
        ir_error(cx->fe.d, fj_node(cx, at, fj_strdup(cx, k, strlen(k)), 0), "unknown field '%s' in %s (expected %s)",
                 k, what, fj_list(cx, keys));
    }
    return true;
}

/* Member key of object o and its node *at; NULL when absent, which is an
** error (at o) when what names o: the member is required. */
static json_t *fj_get(fj_ctx *cx, json_t *o, ir_span parent, const char *key, const char *what, ir_span *at)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (what)
            ir_error(cx->fe.d, parent, "%s lacks its field '%s'", what, key);
        return NULL;
    }
    *at = fj_node(cx, parent, key, 0);
    return v;
}

static const char *fj_string(fj_ctx *cx, json_t *j, ir_span at)
{
    if (!json_is_string(j)) {
        fj_want(cx, j, at, "a string");
        return NULL;
    }
    return fj_strdup(cx, json_string_value(j), json_string_length(j));
}

static bool fj_is_ident(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* A name the text form writes bare: letters, digits and '_'. */
static ir_name fj_ident(fj_ctx *cx, json_t *j, ir_span at)
{
    const char *s = fj_string(cx, j, at);
    if (s && !fj_is_ident(s))
        ir_error(cx->fe.d, at, "'%s' is not a name (letters, digits and _, not starting with a digit)", s);
    return (ir_name){s ? s : "", at};
}

/* Words that start an expression or an item in the text form, so that a
** name spelled so cannot be written where one does (a call true(1), a
** reference date.x, a source argument case = 1; a table or pipeline
** output): the JSON form refuses them there, to stay one-to-one. */
static const char *const expr_words[] = {"true", "false", "null", "date", "timestamp", "interval", "case", "cast", "extract", NULL};
static const char *const item_words[] = {"output", NULL};

static void fj_unwritable(fj_ctx *cx, const ir_name *n, const char *const *words, const char *where)
{
    for (int i = 0; words[i]; i++)
        if (!strcmp(n->s, words[i]))
            ir_error(cx->fe.d, n->span, "'%s' cannot be %s: the text form reads it as a keyword there", n->s, where);
}

/* The required name member key of o. */
static ir_name fj_ident_member(fj_ctx *cx, json_t *o, ir_span parent, const char *key, const char *what)
{
    ir_span at;
    json_t *v = fj_get(cx, o, parent, key, what, &at);
    return v ? fj_ident(cx, v, at) : (ir_name){"", parent};
}

/* One of words (NULL-terminated): its index, or -1 (reported). */
static int fj_word(fj_ctx *cx, json_t *j, ir_span at, const char *const *words)
{
    const char *s = fj_string(cx, j, at);
    if (!s)
        return -1;
    for (int i = 0; words[i]; i++)
        if (!strcmp(s, words[i]))
            return i;
    ir_error(cx->fe.d, at, "unknown value '%s' (expected %s)", s, fj_list(cx, words));
    return -1;
}

static bool fj_bool_member(fj_ctx *cx, json_t *o, ir_span parent, const char *key)
{
    ir_span at;
    json_t *v = fj_get(cx, o, parent, key, NULL, &at);
    if (v && !json_is_boolean(v))
        fj_want(cx, v, at, "a boolean");
    return v && json_is_true(v);
}

/* A type's name; a decimal is written "decimal(15,2)" as in the text form. */
static ir_coltype fj_type(fj_ctx *cx, json_t *j, ir_span at)
{
    static const char *const names[] = {"bool", "i32", "i64", "f64", "string", "date", "decimal", "timestamp", "interval", NULL};
    ir_coltype ty = {.type = TIR_I64};
    const char *s = json_is_string(j) ? json_string_value(j) : NULL;
    long p, sc;
    int used = 0;
    if (s && sscanf(s, "decimal(%ld,%ld)%n", &p, &sc, &used) == 2 && !s[used]) {
        const char *bad = vm_dec_check(p, sc);
        if (bad) {
            ir_error(cx->fe.d, at, "%s (in %s)", bad, s);
            return ty;
        }
        return (ir_coltype){.type = VM_DEC_TYPE(p), .prec = (uint8_t)p, .scale = (uint8_t)sc};
    }
    int t = fj_word(cx, j, at, names);
    if (t == 8)   /* the words skip TIR_DECIMAL128, written decimal(p,s) */
        return (ir_coltype){.type = TIR_INTERVAL};
    if (t == TIR_DECIMAL)   /* the bare word, as in the text form */
        return (ir_coltype){.type = TIR_DECIMAL, .prec = 18, .scale = 3};
    ty.type = t < 0 ? TIR_I64 : (tir_type)t;
    return ty;
}

static json_t *fj_array(fj_ctx *cx, json_t *j, ir_span at)
{
    if (json_is_array(j))
        return j;
    fj_want(cx, j, at, "an array");
    return NULL;
}

/* ---------------------------------------------------------- expressions */

static ir_expr *fj_expr(fj_ctx *cx, json_t *j, ir_span at, int depth);

static ir_expr *fj_new(fj_ctx *cx, ir_expr_kind kind, ir_span at)
{
    ir_expr *e = fe_alloc(&cx->fe, sizeof *e);
    e->kind = kind;
    e->span = at;
    return e;
}

/* The items of array member key as expressions; *n = -1 when it is absent or not an array. */
static ir_expr **fj_exprs(fj_ctx *cx, json_t *o, ir_span parent, const char *key, int depth, int *n)
{
    ir_span at;
    json_t *a = fj_get(cx, o, parent, key, NULL, &at);
    *n = -1;
    if (!a || !fj_array(cx, a, at))
        return NULL;
    ir_expr **v = NULL;
    size_t i;
    json_t *item;
    json_array_foreach(a, i, item) {
        ir_expr *e = fj_expr(cx, item, fj_node(cx, at, NULL, (int)i), depth + 1);
        v = fe_push(&cx->fe, v, (int)i, &e, sizeof e);
    }
    *n = (int)json_array_size(a);
    return v;
}

static ir_expr *fj_literal(fj_ctx *cx, json_t *j, ir_span at)
{
    ir_expr *e = fj_new(cx, IR_E_LIT, at);
    ir_lit *l = &e->u.lit;
    switch (json_typeof(j)) {
    case JSON_INTEGER:
        l->type = TIR_I64;
        l->i = json_integer_value(j);
        if (l->i < -INT64_MAX) {   /* the text form cannot write it either */
            ir_error(cx->fe.d, at, "integer literal out of range (the smallest is %lld)", (long long)-INT64_MAX);
            l->i = 0;
        }
        break;
    case JSON_REAL: {
        l->type = TIR_F64;
        l->f = json_real_value(j);
        /* of 16 or 17 digits, the text form writes its digits and reads
        ** them back as a long number's: so does the JSON form (it is one) */
        char t[48];
        ir_double_text(fabs(l->f), t);
        ir_lit digits = {.type = TIR_F64, .s = t, .slen = (uint32_t)strlen(t)};
        if (ir_lit_long_text(&digits)) {
            l->s = fj_strdup(cx, t, digits.slen);
            l->slen = digits.slen;
        }
        break;
    }
    case JSON_STRING:
        l->type = TIR_STRING;
        l->s = fj_strdup(cx, json_string_value(j), json_string_length(j));
        l->slen = (uint32_t)json_string_length(j);
        break;
    case JSON_TRUE: case JSON_FALSE:
        l->type = TIR_BOOL;
        l->i = json_is_true(j);
        break;
    default:
        l->type = TIR_I64;   /* as the grammar's null: the checker types it by use */
        l->is_null = true;
    }
    return e;
}

static const char *const binary_ops[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", NULL};
static const ir_op binary_codes[] = {IR_ADD, IR_SUB, IR_MUL, IR_DIV, IR_MOD, IR_EQ, IR_NE,
                                     IR_LT, IR_LE, IR_GT, IR_GE, IR_AND, IR_OR};

static bool fj_nargs(fj_ctx *cx, json_t *o, ir_span at, const char *op, int n, int lo, int hi)
{
    if (n >= lo && n <= hi)
        return true;
    ir_span where = at;
    if (json_object_get(o, "args"))
        where = fj_node(cx, at, "args", 0);
    if (lo == hi)
        ir_error(cx->fe.d, where, "'%s' takes %d argument%s, found %d", op, lo, lo == 1 ? "" : "s", n < 0 ? 0 : n);
    else if (hi == INT32_MAX)
        ir_error(cx->fe.d, where, "'%s' takes at least %d arguments, found %d", op, lo, n < 0 ? 0 : n);
    else
        ir_error(cx->fe.d, where, "'%s' takes %d to %d arguments, found %d", op, lo, hi, n < 0 ? 0 : n);
    return false;
}

/* {"op": ...}: operators, like, in, is null, cast and case. */
static ir_expr *fj_op(fj_ctx *cx, json_t *o, ir_span at, int depth)
{
    static const char *const plain[] = {"op", "args", NULL};
    static const char *const negatable[] = {"op", "args", "not", NULL};
    static const char *const cast[] = {"op", "args", "type", NULL};
    static const char *const cas[] = {"op", "when", "then", "else", NULL};
    ir_span opat = fj_node(cx, at, "op", 0);
    const char *op = fj_string(cx, json_object_get(o, "op"), opat);
    if (!op)
        return fj_literal(cx, json_null(), at);
    int n, b = 0;
    while (binary_ops[b] && strcmp(binary_ops[b], op))
        b++;
    bool unary = !strcmp(op, "!") || !strcmp(op, "-");
    bool like = !strcmp(op, "like") || !strcmp(op, "ilike");
    bool in = !strcmp(op, "in"), isnull = !strcmp(op, "is null");
    ir_expr *e;
    if (!strcmp(op, "case")) {
        fj_object(cx, o, at, "a case", cas);
        e = fj_new(cx, IR_E_CASE, at);
        int nt;
        e->u.cas.whens = fj_exprs(cx, o, at, "when", depth, &n);
        e->u.cas.thens = fj_exprs(cx, o, at, "then", depth, &nt);
        if (n < 1 || n != nt)
            ir_error(cx->fe.d, at, "a case needs arrays 'when' and 'then' of the same length, at least 1");
        e->u.cas.n = n < nt ? n : nt;
        if (e->u.cas.n < 0)
            e->u.cas.n = 0;
        ir_span els;
        json_t *x = fj_get(cx, o, at, "else", NULL, &els);
        if (x)
            e->u.cas.els = fj_expr(cx, x, els, depth + 1);
        return e;
    }
    if (!strcmp(op, "cast")) {
        fj_object(cx, o, at, "a cast", cast);
        e = fj_new(cx, IR_E_CAST, at);
        ir_expr **args = fj_exprs(cx, o, at, "args", depth, &n);
        ir_span ty;
        json_t *t = fj_get(cx, o, at, "type", "a cast", &ty);
        ir_coltype to = t ? fj_type(cx, t, ty) : (ir_coltype){.type = TIR_I64};
        e->u.cast.to = to.type;
        e->u.cast.to_prec = to.prec;
        e->u.cast.to_scale = to.scale;
        e->u.cast.to_span = t ? ty : at;
        if (!fj_nargs(cx, o, at, op, n, 1, 1))
            return fj_literal(cx, json_null(), at);
        e->u.cast.a = args[0];
        return e;
    }
    if (!binary_ops[b] && !unary && !like && !in && !isnull) {
        ir_error(cx->fe.d, opat, "unknown operator '%s' (expected + - * / %% == != < <= > >= && || ! like ilike in "
                 "'is null' cast case)", op);
        return fj_literal(cx, json_null(), at);
    }
    fj_object(cx, o, at, "an operator", like || in || isnull ? negatable : plain);
    ir_expr **args = fj_exprs(cx, o, at, "args", depth, &n);
    bool negated = fj_bool_member(cx, o, at, "not");
    if (like) {
        if (!fj_nargs(cx, o, at, op, n, 2, 3))
            return fj_literal(cx, json_null(), at);
        e = fj_new(cx, IR_E_LIKE, at);
        e->u.like.a = args[0];
        e->u.like.pattern = args[1];
        e->u.like.escape = n == 3 ? args[2] : NULL;
        e->u.like.negated = negated;
        e->u.like.ci = op[0] == 'i';
    } else if (in) {
        if (!fj_nargs(cx, o, at, op, n, 2, INT32_MAX))
            return fj_literal(cx, json_null(), at);
        e = fj_new(cx, IR_E_IN, at);
        e->u.in.a = args[0];
        e->u.in.items = args + 1;
        e->u.in.nitems = n - 1;
        e->u.in.negated = negated;
    } else if (isnull) {
        if (!fj_nargs(cx, o, at, op, n, 1, 1))
            return fj_literal(cx, json_null(), at);
        e = fj_new(cx, IR_E_ISNULL, at);
        e->u.isnull.a = args[0];
        e->u.isnull.negated = negated;
    } else if (unary && (op[0] == '!' || n == 1)) {
        if (!fj_nargs(cx, o, at, op, n, 1, 1))
            return fj_literal(cx, json_null(), at);
        ir_expr *a = args[0];
        /* as the grammar does: a minus before a number makes a negative literal */
        if (op[0] == '-' && a->kind == IR_E_LIT && !a->u.lit.is_null &&
            (a->u.lit.type == TIR_I64 || a->u.lit.type == TIR_F64)) {
            if (a->u.lit.type == TIR_I64)
                a->u.lit.i = -a->u.lit.i;
            else
                a->u.lit.f = -a->u.lit.f;
            a->span = at;
            return a;
        }
        e = fj_new(cx, IR_E_UNARY, at);
        e->u.op.op = op[0] == '!' ? IR_NOT : IR_NEG;
        e->u.op.a = a;
    } else {
        if (!fj_nargs(cx, o, at, op, n, 2, 2))
            return fj_literal(cx, json_null(), at);
        e = fj_new(cx, IR_E_BINARY, at);
        e->u.op.op = binary_codes[b];
        e->u.op.a = args[0];
        e->u.op.b = args[1];
    }
    return e;
}

/* {"col": "x", "of": "in"}: $in.x */
static ir_expr *fj_col(fj_ctx *cx, json_t *o, ir_span at)
{
    static const char *const keys[] = {"col", "of", NULL};
    static const char *const rows[] = {"in", "ht", "right", NULL};
    static const char *const quals[] = {"$in", "$ht", "$right"};
    fj_object(cx, o, at, "a column", keys);
    ir_expr *e = fj_new(cx, IR_E_COL, at);
    e->u.col.name = fj_ident_member(cx, o, at, "col", "a column");
    ir_span of;
    json_t *q = fj_get(cx, o, at, "of", "a column", &of);
    int r = q ? fj_word(cx, q, of, rows) : -1;
    e->u.col.qual = (ir_name){quals[r < 0 ? 0 : r], q ? of : at};
    return e;
}

/* {"ref": "pipeline.value.field"}: a name of one to three parts. */
static ir_expr *fj_ref(fj_ctx *cx, json_t *o, ir_span at)
{
    ir_expr *e = fj_new(cx, IR_E_PATH, at);
    ir_span rat = fj_node(cx, at, "ref", 0);
    const char *s = fj_string(cx, json_object_get(o, "ref"), rat);
    if (!s)
        return e;
    for (const char *p = s;; p++) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        const char *part = fj_strdup(cx, p, len);
        if (!fj_is_ident(part) || e->u.path.nparts == 3) {
            ir_error(cx->fe.d, rat, "'%s' is not a name of 1 to 3 parts (like pipeline.value.field)", s);
            return e;
        }
        e->u.path.parts[e->u.path.nparts++] = (ir_name){part, rat};
        if (e->u.path.nparts == 1)
            fj_unwritable(cx, &e->u.path.parts[0], expr_words, "the first name of a reference");
        if (!dot)
            return e;
        p = dot;
    }
}

/* {"call": "f", "args": [..]}; {"call": "count", "star": true}: count(*);
** {"call": "count", "args": [x], "distinct": true}: count(distinct x);
** {"call": "string_agg", "args": [x, sep], "distinct": true} */
static ir_expr *fj_call(fj_ctx *cx, json_t *o, ir_span at, int depth)
{
    static const char *const keys[] = {"call", "args", "star", "distinct", NULL};
    fj_object(cx, o, at, "a call", keys);
    ir_expr *e = fj_new(cx, IR_E_CALL, at);
    e->u.call.fn = fj_ident_member(cx, o, at, "call", "a call");
    fj_unwritable(cx, &e->u.call.fn, expr_words, "the name of a function");
    int n;
    e->u.call.args = fj_exprs(cx, o, at, "args", depth, &n);
    e->u.call.nargs = n < 0 ? 0 : n;
    if (fj_bool_member(cx, o, at, "star")) {
        if (n >= 0)
            ir_error(cx->fe.d, fj_node(cx, at, "args", 0), "a call with \"star\" takes no 'args'");
        ir_expr *star = fj_new(cx, IR_E_STAR, fj_node(cx, at, "star", 0));
        e->u.call.args = fe_push(&cx->fe, NULL, 0, &star, sizeof star);
        e->u.call.nargs = 1;
    }
    if (fj_bool_member(cx, o, at, "distinct")) {
        e->u.call.distinct = true;
        if (n < 1 || e->u.call.args[0]->kind == IR_E_STAR)
            ir_error(cx->fe.d, fj_node(cx, at, "distinct", 0),
                     "a call with \"distinct\" takes its argument first in 'args'");
    }
    return e;
}

static ir_expr *fj_expr(fj_ctx *cx, json_t *j, ir_span at, int depth)
{
    if (depth > FE_MAX_EXPR_DEPTH) {
        if (!cx->fe.too_deep)
            ir_error(cx->fe.d, at, "expression nested too deeply (more than %d levels)", FE_MAX_EXPR_DEPTH);
        cx->fe.too_deep = true;
        return fj_literal(cx, json_null(), at);
    }
    if (json_is_array(j)) {
        fj_want(cx, j, at, "an expression");
        return fj_literal(cx, json_null(), at);
    }
    if (!json_is_object(j))
        return fj_literal(cx, j, at);
    if (json_object_get(j, "op"))
        return fj_op(cx, j, at, depth);
    if (json_object_get(j, "call"))
        return fj_call(cx, j, at, depth);
    if (json_object_get(j, "col"))
        return fj_col(cx, j, at);
    static const char *const ref[] = {"ref", NULL}, *const param[] = {"param", NULL}, *const date[] = {"date", NULL},
                      *const timestamp[] = {"timestamp", NULL}, *const interval[] = {"interval", NULL};
    if (json_object_get(j, "ref")) {
        fj_object(cx, j, at, "a reference", ref);
        return fj_ref(cx, j, at);
    }
    if (json_object_get(j, "param")) {
        fj_object(cx, j, at, "a parameter", param);
        ir_expr *e = fj_new(cx, IR_E_PARAM, at);
        e->u.param.name = fj_ident_member(cx, j, at, "param", "a parameter");
        e->u.param.index = -1;
        return e;
    }
    /* {"number": "-12345678901234567890.25"}: a number literal of all those digits, which a
    ** JSON number read as a double would not keep (a decimal beside it takes them) */
    static const char *const number[] = {"number", NULL};
    if (json_object_get(j, "number")) {
        fj_object(cx, j, at, "a number", number);
        ir_expr *e = fj_new(cx, IR_E_LIT, at);
        ir_span v = fj_node(cx, at, "number", 0);
        const char *s = fj_string(cx, json_object_get(j, "number"), v);
        size_t n = s ? strlen(s) : 0, neg = n && s[0] == '-', digits = 0, points = 0;
        for (size_t k = neg; k < n; k++)
            digits += s[k] >= '0' && s[k] <= '9', points += s[k] == '.';
        e->u.lit.type = TIR_F64;
        const char *point = s ? strchr(s, '.') : NULL;   /* the text form's digits on both sides */
        bool bare = point && (point == s + neg || point[1] == '\0');
        if (!s || digits == 0 || points > 1 || digits + points + neg != n || bare) {
            if (s)
                ir_error(cx->fe.d, v, "invalid number \"%s\" (expected digits, a point and digits)", s);
            return e;
        }
        locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);   /* as fe_float reads one */
        e->u.lit.f = c ? strtod_l(s, NULL, c) : strtod(s, NULL);
        if (c)
            freelocale(c);
        /* the text form writes a long number as its digits, and digits without a point
        ** read back as an integer (out of range, or of another type): keep one */
        if (!points) {
            char *dot = ir_alloc(cx->fe.a, n + 3);
            if (!dot)
                longjmp(*cx->fe.nomem, 1);
            memcpy(dot, s, n);
            memcpy(dot + n, ".0", 3);
            s = dot;
            n += 2;
        }
        e->u.lit.s = s + neg;
        e->u.lit.slen = (uint32_t)(n - neg);
        if (neg && e->u.lit.f == 0)
            e->u.lit.f = -0.0;
        return e;
    }
    /* {"date": "YYYY-MM-DD"}, {"timestamp": "..."}: the text form's date "...", timestamp "..." */
    static const struct { const char *key, *what; const char *const *fields; tir_type t; } typed[] = {
        {"date", "a date", date, TIR_DATE}, {"timestamp", "a timestamp", timestamp, TIR_TIMESTAMP},
        {"interval", "an interval", interval, IR_INTERVAL}};
    for (size_t k = 0; k < sizeof typed / sizeof typed[0]; k++) {
        if (!json_object_get(j, typed[k].key))
            continue;
        fj_object(cx, j, at, typed[k].what, typed[k].fields);
        ir_expr *e = fj_new(cx, IR_E_LIT, at);
        ir_span v = fj_node(cx, at, typed[k].key, 0);
        const char *s = fj_string(cx, json_object_get(j, typed[k].key), v);
        const char *expected = s ? fe_typed_lit(typed[k].t, s, strlen(s), &e->u.lit) : NULL;
        if (expected)
            ir_error(cx->fe.d, v, "invalid %s \"%s\" (expected %s)", typed[k].key, s, expected);
        e->u.lit.type = typed[k].t;
        return e;
    }
    ir_error(cx->fe.d, at, "an expression object has one of the fields op, call, col, ref, param, date, timestamp, interval, number");
    return fj_literal(cx, json_null(), at);
}

/* ------------------------------------------------------ operator arguments */

static ir_bound fj_bound(fj_ctx *cx, json_t *j, ir_span at)
{
    static const char *const words[] = {"unbounded preceding", "current row", "unbounded following", NULL};
    static const ir_boundkind kinds[] = {IR_B_UNBOUNDED_PRECEDING, IR_B_CURRENT, IR_B_UNBOUNDED_FOLLOWING};
    static const char *const keys[] = {"preceding", "following", NULL};
    ir_bound b = {IR_B_CURRENT, 0, at};
    if (json_is_string(j)) {
        int w = fj_word(cx, j, at, words);
        b.kind = w < 0 ? IR_B_CURRENT : kinds[w];
        return b;
    }
    if (!fj_object(cx, j, at, "a frame bound (unless a string such as \"current row\")", keys))
        return b;
    bool pre = json_object_get(j, "preceding") != NULL;
    ir_span nat;
    json_t *n = fj_get(cx, j, at, pre ? "preceding" : "following", "a frame bound", &nat);
    if (!n)
        return b;
    b.kind = pre ? IR_B_PRECEDING : IR_B_FOLLOWING;
    if (!json_is_integer(n) || json_integer_value(n) < 0)
        fj_want(cx, n, nat, "a row count (an integer >= 0)");
    else if (json_integer_value(n) > INT64_MAX / 2)
        ir_error(cx->fe.d, nat, "frame offset %lld is too large", (long long)json_integer_value(n));
    else
        b.n = json_integer_value(n);
    return b;
}

static ir_frame *fj_frame(fj_ctx *cx, json_t *j, ir_span at)
{
    static const char *const keys[] = {"unit", "from", "to", NULL};
    static const char *const units[] = {"rows", "range", NULL};
    ir_frame *f = fe_alloc(&cx->fe, sizeof *f);
    f->span = at;
    f->lo = f->hi = (ir_bound){IR_B_CURRENT, 0, at};
    if (!fj_object(cx, j, at, "a frame", keys))
        return f;
    ir_span u, lo, hi;
    json_t *x = fj_get(cx, j, at, "unit", "a frame", &u);
    f->range = x && fj_word(cx, x, u, units) == 1;
    if ((x = fj_get(cx, j, at, "from", "a frame", &lo)))
        f->lo = fj_bound(cx, x, lo);
    if ((x = fj_get(cx, j, at, "to", NULL, &hi)))   /* `rows 3 preceding` ends at the current row */
        f->hi = fj_bound(cx, x, hi);
    return f;
}

static ir_val *fj_val(fj_ctx *cx, json_t *j, ir_span at);

static ir_val *fj_val_expr(fj_ctx *cx, ir_expr *e, ir_span at)
{
    ir_val *v = fe_alloc(&cx->fe, sizeof *v);
    v->kind = IR_V_EXPR;
    v->span = at;
    v->expr = e;
    return v;
}

/* {"value": e, "order": "desc", "nulls": "first"} or {"value": e, "frame": {..}} */
static ir_val *fj_val_wrapped(fj_ctx *cx, json_t *o, ir_span at)
{
    static const char *const keys[] = {"value", "order", "nulls", "frame", NULL};
    static const char *const orders[] = {"asc", "desc", NULL}, *const nulls[] = {"first", "last", NULL};
    fj_object(cx, o, at, "a value", keys);
    ir_span x;
    ir_val *v = fj_val_expr(cx, fj_expr(cx, json_object_get(o, "value"), fj_node(cx, at, "value", 0), 1), at);
    json_t *m = fj_get(cx, o, at, "order", NULL, &x);
    int w;
    if (m && (w = fj_word(cx, m, x, orders)) >= 0)
        v->dir = w ? IR_ORDER_DESC : IR_ORDER_ASC;
    if ((m = fj_get(cx, o, at, "nulls", NULL, &x)) && (w = fj_word(cx, m, x, nulls)) >= 0)
        v->nulls = w ? IR_NULLS_LAST : IR_NULLS_FIRST;
    if (json_object_get(o, "order") || json_object_get(o, "nulls"))
        v->ord_span = at;
    if ((m = fj_get(cx, o, at, "frame", NULL, &x))) {
        if (v->ord_span.len)
            ir_error(cx->fe.d, x, "a value has an order or a frame, not both");
        v->frame = fj_frame(cx, m, x);
    }
    return v;
}

static ir_val *fj_map(fj_ctx *cx, json_t *o, ir_span at)
{
    static const char *const keys[] = {"map", NULL};
    fj_object(cx, o, at, "a map", keys);
    ir_val *v = fe_alloc(&cx->fe, sizeof *v);
    v->kind = IR_V_MAP;
    v->span = at;
    ir_span mat = fj_node(cx, at, "map", 0);
    json_t *m = json_object_get(o, "map");
    if (!json_is_object(m)) {
        fj_want(cx, m, mat, "an object");
        return v;
    }
    const char *k;
    json_t *x;
    json_object_foreach(m, k, x) {
        const char *key = fj_strdup(cx, k, strlen(k));
        ir_span kat = fj_node(cx, mat, key, 0);
        ir_mapent ent = {{key, kat}, fj_val(cx, x, kat)};
        v->ents = fe_push(&cx->fe, v->ents, v->n++, &ent, sizeof ent);
    }
    fe_check_items(&cx->fe, at, v->n, "a map");
    return v;
}

static ir_val *fj_val(fj_ctx *cx, json_t *j, ir_span at)
{
    if (json_is_array(j)) {
        ir_val *v = fe_alloc(&cx->fe, sizeof *v);
        v->kind = IR_V_LIST;
        v->span = at;
        size_t i;
        json_t *item;
        json_array_foreach(j, i, item) {
            ir_val *x = fj_val(cx, item, fj_node(cx, at, NULL, (int)i));
            v->items = fe_push(&cx->fe, v->items, v->n++, &x, sizeof x);
        }
        fe_check_items(&cx->fe, at, v->n, "a list");
        return v;
    }
    if (json_is_object(j) && json_object_get(j, "map"))
        return fj_map(cx, j, at);
    if (json_is_object(j) && json_object_get(j, "value"))
        return fj_val_wrapped(cx, j, at);
    return fj_val_expr(cx, fj_expr(cx, j, at, 1), at);
}

/* ------------------------------------------------------------ items */

typedef void fj_item(fj_ctx *cx, void *owner, json_t *j, ir_span at);

/* item(cx, owner, element, its node) for each element of the array member
** key of o; what names o when the member is required, else NULL. */
static void fj_each(fj_ctx *cx, json_t *o, ir_span parent, const char *key, const char *what, void *owner,
                    fj_item *item)
{
    ir_span at;
    json_t *a = fj_get(cx, o, parent, key, what, &at);
    if (!a || !fj_array(cx, a, at))
        return;
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
        item(cx, owner, x, fj_node(cx, at, NULL, (int)i));
}

/* {"value": e} or {"name": "header", "value": e}: read_csv("f.csv", header = e) */
static void fj_srcarg(fj_ctx *cx, void *owner, json_t *o, ir_span at)
{
    static const char *const keys[] = {"name", "value", NULL};
    ir_table *t = owner;
    ir_span vat;
    if (!fj_object(cx, o, at, "a source argument", keys))
        return;
    ir_arg sa = {{NULL, at}, NULL};
    if (json_object_get(o, "name")) {
        sa.name = fj_ident_member(cx, o, at, "name", "a source argument");
        fj_unwritable(cx, &sa.name, expr_words, "the name of a source argument");
    }
    json_t *v = fj_get(cx, o, at, "value", "a source argument", &vat);
    if (!v)
        return;
    sa.val = fj_val_expr(cx, fj_expr(cx, v, vat, 1), vat);
    t->args = fe_push(&cx->fe, t->args, t->nargs++, &sa, sizeof sa);
}

static void fj_column(fj_ctx *cx, void *owner, json_t *o, ir_span at)
{
    static const char *const keys[] = {"name", "type", "nullable", "unique", "order", NULL};
    static const char *const orders[] = {"asc", "desc", NULL};
    ir_table *t = owner;
    if (!fj_object(cx, o, at, "a column", keys))
        return;
    ir_column col = {.span = at};
    ir_span f;
    json_t *n = fj_get(cx, o, at, "name", "a column", &f);
    const char *s = n ? fj_string(cx, n, f) : NULL;
    col.name = (ir_name){s ? s : "", n ? f : at};
    json_t *ty = fj_get(cx, o, at, "type", "a column", &f);
    col.ty = ty ? fj_type(cx, ty, f) : (ir_coltype){.type = TIR_I64};
    col.ty.nullable = fj_bool_member(cx, o, at, "nullable");
    col.ty.unique = fj_bool_member(cx, o, at, "unique");
    json_t *ord = fj_get(cx, o, at, "order", NULL, &f);
    int w = ord ? fj_word(cx, ord, f, orders) : -1;
    col.ty.order = w < 0 ? IR_ORDER_NONE : w ? IR_ORDER_DESC : IR_ORDER_ASC;
    t->schema.cols = fe_push(&cx->fe, t->schema.cols, t->schema.n++, &col, sizeof col);
}

static void fj_table(fj_ctx *cx, void *owner, json_t *o, ir_span at)
{
    static const char *const keys[] = {"name", "source", "args", "columns", NULL};
    ir_program *p = owner;
    if (!fj_object(cx, o, at, "a table", keys))
        return;
    ir_table *t = fe_alloc(&cx->fe, sizeof *t);
    t->span = at;
    t->name = fj_ident_member(cx, o, at, "name", "a table");
    fj_unwritable(cx, &t->name, item_words, "the name of a table");
    t->source = fj_ident_member(cx, o, at, "source", "a table");
    fj_each(cx, o, at, "args", NULL, t, fj_srcarg);
    json_t *cols = json_object_get(o, "columns");
    fj_each(cx, o, at, "columns", NULL, t, fj_column);
    if (json_is_array(cols) && json_array_size(cols) == 0)   /* the text form has no empty column block */
        ir_error(cx->fe.d, fj_node(cx, at, "columns", 0), "a table's 'columns' has at least one column (leave it "
                 "out for none)");
    p->tables = fe_push(&cx->fe, p->tables, p->ntables++, &t, sizeof t);
}

static void fj_param(fj_ctx *cx, void *owner, json_t *o, ir_span at)
{
    static const char *const keys[] = {"name", "type", "nullable", NULL};
    ir_program *p = owner;
    if (!fj_object(cx, o, at, "a parameter", keys))
        return;
    ir_param *prm = fe_alloc(&cx->fe, sizeof *prm);
    prm->span = at;
    prm->name = fj_ident_member(cx, o, at, "name", "a parameter");
    ir_span x;
    json_t *ty = fj_get(cx, o, at, "type", "a parameter", &x);
    prm->ty = ty ? fj_type(cx, ty, x) : (ir_coltype){.type = TIR_I64};
    prm->ty.nullable = fj_bool_member(cx, o, at, "nullable");
    prm->index = p->nparams;
    p->params = fe_push(&cx->fe, p->params, p->nparams++, &prm, sizeof prm);
}

static void fj_stmt(fj_ctx *cx, void *owner, json_t *o, ir_span at)
{
    static const char *const keys[] = {"target", "op", "args", NULL};
    ir_pipeline *pl = owner;
    if (!fj_object(cx, o, at, "a statement", keys))
        return;
    ir_stmt *s = fe_alloc(&cx->fe, sizeof *s);
    s->span = at;
    s->pipeline = pl;
    s->target = fj_ident_member(cx, o, at, "target", "a statement");
    s->op = fj_ident_member(cx, o, at, "op", "a statement");
    ir_span x;
    json_t *args = fj_get(cx, o, at, "args", NULL, &x);
    if (args && !json_is_object(args)) {
        fj_want(cx, args, x, "an object");
    } else if (args) {
        const char *k;
        json_t *v;
        json_object_foreach(args, k, v) {
            const char *name = fj_strdup(cx, k, strlen(k));
            ir_span aat = fj_node(cx, x, name, 0);
            if (!fj_is_ident(name))
                ir_error(cx->fe.d, aat, "'%s' is not an argument name (letters, digits and _)", name);
            ir_arg arg = {{name, aat}, fj_val(cx, v, aat)};
            s->args = fe_push(&cx->fe, s->args, s->nargs++, &arg, sizeof arg);
        }
    }
    pl->stmts = fe_push(&cx->fe, pl->stmts, pl->n++, &s, sizeof s);
}

static void fj_pipeline(fj_ctx *cx, void *owner, json_t *o, ir_span at)
{
    static const char *const keys[] = {"name", "statements", NULL};
    ir_program *p = owner;
    if (!fj_object(cx, o, at, "a pipeline", keys))
        return;
    ir_pipeline *pl = fe_alloc(&cx->fe, sizeof *pl);
    pl->span = at;
    pl->name = fj_ident_member(cx, o, at, "name", "a pipeline");
    fj_unwritable(cx, &pl->name, item_words, "the name of a pipeline");
    fj_each(cx, o, at, "statements", "a pipeline", pl, fj_stmt);
    p->pipelines = fe_push(&cx->fe, p->pipelines, p->npipelines++, &pl, sizeof pl);
}

static void fj_output(fj_ctx *cx, void *owner, json_t *o, ir_span at)
{
    static const char *const keys[] = {"ref", "as", NULL};
    ir_program *p = owner;
    if (!fj_object(cx, o, at, "an output", keys))
        return;
    ir_output out = {.span = at, .what = json_object_get(o, "ref") ? fj_ref(cx, o, at) : NULL};
    if (!out.what) {
        ir_error(cx->fe.d, at, "an output lacks its field 'ref'");
        return;
    }
    ir_span x;
    json_t *as = fj_get(cx, o, at, "as", NULL, &x);
    const char *s = as ? fj_string(cx, as, x) : NULL;
    if (s)
        out.alias = (ir_name){s, x};
    p->outputs = fe_push(&cx->fe, p->outputs, p->noutputs++, &out, sizeof out);
}

static bool fj_read(fj_ctx *cx, json_t *root)
{
    static const char *const keys[] = {"tables", "params", "pipelines", "outputs", NULL};
    jmp_buf nomem;
    cx->fe.nomem = &nomem;
    if (setjmp(nomem))
        return false;
    fj_node(cx, (ir_span){0, 1}, "$", 0);   /* node 0: the root */
    if (!fj_object(cx, root, (ir_span){0, 1}, "a program", keys))
        return true;
    ir_span top = {0, 1};
    ir_program *p = cx->fe.prog;
    fj_each(cx, root, top, "tables", NULL, p, fj_table);
    fj_each(cx, root, top, "params", NULL, p, fj_param);
    fj_each(cx, root, top, "pipelines", NULL, p, fj_pipeline);
    fj_each(cx, root, top, "outputs", NULL, p, fj_output);
    return true;
}

bool fe_parse_json(ir_arena *a, ir_diags *d, const char *file, const char *src, size_t len, ir_program **out)
{
    size_t errors = d->nerrors;
    ir_program *prog = IR_NEW(a, ir_program);
    ir_jpaths *paths = IR_NEW(a, ir_jpaths);
    *out = prog;
    if (!prog || !paths) {
        a->nomem = true;
        return false;
    }
    prog->file = file;
    prog->src = src;
    prog->srclen = len;
    if (len >= UINT32_MAX) {
        ir_error(d, (ir_span){0, 0}, "program too large (%zu bytes)", len);
        return false;
    }
    /* Until the JSON is read, messages point into its text (d->src):
    ** jansson's own, at the byte where it stopped. */
    json_error_t err;
    json_t *root = json_loadb(src, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        if (json_error_code(&err) == json_error_out_of_memory)
            a->nomem = true;
        uint32_t at = err.position > 0 && (size_t)err.position <= len ? (uint32_t)err.position - 1 : 0;
        ir_error(d, (ir_span){at, 1}, "invalid JSON: %s", err.text);   /* the span says where */
        return false;
    }
    prog->paths = paths;
    d->paths = paths;
    fj_ctx cx = {.fe = {.a = a, .d = d, .prog = prog}, .paths = paths};
    bool read = fj_read(&cx, root);
    json_decref(root);
    if (!read)
        ir_error(d, (ir_span){0, 1}, "out of memory");
    return read && d->nerrors == errors;
}
