/*
** check.c — the type checker's program level: tables, the shared name
** space of tables and pipelines, checking pipelines in dependency order
** (a pipeline is checked before any pipeline that reads its values, which
** is also where reference cycles are found), outputs, the files a program
** writes, the warnings about prunes before outer joins, and the final
** topological order of p->pipelines.
*/
#include "tc.h"

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
    st->out = (ir_schema){0};
    st->ht_nkeys = 0;
    if (tc_failed(c, st))
        return;
    if (c->nfailed == c->capfailed) {
        int cap = c->capfailed ? c->capfailed * 2 : 8;
        ir_stmt **f = TC_NEWN(c, ir_stmt *, cap);
        if (c->nfailed)
            memcpy(f, c->failed, sizeof *f * (size_t)c->nfailed);
        c->failed = f;
        c->capfailed = cap;
    }
    c->failed[c->nfailed++] = st;
}

bool tc_failed(const tc_ctx *c, const ir_stmt *st)
{
    for (int i = 0; i < c->nfailed; i++)
        if (c->failed[i] == st)
            return true;
    return false;
}

ir_table *tc_find_table(const tc_ctx *c, const char *name)
{
    for (int i = 0; i < c->p->ntables; i++)
        if (!strcmp(c->p->tables[i]->name.s, name))
            return c->p->tables[i];
    return NULL;
}

ir_pipeline *tc_find_pipeline(const tc_ctx *c, const char *name)
{
    for (int i = 0; i < c->np; i++)
        if (!strcmp(c->src[i]->name.s, name))
            return c->src[i];
    return NULL;
}

ir_stmt *tc_find_stmt(const ir_pipeline *pl, const char *name)
{
    for (int i = 0; i < pl->n; i++)
        if (!strcmp(pl->stmts[i]->target.s, name))
            return pl->stmts[i];
    return NULL;
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

static int pl_index(const tc_ctx *c, const ir_pipeline *pl)
{
    for (int i = 0; i < c->np; i++)
        if (c->src[i] == pl)
            return i;
    return -1;
}

/* "a, b, c" of the names of things: the first n statements of pl (pl != NULL),
** or all pipelines or tables. */
static const char *names_list(tc_ctx *c, const ir_pipeline *pl, int nstmts, bool tables)
{
    int n = pl ? nstmts : tables ? c->p->ntables : c->np;
    size_t len = 8;
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
    *p = 0;
    return n ? buf : "none";
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

static void add_dep(ir_pipeline *from, ir_pipeline *to)
{
    for (int i = 0; i < from->ndeps; i++)
        if (from->deps[i] == to)
            return;
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
            ir_error(c->d, pipe->span, "unknown pipeline '%s' (pipelines: %s)", pipe->s, names_list(c, NULL, 0, false));
        return NULL;
    }
    if (to == from) {
        ir_error(c->d, pipe->span,
                 "'%s.%s' is in the current pipeline; only values of other pipelines can be referenced this way",
                 pipe->s, val->s);
        return NULL;
    }
    int ti = pl_index(c, to);
    if (from) {
        add_dep(from, to);
        if (c->state[ti] == TC_ACTIVE) {
            int fi = pl_index(c, from);
            if (!c->cycle_seen[fi * c->np + ti]) {
                c->cycle_seen[fi * c->np + ti] = true;
                /* the stack runs from `to` up to `from` (checked last, on top) */
                int k = 0;
                while (c->stack[k] != to)
                    k++;
                const char *msg = from->name.s;
                for (int j = k; j < c->nstack; j++)
                    msg = tc_str(c, ir_sprintf(c->a, "%s -> %s", msg, c->stack[j]->name.s));
                ir_error(c->d, pipe->span, "pipeline reference cycle: %s", msg);
            }
            return NULL;
        }
        if (c->state[ti] == TC_UNVISITED)
            check_pipeline(c, to);
    }
    ir_stmt *st = tc_find_stmt(to, val->s);
    if (!st) {
        ir_error(c->d, val->span, "no value '%s' in %s (values: %s)", val->s, pipe->s, names_list(c, to, to->n, false));
        return NULL;
    }
    st->used_later = true;
    return tc_failed(c, st) ? NULL : st;
}

static void check_pipeline(tc_ctx *c, ir_pipeline *pl)
{
    int pi = pl_index(c, pl);
    c->state[pi] = TC_ACTIVE;
    c->stack[c->nstack++] = pl;
    if (pl->n == 0)
        ir_error(c->d, pl->name.span, "pipeline '%s' has no statements", pl->name.s);
    for (int i = 0; i < pl->n; i++) {
        ir_stmt *st = pl->stmts[i];
        for (int j = 0; j < i; j++) {
            if (!strcmp(pl->stmts[j]->target.s, st->target.s)) {
                int line, col;
                ir_linecol(c->d->src, c->d->srclen, pl->stmts[j]->target.span.off, &line, &col);
                ir_error(c->d, st->target.span, "duplicate statement name '%s' in %s (first defined at %d:%d)",
                         st->target.s, pl->name.s, line, col);
                break;
            }
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

const char *tc_resolve_path(tc_ctx *c, const char *path)
{
    const char *file = c->p->file;
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (path[0] == '/' || !slash)
        return path;
    return tc_str(c, ir_sprintf(c->a, "%.*s/%s", (int)(slash - file), file, path));
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
        if (!read || file.n == 0)
            return;
        /* columns named by the file point at the path in messages */
        t->schema = file;
        for (int i = 0; i < file.n; i++)
            file.cols[i].span = file.cols[i].name.span = at;
        return;
    }
    if (!read)
        return;
    for (int i = 0; i < t->schema.n; i++) {
        ir_column *d = &t->schema.cols[i];
        int k = tc_col_index(&file, d->name.s);
        if (k < 0) {
            ir_error(c->d, d->name.span, "no column '%s' in %s (columns: %s)", d->name.s, shown,
                     tc_col_list(c, &file));
            continue;
        }
        const ir_coltype *f = &file.cols[k].ty;
        if (f->type != d->ty.type)
            ir_error(c->d, d->span, "column '%s' is %s in %s, declared %s", d->name.s, tc_type_name(f->type), shown,
                     tc_type_name(d->ty.type));
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

static void check_table(tc_ctx *c, ir_table *t)
{
    t->delimiter = ',';
    t->header = true;
    t->null_string = "";
    bool csv = !strcmp(t->source.s, "read_csv");
    t->native = !strcmp(t->source.s, "read_table");
    const char *src = t->source.s;
    if (!csv && !t->native)
        ir_error(c->d, t->source.span, "unknown table source '%s' (expected read_csv or read_table)", src);
    const char *shown = NULL;   /* the path as written */
    ir_span path_at = t->source.span;
    bool have_path = false, seen[3] = {false, false, false};
    for (int i = 0; i < t->nargs && (csv || t->native); i++) {
        ir_arg *arg = &t->args[i];
        const ir_expr *l = lit_arg(arg);
        ir_span at = arg->val ? arg->val->span : arg->name.span;
        if (!arg->name.s) {
            if (have_path) {
                ir_error(c->d, at, "%s takes one positional argument, the file path", src);
            } else if (!l || l->u.lit.type != TIR_STRING) {
                ir_error(c->d, at, "the first argument of %s must be the file path as a string literal", src);
            } else {
                shown = l->u.lit.s;
                path_at = at;
                t->path = tc_resolve_path(c, l->u.lit.s);
            }
            have_path = true;
        } else if (t->native) {
            ir_error(c->d, arg->name.span, "unknown argument '%s' for read_table (it takes only the file path)",
                     arg->name.s[0] == ':' ? arg->name.s + 1 : arg->name.s);
        } else {
            csv_option(c, t, arg, seen);
        }
    }
    if (!have_path && (csv || t->native))
        ir_error(c->d, t->source.span, "%s needs the file path as its first argument", src);
    if (t->schema.n == 0 && !t->native)
        ir_error(c->d, t->name.span, "table '%s' declares no columns", t->name.s);
    bool dup = false;
    for (int i = 0; i < t->schema.n; i++) {
        for (int j = 0; j < i; j++) {
            if (!strcmp(t->schema.cols[i].name.s, t->schema.cols[j].name.s)) {
                ir_error(c->d, t->schema.cols[i].name.span, "duplicate column '%s' in table '%s'",
                         t->schema.cols[i].name.s, t->name.s);
                dup = true;
                break;
            }
        }
    }
    if (t->native && t->path && !dup)
        native_schema(c, t, shown, path_at);
}

/* Tables and pipelines share one name space. */
static void check_names(tc_ctx *c)
{
    int nt = c->p->ntables, n = nt + c->np;
    for (int i = 0; i < n; i++) {
        const ir_name *a = i < nt ? &c->p->tables[i]->name : &c->src[i - nt]->name;
        for (int j = 0; j < i; j++) {
            const ir_name *b = j < nt ? &c->p->tables[j]->name : &c->src[j - nt]->name;
            if (!strcmp(a->s, b->s)) {
                int line, col;
                ir_linecol(c->d->src, c->d->srclen, b->span.off, &line, &col);
                ir_error(c->d, a->span, "'%s' is already defined as a %s at %d:%d", a->s,
                         j < nt ? "table" : "pipeline", line, col);
                break;
            }
        }
    }
}

/* --------------------------------------------------------------- outputs */

static void check_outputs(tc_ctx *c)
{
    ir_program *p = c->p;
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
        for (int j = 0; j < i; j++) {
            if (p->outputs[j].name && !strcmp(p->outputs[j].name, o->name)) {
                ir_error(c->d, o->alias.s ? o->alias.span : w->span,
                         "duplicate output name '%s' (rename one with: output %s.%s as other_name)", o->name,
                         w->u.path.parts[0].s, w->u.path.parts[1].s);
                break;
            }
        }
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
    ir_stmt **seen = TC_NEWN(c, ir_stmt *, 1);   /* the writes checked so far */
    int nseen = 0, cap = 1;
    for (int pi = 0; pi < c->np; pi++) {
        ir_pipeline *pl = c->src[pi];
        for (int i = 0; i < pl->n; i++) {
            ir_stmt *st = pl->stmts[i];
            if (st->kind != IR_OP_WRITE_TABLE || tc_failed(c, st))
                continue;
            const ir_val *pv = stmt_arg(st, "path");
            const char *shown = pv->expr->u.lit.s;
            for (int k = 0; k < c->p->ntables; k++) {
                const ir_table *t = c->p->tables[k];
                if (t->path && !strcmp(t->path, st->u.write.path))
                    ir_error(c->d, pv->span, "pipeline %s writes %s which table %s reads", pl->name.s, shown,
                             t->name.s);
            }
            for (int k = 0; k < nseen; k++) {
                if (!strcmp(seen[k]->u.write.path, st->u.write.path)) {
                    ir_error(c->d, pv->span, "%s.%s writes %s, which %s.%s writes too", pl->name.s, st->target.s,
                             shown, seen[k]->pipeline->name.s, seen[k]->target.s);
                    break;
                }
            }
            if (nseen == cap) {
                ir_stmt **g = TC_NEWN(c, ir_stmt *, cap * 2);
                memcpy(g, seen, sizeof *g * (size_t)nseen);
                seen = g;
                cap *= 2;
            }
            seen[nseen++] = st;
        }
    }
}

/* -------------------------------------------- prunes before outer joins */

/* The first left or anti hash_join of pl that the rows of its scan reach. */
static const ir_stmt *outer_join_after(const tc_ctx *c, const ir_pipeline *pl, const ir_stmt *scan)
{
    for (int i = 1; i < pl->n; i++) {
        const ir_stmt *j = pl->stmts[i];
        if (j->kind != IR_OP_HASH_JOIN || tc_failed(c, j) ||
            (j->u.join.jkind != IR_JOIN_LEFT && j->u.join.jkind != IR_JOIN_ANTI))
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
        bool left = j->u.join.jkind == IR_JOIN_LEFT;
        for (int m = 0; m < scan->u.scan.nmm; m++) {
            const ir_minmax *mm = &scan->u.scan.mm[m];
            if (mm->lo->kind != IR_E_REF && mm->hi->kind != IR_E_REF)
                continue;
            const char *col = scan->out.cols[mm->col].name.s;
            if (left)
                ir_warning(c->d, mm->span,
                           "key-range prune on '%s' drops probe rows before a left join: rows outside the "
                           "range get no NULL-extended output (the plan differs from an outer join over "
                           "the whole table)", col);
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
                           "bloom filter on '%s' drops probe rows before a left join: rows whose key is not "
                           "in the filter get no NULL-extended output (the plan differs from an outer join "
                           "over the whole table)", col);
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

/* Kahn's algorithm taking the earliest pipeline in source order whose
** dependencies are placed; members of cycles (already reported) go last. */
static void topo_sort(tc_ctx *c)
{
    bool *placed = TC_NEWN(c, bool, c->np);
    int n = 0;
    while (n < c->np) {
        int pick = -1;
        for (int i = 0; i < c->np && pick < 0; i++) {
            if (placed[i])
                continue;
            bool ready = true;
            for (int k = 0; k < c->src[i]->ndeps && ready; k++)
                ready = placed[pl_index(c, c->src[i]->deps[k])];
            if (ready)
                pick = i;
        }
        if (pick < 0)
            for (pick = 0; placed[pick]; pick++)
                ;
        placed[pick] = true;
        c->src[pick]->order = n;
        c->p->pipelines[n++] = c->src[pick];
    }
}

static bool out_of_memory(ir_diags *d)
{
    ir_error(d, (ir_span){0, 0}, "out of memory while type checking");
    return false;
}

bool tc_check(ir_arena *a, ir_diags *d, ir_program *p)
{
    size_t errors0 = d->nerrors;
    tc_ctx ctx = {.a = a, .d = d, .p = p, .np = p->npipelines};
    tc_ctx *c = &ctx;
    if (setjmp(c->oom))
        return out_of_memory(d);
    c->src = TC_NEWN(c, ir_pipeline *, c->np);
    c->state = TC_NEWN(c, tc_pstate, c->np);
    c->stack = TC_NEWN(c, ir_pipeline *, c->np);
    c->cycle_seen = TC_NEWN(c, bool, c->np * c->np);
    for (int i = 0; i < c->np; i++) {
        ir_pipeline *pl = p->pipelines[i];
        c->src[i] = pl;
        pl->deps = TC_NEWN(c, ir_pipeline *, c->np);
        pl->ndeps = 0;
        for (int j = 0; j < pl->n; j++)
            pl->stmts[j]->pipeline = pl;
    }
    check_names(c);
    for (int i = 0; i < p->ntables; i++)
        check_table(c, p->tables[i]);
    for (int i = 0; i < c->np; i++)
        if (c->state[i] == TC_UNVISITED)
            check_pipeline(c, c->src[i]);
    check_outputs(c);
    check_writes(c);
    warn_prunes(c);
    topo_sort(c);
    return d->nerrors == errors0;
}
