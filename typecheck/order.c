/*
** order.c — what the checker knows about row order, and the operators that
** make it or need it: sort (and its top-N form), merge_join and window.
**
** A relation's schema may carry the keys its rows are sorted by (ir_schema
** order, lexicographic, with each key's direction and NULL placement); a
** column's own asc/desc says only that its non-NULL values are in that
** order. sort and window set the keys; scans, filter, project, limit and the
** probe side of joins carry them through (tc_order_through); hash_group_by
** drops them; merge_join requires them of both its sides. Nothing is taken
** on trust: a declared asc/desc of a CSV column is checked while loading,
** a native table's recorded order when its blocks are read.
*/
#include "tc.h"

#include <string.h>

static ir_expr *val_expr(const ir_val *v)
{
    return v && v->kind == IR_V_EXPR ? v->expr : NULL;
}

static bool is_path(const ir_expr *e, int nparts)
{
    return e && e->kind == IR_E_PATH && e->u.path.nparts == nparts;
}

static bool is_int_lit(const ir_expr *e)
{
    return e && e->kind == IR_E_LIT && !e->u.lit.is_null && (e->u.lit.type == TIR_I32 || e->u.lit.type == TIR_I64);
}

static ir_coltype plain(tir_type t, bool nullable)
{
    return (ir_coltype){.type = t, .nullable = nullable};
}

void tc_order_through(tc_ctx *c, const ir_schema *in, const int *map, ir_schema *out)
{
    out->order = NULL;
    out->norder = 0;
    if (!in || !in->norder)
        return;
    ir_sortkey *k = TC_NEWN(c, ir_sortkey, in->norder);
    int n = 0;
    for (int i = 0; i < in->norder; i++) {
        int j = 0;
        while (j < out->n && map[j] != in->order[i].col)
            j++;
        if (j == out->n)
            break;
        k[n] = in->order[i];
        k[n++].col = j;
    }
    if (n) {
        out->order = k;
        out->norder = n;
    }
}

/* ------------------------------------------- ordering words out of place */

static void no_ordering_val(tc_ctx *c, const ir_val *v, bool ordering_ok, bool frame_ok, int depth)
{
    if (!v)
        return;
    if (v->kind == IR_V_EXPR && (v->dir != IR_ORDER_NONE || v->nulls != IR_NULLS_DEFAULT) && !ordering_ok)
        ir_error(c->d, v->ord_span, "asc, desc and nulls first/last belong to sort keys (sort :by, window "
                                    ":order_by)");
    if (v->kind == IR_V_EXPR && v->frame && !frame_ok)
        ir_error(c->d, v->frame->span, "a frame (rows/range ...) belongs after a window function in window "
                                       ":functions");
    for (int i = 0; v->kind == IR_V_LIST && i < v->n; i++)
        no_ordering_val(c, v->items[i], ordering_ok && depth == 0, false, depth + 1);
    for (int i = 0; v->kind == IR_V_MAP && i < v->n; i++)
        no_ordering_val(c, v->ents[i].val, false, frame_ok && depth == 0, depth + 1);
}

void tc_no_ordering(tc_ctx *c, const ir_stmt *st)
{
    for (int i = 0; i < st->nargs; i++) {
        const char *n = st->args[i].name.s;
        if (!n)
            continue;
        n += n[0] == ':';
        bool ordering_ok = (st->kind == IR_OP_SORT && !strcmp(n, "by")) ||
                           (st->kind == IR_OP_WINDOW && (!strcmp(n, "order_by") || !strcmp(n, "partition_by")));
        bool frame_ok = st->kind == IR_OP_WINDOW && !strcmp(n, "functions");
        no_ordering_val(c, st->args[i].val, ordering_ok, frame_ok, 0);
    }
}

/* ------------------------------------------------------------ sort keys */

/* Sort keys from v (a list, or one value): expressions over the input,
** each with its direction and NULL placement (default: asc, nulls last). */
static bool sort_keys(tc_ctx *c, const tc_scope *s, ir_val *v, const char *arg, ir_sortspec **out, int *n)
{
    ir_val **items = NULL;
    int k = tc_list_items(v, &items);
    *n = 0;
    if (k < 0) {
        ir_error(c->d, v->span, "':%s' of %s must be a list of key expressions: [$in.a, $in.b desc, ...]", arg,
                 s->stmt->op.s);
        return false;
    }
    ir_sortspec *ks = TC_NEWN(c, ir_sortspec, k);
    bool ok = true;
    for (int i = 0; i < k; i++) {
        ir_val *it = items ? items[i] : v;
        if (it->kind != IR_V_EXPR) {
            ir_error(c->d, it->span, "a key of :%s must be an expression over the input", arg);
            ok = false;
            continue;
        }
        if (!tc_expr(c, s, &it->expr)) {
            ok = false;
            continue;
        }
        if (tc_is_null_lit(it->expr)) {
            ir_error(c->d, it->expr->span, "a key of :%s cannot be the constant null", arg);
            ok = false;
            continue;
        }
        ks[i] = (ir_sortspec){it->expr, it->dir == IR_ORDER_DESC, it->nulls == IR_NULLS_FIRST, it->span};
    }
    *out = ks;
    *n = k;
    return ok;
}

/* The input's columns with the order of keys: the leading keys that are
** input columns become the relation's sort keys; columns lose the order
** they had, and the first key's column takes its direction. */
static ir_schema sorted_schema(tc_ctx *c, const ir_schema *in, const ir_sortspec *keys, int nkeys, int extra)
{
    ir_schema out = {TC_NEWN(c, ir_column, in->n + extra), in->n, NULL, 0};
    memcpy(out.cols, in->cols, sizeof *out.cols * (size_t)in->n);
    for (int i = 0; i < in->n; i++)
        out.cols[i].ty.order = IR_ORDER_NONE;
    out.order = TC_NEWN(c, ir_sortkey, nkeys);
    while (out.norder < nkeys) {
        const ir_sortspec *k = &keys[out.norder];
        if (!k->e || k->e->kind != IR_E_COL || k->e->u.col.side != 0)   /* NULL: a key that failed */
            break;
        out.order[out.norder++] = (ir_sortkey){k->e->u.col.index, k->desc, k->nulls_first};
    }
    if (out.norder)
        out.cols[out.order[0].col].ty.order = out.order[0].desc ? IR_ORDER_DESC : IR_ORDER_ASC;
    return out;
}

static bool count_arg(tc_ctx *c, const tc_scope *s, ir_val *v, const char *what, int64_t min, int64_t *out)
{
    ir_expr *e = val_expr(v);
    if (e && e->kind == IR_E_LIT)
        tc_expr(c, s, &v->expr);
    if (!is_int_lit(e) || e->u.lit.i < min) {
        ir_error(c->d, v->span, "':%s' of %s must be an integer literal >= %lld", what, s->stmt->op.s, (long long)min);
        return false;
    }
    *out = e->u.lit.i;
    return true;
}

/* ----------------------------------------------------------------- sort */

bool tc_op_sort(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    st->u.sort.limit = -1;
    st->u.sort.offset = 0;
    bool ok = v[1] && sort_keys(c, s, v[1], "by", &st->u.sort.keys, &st->u.sort.nkeys);
    if (ok && st->u.sort.nkeys == 0) {
        ir_error(c->d, v[1]->span, "':by' of sort needs at least one key");
        ok = false;
    }
    if (v[2])
        ok &= count_arg(c, s, v[2], "limit", 0, &st->u.sort.limit);
    if (v[3])
        ok &= count_arg(c, s, v[3], "offset", 0, &st->u.sort.offset);
    if (!ok || !s->input)
        return false;
    st->out = sorted_schema(c, &s->input->out, st->u.sort.keys, st->u.sort.nkeys, 0);
    return true;
}

/* ----------------------------------------------------------- merge_join */

/* Is a relation of schema sc known to be ordered by columns cols[0..n), in
** this order? desc[i] and nulls[i] (-1 unknown, 0 last, 1 first) receive
** each key's direction and where its NULLs are. */
static bool ordered_by(const ir_schema *sc, const int *cols, int n, bool *desc, int *nulls)
{
    if (sc->norder >= n) {
        int i = 0;
        while (i < n && sc->order[i].col == cols[i])
            i++;
        if (i == n) {
            for (i = 0; i < n; i++) {
                desc[i] = sc->order[i].desc;
                nulls[i] = sc->order[i].nulls_first;
            }
            return true;
        }
    }
    if (n == 1 && sc->cols[cols[0]].ty.order != IR_ORDER_NONE) {
        desc[0] = sc->cols[cols[0]].ty.order == IR_ORDER_DESC;
        nulls[0] = -1;
        return true;
    }
    return false;
}

static const char *col_names(tc_ctx *c, const ir_schema *sc, const int *cols, int n)
{
    const char *s = sc->cols[cols[0]].name.s;
    for (int i = 1; i < n; i++)
        s = tc_str(c, ir_sprintf(c->a, "%s, %s", s, sc->cols[cols[i]].name.s));
    return s;
}

/* A column of the right side: "name", name or $right.name. */
static int right_col(tc_ctx *c, const tc_scope *s, ir_val *v, const ir_schema *rs)
{
    ir_expr *e = val_expr(v);
    const char *name = NULL;
    if (e && e->kind == IR_E_LIT && !e->u.lit.is_null && e->u.lit.type == TIR_STRING)
        name = e->u.lit.s;
    else if (is_path(e, 1))
        name = e->u.path.parts[0].s;
    if (name) {
        int i = tc_col_index(rs, name);
        if (i < 0)
            ir_error(c->d, e->span, "no column '%s' in the right side%s (columns: %s)", name,
                     tc_meant_col(c, name, rs), tc_col_list(c, rs));
        return i;
    }
    if (e && e->kind == IR_E_COL && !strcmp(e->u.col.qual.s, "$right")) {
        tc_scope rsc = *s;
        rsc.side1 = "$right";
        rsc.side1_cols = rs;
        return tc_expr(c, &rsc, &v->expr) ? v->expr->u.col.index : -1;
    }
    ir_error(c->d, v->span, "items of :right_key must be columns of the right side: \"name\" or $right.name");
    return -1;
}

bool tc_op_merge_join(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    /* the right side: a table, or a relation of another pipeline */
    const char *rname = NULL;
    const ir_schema *rs = v[1] ? tc_source(c, s, v[1], "right", &st->u.mjoin.rtable, &st->u.mjoin.rstmt, &rname)
                               : NULL;
    st->u.mjoin.rschema = rs;
    bool ok = tc_join_kind(c, v[4], &st->u.mjoin.jkind);
    if (ok && IR_JOIN_KEEPS_BUILD(st->u.mjoin.jkind)) {
        ir_error(c->d, v[4]->span, "merge_join has no %s join; write it as a hash_join :kind = %s",
                 ir_joinkind_name(st->u.mjoin.jkind), ir_joinkind_name(st->u.mjoin.jkind));
        ok = false;
    }

    /* keys: columns of each side, pairwise of one type */
    ir_val **litems = NULL, **ritems = NULL;
    int nl = v[2] ? tc_list_items(v[2], &litems) : 0, nr = v[3] ? tc_list_items(v[3], &ritems) : 0;
    if (v[2] && nl <= 0) {
        ir_error(c->d, v[2]->span, "':key' of merge_join must be a list of columns of the input");
        ok = false;
    }
    if (v[3] && nr <= 0) {
        ir_error(c->d, v[3]->span, "':right_key' of merge_join must be a list of columns of the right side");
        ok = false;
    }
    if (!ok || !v[2] || !v[3])
        return false;
    ir_expr **keys = TC_NEWN(c, ir_expr *, nl);
    int *lcols = TC_NEWN(c, int, nl), *rcols = TC_NEWN(c, int, nr);
    for (int i = 0; i < nl; i++) {
        keys[i] = tc_input_col(c, s, litems ? litems[i] : v[2], "key");
        ok &= keys[i] != NULL;
        lcols[i] = keys[i] ? keys[i]->u.col.index : -1;
    }
    for (int i = 0; i < nr && rs; i++) {
        rcols[i] = right_col(c, s, ritems ? ritems[i] : v[3], rs);
        ok &= rcols[i] >= 0;
    }
    if (!ok || !rs || !s->input)
        return false;
    if (nl > 16) {
        ir_error(c->d, v[2]->span, "merge_join takes at most 16 keys, found %d", nl);
        return false;
    }
    if (nl != nr) {
        ir_error(c->d, v[3]->span, "merge_join has %d key%s on the input but %d on the right side", nl,
                 nl == 1 ? "" : "s", nr);
        return false;
    }
    const ir_schema *ls = &s->input->out;
    for (int i = 0; i < nl; i++) {
        tir_type lt = ls->cols[lcols[i]].ty.type, rt = rs->cols[rcols[i]].ty.type;
        if (lt != rt || (lt == TIR_DECIMAL && ls->cols[lcols[i]].ty.scale != rs->cols[rcols[i]].ty.scale)) {
            ir_error(c->d, (ritems ? ritems[i] : v[3])->span,
                     "merge_join key type mismatch: %s '%s' on the input vs %s '%s' on the right side (the keys "
                     "are compared as one type)", tc_type_name(lt), ls->cols[lcols[i]].name.s, tc_type_name(rt),
                     rs->cols[rcols[i]].name.s);
            ok = false;
        }
    }
    if (!ok)
        return false;

    /* both sides ordered by the keys, in the same directions */
    bool *ldesc = TC_NEWN(c, bool, nl), *rdesc = TC_NEWN(c, bool, nl);
    int *lnulls = TC_NEWN(c, int, nl), *rnulls = TC_NEWN(c, int, nl);
    if (!ordered_by(ls, lcols, nl, ldesc, lnulls)) {
        ir_error(c->d, v[2]->span,
                 "merge_join needs its input ordered by %s, and %s is not known to be; sort it in an earlier "
                 "pipeline (s = sort :input = ... :by = [...]) and scan that, or scan a table imported with "
                 "--sort-by", col_names(c, ls, lcols, nl), s->input->target.s);
        ok = false;
    }
    if (!ordered_by(rs, rcols, nl, rdesc, rnulls)) {
        ir_error(c->d, v[3]->span,
                 "merge_join needs its right side ordered by %s, and %s is not known to be; %s",
                 col_names(c, rs, rcols, nl), rname,
                 st->u.mjoin.rtable ? (nl == 1 ? "declare the column asc or desc (checked while loading) or import "
                                                 "the table with --sort-by"
                                               : "sort it in another pipeline (s = sort :input = ... :by = [...]) "
                                                 "and join with that")
                                    : "sort it in its pipeline (s = sort :input = ... :by = [...]) and join with "
                                      "that");
        ok = false;
    }
    for (int i = 0; ok && i < nl; i++) {
        if (ldesc[i] != rdesc[i]) {
            ir_error(c->d, (ritems ? ritems[i] : v[3])->span,
                     "merge_join key %s is %s on the input but %s is %s on the right side; both sides must be "
                     "sorted in the same direction", ls->cols[lcols[i]].name.s, ldesc[i] ? "descending" : "ascending",
                     rs->cols[rcols[i]].name.s, rdesc[i] ? "descending" : "ascending");
            ok = false;
        }
    }

    /* output: input columns in input order, then right columns */
    bool right_unique = false;
    int *defcols = TC_NEWN(c, int, rs->n), ndef = 0;
    for (int i = 0; i < rs->n; i++) {
        bool key = false;
        for (int k = 0; k < nl; k++) {
            key |= rcols[k] == i;
            right_unique |= rcols[k] == i && rs->cols[i].ty.unique;
        }
        if (!key)
            defcols[ndef++] = i;
    }
    tc_sides sd = {rs, 0, defcols, ndef, "$right", "the right side"};
    ir_projitem *proj;
    ir_column *cols;
    int n;
    if (!tc_join_projection(c, s, st->u.mjoin.jkind, v[5], &sd, right_unique, &proj, &cols, &n) || !ok)
        return false;
    st->u.mjoin.nkeys = nl;
    st->u.mjoin.keys = keys;
    st->u.mjoin.rkeys = rcols;
    st->u.mjoin.desc = ldesc;
    st->u.mjoin.rnulls = rnulls;
    st->u.mjoin.proj = proj;
    st->out = (ir_schema){.cols = cols, .n = n};
    int *map = TC_NEWN(c, int, n);
    for (int i = 0; i < n; i++)
        map[i] = proj[i].side == 0 ? proj[i].index : -1;
    tc_order_through(c, ls, map, &st->out);
    return true;
}

/* --------------------------------------------------------------- window */

static const struct {
    const char *name;
    ir_winkind kind;
    int minargs, maxargs;
    bool frame;               /* computed over a frame (else over the partition and its order) */
} winfns[] = {
    {"row_number", IR_W_ROW_NUMBER, 0, 0, false}, {"rank", IR_W_RANK, 0, 0, false},
    {"dense_rank", IR_W_DENSE_RANK, 0, 0, false}, {"percent_rank", IR_W_PERCENT_RANK, 0, 0, false},
    {"cume_dist", IR_W_CUME_DIST, 0, 0, false},   {"ntile", IR_W_NTILE, 1, 1, false},
    {"lag", IR_W_LAG, 1, 3, false},               {"lead", IR_W_LEAD, 1, 3, false},
    {"first_value", IR_W_FIRST_VALUE, 1, 1, true}, {"last_value", IR_W_LAST_VALUE, 1, 1, true},
    {"nth_value", IR_W_NTH_VALUE, 2, 2, true},    {"count", IR_W_COUNT, 1, 1, true},
    {"sum", IR_W_SUM, 1, 1, true},                {"avg", IR_W_AVG, 1, 1, true},
    {"min", IR_W_MIN, 1, 1, true},                {"max", IR_W_MAX, 1, 1, true},
};
enum { NWINFNS = sizeof winfns / sizeof *winfns };

static const char *winfn_names(tc_ctx *c)
{
    const char *s = winfns[0].name;
    for (int i = 1; i < NWINFNS; i++)
        s = tc_str(c, ir_sprintf(c->a, "%s, %s", s, winfns[i].name));
    return s;
}

/* A written frame is well formed: it starts no later than it ends, and a
** range frame is counted in peer groups (no row offsets). */
static bool check_frame(tc_ctx *c, const ir_frame *f)
{
    if (f->lo.kind == IR_B_UNBOUNDED_FOLLOWING) {
        ir_error(c->d, f->lo.span, "a frame cannot start at unbounded following");
        return false;
    }
    if (f->hi.kind == IR_B_UNBOUNDED_PRECEDING) {
        ir_error(c->d, f->hi.span, "a frame cannot end at unbounded preceding");
        return false;
    }
    if (f->range && (f->lo.kind == IR_B_PRECEDING || f->lo.kind == IR_B_FOLLOWING ||
                     f->hi.kind == IR_B_PRECEDING || f->hi.kind == IR_B_FOLLOWING)) {
        ir_error(c->d, f->span, "range frames take unbounded preceding, current row and unbounded following; for "
                                "offsets in rows write rows between ...");
        return false;
    }
    /* positions relative to the current row; unbounded ends are far away */
    int64_t lo = f->lo.kind == IR_B_UNBOUNDED_PRECEDING ? INT64_MIN / 2 : f->lo.kind == IR_B_PRECEDING ? -f->lo.n
               : f->lo.kind == IR_B_FOLLOWING ? f->lo.n : 0;
    int64_t hi = f->hi.kind == IR_B_UNBOUNDED_FOLLOWING ? INT64_MAX / 2 : f->hi.kind == IR_B_PRECEDING ? -f->hi.n
               : f->hi.kind == IR_B_FOLLOWING ? f->hi.n : 0;
    if (lo > hi) {
        ir_error(c->d, f->span, "this frame ends before it starts");
        return false;
    }
    return true;
}

/* Does every row's frame hold the row itself (so it is never empty)? */
static bool frame_has_current(const ir_frame *f)
{
    return (f->lo.kind == IR_B_UNBOUNDED_PRECEDING || f->lo.kind == IR_B_CURRENT ||
            (f->lo.kind == IR_B_PRECEDING && f->lo.n >= 0)) &&
           (f->hi.kind == IR_B_UNBOUNDED_FOLLOWING || f->hi.kind == IR_B_CURRENT ||
            (f->hi.kind == IR_B_FOLLOWING && f->hi.n >= 0));
}

static bool win_entry(tc_ctx *c, const tc_scope *s, ir_mapent *ent, bool ordered, ir_winfn *w, ir_coltype *ty)
{
    ir_expr *e = val_expr(ent->val);
    int k = 0;
    while (e && e->kind == IR_E_CALL && k < NWINFNS && strcmp(winfns[k].name, e->u.call.fn.s))
        k++;
    if (!e || e->kind != IR_E_CALL || k == NWINFNS) {
        ir_error(c->d, ent->val->span, "':functions' entry '%s' must be a window function call: %s", ent->key.s,
                 winfn_names(c));
        return false;
    }
    const char *fn = winfns[k].name;
    if (e->u.call.distinct) {
        ir_error(c->d, e->span, "window functions take no 'distinct': %s(distinct ...) is not supported in a window", fn);
        return false;
    }
    int na = e->u.call.nargs;
    ir_expr **args = e->u.call.args;
    w->kind = winfns[k].kind;
    w->span = e->span;
    w->n = 1;
    if (na < winfns[k].minargs || na > winfns[k].maxargs) {
        if (winfns[k].minargs == winfns[k].maxargs)
            ir_error(c->d, e->span, "%s takes %d argument%s, found %d", fn, winfns[k].minargs,
                     winfns[k].minargs == 1 ? "" : "s", na);
        else
            ir_error(c->d, e->span, "%s takes %d to %d arguments, found %d", fn, winfns[k].minargs,
                     winfns[k].maxargs, na);
        return false;
    }
    /* the frame: written, or the SQL default */
    const ir_frame *wf = ent->val->frame;
    if (wf && !winfns[k].frame) {
        ir_error(c->d, wf->span, "%s takes no frame: it is computed over the whole partition in its order", fn);
        return false;
    }
    if (wf && !check_frame(c, wf))
        return false;
    if (wf)
        w->frame = *wf;
    else
        w->frame = (ir_frame){true, {IR_B_UNBOUNDED_PRECEDING, 0, e->span},
                              {ordered ? IR_B_CURRENT : IR_B_UNBOUNDED_FOLLOWING, 0, e->span}, e->span};
    bool may_be_empty = !frame_has_current(&w->frame);

    if (na >= 1 && args[0]->kind == IR_E_STAR) {
        if (w->kind != IR_W_COUNT) {
            ir_error(c->d, args[0]->span, "'*' is only allowed as the argument of count(*)");
            return false;
        }
        w->kind = IR_W_COUNT_STAR;
        *ty = plain(TIR_I64, false);
        return true;
    }
    bool ok = true;
    for (int i = 0; i < na; i++)
        ok &= tc_expr(c, s, &args[i]);
    if (!ok)
        return false;
    ir_expr *x = na ? args[0] : NULL;
    tir_type t = x ? x->ty.type : TIR_I64;
    switch (w->kind) {
    case IR_W_ROW_NUMBER:
    case IR_W_RANK:
    case IR_W_DENSE_RANK:
        *ty = plain(TIR_I64, false);
        return true;
    case IR_W_PERCENT_RANK:
    case IR_W_CUME_DIST:
        *ty = plain(TIR_F64, false);
        return true;
    case IR_W_NTILE:
        if (!is_int_lit(x) || x->u.lit.i < 1) {
            ir_error(c->d, x->span, "the argument of ntile must be an integer literal >= 1 (the number of buckets)");
            return false;
        }
        w->n = x->u.lit.i;
        *ty = plain(TIR_I64, false);
        return true;
    case IR_W_LAG:
    case IR_W_LEAD:
        if (tc_is_null_lit(x)) {
            ir_error(c->d, x->span, "the value of %s cannot be the constant null", fn);
            return false;
        }
        w->arg = x;
        if (na >= 2) {
            if (!is_int_lit(args[1]) || args[1]->u.lit.i < 0) {
                ir_error(c->d, args[1]->span, "the offset of %s must be an integer literal >= 0", fn);
                return false;
            }
            w->n = args[1]->u.lit.i;
        }
        if (na == 3) {
            if (t == TIR_DECIMAL ? !tc_coerce_dec(c, &args[2], x->ty)
                : t == TIR_DECIMAL128 ? !tc_coerce_wide(c, &args[2], x->ty) : !tc_coerce(c, &args[2], t)) {
                ir_error(c->d, args[2]->span, "the default of %s must have the type of its value (%s), found %s", fn,
                         tc_type_name(t), tc_type_name(args[2]->ty.type));
                return false;
            }
            w->def = args[2];
        }
        *ty = tc_keep(x->ty, x->ty.nullable || !w->def || w->def->ty.nullable);
        return true;
    case IR_W_NTH_VALUE:
        if (!is_int_lit(args[1]) || args[1]->u.lit.i < 1) {
            ir_error(c->d, args[1]->span, "the position of nth_value must be an integer literal >= 1");
            return false;
        }
        w->n = args[1]->u.lit.i;
        w->arg = x;
        *ty = tc_keep(x->ty, true);
        return true;
    case IR_W_FIRST_VALUE:
    case IR_W_LAST_VALUE:
    case IR_W_COUNT:
        w->arg = x;
        *ty = w->kind == IR_W_COUNT ? plain(TIR_I64, false) : tc_keep(x->ty, x->ty.nullable || may_be_empty);
        return true;
    case IR_W_SUM:
    case IR_W_AVG:
        if ((t == TIR_DECIMAL || t == TIR_DECIMAL128) && w->kind == IR_W_SUM) {   /* exact sums of the scaled values */
            w->arg = x;
            *ty = tc_dec_type(t == TIR_DECIMAL ? 18 : 38, x->ty.scale, x->ty.nullable || may_be_empty);
            ty->type = t;
            return true;
        }
        if (t == TIR_DECIMAL || t == TIR_DECIMAL128) {   /* avg is a double: the exact sum over the count and 10^scale */
            w->arg = x;
            *ty = plain(TIR_F64, x->ty.nullable || may_be_empty);
            return true;
        }
        if (!tc_numeric(t)) {
            ir_error(c->d, x->span, "%s needs a numeric argument, found %s", fn, tc_type_name(t));
            return false;
        }
        w->arg = x;
        *ty = plain(w->kind == IR_W_AVG || t == TIR_F64 ? TIR_F64 : TIR_I64, x->ty.nullable || may_be_empty);
        return true;
    case IR_W_MIN:
    case IR_W_MAX:
        if (t == TIR_BOOL) {
            ir_error(c->d, x->span, "%s needs a numeric, date or string argument, found bool", fn);
            return false;
        }
        w->arg = x;
        *ty = tc_keep(x->ty, x->ty.nullable || may_be_empty);
        return true;
    default:
        return false;
    }
}

bool tc_op_window(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    bool ok = true;
    ir_sortspec *part = NULL, *order = NULL;
    int npart = 0, norder = 0;
    if (v[1]) {
        ok &= sort_keys(c, s, v[1], "partition_by", &part, &npart);
        ir_val **items = NULL;
        int k = tc_list_items(v[1], &items);
        for (int i = 0; i < k; i++) {
            ir_val *it = items ? items[i] : v[1];
            if (it->kind == IR_V_EXPR && (it->dir != IR_ORDER_NONE || it->nulls != IR_NULLS_DEFAULT)) {
                ir_error(c->d, it->ord_span, "partition keys take no asc/desc or nulls first/last: partitions are "
                                             "grouped, and come out ascending with NULLs last");
                ok = false;
            }
        }
    }
    if (v[2])
        ok &= sort_keys(c, s, v[2], "order_by", &order, &norder);
    if (!v[3] || !s->input)
        return false;
    if (v[3]->kind != IR_V_MAP || v[3]->n == 0) {
        ir_error(c->d, v[3]->span, "':functions' of window must be a map { \"name\": row_number(), ... }");
        return false;
    }
    int nin = s->input->out.n, nf = v[3]->n;
    ir_winfn *fns = TC_NEWN(c, ir_winfn, nf);
    ir_sortspec *all = TC_NEWN(c, ir_sortspec, npart + norder);
    for (int i = 0; i < npart; i++)
        all[i] = part[i];
    if (norder)
        memcpy(all + npart, order, sizeof *all * (size_t)norder);
    ir_schema out = sorted_schema(c, &s->input->out, all, npart + norder, nf);
    for (int i = 0; i < nf; i++) {
        ir_mapent *ent = &v[3]->ents[i];
        ir_column *col = &out.cols[nin + i];
        col->name = ent->key;
        col->span = ent->key.span;
        ok &= win_entry(c, s, ent, norder > 0, &fns[i], &col->ty);
        for (int j = 0; j < nin + i; j++) {
            if (!strcmp(out.cols[j].name.s, ent->key.s)) {
                ir_error(c->d, ent->key.span, "duplicate column name '%s' in window (%s)", ent->key.s,
                         j < nin ? "the input has it; name the function's column differently" : ":functions");
                ok = false;
                break;
            }
        }
    }
    if (!ok)
        return false;
    out.n = nin + nf;
    st->u.window.part = part;
    st->u.window.npart = npart;
    st->u.window.order = order;
    st->u.window.norder = norder;
    st->u.window.fns = fns;
    st->u.window.nfns = nf;
    st->out = out;
    return true;
}
