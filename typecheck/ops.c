/*
** ops.c — checking of one statement: its operator and argument names
** against the operator's signature, its :input inside the pipeline, and
** the output schema, value kind and u.* fields lowering reads.
*/
#include "functions.h"
#include "suggest.h"
#include "tc.h"

#include <string.h>

enum { MAXARGS = 6 };

typedef struct opdef {
    const char *name;
    ir_opkind kind;
    const char *args[MAXARGS]; /* args[0] is :input for every operator but the sources */
    unsigned required;         /* bit k: args[k] must be given */
} opdef;

static const opdef opdefs[] = {
    {"table_scan", IR_OP_SCAN, {"table", "columns", "minmaxes", "blooms"}, 1},
    {"union_all", IR_OP_UNION, {"inputs"}, 1},
    {"filter", IR_OP_FILTER, {"input", "expr", "projection"}, 3},
    {"project", IR_OP_PROJECT, {"input", "columns"}, 3},
    {"aggregate", IR_OP_AGGREGATE, {"input", "aggregates"}, 3},
    {"build_hash", IR_OP_BUILD_HASH, {"input", "key", "value"}, 3},
    {"hash_join", IR_OP_HASH_JOIN, {"input", "ht", "key", "kind", "projection", "condition"}, 7},
    {"hash_group_by", IR_OP_GROUP_BY, {"input", "group_by", "aggregates"}, 7},
    {"limit", IR_OP_LIMIT, {"input", "count", "offset"}, 3},
    {"build_bloom", IR_OP_BUILD_BLOOM, {"input", "key"}, 3},
    {"delete", IR_OP_DELETE, {"input"}, 1},
    {"write_table", IR_OP_WRITE_TABLE, {"input", "path", "bloom"}, 3},
    {"sort", IR_OP_SORT, {"input", "by", "limit", "offset"}, 3},
    {"merge_join", IR_OP_MERGE_JOIN, {"input", "right", "key", "right_key", "kind", "projection"}, 15},
    {"window", IR_OP_WINDOW, {"input", "partition_by", "order_by", "functions"}, 9},
};
enum { NOPS = sizeof opdefs / sizeof *opdefs };

static ir_coltype plain(tir_type t, bool nullable)
{
    return (ir_coltype){.type = t, .nullable = nullable};
}

static ir_expr *val_expr(const ir_val *v)
{
    return v && v->kind == IR_V_EXPR ? v->expr : NULL;
}

static bool is_str_lit(const ir_expr *e)
{
    return e && e->kind == IR_E_LIT && !e->u.lit.is_null && e->u.lit.type == TIR_STRING;
}

static bool is_path(const ir_expr *e, int nparts)
{
    return e && e->kind == IR_E_PATH && e->u.path.nparts == nparts;
}

int tc_list_items(ir_val *v, ir_val ***items)
{
    if (v->kind == IR_V_LIST) {
        *items = v->items;
        return v->n;
    }
    if (v->kind == IR_V_EXPR) {
        *items = NULL;
        return 1;
    }
    return -1;
}

static ir_val *item_at(ir_val *v, ir_val **items, int i)
{
    return items ? items[i] : v;
}

static const char *input_name(const tc_scope *s)
{
    return s->input ? s->input->target.s : "vN";
}

/* A name written as "name" or a bare identifier (where a name is expected). */
static const char *name_of(const ir_expr *e)
{
    if (is_str_lit(e))
        return e->u.lit.s;
    if (is_path(e, 1))
        return e->u.path.parts[0].s;
    return NULL;
}

/* Is cols[i] named like an earlier column? (Columns that failed have no name.) */
static bool dup_name(tc_ctx *c, const ir_column *cols, int i, const char *where)
{
    for (int j = 0; j < i; j++) {
        if (cols[j].name.s && cols[i].name.s && !strcmp(cols[j].name.s, cols[i].name.s)) {
            ir_error(c->d, cols[i].span, "duplicate column name '%s' in %s", cols[i].name.s, where);
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------- arguments and input */

static void collect_args(tc_ctx *c, ir_stmt *st, const opdef *od, ir_val **v)
{
    for (int i = 0; i < st->nargs; i++) {
        ir_arg *arg = &st->args[i];
        if (!arg->name.s) {
            ir_error(c->d, arg->val ? arg->val->span : st->op.span,
                     "operator arguments are named: write :name = value");
            continue;
        }
        const char *n = arg->name.s[0] == ':' ? arg->name.s + 1 : arg->name.s;
        int k = 0;
        while (k < MAXARGS && od->args[k] && strcmp(od->args[k], n))
            k++;
        if (k == MAXARGS || !od->args[k]) {
            char expected[128] = "";
            for (int j = 0; j < MAXARGS && od->args[j]; j++) {
                strcat(expected, j ? ", :" : ":");
                strcat(expected, od->args[j]);
            }
            ir_error(c->d, arg->name.span, "unknown argument ':%s' for %s (expected %s)", n, od->name, expected);
        } else if (v[k]) {
            ir_error(c->d, arg->name.span, "duplicate argument ':%s' for %s", n, od->name);
        } else {
            v[k] = arg->val;
        }
    }
    for (int k = 0; k < MAXARGS && od->args[k]; k++)
        if ((od->required >> k & 1) && !v[k])
            ir_error(c->d, st->op.span, "missing argument :%s for %s", od->args[k], od->name);
}

/* The statement named by :input: earlier in this pipeline and not a
** pipeline breaker. NULL when unusable, which has always been reported
** (here, as a missing argument, or as the failure of that statement), so
** names over the input then fail silently. */
static ir_stmt *resolve_input(tc_ctx *c, ir_pipeline *pl, int i, ir_val *v)
{
    if (!v)
        return NULL;
    ir_expr *e = val_expr(v);
    if (!is_path(e, 1)) {
        if (is_path(e, 2) && tc_find_pipeline(c, e->u.path.parts[0].s))
            ir_error(c->d, e->span,
                     "':input' must be a statement of this pipeline; to read %s.%s start a pipeline with "
                     "table_scan :table = %s.%s", e->u.path.parts[0].s, e->u.path.parts[1].s,
                     e->u.path.parts[0].s, e->u.path.parts[1].s);
        else
            ir_error(c->d, v->span, "':input' must name an earlier statement of this pipeline");
        return NULL;
    }
    const char *n = e->u.path.parts[0].s;
    /* names are unique in a pipeline (a duplicate is reported), so the
    ** first statement of that name is the one meant */
    ir_stmt *in = tc_find_stmt(c, pl, n);
    if (in && in->index >= i)
        in = NULL;
    if (!in) {
        if (!strcmp(pl->stmts[i]->target.s, n))
            ir_error(c->d, e->span, "'%s' cannot be its own :input", n);
        else if (tc_find_stmt(c, pl, n))
            ir_error(c->d, e->span, "'%s' is defined after this statement; :input must name an earlier statement", n);
        else
            ir_error(c->d, e->span, "unknown statement '%s' in %s (earlier statements: %s)", n, pl->name.s,
                     tc_stmt_list(c, pl, i));
        return NULL;
    }
    if (tc_failed(c, in))
        return NULL;
    switch (in->kind) {
    case IR_OP_AGGREGATE:
        ir_error(c->d, e->span,
                 "%s is the output of aggregate, a pipeline breaker (a tuple); read its fields from another "
                 "pipeline as %s.%s.<field>", n, pl->name.s, n);
        return NULL;
    case IR_OP_BUILD_HASH:
        ir_error(c->d, e->span,
                 "%s is the output of build_hash, a pipeline breaker (a hash table); probe it from another "
                 "pipeline (hash_join :ht = %s.%s)", n, pl->name.s, n);
        return NULL;
    case IR_OP_GROUP_BY:
        ir_error(c->d, e->span,
                 "%s is the output of hash_group_by, a pipeline breaker; read it from another pipeline "
                 "(table_scan :table = %s.%s)", n, pl->name.s, n);
        return NULL;
    case IR_OP_BUILD_BLOOM:
        ir_error(c->d, e->span,
                 "%s is the output of build_bloom, a pipeline breaker (a bloom filter); use it in another "
                 "pipeline's scan (table_scan :blooms = { \"column\": %s.%s })", n, pl->name.s, n);
        return NULL;
    case IR_OP_SORT:
    case IR_OP_WINDOW:
        ir_error(c->d, e->span,
                 "%s is the output of %s, a pipeline breaker (it needs every row before it yields one); read it "
                 "from another pipeline (table_scan :table = %s.%s)", n, in->op.s, pl->name.s, n);
        return NULL;
    case IR_OP_DELETE:
    case IR_OP_WRITE_TABLE:
        ir_error(c->d, e->span, "%s is the output of %s, a tuple {%s}; read it from another pipeline as %s.%s.%s", n,
                 in->op.s, in->out.cols[0].name.s, pl->name.s, n, in->out.cols[0].name.s);
        return NULL;
    default:
        return in;
    }
}

ir_expr *tc_input_col(tc_ctx *c, const tc_scope *s, ir_val *v, const char *arg)
{
    ir_expr *e = val_expr(v);
    if (is_str_lit(e)) {
        if (!s->input)
            return NULL;
        int i = tc_col_index(&s->input->out, e->u.lit.s);
        if (i < 0) {
            ir_error(c->d, e->span, "no column '%s' in $in%s (columns: %s)", e->u.lit.s,
                     tc_meant_col(c, e->u.lit.s, &s->input->out), tc_col_list(c, &s->input->out));
            return NULL;
        }
        return tc_new_col(c, &s->input->out, 0, "$in", i, e->span);
    }
    if (e && (e->kind == IR_E_COL || (e->kind == IR_E_PATH && e->u.path.nparts <= 2))) {
        if (!tc_expr(c, s, &v->expr))
            return NULL;
        if (v->expr->kind == IR_E_COL && v->expr->u.col.side == 0)
            return v->expr;
    }
    ir_error(c->d, v->span, "items of :%s must be columns of the input: \"name\", $in.name or %s.name", arg,
             input_name(s));
    return NULL;
}

/* ------------------------------------------------------------ table_scan */

const ir_schema *tc_source(tc_ctx *c, const tc_scope *s, ir_val *v, const char *arg, ir_table **table,
                           ir_stmt **rel, const char **name)
{
    const char *op = s->stmt->op.s;
    ir_expr *e = val_expr(v);
    const char *tn = name_of(e);
    if (tn) {
        ir_table *t = tc_find_table(c, tn);
        if (!t) {
            if (tc_find_pipeline(c, tn))
                ir_error(c->d, e->span, "'%s' is a pipeline; scan one of its values: %s.<value>", tn, tn);
            else if (tc_find_stmt(c, s->pl, tn))
                ir_error(c->d, e->span, "'%s' is in this pipeline; ':%s' of %s names a table or a relation of "
                                        "another pipeline (pipeline.value)", tn, arg, op);
            else
                ir_error(c->d, e->span, "unknown table '%s'%s (tables: %s)", tn, tc_meant_table(c, tn), tc_table_list(c));
            return NULL;
        }
        /* a table without columns has been reported where it is declared */
        if (t->schema.n == 0)
            return NULL;
        *table = t;
        *name = tc_str(c, ir_sprintf(c->a, "table %s", tn));
        return &t->schema;
    }
    if (is_path(e, 2)) {
        ir_stmt *x = tc_other_value(c, s->pl, &e->u.path.parts[0], &e->u.path.parts[1]);
        if (!x)
            return NULL;
        /* a tuple is read as a relation of one row */
        if (x->vkind != IR_VK_RELATION && x->vkind != IR_VK_TUPLE) {
            ir_error(c->d, e->span, "'%s.%s' is a %s; %s reads tables, relations and tuples", e->u.path.parts[0].s,
                     e->u.path.parts[1].s, tc_vkind_name(x->vkind), op);
            return NULL;
        }
        *rel = x;
        *name = tc_str(c, ir_sprintf(c->a, "%s.%s", e->u.path.parts[0].s, e->u.path.parts[1].s));
        return &x->out;
    }
    ir_error(c->d, v->span, "':%s' of %s must name a table or a value of another pipeline (pipeline.value)", arg, op);
    return NULL;
}

static bool check_bound(tc_ctx *c, const tc_scope *s, ir_expr **pe, const ir_column *col)
{
    if ((*pe)->kind != IR_E_LIT && (*pe)->kind != IR_E_PARAM && !is_path(*pe, 3)) {
        ir_error(c->d, (*pe)->span,
                 "a :minmaxes bound must be a literal, a parameter or a pipeline.tuple.field reference");
        return false;
    }
    if (!tc_expr(c, s, pe))
        return false;
    ir_expr *e = *pe;
    tir_type t = col->ty.type, from = e->ty.type;
    /* a decimal bound is compared with the block statistics as a scaled
    ** integer: its scale must be the column's (1.240 at scale 3 read as
    ** 12.40 skipped every block) */
    bool dec = t == TIR_DECIMAL || t == TIR_DECIMAL128;
    bool scale_differs = dec && from == t && e->ty.scale != col->ty.scale;
    char want[32], got[32];
    ir_type_text(t, col->ty.prec, col->ty.scale, want);
    ir_type_text(from, e->ty.prec, e->ty.scale, got);
    const char *hint = scale_differs ? "; a decimal bound must have the column's scale" : "";
    if (e->kind == IR_E_PARAM) {
        /* a NULL value, like a NULL tuple field, keeps no row */
        if (!scale_differs && tc_coerce(c, pe, t))
            return true;
        ir_error(c->d, e->span, "bound $%s is %s but column '%s' is %s%s", e->u.param.name.s, got, col->name.s, want,
                 hint);
        return false;
    }
    if (e->kind == IR_E_REF) {
        if (from == t && !scale_differs)
            return true;
        const ir_stmt *r = e->u.ref.stmt;
        ir_error(c->d, e->span, "bound %s.%s.%s is %s but column '%s' is %s%s", r->pipeline->name.s, r->target.s,
                 r->out.cols[e->u.ref.field].name.s, got, col->name.s, want, hint);
        return false;
    }
    if (e->u.lit.is_null) {
        ir_error(c->d, e->span, "a :minmaxes bound cannot be null");
        return false;
    }
    if (t == TIR_DECIMAL128 ? tc_coerce_wide(c, pe, col->ty)
        : t == TIR_DECIMAL  ? tc_coerce_dec(c, pe, col->ty)
                            : tc_lit_convert(e, t))
        return true;
    if (!tc_bad_text_lit(c, e, t))
        ir_error(c->d, e->span, "bound of type %s does not fit column '%s' of type %s", tc_type_name(from),
                 col->name.s, tc_type_name(t));
    return false;
}

/* The scanned column keyed by entry i of the map argument :arg (a column
** to prune on), or -1 when there is none or the entry repeats one. */
static int prune_col(tc_ctx *c, const ir_stmt *st, const ir_schema *src, const ir_val *map, int i, const char *arg)
{
    const ir_mapent *ent = &map->ents[i];
    int col = tc_col_index(&st->out, ent->key.s);
    if (col < 0) {
        if (tc_col_index(src, ent->key.s) >= 0)
            ir_error(c->d, ent->key.span, "column '%s' of :%s is not among the scanned :columns (%s)", ent->key.s,
                     arg, tc_col_list(c, &st->out));
        else
            ir_error(c->d, ent->key.span, "no column '%s' to prune on (columns: %s)", ent->key.s,
                     tc_col_list(c, &st->out));
        return -1;
    }
    for (int j = 0; j < i; j++) {
        if (!strcmp(map->ents[j].key.s, ent->key.s)) {
            ir_error(c->d, ent->key.span, "duplicate :%s entry for '%s'", arg, ent->key.s);
            return -1;
        }
    }
    return col;
}

static void check_minmaxes(tc_ctx *c, const tc_scope *s, ir_val *v, const ir_schema *src)
{
    ir_stmt *st = s->stmt;
    if (v->kind != IR_V_MAP) {
        ir_error(c->d, v->span, "':minmaxes' of table_scan must be a map { \"column\": [lo, hi], ... }");
        return;
    }
    ir_minmax *mm = TC_NEWN(c, ir_minmax, v->n);
    int nmm = 0;
    for (int i = 0; i < v->n; i++) {
        ir_mapent *ent = &v->ents[i];
        int col = prune_col(c, st, src, v, i, "minmaxes");
        if (col < 0)
            continue;
        ir_val *b = ent->val;
        if (b->kind != IR_V_LIST || b->n != 2 || b->items[0]->kind != IR_V_EXPR ||
            b->items[1]->kind != IR_V_EXPR) {
            ir_error(c->d, b->span, "the :minmaxes bounds of '%s' must be a list [lo, hi]", ent->key.s);
            continue;
        }
        bool ok = check_bound(c, s, &b->items[0]->expr, &st->out.cols[col]);
        ok &= check_bound(c, s, &b->items[1]->expr, &st->out.cols[col]);
        if (ok)
            mm[nmm++] = (ir_minmax){col, b->items[0]->expr, b->items[1]->expr, ent->key.span};
    }
    st->u.scan.mm = mm;
    st->u.scan.nmm = nmm;
}

/* :blooms = { "col": p.bf }: bf is a build_bloom of another pipeline whose
** key has exactly the column's type (no widening: the filter holds values of the key's type). */
static void check_blooms(tc_ctx *c, const tc_scope *s, ir_val *v, const ir_schema *src)
{
    ir_stmt *st = s->stmt;
    if (v->kind != IR_V_MAP) {
        ir_error(c->d, v->span, "':blooms' of table_scan must be a map { \"column\": pipeline.bloom, ... }");
        return;
    }
    ir_bloomuse *bu = TC_NEWN(c, ir_bloomuse, v->n);
    int nb = 0;
    for (int i = 0; i < v->n; i++) {
        ir_mapent *ent = &v->ents[i];
        int col = prune_col(c, st, src, v, i, "blooms");
        if (col < 0)
            continue;
        ir_expr *e = val_expr(ent->val);
        ir_stmt *bf = NULL;
        if (is_path(e, 2)) {
            const ir_name *p = e->u.path.parts;
            bf = tc_other_value(c, s->pl, &p[0], &p[1]);
            if (bf && bf->vkind != IR_VK_BLOOM) {
                ir_error(c->d, e->span, "'%s.%s' is a %s; :blooms needs the output of build_bloom", p[0].s, p[1].s,
                         tc_vkind_name(bf->vkind));
                bf = NULL;
            }
        } else if (is_path(e, 1) && tc_find_stmt(c, s->pl, e->u.path.parts[0].s)) {
            ir_error(c->d, e->span, "'%s' is in this pipeline; a scan uses bloom filters built by other pipelines "
                                    "(:blooms = { \"%s\": pipeline.value })", e->u.path.parts[0].s, ent->key.s);
        } else {
            ir_error(c->d, ent->val->span, "the :blooms value of '%s' must name a build_bloom of another pipeline: "
                                           "pipeline.value", ent->key.s);
        }
        if (!bf)
            continue;
        const ir_column *key = &bf->out.cols[0], *cc = &st->out.cols[col];
        /* a decimal's hash is of its scaled value: the scales must agree too */
        bool dec = key->ty.type == TIR_DECIMAL || key->ty.type == TIR_DECIMAL128;
        if (key->ty.type != cc->ty.type || (dec && key->ty.scale != cc->ty.scale)) {
            char kb[32], cb[32];
            ir_error(c->d, e->span, "bloom %s.%s has key type %s, column '%s' is %s", bf->pipeline->name.s,
                     bf->target.s, ir_type_text(key->ty.type, key->ty.prec, key->ty.scale, kb), cc->name.s,
                     ir_type_text(cc->ty.type, cc->ty.prec, cc->ty.scale, cb));
            continue;
        }
        bu[nb++] = (ir_bloomuse){col, bf, ent->key.span};
    }
    st->u.scan.blooms = bu;
    st->u.scan.nblooms = nb;
}

static bool op_scan(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    if (!v[0])
        return false;
    const char *srcname;
    const ir_schema *src = tc_source(c, s, v[0], "table", &st->u.scan.table, &st->u.scan.src_stmt, &srcname);
    if (!src)
        return false;

    int n = src->n;
    int *cols;
    ir_val **items = NULL;
    if (v[1]) {
        n = tc_list_items(v[1], &items);
        if (n < 0) {
            ir_error(c->d, v[1]->span, "':columns' of table_scan must be a list of column names");
            return false;
        }
        if (n == 0) {
            ir_error(c->d, v[1]->span, "':columns' of table_scan is empty: scan at least one column");
            return false;
        }
        cols = TC_NEWN(c, int, n);
        bool ok = true;
        for (int i = 0; i < n; i++) {
            ir_val *it = item_at(v[1], items, i);
            const char *cn = name_of(val_expr(it));
            if (!cn) {
                ir_error(c->d, it->span, "items of :columns must be column names (\"name\")");
                ok = false;
                continue;
            }
            cols[i] = tc_col_index(src, cn);
            if (cols[i] < 0) {
                ir_error(c->d, it->span, "no column '%s' in %s%s (columns: %s)", cn, srcname, tc_meant_col(c, cn, src),
                         tc_col_list(c, src));
                ok = false;
                continue;
            }
            for (int j = 0; j < i; j++) {
                if (cols[j] == cols[i]) {
                    ir_error(c->d, it->span, "column '%s' is listed twice in :columns", cn);
                    ok = false;
                    break;
                }
            }
        }
        if (!ok)
            return false;
    } else {
        cols = TC_NEWN(c, int, n);
        for (int i = 0; i < n; i++)
            cols[i] = i;
    }
    st->u.scan.cols = cols;
    st->out.n = n;
    st->out.cols = TC_NEWN(c, ir_column, n);
    for (int i = 0; i < n; i++) {
        ir_column *oc = &st->out.cols[i];
        *oc = src->cols[cols[i]];
        oc->span = v[1] ? item_at(v[1], items, i)->span : src->cols[cols[i]].span;
        oc->name.span = oc->span;
    }
    tc_order_through(c, src, cols, &st->out);
    if (v[2])
        check_minmaxes(c, s, v[2], src);
    if (v[3])
        check_blooms(c, s, v[3], src);
    return true;
}

/* ---------------------------------------------------- filter, project, limit */

static bool op_filter(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    if (v[1]) {
        if (v[1]->kind != IR_V_EXPR) {
            ir_error(c->d, v[1]->span, "':expr' of filter must be an expression");
        } else if (tc_expr(c, s, &v[1]->expr)) {
            ir_expr *e = v[1]->expr;
            if (tc_is_null_lit(e))
                tc_lit_convert(e, TIR_BOOL);
            if (e->ty.type != TIR_BOOL)
                ir_error(c->d, e->span, "':expr' of filter must be bool, found %s", tc_type_name(e->ty.type));
            else
                st->u.filter.pred = e;
        }
    }
    ir_stmt *in = s->input;
    int n = in ? in->out.n : 0;
    ir_val **items = NULL;
    if (v[2]) {
        n = tc_list_items(v[2], &items);
        if (n < 0) {
            ir_error(c->d, v[2]->span, "':projection' of filter must be a list of columns");
            return false;
        }
    }
    int *proj = TC_NEWN(c, int, n);
    ir_column *cols = TC_NEWN(c, ir_column, n);
    bool ok = in != NULL;
    for (int i = 0; i < n; i++) {
        if (v[2]) {
            ir_val *it = item_at(v[2], items, i);
            ir_expr *ce = tc_input_col(c, s, it, "projection");
            if (!ce) {
                ok = false;
                continue;
            }
            proj[i] = ce->u.col.index;
            cols[i] = in->out.cols[proj[i]];
            cols[i].span = cols[i].name.span = it->span;
            ok &= !dup_name(c, cols, i, ":projection");
        } else {
            proj[i] = i;
            cols[i] = in->out.cols[i];
        }
    }
    if (!ok)
        return false;
    st->u.filter.proj = proj;
    st->out = (ir_schema){.cols = cols, .n = n};
    tc_order_through(c, &in->out, proj, &st->out);
    return true;
}

static bool op_project(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    ir_val *m = v[1];
    if (!m)
        return false;
    if (m->kind != IR_V_MAP) {
        ir_error(c->d, m->span, "':columns' of project must be a map { \"name\": expr, ... }");
        return false;
    }
    ir_expr **exprs = TC_NEWN(c, ir_expr *, m->n);
    ir_column *cols = TC_NEWN(c, ir_column, m->n);
    bool ok = s->input != NULL;
    for (int i = 0; i < m->n; i++) {
        ir_mapent *ent = &m->ents[i];
        cols[i].name = ent->key;
        cols[i].span = ent->key.span;
        if (dup_name(c, cols, i, ":columns"))
            ok = false;
        if (ent->val->kind != IR_V_EXPR) {
            ir_error(c->d, ent->val->span, "the value of column '%s' must be an expression", ent->key.s);
            ok = false;
            continue;
        }
        if (!tc_expr(c, s, &ent->val->expr)) {
            ok = false;
            continue;
        }
        exprs[i] = ent->val->expr;
        cols[i].ty = exprs[i]->ty;
    }
    if (!ok)
        return false;
    st->u.project.exprs = exprs;
    st->out = (ir_schema){.cols = cols, .n = m->n};
    int *map = TC_NEWN(c, int, m->n);
    for (int i = 0; i < m->n; i++)
        map[i] = exprs[i]->kind == IR_E_COL && exprs[i]->u.col.side == 0 ? exprs[i]->u.col.index : -1;
    tc_order_through(c, &s->input->out, map, &st->out);
    return true;
}

static bool limit_arg(tc_ctx *c, const tc_scope *s, ir_val *v, const char *what, int64_t *out, ir_expr **param)
{
    ir_expr *e = val_expr(v);
    if (e && e->kind == IR_E_PARAM) {
        if (!tc_nonneg_param(c, e, tc_str(c, ir_sprintf(c->a, "':%s' of limit", what))))
            return false;
        *param = e;
        return true;
    }
    if (e && e->kind == IR_E_LIT)
        tc_expr(c, s, &v->expr);
    if (!e || e->kind != IR_E_LIT || e->u.lit.is_null || (e->u.lit.type != TIR_I32 && e->u.lit.type != TIR_I64) ||
        e->u.lit.i < 0) {
        ir_error(c->d, v->span, "':%s' of limit must be a non-negative integer literal or a parameter", what);
        return false;
    }
    *out = e->u.lit.i;
    return true;
}

static bool op_limit(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    if (v[1])
        limit_arg(c, s, v[1], "count", &st->u.limit.count, &st->u.limit.count_param);
    if (v[2])
        limit_arg(c, s, v[2], "offset", &st->u.limit.offset, &st->u.limit.offset_param);
    if (!s->input)
        return false;
    st->out = s->input->out;
    return true;
}

/* ------------------------------------------------------------ aggregates */

static const struct {
    const char *name;
    ir_aggfn fn;
} agg_fns[] = {{"count", IR_AGG_COUNT}, {"sum", IR_AGG_SUM}, {"min", IR_AGG_MIN}, {"max", IR_AGG_MAX},
               {"avg", IR_AGG_AVG}, {"any_value", IR_AGG_MIN}, {"var_samp", IR_AGG_VAR_SAMP},
               {"variance", IR_AGG_VAR_SAMP}, {"var_pop", IR_AGG_VAR_POP}, {"stddev_samp", IR_AGG_STDDEV_SAMP},
               {"stddev", IR_AGG_STDDEV_SAMP}, {"stddev_pop", IR_AGG_STDDEV_POP}, {"bool_and", IR_AGG_BOOL_AND},
               {"bool_or", IR_AGG_BOOL_OR}, {"string_agg", IR_AGG_STRING_AGG}};
enum { NAGG_FNS = sizeof agg_fns / sizeof agg_fns[0] };

/* Its index in agg_fns when e is an aggregate call, else -1. */
static int agg_fn_of(const ir_expr *e)
{
    for (int k = 0; e && e->kind == IR_E_CALL && k < NAGG_FNS; k++)
        if (!strcmp(agg_fns[k].name, e->u.call.fn.s))
            return k;
    return -1;
}

/* The aggregate a misspelled or other-dialect name most likely means, or
** NULL (also for the name of a scalar function, which means itself). */
const char *tc_agg_meant(const char *fn)
{
#define X_NAME(ID, name, lo, hi, syn) name,
    static const char *const scalar[] = {IR_FUNCTIONS(X_NAME)};
#undef X_NAME
    for (size_t i = 0; i < sizeof scalar / sizeof *scalar; i++)
        if (!strcmp(fn, scalar[i]))
            return NULL;
    static const char *const alias[][2] = {
        {"average", "avg"}, {"mean", "avg"}, {"group_concat", "string_agg"}, {"listagg", "string_agg"},
        {"stdev", "stddev"}, {"every", "bool_and"}, {"arbitrary", "any_value"}, {"first", "any_value"},
        {"count_distinct", "count"},
    };
    enum { NALIAS = sizeof alias / sizeof *alias };
    const char *names[NAGG_FNS + NALIAS];   /* the aliases misspelled too: avrage */
    for (int k = 0; k < NAGG_FNS; k++)
        names[k] = agg_fns[k].name;
    for (int k = 0; k < NALIAS; k++)
        names[NAGG_FNS + k] = alias[k][0];
    const char *m = ir_closest(fn, names, NAGG_FNS + NALIAS);
    for (int k = 0; k < NALIAS; k++)
        if (m == alias[k][0] || !strcmp(fn, alias[k][0]))
            return alias[k][1];
    return m;
}

bool tc_agg_kind(const ir_expr *e, ir_aggfn *fn)
{
    int k = agg_fn_of(e);
    if (k >= 0)
        *fn = agg_fns[k].fn;
    return k >= 0;
}

/* string_agg's separator into g: a string literal (',' when omitted, as
** in DuckDB). It is fixed for the whole run, so that every group joins its
** values the same way and partial states merge with it. */
static bool string_agg_sep(tc_ctx *c, ir_expr *e, ir_agg *g)
{
    g->sep = ",";
    g->seplen = 1;
    if (e->u.call.nargs < 2)
        return true;
    ir_expr *sep = e->u.call.args[1];
    if (sep->kind != IR_E_LIT || sep->u.lit.is_null || sep->u.lit.type != TIR_STRING) {
        ir_error(c->d, sep->span, "the separator of string_agg must be a constant string, e.g. string_agg(x, ', ')%s",
                 sep->kind == IR_E_LIT && sep->u.lit.is_null ? " (not null)" : "");
        return false;
    }
    sep->ty = plain(TIR_STRING, false);
    g->sep = sep->u.lit.s;
    g->seplen = sep->u.lit.slen;
    return true;
}

/* The aggregate call e (agg_fns[k]) into g and its output type. */
static bool agg_call(tc_ctx *c, const tc_scope *s, ir_expr *e, int k, bool grouped, ir_agg *g, ir_coltype *ty)
{
    const char *fn = agg_fns[k].name;
    if (agg_fns[k].fn == IR_AGG_STRING_AGG) {
        if (e->u.call.nargs != 1 && e->u.call.nargs != 2) {
            ir_error(c->d, e->span, "string_agg takes a string and a separator, string_agg(x, ', '), found %d "
                                    "arguments", e->u.call.nargs);
            return false;
        }
        if (!string_agg_sep(c, e, g))
            return false;
    } else if (e->u.call.nargs != 1) {
        ir_error(c->d, e->span, "%s takes one argument, found %d", fn, e->u.call.nargs);
        return false;
    }
    ir_expr **pa = &e->u.call.args[0];
    g->span = e->span;
    if ((*pa)->kind == IR_E_STAR) {
        if (agg_fns[k].fn != IR_AGG_COUNT) {
            ir_error(c->d, (*pa)->span, "'*' is only allowed as the argument of count(*)");
            return false;
        }
        g->fn = IR_AGG_COUNT_STAR;
        g->arg = NULL;
        *ty = plain(TIR_I64, false);
        (*pa)->ty = e->ty = *ty;
        return true;
    }
    if (!tc_expr(c, s, pa))
        return false;
    ir_expr *a = *pa;
    g->fn = agg_fns[k].fn;
    g->arg = a;
    tir_type t = a->ty.type, rt = t;
    switch (g->fn) {
    case IR_AGG_COUNT:
        *ty = plain(TIR_I64, false);
        e->ty = *ty;
        return true;
    case IR_AGG_SUM:
        if (t == TIR_DECIMAL || t == TIR_DECIMAL128) {   /* exact, at the argument's scale; beyond 18 (38) digits an error */
            *ty = tc_dec_type(t == TIR_DECIMAL ? 18 : 38, a->ty.scale, grouped ? a->ty.nullable : true);
            ty->type = t;
            e->ty = *ty;
            return true;
        }
        if (!tc_numeric(t)) {
            ir_error(c->d, a->span, "sum needs a numeric argument, found %s", tc_type_name(t));
            return false;
        }
        rt = t == TIR_F64 ? TIR_F64 : TIR_I64;
        break;
    case IR_AGG_AVG:
        if (!tc_numeric(t) && t != TIR_DECIMAL && t != TIR_DECIMAL128) {
            ir_error(c->d, a->span, "avg needs a numeric argument, found %s", tc_type_name(t));
            return false;
        }
        rt = TIR_F64;
        break;
    case IR_AGG_BOOL_AND:
    case IR_AGG_BOOL_OR: {
        if (t != TIR_BOOL) {
            ir_error(c->d, a->span, "%s needs a bool argument, found %s", fn, tc_type_name(t));
            return false;
        }
        /* min/max over 0 and 1: the argument is read as an i32 */
        *pa = g->arg = tc_new_cast(c, a, TIR_I32);
        *ty = plain(TIR_BOOL, grouped ? a->ty.nullable : true);
        e->ty = *ty;
        return true;
    }
    case IR_AGG_STRING_AGG:
        if (t != TIR_STRING) {
            ir_error(c->d, a->span, "string_agg needs a string argument, found %s%s", tc_type_name(t),
                     tc_cast_hint(c, a, TIR_STRING));
            return false;
        }
        break;
    case IR_AGG_VAR_SAMP:
    case IR_AGG_VAR_POP:
    case IR_AGG_STDDEV_SAMP:
    case IR_AGG_STDDEV_POP:
        if (!tc_numeric(t) && t != TIR_DECIMAL && t != TIR_DECIMAL128) {
            ir_error(c->d, a->span, "%s needs a numeric argument, found %s", fn, tc_type_name(t));
            return false;
        }
        /* accumulated as doubles (Welford): the argument is one, a wide
        ** decimal too (DuckDB converts it to double as well) */
        if (t == TIR_DECIMAL128)
            *pa = tc_new_cast(c, a, TIR_F64);
        else if (!tc_coerce(c, pa, TIR_F64))
            return false;
        g->arg = *pa;
        rt = TIR_F64;
        /* the sample forms are NULL for one row: always nullable */
        *ty = plain(rt, true);
        e->ty = *ty;
        return true;
    default:
        if (t == TIR_BOOL) {
            ir_error(c->d, a->span, "%s needs a numeric, date or string argument, found bool", fn);
            return false;
        }
        break;
    }
    /* over no rows these give NULL; per group, only NULL arguments do */
    *ty = rt == TIR_DECIMAL || rt == TIR_DECIMAL128 ? tc_keep(a->ty, grouped ? a->ty.nullable : true) : plain(rt, grouped ? a->ty.nullable : true);
    e->ty = *ty;
    return true;
}

/* An :aggregates map checked: per entry an aggregate call, or an expression
** over aggregate calls (`sum($in.a) / sum($in.b)`). The calls become the
** raw aggregates the sink computes (a plain entry's own, then those found
** inside computed entries, named "$aggN"); computed entries are evaluated
** over the raw row afterwards (tc_split_computed_aggs). */
typedef struct agg_plan {
    ir_agg *aggs;             /* the raw aggregates */
    ir_column *cols;          /* their columns */
    int n, cap;
    int *raw;                 /* per entry: its raw aggregate, or -1 when computed */
    ir_expr **post;           /* per entry: the computed expression (calls replaced by "$aggN" columns) */
    bool computed;
} agg_plan;

static int plan_push(tc_ctx *c, agg_plan *P)
{
    if (P->n == P->cap) {
        int cap = P->cap ? 2 * P->cap : 8;
        ir_agg *aggs = TC_NEWN(c, ir_agg, cap);
        ir_column *cols = TC_NEWN(c, ir_column, cap);
        if (P->n) {
            memcpy(aggs, P->aggs, sizeof *aggs * (size_t)P->n);
            memcpy(cols, P->cols, sizeof *cols * (size_t)P->n);
        }
        P->aggs = aggs;
        P->cols = cols;
        P->cap = cap;
    }
    return P->n++;
}

void tc_walk_expr(ir_expr **pe, tc_expr_visit visit, void *ctx, bool *ok)
{
    ir_expr *e = *pe;
    if (!e || !*ok || visit(ctx, pe, ok))
        return;
    switch (e->kind) {
    case IR_E_UNARY:
    case IR_E_BINARY:
        tc_walk_expr(&e->u.op.a, visit, ctx, ok);
        tc_walk_expr(&e->u.op.b, visit, ctx, ok);
        break;
    case IR_E_LIKE:
        tc_walk_expr(&e->u.like.a, visit, ctx, ok);
        tc_walk_expr(&e->u.like.pattern, visit, ctx, ok);
        break;
    case IR_E_IN:
        tc_walk_expr(&e->u.in.a, visit, ctx, ok);
        for (int i = 0; i < e->u.in.nitems; i++)
            tc_walk_expr(&e->u.in.items[i], visit, ctx, ok);
        break;
    case IR_E_ISNULL:
        tc_walk_expr(&e->u.isnull.a, visit, ctx, ok);
        break;
    case IR_E_CASE:
        for (int i = 0; i < e->u.cas.n; i++) {
            tc_walk_expr(&e->u.cas.whens[i], visit, ctx, ok);
            tc_walk_expr(&e->u.cas.thens[i], visit, ctx, ok);
        }
        tc_walk_expr(&e->u.cas.els, visit, ctx, ok);
        break;
    case IR_E_CAST:
        tc_walk_expr(&e->u.cast.a, visit, ctx, ok);
        break;
    case IR_E_CALL:
        for (int i = 0; i < e->u.call.nargs; i++)
            tc_walk_expr(&e->u.call.args[i], visit, ctx, ok);
        break;
    default:
        break;
    }
}

typedef struct hoist_ctx {
    tc_ctx *c;
    const tc_scope *s;
    bool grouped;
    agg_plan *P;
    int found;
    const ir_mapent *ent;
    const ir_schema *keys;    /* check_post: the group keys */
} hoist_ctx;

/* An aggregate call becomes a column of a new raw aggregate. */
static bool hoist_agg(void *ctx, ir_expr **pe, bool *ok)
{
    hoist_ctx *h = ctx;
    tc_ctx *c = h->c;
    ir_expr *e = *pe;
    int k = agg_fn_of(e);
    if (k < 0)
        return false;
    agg_plan *P = h->P;
    int r = plan_push(c, P);
    ir_column *col = &P->cols[r];
    if (!agg_call(c, h->s, e, k, h->grouped, &P->aggs[r], &col->ty)) {
        *ok = false;
        return true;
    }
    const char *name = ir_sprintf(c->a, "$agg%d", r);
    if (!name)
        longjmp(c->oom, 1);
    col->name = (ir_name){name, e->span};
    col->span = e->span;
    ir_expr *ref = TC_NEWN(c, ir_expr, 1);
    ref->kind = IR_E_COL;
    ref->span = e->span;
    ref->u.col.qual = (ir_name){"$in", e->span};
    ref->u.col.name = col->name;
    *pe = ref;
    h->found++;
    return true;
}

/* Outside its aggregates a computed entry reads only group keys. */
static bool bare_column(void *ctx, ir_expr **pe, bool *ok)
{
    hoist_ctx *h = ctx;
    const ir_expr *e = *pe;
    if (e->kind != IR_E_COL || e->u.col.name.s[0] == '$' || tc_col_index(h->keys, e->u.col.name.s) >= 0)
        return false;
    ir_error(h->c->d, e->span,
             "entry '%s' reads %s.%s outside an aggregate: there it may read only the group keys%s%s; aggregate "
             "it (e.g. sum(%s.%s))", h->ent->key.s, e->u.col.qual.s, e->u.col.name.s, h->keys->n ? " " : "",
             h->keys->n ? tc_col_list(h->c, h->keys) : "", e->u.col.qual.s, e->u.col.name.s);
    *ok = false;
    return true;
}

/* The first call whose name is a misspelled aggregate's, into *ctx. */
static bool misspelled_agg(void *ctx, ir_expr **pe, bool *ok)
{
    (void)ok;
    const ir_expr **slip = ctx;
    if (*slip || (*pe)->kind != IR_E_CALL || !tc_agg_meant((*pe)->u.call.fn.s))
        return *slip != NULL;
    *slip = *pe;
    return true;
}

static bool agg_entry(tc_ctx *c, const tc_scope *s, ir_mapent *ent, int i, bool grouped, agg_plan *P)
{
    ir_expr *e = val_expr(ent->val);
    int k = agg_fn_of(e);
    if (k >= 0) {
        int r = P->raw[i] = plan_push(c, P);
        P->cols[r].name = ent->key;
        P->cols[r].span = ent->key.span;
        return agg_call(c, s, e, k, grouped, &P->aggs[r], &P->cols[r].ty);
    }
    hoist_ctx h = {c, s, grouped, P, 0, ent, NULL};
    bool ok = true;
    tc_walk_expr(&ent->val->expr, hoist_agg, &h, &ok);
    if (!ok)
        return false;
    const ir_expr *slip = NULL;   /* a slip in an aggregate's name: it is no function either */
    if (e)   /* the aggregates found are columns by now */
        tc_walk_expr(&ent->val->expr, misspelled_agg, &slip, &ok);
    if (slip) {
        ir_error(c->d, slip->u.call.fn.span.len ? slip->u.call.fn.span : slip->span,
                 "unknown aggregate '%s' in ':aggregates' entry '%s': did you mean '%s'? (aggregates: count, sum, min, "
                 "max, avg, any_value, var_samp, var_pop, stddev_samp, stddev_pop, bool_and, bool_or, string_agg)",
                 slip->u.call.fn.s, ent->key.s, tc_agg_meant(slip->u.call.fn.s));
        return false;
    }
    if (!e || !h.found) {
        ir_error(c->d, ent->val->span,
                 "':aggregates' entry '%s' must be an aggregate call, or an expression over them: count(x), count(*), "
                 "sum(x), min(x), max(x), avg(x), any_value(x), var_samp(x), var_pop(x), stddev_samp(x), "
                 "stddev_pop(x), bool_and(x), bool_or(x) or string_agg(x, sep) (e.g. sum($in.a) / sum($in.b))",
                 ent->key.s);
        return false;
    }
    P->post[i] = ent->val->expr;
    P->computed = true;
    return true;
}

/* The computed entries typed over the raw row (group keys, then the raw
** aggregates), which is what they may read; their types into cols. */
static bool check_post(tc_ctx *c, const tc_scope *s, const ir_mapent *ents, agg_plan *P, const ir_column *keys,
                       int nk, ir_column *cols, int n, ir_schema *raw)
{
    raw->n = nk + P->n;
    raw->cols = TC_NEWN(c, ir_column, raw->n ? raw->n : 1);
    if (nk)
        memcpy(raw->cols, keys, sizeof *keys * (size_t)nk);
    if (P->n)
        memcpy(raw->cols + nk, P->cols, sizeof *P->cols * (size_t)P->n);
    ir_stmt *row = TC_NEWN(c, ir_stmt, 1);
    *row = *s->stmt;
    row->out = *raw;
    tc_scope rs = *s;
    rs.input = row;
    bool ok = true;
    ir_schema key_cols = {.cols = (ir_column *)keys, .n = nk};
    for (int i = 0; i < n; i++) {
        if (!P->post[i]) {
            cols[i].ty = P->cols[P->raw[i]].ty;
            continue;
        }
        hoist_ctx h = {c, s, false, P, 0, &ents[i], &key_cols};
        bool bare_ok = true;
        tc_walk_expr(&P->post[i], bare_column, &h, &bare_ok);
        if (!bare_ok || !tc_expr(c, &rs, &P->post[i])) {
            ok = false;
            continue;
        }
        cols[i].ty = tc_keep(P->post[i]->ty, P->post[i]->ty.nullable);
    }
    return ok;
}

static bool check_aggs(tc_ctx *c, const tc_scope *s, ir_val *m, bool grouped, agg_plan *P, ir_column *cols,
                       const char *op)
{
    if (m->kind != IR_V_MAP) {
        ir_error(c->d, m->span, "':aggregates' of %s must be a map { \"name\": count(x), ... }", op);
        return false;
    }
    P->raw = TC_NEWN(c, int, m->n ? m->n : 1);
    P->post = TC_NEWN(c, ir_expr *, m->n ? m->n : 1);
    bool ok = true;
    for (int i = 0; i < m->n; i++) {
        ir_mapent *ent = &m->ents[i];
        cols[i].name = ent->key;
        cols[i].span = ent->key.span;
        P->raw[i] = -1;
        ok &= agg_entry(c, s, ent, i, grouped, P);
    }
    return ok;
}

/* A sink whose entries are computed: its out columns are ncols output
** expressions (keys and plain entries read from the raw row as they are)
** over raw, for tc_split_computed_aggs. */
static void keep_post(tc_ctx *c, ir_stmt *st, const agg_plan *P, int nk, const ir_schema *raw)
{
    int n = st->out.n;
    ir_expr **post = TC_NEWN(c, ir_expr *, n);
    for (int i = 0; i < n; i++) {
        int e = i - nk;   /* entry index */
        if (e >= 0 && P->post[e]) {
            post[i] = P->post[e];
            continue;
        }
        int rc = e < 0 ? i : nk + P->raw[e];
        ir_expr *ref = TC_NEWN(c, ir_expr, 1);
        ref->kind = IR_E_COL;
        ref->span = st->span;
        ref->ty = raw->cols[rc].ty;
        ref->u.col.qual = (ir_name){"$in", st->span};
        ref->u.col.name = raw->cols[rc].name;
        ref->u.col.index = rc;
        post[i] = ref;
    }
    st->post = post;
    st->post_raw = *raw;
}

static bool op_aggregate(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    if (!v[1])
        return false;
    int n = v[1]->kind == IR_V_MAP ? v[1]->n : 0;
    agg_plan P = {0};
    ir_column *cols = TC_NEWN(c, ir_column, n ? n : 1);
    bool ok = check_aggs(c, s, v[1], false, &P, cols, "aggregate");
    for (int i = 0; i < n; i++)
        ok &= !dup_name(c, cols, i, ":aggregates");
    ir_schema raw = {0};
    if (!ok || !s->input || !check_post(c, s, v[1]->ents, &P, NULL, 0, cols, n, &raw))
        return false;
    st->u.aggregate.aggs = P.aggs;
    st->out = (ir_schema){.cols = cols, .n = n};
    if (P.computed)
        keep_post(c, st, &P, 0, &raw);
    return true;
}

/* ------------------------------------------------ build_hash, hash_group_by */

/* Column items of a list argument into exprs/cols; false on any error. */
static bool col_list(tc_ctx *c, const tc_scope *s, ir_val *v, const char *arg, bool nonempty, ir_expr ***exprs,
                     ir_column **cols, int *n)
{
    ir_val **items = NULL;
    *n = 0;
    if (!v)
        return true;
    int k = tc_list_items(v, &items);
    if (k < 0 || (nonempty && k == 0)) {
        ir_error(c->d, v->span, "':%s' of %s must be a list of %scolumns", arg, s->stmt->op.s,
                 nonempty ? "one or more " : "");
        return false;
    }
    *exprs = TC_NEWN(c, ir_expr *, k);
    *cols = TC_NEWN(c, ir_column, k);
    bool ok = true;
    for (int i = 0; i < k; i++) {
        ir_val *it = item_at(v, items, i);
        ir_expr *e = tc_input_col(c, s, it, arg);
        if (!e) {
            ok = false;
            continue;
        }
        (*exprs)[i] = e;
        (*cols)[i] = s->input->out.cols[e->u.col.index];
        (*cols)[i].span = (*cols)[i].name.span = it->span;
    }
    *n = k;
    return ok;
}

/* The key of a table built with :key = [] and of the joins that probe it:
** one constant, so that every probe row finds every entry and the hash
** join's machinery (pairs, :condition, unmatched rows, spilling) is a
** nested-loop join unchanged. */
static ir_expr *keyless_key(tc_ctx *c, ir_span at)
{
    ir_expr *e = TC_NEWN(c, ir_expr, 1);
    e->kind = IR_E_LIT;
    e->span = at;
    e->u.lit.type = e->ty.type = TIR_I32;
    return e;
}

static bool is_empty_list(ir_val *v)
{
    ir_val **items;
    return v && tc_list_items(v, &items) == 0;
}

static bool op_build(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    ir_expr **keys = NULL, **vals = NULL;
    ir_column *kc = NULL, *vc = NULL;
    int nk, nv;
    bool keyless = is_empty_list(v[1]);
    bool ok = v[1] && (keyless || col_list(c, s, v[1], "key", true, &keys, &kc, &nk));
    if (keyless) {
        nk = 1;
        keys = TC_NEWN(c, ir_expr *, 1);
        keys[0] = keyless_key(c, v[1]->span);
        kc = TC_NEWN(c, ir_column, 1);
        kc->name = (ir_name){"(no key)", v[1]->span};
        kc->span = v[1]->span;
        kc->ty = keys[0]->ty;
    }
    ok &= col_list(c, s, v[2], "value", false, &vals, &vc, &nv);
    if (!ok || !s->input)
        return false;
    ir_column *cols = TC_NEWN(c, ir_column, nk + nv);
    memcpy(cols, kc, sizeof *cols * (size_t)nk);
    if (nv)
        memcpy(cols + nk, vc, sizeof *cols * (size_t)nv);
    for (int i = 0; i < nk + nv; i++)
        ok &= !dup_name(c, cols, i, "build_hash (:key and :value)");
    if (!ok)
        return false;
    st->u.build.keys = keys;
    st->u.build.vals = vals;
    st->u.build.nkeys = nk;
    st->u.build.nvals = nv;
    st->u.build.keyless = keyless;
    st->ht_nkeys = nk;
    st->out = (ir_schema){.cols = cols, .n = nk + nv};
    return true;
}

/* :group_by as a map { "name": expr }: keys computed from the input's row. */
static bool expr_keys(tc_ctx *c, const tc_scope *s, ir_val *m, ir_expr ***exprs, ir_column **cols, int *n)
{
    *n = m->n;
    if (m->n == 0) {
        ir_error(c->d, m->span, "':group_by' of hash_group_by must name one or more keys");
        return false;
    }
    *exprs = TC_NEWN(c, ir_expr *, m->n);
    *cols = TC_NEWN(c, ir_column, m->n);
    bool ok = true;
    for (int i = 0; i < m->n; i++) {
        ir_mapent *ent = &m->ents[i];
        ir_column *col = &(*cols)[i];
        col->name = ent->key;
        col->span = ent->key.span;
        if (ent->val->kind != IR_V_EXPR) {
            ir_error(c->d, ent->val->span, "the value of key '%s' must be an expression", ent->key.s);
            ok = false;
            continue;
        }
        if (!tc_expr(c, s, &ent->val->expr)) {
            ok = false;
            continue;
        }
        ir_expr *e = (*exprs)[i] = ent->val->expr;
        if (tc_is_null_lit(e)) {
            ir_error(c->d, e->span, "key '%s' is always NULL: group by something that varies", ent->key.s);
            ok = false;
            continue;
        }
        col->ty = tc_keep(e->ty, e->ty.nullable);
    }
    return ok;
}

static bool op_group(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    ir_expr **keys = NULL;
    ir_column *kc = NULL;
    int nk = 0, na = v[2] && v[2]->kind == IR_V_MAP ? v[2]->n : 0;
    bool ok = v[1] && (v[1]->kind == IR_V_MAP ? expr_keys(c, s, v[1], &keys, &kc, &nk)
                                              : col_list(c, s, v[1], "group_by", true, &keys, &kc, &nk));
    agg_plan P = {0};
    ir_column *cols = TC_NEWN(c, ir_column, nk + na);
    ok &= v[2] && check_aggs(c, s, v[2], true, &P, cols + nk, "hash_group_by");
    if (!ok || !s->input)
        return false;
    for (int i = 0; i < nk; i++) {
        cols[i] = kc[i];
        cols[i].ty.order = IR_ORDER_NONE;
        cols[i].ty.unique = nk == 1; /* one key: one output row per value */
    }
    for (int i = 0; i < nk + na; i++)
        ok &= !dup_name(c, cols, i, "hash_group_by (:group_by and :aggregates)");
    ir_schema raw = {0};
    if (!ok || !check_post(c, s, v[2]->ents, &P, cols, nk, cols + nk, na, &raw))
        return false;
    st->u.group.keys = keys;
    st->u.group.nkeys = nk;
    st->u.group.aggs = P.aggs;
    st->u.group.naggs = P.n;
    st->out = (ir_schema){.cols = cols, .n = nk + na};
    if (P.computed)
        keep_post(c, st, &P, nk, &raw);
    return true;
}

/* ------------------------------------------ build_bloom, delete, write_table */

static bool op_bloom(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    if (!v[1])
        return false;
    ir_val **items = NULL;
    if (tc_list_items(v[1], &items) != 1) {
        ir_error(c->d, v[1]->span, "':key' of build_bloom must be one column: a bloom filter has a single key");
        return false;
    }
    ir_expr **keys = NULL;
    ir_column *kc = NULL;
    int nk;
    if (!col_list(c, s, v[1], "key", true, &keys, &kc, &nk) || !s->input)
        return false;
    /* NULL keys match nothing, so the filter holds only values */
    kc[0].ty = tc_keep(kc[0].ty, false);
    st->u.bloom.key = keys[0];
    st->out = (ir_schema){.cols = kc, .n = 1};
    return true;
}

/* A tuple of one non-nullable i64 field, named at the operator. */
static void count_tuple(tc_ctx *c, ir_stmt *st, const char *field)
{
    ir_column *col = TC_NEWN(c, ir_column, 1);
    col->name = (ir_name){field, st->op.span};
    col->ty = plain(TIR_I64, false);
    col->span = st->op.span;
    st->out = (ir_schema){.cols = col, .n = 1};
}

/* delete marks rows of the table its pipeline scans, so its input must
** still be those rows: the scan's, through operators that keep each row
** one table row (filter, project, limit). */
static bool op_delete(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    ir_stmt *x = s->input;
    while (x && x->kind != IR_OP_SCAN) {
        if (x->kind != IR_OP_FILTER && x->kind != IR_OP_PROJECT && x->kind != IR_OP_LIMIT) {
            ir_error(c->d, v[0]->span, "rows after a %s (%s) are not rows of the table; delete takes the rows of "
                                       "its pipeline's table_scan through filter, project and limit only",
                     x->op.s, x->target.s);
            return false;
        }
        x = x->input;
    }
    if (!x)
        return false;
    const ir_table *t = x->u.scan.table;
    if (!t) {
        const ir_stmt *r = x->u.scan.src_stmt;
        ir_error(c->d, st->op.span, "delete works on native tables (read_table); %s scans %s.%s, a relation of "
                                    "another pipeline", x->target.s, r->pipeline->name.s, r->target.s);
        return false;
    }
    if (!t->native) {
        ir_error(c->d, st->op.span, "delete works on native tables (read_table); '%s' is %s", t->name.s,
                 t->source.s);
        return false;
    }
    char err[512];
    if (t->path && c->p->check_path && !c->p->check_path(c->p->check_path_ctx, t->path, true, err, sizeof err)) {
        ir_error(c->d, st->op.span, "%s", err);
        return false;
    }
    st->u.del.scan = x;
    count_tuple(c, st, "deleted");
    return true;
}

static bool op_write(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    bool ok = v[1] != NULL;
    if (v[1]) {
        ir_expr *e = val_expr(v[1]);
        if (!is_str_lit(e)) {
            ir_error(c->d, v[1]->span, "':path' of write_table must be the file path as a string literal");
            ok = false;
        } else if (e->u.lit.slen == 0) {
            ir_error(c->d, v[1]->span, "':path' of write_table is empty");
            ok = false;
        } else {
            st->u.write.path = tc_resolve_path(c, e->u.lit.s, v[1]->span, true);
            ok = ok && st->u.write.path;
        }
    }
    if (!s->input)
        return false;
    bool *bloom = TC_NEWN(c, bool, s->input->out.n);
    if (v[2]) {
        ir_val **items = NULL;
        int n = tc_list_items(v[2], &items);
        if (n < 0) {
            ir_error(c->d, v[2]->span, "':bloom' of write_table must be a list of columns");
            return false;
        }
        for (int i = 0; i < n; i++) {
            ir_val *it = item_at(v[2], items, i);
            ir_expr *e = tc_input_col(c, s, it, "bloom");
            if (!e) {
                ok = false;
            } else if (bloom[e->u.col.index]) {
                ir_error(c->d, it->span, "column '%s' is listed twice in :bloom", e->u.col.name.s);
                ok = false;
            } else {
                bloom[e->u.col.index] = true;
            }
        }
    }
    if (!ok)
        return false;
    st->u.write.bloom = bloom;
    count_tuple(c, st, "rows");
    return true;
}

/* ------------------------------------------------------------- hash_join */

bool tc_join_kind(tc_ctx *c, const ir_val *v, ir_joinkind *out)
{
    *out = IR_JOIN_INNER;
    if (!v)
        return true;
    const char *kn = name_of(val_expr(v));
    int k = 0;
    while (kn && k < IR_JOIN_NKINDS && strcmp(kn, ir_joinkind_name((ir_joinkind)k)))
        k++;
    if (!kn || k == IR_JOIN_NKINDS) {
        ir_error(c->d, v->span, "unknown join kind '%s' (expected inner, left, semi, anti, right, full)",
                 kn ? kn : "?");
        return false;
    }
    *out = (ir_joinkind)k;
    return true;
}

static bool proj_item(tc_ctx *c, const tc_scope *s, ir_joinkind jk, const tc_sides *sd, ir_val *v,
                      ir_projitem *pi, ir_column *col)
{
    const char *op = s->stmt->op.s;
    ir_expr *e = val_expr(v);
    if (is_str_lit(e)) {
        if (!s->input || !sd->other)
            return false;
        const char *n = e->u.lit.s;
        int i = tc_col_index(&s->input->out, n), h = tc_col_index(sd->other, n);
        if (i >= 0 && h >= sd->amb_from) {
            ir_error(c->d, e->span, "'%s' is ambiguous: both the input and %s have it; write $in.%s or %s.%s", n,
                     sd->what, n, sd->var, n);
            return false;
        }
        if (i < 0 && h < 0) {
            ir_error(c->d, e->span, "no column '%s' in the input (%s) or %s (%s)", n,
                     tc_col_list(c, &s->input->out), sd->what, tc_col_list(c, sd->other));
            return false;
        }
        *pi = i >= 0 ? (ir_projitem){0, i} : (ir_projitem){1, h};
    } else if (e && (e->kind == IR_E_COL || (e->kind == IR_E_PATH && e->u.path.nparts <= 2))) {
        if (!tc_expr(c, s, &v->expr))
            return false;
        e = v->expr;
        if (e->kind != IR_E_COL) {
            ir_error(c->d, e->span, "%s :projection items must be columns", op);
            return false;
        }
        *pi = (ir_projitem){e->u.col.side, e->u.col.index};
    } else {
        ir_error(c->d, v->span, "%s :projection items must be columns: $in.x, %s.x, %s.x or \"x\"", op,
                 input_name(s), sd->var);
        return false;
    }
    const ir_schema *from = pi->side ? sd->other : &s->input->out;
    if (pi->side == 1 && (jk == IR_JOIN_SEMI || jk == IR_JOIN_ANTI)) {
        ir_error(c->d, v->span, "a %s join outputs only input columns; '%s' is a column of %s", ir_joinkind_name(jk),
                 from->cols[pi->index].name.s, sd->what);
        return false;
    }
    col->name = from->cols[pi->index].name;
    col->span = col->name.span = v->span;
    return true;
}

bool tc_join_projection(tc_ctx *c, const tc_scope *s, ir_joinkind jk, ir_val *v, const tc_sides *sd,
                        bool other_unique, ir_projitem **pproj, ir_column **pcols, int *pn)
{
    ir_stmt *st = s->stmt;
    const char *op = st->op.s;
    tc_scope ps = *s;
    ps.side1 = sd->var;
    ps.side1_cols = sd->other;
    bool ok = true, filtering = jk == IR_JOIN_SEMI || jk == IR_JOIN_ANTI;
    int n;
    ir_projitem *proj;
    ir_column *cols;
    if (v) {
        ir_val **items = NULL;
        bool map = v->kind == IR_V_MAP;
        n = map ? v->n : tc_list_items(v, &items);
        proj = TC_NEWN(c, ir_projitem, n);
        cols = TC_NEWN(c, ir_column, n);
        for (int i = 0; i < n; i++) {
            ir_val *it = map ? v->ents[i].val : item_at(v, items, i);
            if (!proj_item(c, &ps, jk, sd, it, &proj[i], &cols[i])) {
                ok = false;
                continue;
            }
            if (map) {
                cols[i].name = v->ents[i].key;
                cols[i].span = v->ents[i].key.span;
            }
            for (int j = 0; j < i; j++) {
                if (cols[j].name.s && !strcmp(cols[j].name.s, cols[i].name.s)) {
                    if (map)
                        ir_error(c->d, cols[i].span, "duplicate output column '%s' in %s :projection", cols[i].name.s,
                                 op);
                    else
                        ir_error(c->d, cols[i].span, "duplicate output column '%s' in %s; rename with the map form "
                                 ":projection = { \"new_name\": column, ... }", cols[i].name.s, op);
                    ok = false;
                    break;
                }
            }
        }
    } else {
        if (!s->input || !sd->other)
            return false;
        int nin = s->input->out.n, nval = filtering ? 0 : sd->ndef;
        n = nin + nval;
        proj = TC_NEWN(c, ir_projitem, n);
        cols = TC_NEWN(c, ir_column, n);
        const char *clash = NULL;
        for (int i = 0; i < n; i++) {
            proj[i] = i < nin ? (ir_projitem){0, i} : (ir_projitem){1, sd->defcols[i - nin]};
            cols[i] = (i < nin ? &s->input->out : sd->other)->cols[proj[i].index];
            cols[i].span = st->op.span;
            if (i >= nin && tc_col_index(&s->input->out, cols[i].name.s) >= 0)
                clash = clash ? tc_str(c, ir_sprintf(c->a, "%s, %s", clash, cols[i].name.s)) : cols[i].name.s;
        }
        if (clash) {
            ir_error(c->d, st->op.span,
                     "%s would output the input's and %s's columns of the same name (%s); "
                     "choose and rename columns with :projection = { \"new_name\": column, ... }", op, sd->what,
                     clash);
            ok = false;
        }
    }
    if (!ok || !s->input || !sd->other)
        return false;
    for (int i = 0; i < n; i++) {
        if (proj[i].side == 0) {
            cols[i].ty = s->input->out.cols[proj[i].index].ty;
            cols[i].ty.unique &= filtering || (other_unique && !IR_JOIN_KEEPS_BUILD(jk));
            cols[i].ty.nullable |= IR_JOIN_KEEPS_BUILD(jk);
        } else {
            cols[i].ty = sd->other->cols[proj[i].index].ty;
            cols[i].ty.unique = false;
            cols[i].ty.order = IR_ORDER_NONE;
            cols[i].ty.nullable |= jk == IR_JOIN_LEFT || jk == IR_JOIN_FULL;
        }
    }
    *pproj = proj;
    *pcols = cols;
    *pn = n;
    return true;
}

static bool join_keys(tc_ctx *c, const tc_scope *s, ir_val *v, ir_stmt *ht)
{
    ir_stmt *st = s->stmt;
    ir_val **items = NULL;
    int n = tc_list_items(v, &items);
    bool keyless = ht && ht->u.build.keyless;
    if (n < 0 || (n == 0 && ht && !keyless)) {
        ir_error(c->d, v->span, "':key' of hash_join must be a list of key expressions over the input%s",
                 n == 0 ? " (:key = [] probes only a table built with :key = [])" : "");
        return false;
    }
    if (keyless && n > 0) {
        ir_error(c->d, v->span, "hash table %s.%s has no key (built with :key = []): write :key = [] and put the "
                 "conditions in :condition", ht->pipeline->name.s, ht->target.s);
        return false;
    }
    if (n == 0) {
        st->u.join.keys = TC_NEWN(c, ir_expr *, 1);
        st->u.join.keys[0] = keyless_key(c, v->span);
        return !!ht;
    }
    ir_expr **keys = TC_NEWN(c, ir_expr *, n);
    bool ok = true;
    for (int i = 0; i < n; i++) {
        ir_val *it = item_at(v, items, i);
        if (it->kind != IR_V_EXPR) {
            ir_error(c->d, it->span, "a join key must be an expression over the input");
            ok = false;
        } else if (tc_expr(c, s, &it->expr)) {
            keys[i] = it->expr;
        } else {
            ok = false;
        }
    }
    if (!ok || !ht)
        return false;
    if (n != ht->ht_nkeys) {
        ir_error(c->d, v->span, "hash_join has %d key%s but hash table %s.%s has %d key column%s", n,
                 n == 1 ? "" : "s", ht->pipeline->name.s, ht->target.s, ht->ht_nkeys, ht->ht_nkeys == 1 ? "" : "s");
        return false;
    }
    for (int i = 0; i < n; i++) {
        ir_expr **pk = &item_at(v, items, i)->expr;
        tir_type kt = (*pk)->ty.type, ht_t = ht->out.cols[i].ty.type;
        /* only the probe side can adapt: the table is already built */
        if ((ht_t == TIR_DECIMAL && kt != TIR_DECIMAL128 && tc_coerce_dec(c, pk, ht->out.cols[i].ty)) ||
            (ht_t == TIR_DECIMAL128 && tc_coerce_wide(c, pk, ht->out.cols[i].ty))) {
            keys[i] = *pk;
            continue;
        }
        if (ht_t == TIR_DECIMAL || kt == TIR_DECIMAL || ht_t == TIR_DECIMAL128 || kt == TIR_DECIMAL128) {
            char t1[32], t2[32];
            ir_error(c->d, (*pk)->span, "join key type mismatch: %s probe key vs %s hash-table key",
                     ir_type_text(kt, (*pk)->ty.prec, (*pk)->ty.scale, t1),
                     ir_type_text(ht_t, ht->out.cols[i].ty.prec, ht->out.cols[i].ty.scale, t2));
            ok = false;
            continue;
        }
        if (kt == ht_t || ((*pk)->kind == IR_E_LIT && tc_lit_convert(*pk, ht_t)) ||
            (kt == TIR_I32 && ht_t == TIR_I64 && tc_coerce(c, pk, ht_t)) ||
            (kt == TIR_DATE && ht_t == TIR_TIMESTAMP && tc_coerce(c, pk, ht_t))) {
            keys[i] = *pk;
            continue;
        }
        /* a wider probe key: the table's side is where to widen (narrowing the probe may fail) */
        const char *widen = tc_numeric(kt) && tc_numeric(ht_t)
                                ? ir_sprintf(c->a, "; the table, already built, cannot widen: cast its key to %s in the "
                                             "input of %s.%s", tc_type_name(kt), ht->pipeline->name.s, ht->target.s)
                                : NULL;
        ir_error(c->d, (*pk)->span, "join key type mismatch: %s probe key vs %s hash-table key%s", tc_type_name(kt),
                 tc_type_name(ht_t), widen ? widen : tc_cast_hint(c, *pk, ht_t));
        ok = false;
    }
    st->u.join.keys = keys;
    return ok;
}

/* :condition, a bool over the input row and the table entry of a pair. */
static bool join_condition(tc_ctx *c, const tc_scope *s, ir_val *v, ir_stmt *ht)
{
    if (v->kind != IR_V_EXPR) {
        ir_error(c->d, v->span, "':condition' of hash_join must be a bool expression over $in and $ht");
        return false;
    }
    tc_scope cs = *s;
    cs.side1 = "$ht";
    cs.side1_cols = ht ? &ht->out : NULL;
    if (!tc_expr(c, &cs, &v->expr))
        return false;
    if (v->expr->ty.type != TIR_BOOL) {
        ir_error(c->d, v->expr->span, "':condition' of hash_join must be bool, found %s",
                 tc_type_name(v->expr->ty.type));
        return false;
    }
    s->stmt->u.join.cond = v->expr;
    return true;
}

static bool op_join(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    ir_stmt *ht = NULL;
    ir_expr *he = val_expr(v[1]);
    if (!v[1]) {
        /* reported as missing */
    } else if (is_path(he, 2)) {
        ht = tc_other_value(c, s->pl, &he->u.path.parts[0], &he->u.path.parts[1]);
        if (ht && ht->vkind != IR_VK_HASHTABLE) {
            ir_error(c->d, he->span, "'%s.%s' is a %s; :ht needs the output of build_hash", he->u.path.parts[0].s,
                     he->u.path.parts[1].s, tc_vkind_name(ht->vkind));
            ht = NULL;
        }
    } else if (is_path(he, 1) && tc_find_stmt(c, s->pl, he->u.path.parts[0].s)) {
        ir_error(c->d, he->span, "'%s' is in this pipeline; a hash join probes a hash table built by another "
                                 "pipeline (:ht = pipeline.value)", he->u.path.parts[0].s);
    } else {
        ir_error(c->d, v[1]->span, "':ht' of hash_join must name a build_hash of another pipeline: pipeline.value");
    }
    st->u.join.ht = ht;

    ir_joinkind jk;
    tc_join_kind(c, v[3], &jk);
    st->u.join.jkind = jk;
    if (ht && IR_JOIN_KEEPS_BUILD(jk))
        ht->u.build.keep_null_keys = true;
    bool ok = v[2] && join_keys(c, s, v[2], ht);

    /* the default projection carries the table's value columns */
    int nval = ht ? ht->out.n - ht->ht_nkeys : 0;
    int *defcols = TC_NEWN(c, int, nval);
    for (int i = 0; i < nval; i++)
        defcols[i] = ht->ht_nkeys + i;
    tc_sides sd = {ht ? &ht->out : NULL, ht ? ht->ht_nkeys : 0, defcols, nval, "$ht", "the hash table"};
    /* at most one match per probe row keeps probe-side uniqueness */
    bool ht_unique = false;
    for (int k = 0; ht && k < ht->ht_nkeys; k++)
        ht_unique |= ht->out.cols[k].ty.unique;
    int n;
    ir_projitem *proj;
    ir_column *cols;
    ok &= !v[5] || join_condition(c, s, v[5], ht);
    if (!tc_join_projection(c, s, jk, v[4], &sd, ht_unique, &proj, &cols, &n) || !ok || !ht)
        return false;
    st->u.join.proj = proj;
    st->out = (ir_schema){.cols = cols, .n = n};
    /* input rows keep their order unless rows are added after a batch's
    ** pairs: its unmatched rows (a left join with a condition) or the
    ** build side's (right, full) */
    bool reorders = IR_JOIN_KEEPS_BUILD(jk) || (jk == IR_JOIN_LEFT && st->u.join.cond);
    int *map = TC_NEWN(c, int, n);
    for (int i = 0; i < n; i++) {
        map[i] = proj[i].side == 0 && !reorders ? proj[i].index : -1;
        if (reorders)
            cols[i].ty.order = IR_ORDER_NONE;
    }
    tc_order_through(c, &s->input->out, map, &st->out);
    return true;
}

/* ------------------------------------------------------------- statement */

void tc_stmt(tc_ctx *c, ir_pipeline *pl, int i)
{
    ir_stmt *st = pl->stmts[i];
    const opdef *od = NULL;
    for (int k = 0; k < NOPS && !od; k++)
        if (!strcmp(opdefs[k].name, st->op.s))
            od = &opdefs[k];
    if (!od) {
        const char *names = opdefs[0].name, *each[NOPS];
        for (int k = 1; k < NOPS; k++)
            names = tc_str(c, ir_sprintf(c->a, "%s, %s", names, opdefs[k].name));
        for (int k = 0; k < NOPS; k++)
            each[k] = opdefs[k].name;
        ir_error(c->d, st->op.span, "unknown operator '%s'%s (expected %s)", st->op.s,
                 tc_meant(c, st->op.s, each, NOPS), names);
        st->kind = IR_OP_UNKNOWN;
        tc_fail(c, st);
        return;
    }
    st->kind = od->kind;
    switch (od->kind) {
    case IR_OP_AGGREGATE:
    case IR_OP_DELETE:
    case IR_OP_WRITE_TABLE: st->vkind = IR_VK_TUPLE; break;
    case IR_OP_BUILD_HASH: st->vkind = IR_VK_HASHTABLE; break;
    case IR_OP_BUILD_BLOOM: st->vkind = IR_VK_BLOOM; break;
    default: st->vkind = IR_VK_RELATION; break;
    }
    bool source = od->kind == IR_OP_SCAN || od->kind == IR_OP_UNION;
    if (i == 0 && !source)
        ir_error(c->d, st->op.span, "a pipeline starts with its one source, table_scan or union_all; found %s",
                 od->name);
    if (i > 0 && source && !ir_diags_full(c->d)) {
        int k = 0;
        while (pl->stmts[k]->kind != IR_OP_SCAN && pl->stmts[k]->kind != IR_OP_UNION)
            k++;
        if (k < i)
            ir_error(c->d, st->op.span, "%s already has a source (%s = %s); a pipeline reads one source, "
                                        "so scan this one in its own pipeline", pl->name.s, pl->stmts[k]->target.s,
                     pl->stmts[k]->op.s);
        else
            ir_error(c->d, st->op.span, "%s must be the first statement of %s", od->name, pl->name.s);
    }
    ir_val *v[MAXARGS] = {0};
    collect_args(c, st, od, v);
    tc_scope s = {.pl = pl, .stmt = st};
    if (!source) {
        st->input = resolve_input(c, pl, i, v[0]);
        s.input = st->input;
    }
    bool ok = false;
    switch (od->kind) {
    case IR_OP_SCAN: ok = op_scan(c, &s, v); break;
    case IR_OP_FILTER: ok = op_filter(c, &s, v); break;
    case IR_OP_PROJECT: ok = op_project(c, &s, v); break;
    case IR_OP_AGGREGATE: ok = op_aggregate(c, &s, v); break;
    case IR_OP_BUILD_HASH: ok = op_build(c, &s, v); break;
    case IR_OP_HASH_JOIN: ok = op_join(c, &s, v); break;
    case IR_OP_GROUP_BY: ok = op_group(c, &s, v); break;
    case IR_OP_LIMIT: ok = op_limit(c, &s, v); break;
    case IR_OP_BUILD_BLOOM: ok = op_bloom(c, &s, v); break;
    case IR_OP_DELETE: ok = op_delete(c, &s, v); break;
    case IR_OP_WRITE_TABLE: ok = op_write(c, &s, v); break;
    case IR_OP_SORT: ok = tc_op_sort(c, &s, v); break;
    case IR_OP_MERGE_JOIN: ok = tc_op_merge_join(c, &s, v); break;
    case IR_OP_WINDOW: ok = tc_op_window(c, &s, v); break;
    case IR_OP_UNION: ok = tc_op_union(c, &s, v); break;
    case IR_OP_UNKNOWN: break;
    }
    tc_no_ordering(c, st);
    if (ok && st->out.n > TIR_MAX_COLUMNS) {
        ir_error(c->d, st->target.span, "%s has %d columns; at most %d are supported", st->target.s, st->out.n,
                 TIR_MAX_COLUMNS);
        ok = false;
    }
    if (!ok)
        tc_fail(c, st);
}
