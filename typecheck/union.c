/*
** union.c — checking of union_all, a pipeline's source that reads several
** tables and relations of other pipelines one after the other (SQL's
** UNION ALL: every row of every input, duplicates and NULLs kept).
** Columns are matched by position under the first input's names; numbers
** of different widths widen as everywhere else (i32 -> i64 -> f64).
*/
#include "tc.h"

/* Input k's type for column i joins the union's type t (the inputs before
** it agreed on t): equal, or both numbers (the wider one wins). */
static bool join_type(tc_ctx *c, const ir_unionin *in, int k, const char *name, int i, ir_coltype *t)
{
    const ir_column *col = &in[k].schema->cols[i];
    tir_type u = col->ty.type;
    /* decimals are read as they are stored: one scale for all inputs */
    bool dec = u == t->type && (u == TIR_DECIMAL || u == TIR_DECIMAL128);
    bool dec_differ = dec && col->ty.scale != t->scale;
    if ((u != t->type && !(tc_numeric(u) && tc_numeric(t->type))) || dec_differ) {
        char tu[32], tt[32];
        ir_error(c->d, in[k].span,
                 "column %d of input %d of union_all (%s, '%s') is %s but %s in the inputs before it (columns "
                 "match by position; numbers of different widths widen, other types must be equal)",
                 i + 1, k + 1, name, col->name.s, ir_type_text(u, col->ty.prec, col->ty.scale, tu),
                 ir_type_text(t->type, t->prec, t->scale, tt));
        return false;
    }
    t->type = tc_wider(t->type, u);
    if (dec && col->ty.prec > t->prec)
        t->prec = col->ty.prec;
    t->nullable |= col->ty.nullable;
    return true;
}

bool tc_op_union(tc_ctx *c, const tc_scope *s, ir_val **v)
{
    ir_stmt *st = s->stmt;
    if (!v[0])
        return false;
    ir_val **items;
    int n = tc_list_items(v[0], &items);
    if (n < 0) {
        ir_error(c->d, v[0]->span, "':inputs' of union_all must be a list of tables and relations of other "
                                   "pipelines: [t1, p.v, ...]");
        return false;
    }
    if (n == 0) {
        ir_error(c->d, v[0]->span, "':inputs' of union_all is empty: give at least one table or relation");
        return false;
    }
    ir_unionin *in = TC_NEWN(c, ir_unionin, n);
    const char **names = TC_NEWN(c, const char *, n);
    bool ok = true;
    for (int k = 0; k < n; k++) {
        ir_val *it = items ? items[k] : v[0];
        in[k].span = it->span;
        in[k].schema = tc_source(c, s, it, "inputs", &in[k].table, &in[k].rel, &names[k]);
        ok &= in[k].schema != NULL;
    }
    if (!ok)
        return false;
    const ir_schema *first = in[0].schema;
    ir_column *cols = TC_NEWN(c, ir_column, first->n);
    for (int i = 0; i < first->n; i++) {
        cols[i] = first->cols[i];
        cols[i].span = cols[i].name.span = in[0].span;
        /* rows of several inputs repeat values and interleave their orders */
        if (n > 1) {
            cols[i].ty.unique = false;
            cols[i].ty.order = IR_ORDER_NONE;
        }
    }
    for (int k = 1; k < n; k++) {
        const ir_schema *sk = in[k].schema;
        if (sk->n != first->n) {
            ir_error(c->d, in[k].span,
                     "input %d of union_all (%s) has %d column%s but input 1 (%s) has %d: columns match by "
                     "position", k + 1, names[k], sk->n, sk->n == 1 ? "" : "s", names[0], first->n);
            ok = false;
            continue;
        }
        for (int i = 0; i < first->n; i++)
            ok &= join_type(c, in, k, names[k], i, &cols[i].ty);
    }
    if (!ok)
        return false;
    st->u.uni.in = in;
    st->u.uni.n = n;
    st->out = (ir_schema){.cols = cols, .n = first->n};
    if (n == 1) {
        int *map = TC_NEWN(c, int, first->n);
        for (int i = 0; i < first->n; i++)
            map[i] = i;
        tc_order_through(c, first, map, &st->out);
    }
    return true;
}
