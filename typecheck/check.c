/*
** check.c — the type checker's program level: tables, the shared name
** space of tables and pipelines, checking pipelines in dependency order
** (a pipeline is checked before any pipeline that reads its values, which
** is also where reference cycles are found), outputs, the files a program
** writes, the warnings about prunes before outer joins, and the final
** topological order of p->pipelines.
*/
#include "tc.h"
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *tc_new(tc_ctx *c, size_t n)
{
    void *p = ir_alloc(c->a, n);
    if (!p)
        longjmp(c->oom, 1);
    return p;
}

const char *tc_str(tc_ctx *c, const char *s)
{
    if (!s)
        longjmp(c->oom, 1);
    return s;
}

void tc_fail(tc_ctx *c, ir_stmt *st)
{
    (void)c;
    st->out = (ir_schema){0};
    st->ht_nkeys = 0;
    st->failed = true;
}

bool tc_failed(const tc_ctx *c, const ir_stmt *st)
{
    (void)c;
    return st->failed;
}

ir_table *tc_find_table(const tc_ctx *c, const char *name)
{
    return ir_map_get(&c->tables, NULL, name);
}

ir_pipeline *tc_find_pipeline(const tc_ctx *c, const char *name)
{
    return ir_map_get(&c->pipelines, NULL, name);
}

ir_stmt *tc_find_stmt(const tc_ctx *c, const ir_pipeline *pl, const char *name)
{
    return ir_map_get(&c->stmts, pl, name);
}

const char *tc_vkind_name(ir_valkind k)
{
    switch (k) {
    case IR_VK_TUPLE: return "tuple";
    case IR_VK_HASHTABLE: return "hash table";
    case IR_VK_BLOOM: return "bloom filter";
    default: return "relation";
    }
}

/* Names listed in a message before "and N more". */
#define NAMES_SHOWN 20

/* "a, b, c" of the names of things: the first n statements of pl (pl != NULL),
** or all pipelines or tables; at most NAMES_SHOWN of them. */
static const char *names_list(tc_ctx *c, const ir_pipeline *pl, int nstmts, bool tables)
{
    int all = pl ? nstmts : tables ? c->p->ntables : c->np;
    int n = all < NAMES_SHOWN ? all : NAMES_SHOWN;
    if (ir_diags_full(c->d))   /* the message will not be kept */
        return "";
    size_t len = 32;
    for (int i = 0; i < n; i++) {
        const char *s = pl ? pl->stmts[i]->target.s : tables ? c->p->tables[i]->name.s : c->src[i]->name.s;
        len += strlen(s) + 2;
    }
    char *buf = tc_new(c, len), *p = buf;
    for (int i = 0; i < n; i++) {
        const char *s = pl ? pl->stmts[i]->target.s : tables ? c->p->tables[i]->name.s : c->src[i]->name.s;
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, s, strlen(s));
        p += strlen(s);
    }
    if (all > n)
        p += sprintf(p, " and %d more", all - n);
    *p = 0;
    return n ? buf : "none";
}

const char *tc_meant(tc_ctx *c, const char *name, const char *const *cands, int n)
{
    const char *m = name && n > 0 ? ir_closest(name, cands, (size_t)n) : NULL;
    return m ? tc_str(c, ir_sprintf(c->a, ": did you mean '%s'?", m)) : "";
}

const char *tc_meant_col(tc_ctx *c, const char *name, const ir_schema *s)
{
    const char **names = TC_NEWN(c, const char *, s->n);
    for (int i = 0; i < s->n; i++)
        names[i] = s->cols[i].name.s;
    return tc_meant(c, name, names, s->n);
}

/* tables (what 1), pipelines (2) or the statements of pl (pl given) */
static const char *meant_name(tc_ctx *c, const char *name, const ir_pipeline *pl, int what)
{
    int n = pl ? pl->n : what == 1 ? c->p->ntables : c->np;
    const char **names = TC_NEWN(c, const char *, n);
    for (int i = 0; i < n; i++)
        names[i] = pl ? pl->stmts[i]->target.s : what == 1 ? c->p->tables[i]->name.s : c->src[i]->name.s;
    return tc_meant(c, name, names, n);
}

const char *tc_meant_table(tc_ctx *c, const char *name)
{
    return meant_name(c, name, NULL, 1);
}

const char *tc_stmt_list(tc_ctx *c, const ir_pipeline *pl, int n)
{
    return names_list(c, pl, n, false);
}

const char *tc_table_list(tc_ctx *c)
{
    return names_list(c, NULL, 0, true);
}

static void check_pipeline(tc_ctx *c, ir_pipeline *pl);

static void add_dep(tc_ctx *c, ir_pipeline *from, ir_pipeline *to)
{
    void *had = ir_map_get(&c->edges, from, to->name.s);
    if (had)
        return;
    if (!ir_map_put(&c->edges, from, to->name.s, to))
        longjmp(c->oom, 1);
    if (from->ndeps == from->capdeps) {
        int cap = from->capdeps ? 2 * from->capdeps : 4;
        ir_pipeline **deps = TC_NEWN(c, ir_pipeline *, cap);
        if (from->ndeps)
            memcpy(deps, from->deps, sizeof *deps * (size_t)from->ndeps);
        from->deps = deps;
        from->capdeps = cap;
    }
    from->deps[from->ndeps++] = to;
}

ir_stmt *tc_other_value(tc_ctx *c, ir_pipeline *from, const ir_name *pipe, const ir_name *val)
{
    ir_pipeline *to = tc_find_pipeline(c, pipe->s);
    if (!to) {
        if (tc_find_table(c, pipe->s))
            ir_error(c->d, pipe->span, "'%s' is a table, not a pipeline (read tables with table_scan :table = %s)",
                     pipe->s, pipe->s);
        else
            ir_error(c->d, pipe->span, "unknown pipeline '%s'%s (pipelines: %s)", pipe->s,
                     meant_name(c, pipe->s, NULL, 2), names_list(c, NULL, 0, false));
        return NULL;
    }
    if (to == from) {
        ir_error(c->d, pipe->span,
                 "'%s.%s' is in the current pipeline; only values of other pipelines can be referenced this way",
                 pipe->s, val->s);
        return NULL;
    }
    int ti = to->index;
    if (from) {
        add_dep(c, from, to);
        if (c->state[ti] == TC_ACTIVE) {
            if (!ir_map_get(&c->cycles, from, to->name.s)) {
                if (!ir_map_put(&c->cycles, from, to->name.s, to))
                    longjmp(c->oom, 1);
                /* the stack runs from `to` up to `from` (checked last, on top) */
                char msg[512];
                size_t len = (size_t)snprintf(msg, sizeof msg, "%s", from->name.s);
                int k = ir_diags_full(c->d) ? c->nstack : c->nstack - 1;
                while (k > 0 && k < c->nstack && c->stack[k] != to)
                    k--;
                for (int j = k; j < c->nstack && len < sizeof msg; j++)
                    len += (size_t)snprintf(msg + len, sizeof msg - len, " -> %s", c->stack[j]->name.s);
                ir_error(c->d, pipe->span, "pipeline reference cycle: %s", msg);
            }
            return NULL;
        }
        if (c->state[ti] == TC_UNVISITED) {
            /* only inside a cycle (check_order put every other pipeline this
            ** one reads before it), so the depth is bounded there instead */
            if (c->nstack >= TC_MAX_NESTED_CHECKS) {
                ir_error(c->d, pipe->span, "pipeline reference cycle through %s (more than %d pipelines long)",
                         to->name.s, TC_MAX_NESTED_CHECKS);
                return NULL;
            }
            check_pipeline(c, to);
        }
    }
    ir_stmt *st = tc_find_stmt(c, to, val->s);
    ir_stmt *moved = st ? NULL : ir_map_get(&c->moved, to, val->s);
    if (moved)
        return tc_other_value(c, from, &moved->pipeline->name, val);
    if (!st) {
        ir_error(c->d, val->span, "no value '%s' in %s%s (values: %s)", val->s, pipe->s,
                 meant_name(c, val->s, to, 0), names_list(c, to, to->n, false));
        return NULL;
    }
    st->used_later = true;
    return tc_failed(c, st) ? NULL : st;
}

static void check_pipeline(tc_ctx *c, ir_pipeline *pl)
{
    int pi = pl->index;
    c->state[pi] = TC_ACTIVE;
    c->stack[c->nstack++] = pl;
    if (pl->n == 0)
        ir_error(c->d, pl->name.span, "pipeline '%s' has no statements", pl->name.s);
    for (int i = 0; i < pl->n; i++) {
        ir_stmt *st = pl->stmts[i];
        ir_stmt *first = tc_find_stmt(c, pl, st->target.s);
        if (first != st && !ir_diags_full(c->d)) {
            char at[256];
            ir_srcmap m = ir_diags_srcmap(c->d);
            ir_where(at, sizeof at, &m, first->target.span);
            ir_error(c->d, st->target.span, "duplicate statement name '%s' in %s (first defined at %s)",
                     st->target.s, pl->name.s, at);
        } else if (first != st) {
            ir_error(c->d, st->target.span, "duplicate statement name '%s'", st->target.s);
        }
        tc_stmt(c, pl, i);
    }
    c->nstack--;
    c->state[pi] = TC_DONE;
}

/* ---------------------------------------------------------------- tables */

static const ir_expr *lit_arg(const ir_arg *arg)
{
    const ir_val *v = arg->val;
    return v && v->kind == IR_V_EXPR && v->expr->kind == IR_E_LIT && !v->expr->u.lit.is_null ? v->expr : NULL;
}

const char *tc_resolve_path(tc_ctx *c, const char *path, ir_span at, bool write)
{
    const char *file = c->p->file;
    const char *slash = file ? strrchr(file, '/') : NULL;
    const char *full = path[0] == '/' || !slash ? path : tc_str(c, ir_sprintf(c->a, "%.*s/%s", (int)(slash - file), file, path));
    char err[512];
    if (c->p->check_path && !c->p->check_path(c->p->check_path_ctx, full, write, err, sizeof err)) {
        ir_error(c->d, at, "%s", err);
        return NULL;
    }
    return full;
}

/* The options of read_csv after the path; *seen marks those given. */
static void csv_option(tc_ctx *c, ir_table *t, const ir_arg *arg, bool seen[3])
{
    const ir_expr *l = lit_arg(arg);
    ir_span at = arg->val ? arg->val->span : arg->name.span;
    const char *n = arg->name.s[0] == ':' ? arg->name.s + 1 : arg->name.s;
    static const char *const known[] = {"header", "delimiter", "null_string"};
    int k = 0;
    while (k < 3 && strcmp(n, known[k]))
        k++;
    if (k == 3) {
        ir_error(c->d, arg->name.span, "unknown argument '%s' for read_csv (expected header, delimiter, null_string)", n);
        return;
    }
    if (seen[k]) {
        ir_error(c->d, arg->name.span, "duplicate argument '%s' for read_csv", n);
        return;
    }
    seen[k] = true;
    if (k == 0) {
        if (!l || l->u.lit.type != TIR_BOOL)
            ir_error(c->d, at, "'header' of read_csv must be true or false");
        else
            t->header = l->u.lit.i != 0;
    } else if (k == 1) {
        if (!l || l->u.lit.type != TIR_STRING || l->u.lit.slen != 1)
            ir_error(c->d, at, "'delimiter' of read_csv must be a one-character string");
        else
            t->delimiter = l->u.lit.s[0];
    } else {
        if (!l || l->u.lit.type != TIR_STRING)
            ir_error(c->d, at, "'null_string' of read_csv must be a string");
        else
            t->null_string = l->u.lit.s;
    }
}

/* Declared columns must agree with the ones the data has (a native table's
** file, a registered table), which `shown` names in messages. */
static void check_declared(tc_ctx *c, ir_table *t, const ir_schema *have, const char *shown)
{
    for (int i = 0; i < t->schema.n; i++) {
        ir_column *d = &t->schema.cols[i];
        int k = tc_col_index(have, d->name.s);
        if (k < 0) {
            ir_error(c->d, d->name.span, "no column '%s' in %s%s (columns: %s)", d->name.s, shown,
                     tc_meant_col(c, d->name.s, have), tc_col_list(c, have));
            continue;
        }
        const ir_coltype *f = &have->cols[k].ty;
        char fb[32], db[32];
        if (f->type != d->ty.type)
            ir_error(c->d, d->span, "column '%s' is %s in %s, declared %s", d->name.s,
                     ir_type_text(f->type, f->prec, f->scale, fb), shown,
                     ir_type_text(d->ty.type, d->ty.prec, d->ty.scale, db));
        /* a decimal's values are read at the data's scale: the declaration
        ** must have that scale, and room for the data's digits */
        else if ((f->type == TIR_DECIMAL || f->type == TIR_DECIMAL128) && (f->scale != d->ty.scale || f->prec > d->ty.prec))
            ir_error(c->d, d->span, "column '%s' is %s in %s, declared %s%s", d->name.s,
                     ir_type_text(f->type, f->prec, f->scale, fb), shown,
                     ir_type_text(d->ty.type, d->ty.prec, d->ty.scale, db),
                     f->scale != d->ty.scale ? " (the scales must agree)" : " (too few digits)");
        else if (f->nullable && !d->ty.nullable)
            ir_error(c->d, d->span, "column '%s' is nullable in %s; declare it nullable", d->name.s, shown);
        else if (d->ty.order != IR_ORDER_NONE && d->ty.order != f->order)
            ir_error(c->d, d->span, "column '%s' is declared %s but %s does not record it in that order (write the "
                     "table sorted: tirrun import --sort-by \"%s%s\", or write_table of a sorted relation)",
                     d->name.s, d->ty.order == IR_ORDER_ASC ? "asc" : "desc", shown, d->name.s,
                     d->ty.order == IR_ORDER_DESC ? " desc" : "");
        else
            d->ty.order = f->order; /* the file's (checked when its blocks are read) */
    }
}

/* A native table's columns come from its file when not declared; declared
** ones must agree with the file. A file that cannot be read yet (written by
** an earlier run of the program, say) leaves a declaration to be checked
** when the table is opened. `shown` is the path as written, `at` its span. */
static void native_schema(tc_ctx *c, ir_table *t, const char *shown, ir_span at)
{
    ir_program *p = c->p;
    char err[512] = "";
    ir_schema file = {0};
    bool read = p->read_schema && p->read_schema(p->read_schema_ctx, c->a, t->path, &file, err, sizeof err);
    if (t->schema.n == 0) {
        if (!read)
            ir_error(c->d, at, "cannot read the schema of table '%s': %s", t->name.s,
                     !p->read_schema ? "table files are not read here; declare its columns: "
                                       "read_table(\"...\") { name: type, ... }"
                     : err[0]        ? err
                                     : "unknown error");
        else if (file.n == 0)
            ir_error(c->d, at, "cannot read the schema of table '%s': %s has no columns", t->name.s, shown);
        else if (file.n > TIR_MAX_COLUMNS)
            ir_error(c->d, at, "table '%s': %s has %d columns; at most %d are supported", t->name.s, shown, file.n,
                     TIR_MAX_COLUMNS);
        if (!read || file.n == 0 || file.n > TIR_MAX_COLUMNS)
            return;
        /* columns named by the file point at the path in messages */
        t->schema = file;
        for (int i = 0; i < file.n; i++)
            file.cols[i].span = file.cols[i].name.span = at;
        return;
    }
    if (read)
        check_declared(c, t, &file, shown);
}

/* registered("name"): the columns come from what the host registered under
** that name; declared ones must agree. The program holds the data from now
** on, so a later registration under the name does not change what it reads. */
static void host_schema(tc_ctx *c, ir_table *t, const char *name, ir_span at)
{
    ir_program *p = c->p;
    char err[512] = "";
    ir_schema reg = {0};
    if (!p->resolve_host) {
        ir_error(c->d, at, "table '%s': registered tables are not available here", t->name.s);
        return;
    }
    if (!p->resolve_host(p->resolve_host_ctx, c->a, name, &reg, &t->host, err, sizeof err)) {
        if (c->a->nomem)
            longjmp(c->oom, 1);
        ir_error(c->d, at, "table '%s': %s", t->name.s, err);
        return;
    }
    if (t->schema.n == 0) {
        t->schema = reg;
        for (int i = 0; i < reg.n; i++)
            reg.cols[i].span = reg.cols[i].name.span = at;
        return;
    }
    for (int i = 0; i < t->schema.n; i++) {
        ir_coltype *d = &t->schema.cols[i].ty;
        if (d->order != IR_ORDER_NONE || d->unique)
            ir_error(c->d, t->schema.cols[i].span, "column '%s': a registered table records no order or "
                     "uniqueness (drop '%s'; sort it in the program)", t->schema.cols[i].name.s,
                     d->unique ? "unique" : d->order == IR_ORDER_ASC ? "asc" : "desc");
        d->order = IR_ORDER_NONE;
        d->unique = false;
    }
    check_declared(c, t, &reg, tc_str(c, ir_sprintf(c->a, "registered table \"%s\"", name)));
}

/* read_csv without columns: the file's, inferred when the program is
** compiled (the run loads the file with them: a file changed since then
** fails to load with a data error at the field that no longer fits). */
static void csv_schema(tc_ctx *c, ir_table *t, const char *shown, ir_span at)
{
    ir_program *p = c->p;
    char err[512] = "";
    ir_schema file = {0};
    if (!p->read_csv_schema) {
        ir_error(c->d, at, "read_csv needs its columns declared here: %s: Table = read_csv(...) { name: type, ... }",
                 t->name.s);
        return;
    }
    if (!p->read_csv_schema(p->read_csv_schema_ctx, c->a, t, &file, err, sizeof err)) {
        ir_error(c->d, at, "cannot infer the columns of table '%s' from %s: %s (or declare them: { name: type, ... })",
                 t->name.s, shown, err[0] ? err : "unknown error");
        return;
    }
    if (file.n == 0)
        ir_error(c->d, at, "cannot infer the columns of table '%s': %s has no columns", t->name.s, shown);
    t->schema = file;
    for (int i = 0; i < file.n; i++)
        file.cols[i].span = file.cols[i].name.span = at;
}

static void check_table(tc_ctx *c, ir_table *t)
{
    t->delimiter = ',';
    t->header = true;
    t->null_string = "";
    bool csv = !strcmp(t->source.s, "read_csv");
    t->native = !strcmp(t->source.s, "read_table");
    bool host = !strcmp(t->source.s, "registered");
    const char *src = t->source.s;
    const char *what = host ? "the registered name" : "the file path";
    if (!csv && !t->native && !host)
        ir_error(c->d, t->source.span, "unknown table source '%s' (expected read_csv, read_table or registered)",
                 src);
    const char *shown = NULL;   /* the path (or name) as written */
    ir_span path_at = t->source.span;
    bool have_path = false, seen[3] = {false, false, false};
    for (int i = 0; i < t->nargs && (csv || t->native || host); i++) {
        ir_arg *arg = &t->args[i];
        const ir_expr *l = lit_arg(arg);
        ir_span at = arg->val ? arg->val->span : arg->name.span;
        if (!arg->name.s) {
            if (have_path) {
                ir_error(c->d, at, "%s takes one positional argument, %s", src, what);
            } else if (!l || l->u.lit.type != TIR_STRING) {
                ir_error(c->d, at, "the first argument of %s must be %s as a string literal", src, what);
            } else {
                shown = l->u.lit.s;
                path_at = at;
                if (!host)
                    t->path = tc_resolve_path(c, l->u.lit.s, at, false);
            }
            have_path = true;
        } else if (!csv) {
            ir_error(c->d, arg->name.span, "unknown argument '%s' for %s (it takes only %s)",
                     arg->name.s[0] == ':' ? arg->name.s + 1 : arg->name.s, src, what);
        } else {
            csv_option(c, t, arg, seen);
        }
    }
    if (!have_path && (csv || t->native || host))
        ir_error(c->d, t->source.span, "%s needs %s as its first argument", src, what);
    bool inferred = csv && t->schema.n == 0 && have_path;   /* else the path's own error is enough */
    if (inferred && t->path)
        csv_schema(c, t, shown, path_at);
    if (t->schema.n == 0 && !t->native && !host && !inferred)
        ir_error(c->d, t->name.span, "table '%s' declares no columns", t->name.s);
    if (t->schema.n > TIR_MAX_COLUMNS) {
        ir_error(c->d, t->name.span, "table '%s' declares %d columns; at most %d are supported", t->name.s,
                 t->schema.n, TIR_MAX_COLUMNS);
        return;
    }
    bool dup = false;
    ir_map seen_cols;
    ir_map_init(&seen_cols, c->a);
    for (int i = 0; i < t->schema.n; i++) {
        ir_column *col = &t->schema.cols[i];
        void *first = ir_map_put(&seen_cols, NULL, col->name.s, col);
        if (!first)
            longjmp(c->oom, 1);
        if (first != col) {
            ir_error(c->d, col->name.span, "duplicate column '%s' in table '%s'", col->name.s, t->name.s);
            dup = true;
        }
    }
    if (t->native && t->path && !dup)
        native_schema(c, t, shown, path_at);
    if (host && shown && !dup) {
        t->host_name = shown;
        host_schema(c, t, shown, path_at);
    }
}

/* Tables and pipelines share one name space: the first definition of a
** name is the one lookups find, later ones are reported. */
static void check_names(tc_ctx *c)
{
    int nt = c->p->ntables, n = nt + c->np;
    for (int i = 0; i < n; i++) {
        const ir_name *a = i < nt ? &c->p->tables[i]->name : &c->src[i - nt]->name;
        void *self = i < nt ? (void *)c->p->tables[i] : (void *)c->src[i - nt];
        ir_table *t = ir_map_get(&c->tables, NULL, a->s);
        ir_pipeline *pl = t ? NULL : ir_map_get(&c->pipelines, NULL, a->s);
        if (!t && !pl) {
            if (!ir_map_put(i < nt ? &c->tables : &c->pipelines, NULL, a->s, self))
                longjmp(c->oom, 1);
            continue;
        }
        const ir_name *b = t ? &t->name : &pl->name;
        char at[256] = "";
        ir_srcmap m = ir_diags_srcmap(c->d);
        if (!ir_diags_full(c->d))
            ir_where(at, sizeof at, &m, b->span);
        ir_error(c->d, a->span, "'%s' is already defined as a %s at %s", a->s, t ? "table" : "pipeline", at);
    }
}

/* ------------------------------------------------------------ parameters */

/* Parameters have their own name space ($name); a name is declared once,
** and not as one of the row variables $in, $ht, $right. */
static void check_params(tc_ctx *c)
{
    for (int i = 0; i < c->p->nparams; i++) {
        ir_param *prm = c->p->params[i];
        const char *n = prm->name.s;
        if (!strcmp(n, "in") || !strcmp(n, "ht") || !strcmp(n, "right")) {
            ir_error(c->d, prm->name.span, "$%s names a row ($in, $ht, $right); a parameter needs another name", n);
            continue;
        }
        ir_param *first = ir_map_put(&c->params, NULL, n, prm);
        if (!first)
            longjmp(c->oom, 1);
        if (first == prm)
            continue;
        char at[256] = "";
        ir_srcmap m = ir_diags_srcmap(c->d);
        if (!ir_diags_full(c->d))
            ir_where(at, sizeof at, &m, first->span);
        ir_error(c->d, prm->name.span, "parameter $%s is already declared at %s", n, at);
    }
}

/* After the pipelines: a declared parameter nothing reads is likely a typo. */
static void warn_unused_params(tc_ctx *c)
{
    for (int i = 0; i < c->p->nparams; i++) {
        const ir_param *prm = c->p->params[i];
        if (!prm->used && ir_map_get(&c->params, NULL, prm->name.s) == prm)
            ir_warning(c->d, prm->name.span, "parameter $%s is declared but never used", prm->name.s);
    }
}

/* --------------------------------------------------------------- outputs */

static void check_outputs(tc_ctx *c)
{
    ir_program *p = c->p;
    ir_map names;   /* output names given so far */
    ir_map_init(&names, c->a);
    for (int i = 0; i < p->noutputs; i++) {
        ir_output *o = &p->outputs[i];
        ir_expr *w = o->what;
        if (!w || w->kind != IR_E_PATH || w->u.path.nparts != 2) {
            ir_error(c->d, w ? w->span : o->span, "output needs a pipeline value: output pipeline.value [as name]");
            continue;
        }
        ir_stmt *st = tc_other_value(c, NULL, &w->u.path.parts[0], &w->u.path.parts[1]);
        if (!st)
            continue;
        if (st->vkind == IR_VK_HASHTABLE || st->vkind == IR_VK_BLOOM) {
            ir_error(c->d, w->span, "cannot output %s.%s: it is a %s (output a relation or a tuple)",
                     w->u.path.parts[0].s, w->u.path.parts[1].s, tc_vkind_name(st->vkind));
            continue;
        }
        o->stmt = st;
        o->name = o->alias.s ? o->alias.s
                             : tc_str(c, ir_sprintf(c->a, "%s.%s", w->u.path.parts[0].s, w->u.path.parts[1].s));
        void *first = ir_map_put(&names, NULL, o->name, o);
        if (!first)
            longjmp(c->oom, 1);
        if (first != o)
            ir_error(c->d, o->alias.s ? o->alias.span : w->span,
                     "duplicate output name '%s' (rename one with: output %s.%s as other_name)", o->name,
                     w->u.path.parts[0].s, w->u.path.parts[1].s);
    }
    if (p->noutputs == 0)
        ir_warning(c->d, (ir_span){0, 0}, "the program has no output (add: output pipeline.value)");
}

/* ------------------------------------------------------- written files */

static const ir_val *stmt_arg(const ir_stmt *st, const char *name)
{
    for (int i = 0; i < st->nargs; i++)
        if (st->args[i].name.s && !strcmp(st->args[i].name.s + (st->args[i].name.s[0] == ':'), name))
            return st->args[i].val;
    return NULL;
}

/* A program must not write a file it reads, nor write one file twice: the
** order of pipelines follows their values, not their files. */
static void check_writes(tc_ctx *c)
{
    ir_map read, written;   /* paths of the tables read, of the writes checked so far */
    ir_map_init(&read, c->a);
    ir_map_init(&written, c->a);
    for (int k = 0; k < c->p->ntables; k++)
        if (c->p->tables[k]->path && !ir_map_put(&read, NULL, c->p->tables[k]->path, c->p->tables[k]))
            longjmp(c->oom, 1);
    for (int pi = 0; pi < c->np; pi++) {
        ir_pipeline *pl = c->src[pi];
        for (int i = 0; i < pl->n; i++) {
            ir_stmt *st = pl->stmts[i];
            if (st->kind != IR_OP_WRITE_TABLE || tc_failed(c, st))
                continue;
            const ir_val *pv = stmt_arg(st, "path");
            const char *shown = pv->expr->u.lit.s;
            const ir_table *t = ir_map_get(&read, NULL, st->u.write.path);
            if (t)
                ir_error(c->d, pv->span, "pipeline %s writes %s which table %s reads", pl->name.s, shown,
                         t->name.s);
            ir_stmt *first = ir_map_put(&written, NULL, st->u.write.path, st);
            if (!first)
                longjmp(c->oom, 1);
            if (first != st)
                ir_error(c->d, pv->span, "%s.%s writes %s, which %s.%s writes too", pl->name.s, st->target.s,
                         shown, first->pipeline->name.s, first->target.s);
        }
    }
}

/* -------------------------------------------- prunes before outer joins */

/* The first left, full or anti hash_join of pl that the rows of its scan reach. */
static const ir_stmt *outer_join_after(const tc_ctx *c, const ir_pipeline *pl, const ir_stmt *scan)
{
    for (int i = 1; i < pl->n; i++) {
        const ir_stmt *j = pl->stmts[i];
        if (j->kind != IR_OP_HASH_JOIN || tc_failed(c, j) ||
            !IR_JOIN_KEEPS_INPUT(j->u.join.jkind))
            continue;
        const ir_stmt *x = j;
        while (x && x != scan)
            x = x->input;
        if (x)
            return j;
    }
    return NULL;
}

/* A scan pruned by another pipeline's rows — to the key range of the build
** side (min/max) or to the keys in its bloom filter — and feeding an outer
** or anti join drops the probe rows that join would have kept: the plan is
** not the outer join it looks like. */
static void warn_prunes(tc_ctx *c)
{
    for (int pi = 0; pi < c->np; pi++) {
        ir_pipeline *pl = c->src[pi];
        if (pl->n == 0 || pl->stmts[0]->kind != IR_OP_SCAN || tc_failed(c, pl->stmts[0]))
            continue;
        ir_stmt *scan = pl->stmts[0];
        const ir_stmt *j = outer_join_after(c, pl, scan);
        if (!j)
            continue;
        bool left = j->u.join.jkind != IR_JOIN_ANTI; /* left or full */
        const char *kn = ir_joinkind_name(j->u.join.jkind);
        for (int m = 0; m < scan->u.scan.nmm; m++) {
            const ir_minmax *mm = &scan->u.scan.mm[m];
            if (mm->lo->kind != IR_E_REF && mm->hi->kind != IR_E_REF)
                continue;
            const char *col = scan->out.cols[mm->col].name.s;
            if (left)
                ir_warning(c->d, mm->span,
                           "key-range prune on '%s' drops probe rows before a %s join: rows outside the "
                           "range get no NULL-extended output (the plan differs from an outer join over "
                           "the whole table)", col, kn);
            else
                ir_warning(c->d, mm->span,
                           "key-range prune on '%s' drops probe rows before an anti join: rows outside the "
                           "range match nothing and would be kept by it (the plan differs from an anti join "
                           "over the whole table)", col);
        }
        for (int b = 0; b < scan->u.scan.nblooms; b++) {
            const ir_bloomuse *bu = &scan->u.scan.blooms[b];
            const char *col = scan->out.cols[bu->col].name.s;
            if (left)
                ir_warning(c->d, bu->span,
                           "bloom filter on '%s' drops probe rows before a %s join: rows whose key is not "
                           "in the filter get no NULL-extended output (the plan differs from an outer join "
                           "over the whole table)", col, kn);
            else
                ir_warning(c->d, bu->span,
                           "bloom filter on '%s' drops probe rows before an anti join: rows whose key is not "
                           "in the filter would be kept by it, and what passes is the rows it discards plus "
                           "the filter's false positives (the plan differs from an anti join over the whole "
                           "table)", col);
        }
    }
}

/* ------------------------------------------------------ topological order */

/* The pipelines whose values each pipeline's are read by, as one array:
** readers[start[i] .. start[i + 1]) for source index i. */
static void reverse_edges(tc_ctx *c, int **start_out, int **readers_out)
{
    int *start = TC_NEWN(c, int, c->np + 1), ne = 0;
    for (int i = 0; i < c->np; i++)
        for (int k = 0; k < c->src[i]->ndeps; k++)
            start[c->src[i]->deps[k]->index + 1]++, ne++;
    for (int i = 0; i < c->np; i++)
        start[i + 1] += start[i];
    int *fill = TC_NEWN(c, int, c->np), *readers = TC_NEWN(c, int, ne ? ne : 1);
    for (int i = 0; i < c->np; i++)
        for (int k = 0; k < c->src[i]->ndeps; k++) {
            int to = c->src[i]->deps[k]->index;
            readers[start[to] + fill[to]++] = i;
        }
    *start_out = start;
    *readers_out = readers;
}

static void heap_push(int *h, int *n, int v)
{
    int i = (*n)++;
    for (; i > 0 && h[(i - 1) / 2] > v; i = (i - 1) / 2)
        h[i] = h[(i - 1) / 2];
    h[i] = v;
}

static int heap_pop(int *h, int *n)
{
    int top = h[0], v = h[--*n], i = 0;
    for (;;) {
        int k = 2 * i + 1;
        if (k >= *n)
            break;
        if (k + 1 < *n && h[k + 1] < h[k])
            k++;
        if (h[k] >= v)
            break;
        h[i] = h[k];
        i = k;
    }
    if (*n)
        h[i] = v;
    return top;
}

/* Kahn's algorithm taking the earliest pipeline in source order whose
** dependencies are placed (a min-heap of the ready ones); members of cycles
** (already reported) go last, earliest first. */
static void topo_sort(tc_ctx *c)
{
    int *start, *readers;
    reverse_edges(c, &start, &readers);
    int *waiting = TC_NEWN(c, int, c->np), *heap = TC_NEWN(c, int, c->np ? c->np : 1), nheap = 0;
    bool *placed = TC_NEWN(c, bool, c->np ? c->np : 1);
    for (int i = 0; i < c->np; i++)
        if ((waiting[i] = c->src[i]->ndeps) == 0)
            heap_push(heap, &nheap, i);
    int n = 0, unplaced = 0;
    while (n < c->np) {
        int pick;
        if (nheap) {
            pick = heap_pop(heap, &nheap);
        } else {
            while (placed[unplaced])
                unplaced++;
            pick = unplaced;
        }
        placed[pick] = true;
        c->src[pick]->order = n;
        c->p->pipelines[n++] = c->src[pick];
        for (int k = start[pick]; k < start[pick + 1]; k++)
            if (--waiting[readers[k]] == 0 && !placed[readers[k]])
                heap_push(heap, &nheap, readers[k]);
    }
}

/* ------------------------------------------------- order of checking */

/* Adds to refs the pipelines that the paths under e name (p.v, p.v.f), other
** than pl itself and names of pl's own statements. */
static void expr_refs(tc_ctx *c, const ir_pipeline *pl, const ir_expr *e, ir_map *seen, int *refs, int *n)
{
    if (!e)
        return;
    switch (e->kind) {
    case IR_E_PATH:
        if (e->u.path.nparts >= 2 && !tc_find_stmt(c, pl, e->u.path.parts[0].s)) {
            ir_pipeline *to = tc_find_pipeline(c, e->u.path.parts[0].s);
            if (to && to != pl && !ir_map_get(seen, pl, to->name.s)) {
                if (!ir_map_put(seen, pl, to->name.s, to))
                    longjmp(c->oom, 1);
                refs[(*n)++] = to->index;
            }
        }
        break;
    case IR_E_UNARY:
    case IR_E_BINARY:
        expr_refs(c, pl, e->u.op.a, seen, refs, n);
        expr_refs(c, pl, e->u.op.b, seen, refs, n);
        break;
    case IR_E_LIKE:
        expr_refs(c, pl, e->u.like.a, seen, refs, n);
        expr_refs(c, pl, e->u.like.pattern, seen, refs, n);
        if (e->u.like.escape)
            expr_refs(c, pl, e->u.like.escape, seen, refs, n);
        break;
    case IR_E_IN:
        expr_refs(c, pl, e->u.in.a, seen, refs, n);
        for (int i = 0; i < e->u.in.nitems; i++)
            expr_refs(c, pl, e->u.in.items[i], seen, refs, n);
        break;
    case IR_E_ISNULL:
        expr_refs(c, pl, e->u.isnull.a, seen, refs, n);
        break;
    case IR_E_CASE:
        for (int i = 0; i < e->u.cas.n; i++) {
            expr_refs(c, pl, e->u.cas.whens[i], seen, refs, n);
            expr_refs(c, pl, e->u.cas.thens[i], seen, refs, n);
        }
        expr_refs(c, pl, e->u.cas.els, seen, refs, n);
        break;
    case IR_E_CAST:
        expr_refs(c, pl, e->u.cast.a, seen, refs, n);
        break;
    case IR_E_CALL:
        for (int i = 0; i < e->u.call.nargs; i++)
            expr_refs(c, pl, e->u.call.args[i], seen, refs, n);
        break;
    default:
        break;
    }
}

static void val_refs(tc_ctx *c, const ir_pipeline *pl, const ir_val *v, ir_map *seen, int *refs, int *n)
{
    if (!v)
        return;
    expr_refs(c, pl, v->expr, seen, refs, n);
    for (int i = 0; v->kind == IR_V_LIST && i < v->n; i++)
        val_refs(c, pl, v->items[i], seen, refs, n);
    for (int i = 0; v->kind == IR_V_MAP && i < v->n; i++)
        val_refs(c, pl, v->ents[i].val, seen, refs, n);
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The order to check pipelines in: the strongly connected components of
** the references as written (Tarjan's algorithm with an explicit stack),
** each after the ones it reads from, and the members of a component
** earliest in source order first. Checking a pipeline then recurses into
** another only inside a reference cycle, which is reported where it
** returns to its earliest pipeline; a long chain of pipelines written
** last-first cannot exhaust the C stack. */
static int *check_order(tc_ctx *c)
{
    int np = c->np;
    /* the references of pipeline i: refs[start[i] .. start[i + 1]) */
    int *start = TC_NEWN(c, int, np + 1), cap = 16, nrefs = 0;
    int *refs = TC_NEWN(c, int, cap);
    ir_map seen;
    ir_map_init(&seen, c->a);
    for (int i = 0; i < np; i++) {
        const ir_pipeline *pl = c->src[i];
        start[i] = nrefs;
        for (int j = 0; j < pl->n; j++) {
            const ir_stmt *st = pl->stmts[j];
            for (int k = 0; k < st->nargs; k++) {
                /* at most one new reference per pipeline named: grow to fit np more */
                if (nrefs + np > cap) {
                    int ncap = 2 * (nrefs + np);
                    int *g = TC_NEWN(c, int, ncap);
                    memcpy(g, refs, sizeof *g * (size_t)nrefs);
                    refs = g;
                    cap = ncap;
                }
                val_refs(c, pl, st->args[k].val, &seen, refs, &nrefs);
            }
        }
    }
    start[np] = nrefs;
    int *order = TC_NEWN(c, int, np), norder = 0;
    int *num = TC_NEWN(c, int, np), *low = TC_NEWN(c, int, np), *next = TC_NEWN(c, int, np);
    int *calls = TC_NEWN(c, int, np), *comp = TC_NEWN(c, int, np);
    bool *on_comp = TC_NEWN(c, bool, np);
    int counter = 0, ncomp = 0;
    for (int root = 0; root < np; root++) {
        if (num[root])
            continue;
        int depth = 0;
        calls[depth++] = root;
        num[root] = low[root] = ++counter;
        next[root] = start[root];
        comp[ncomp++] = root;
        on_comp[root] = true;
        while (depth) {
            int v = calls[depth - 1];
            if (next[v] < start[v + 1]) {
                int w = refs[next[v]++];
                if (!num[w]) {
                    num[w] = low[w] = ++counter;
                    next[w] = start[w];
                    comp[ncomp++] = w;
                    on_comp[w] = true;
                    calls[depth++] = w;
                } else if (on_comp[w] && num[w] < low[v]) {
                    low[v] = num[w];
                }
                continue;
            }
            depth--;
            if (depth && low[v] < low[calls[depth - 1]])
                low[calls[depth - 1]] = low[v];
            if (low[v] == num[v]) {   /* v roots a component: comp[k .. ncomp) */
                int k = ncomp;
                while (comp[--k] != v)
                    ;
                for (int j = k; j < ncomp; j++)
                    on_comp[comp[j]] = false;
                memcpy(order + norder, comp + k, sizeof *order * (size_t)(ncomp - k));
                if (ncomp - k > 1)
                    qsort(order + norder, (size_t)(ncomp - k), sizeof *order, int_cmp);
                norder += ncomp - k;
                ncomp = k;
            }
        }
    }
    return order;
}

static bool out_of_memory(ir_diags *d)
{
    ir_error(d, (ir_span){0, 0}, "out of memory while type checking");
    return false;
}

/* A sink with computed entries (ir_stmt.post) becomes two statements: the
** sink, computing the raw row, stays in its pipeline under a copy; the
** original statement, which every reader points at, becomes a projection
** of the raw rows in a pipeline of its own right after (in topological
** order, so before every reader). */
static void split_computed_aggs(tc_ctx *c)
{
    ir_program *p = c->p;
    for (int i = 0; i < p->npipelines; i++) {
        ir_pipeline *pl = p->pipelines[i];
        int at = i + 1;   /* the projections follow in statement order */
        for (int j = 0; j < pl->n; j++) {
            ir_stmt *g = pl->stmts[j];
            if (!g->post)
                continue;
            ir_stmt *raw = TC_NEWN(c, ir_stmt, 1), *scan = TC_NEWN(c, ir_stmt, 1);
            *raw = *g;
            raw->out = g->post_raw;
            raw->post = NULL;
            raw->used_later = true;
            pl->stmts[j] = raw;

            ir_pipeline *np = TC_NEWN(c, ir_pipeline, 1);
            const char *name = ir_sprintf(c->a, "%s.%s", pl->name.s, g->target.s);
            if (!name)
                longjmp(c->oom, 1);
            np->name = (ir_name){name, g->span};
            np->span = g->span;
            np->n = 2;
            np->stmts = TC_NEWN(c, ir_stmt *, 2);
            np->deps = TC_NEWN(c, ir_pipeline *, 1);
            np->deps[0] = pl;
            np->ndeps = np->capdeps = 1;

            scan->target = (ir_name){"rows", g->span};
            scan->op = (ir_name){"table_scan", g->span};
            scan->span = g->span;
            scan->pipeline = np;
            scan->kind = IR_OP_SCAN;
            scan->vkind = IR_VK_RELATION;
            scan->out = g->post_raw;
            scan->u.scan.src_stmt = raw;
            scan->u.scan.cols = TC_NEWN(c, int, scan->out.n ? scan->out.n : 1);
            for (int k = 0; k < scan->out.n; k++)
                scan->u.scan.cols[k] = k;

            ir_expr **post = g->post;
            g->op = (ir_name){"project", g->op.span};
            g->kind = IR_OP_PROJECT;
            g->input = scan;
            g->pipeline = np;
            g->index = 1;
            g->post = NULL;
            memset(&g->u, 0, sizeof g->u);
            g->u.project.exprs = post;
            np->stmts[0] = scan;
            np->stmts[1] = g;

            ir_pipeline **pls = TC_NEWN(c, ir_pipeline *, p->npipelines + 1);
            memcpy(pls, p->pipelines, sizeof *pls * (size_t)at);
            pls[at] = np;
            memcpy(pls + at + 1, p->pipelines + at, sizeof *pls * (size_t)(p->npipelines - at));
            p->pipelines = pls;
            p->npipelines++;
            at++;
        }
        i = at - 1;
    }
    for (int i = 0; i < p->npipelines; i++)
        p->pipelines[i]->order = i;
}

bool tc_check(ir_arena *a, ir_diags *d, ir_program *p)
{
    size_t errors0 = d->nerrors;
    tc_ctx ctx = {.a = a, .d = d, .p = p};
    tc_ctx *c = &ctx;
    if (setjmp(c->oom))
        return out_of_memory(d);
    ir_map_init(&c->moved, a);
    tc_split_distinct(c);
    c->np = p->npipelines;
    ir_map_init(&c->tables, a);
    ir_map_init(&c->pipelines, a);
    ir_map_init(&c->stmts, a);
    ir_map_init(&c->edges, a);
    ir_map_init(&c->cycles, a);
    ir_map_init(&c->params, a);
    int nslots = c->np ? c->np : 1;
    c->src = TC_NEWN(c, ir_pipeline *, nslots);
    c->state = TC_NEWN(c, tc_pstate, nslots);
    c->stack = TC_NEWN(c, ir_pipeline *, nslots);
    for (int i = 0; i < c->np; i++) {
        ir_pipeline *pl = p->pipelines[i];
        c->src[i] = pl;
        pl->index = i;
        pl->deps = NULL;
        pl->ndeps = pl->capdeps = 0;
        for (int j = 0; j < pl->n; j++) {
            ir_stmt *st = pl->stmts[j];
            st->pipeline = pl;
            st->index = j;
            if (!ir_map_put(&c->stmts, pl, st->target.s, st))
                longjmp(c->oom, 1);
        }
    }
    check_names(c);
    check_params(c);
    for (int i = 0; i < p->ntables; i++) {
        p->tables[i]->index = i;
        check_table(c, p->tables[i]);
    }
    int *order = check_order(c);
    for (int i = 0; i < c->np; i++)
        if (c->state[order[i]] == TC_UNVISITED)
            check_pipeline(c, c->src[order[i]]);
    check_outputs(c);
    warn_unused_params(c);
    check_writes(c);
    warn_prunes(c);
    topo_sort(c);
    if (d->nerrors == errors0)
        split_computed_aggs(c);
    return d->nerrors == errors0;
}
