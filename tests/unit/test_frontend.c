/*
** test_frontend.c — lexer and parser: tree shape, literals, precedence,
** spans, diagnostics (rendered as file:line:col) and robustness against
** garbage, truncated and deeply nested input.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

/* The program of examples/seed001.tir (its header comment left out). */
static const char seed[] =
    "customers: Table = read_csv(\"data/customers.csv\", header = true) {\n"
    "    customer_id: i32 unique,\n"
    "    name: string,\n"
    "    gender: string\n"
    "}\n"
    "\n"
    "sale_orders: Table = read_csv(\"data/sale_orders.csv\", header = true) {\n"
    "    order_id: i64 unique asc,\n"
    "    customer_id: i32,\n"
    "    freight: f64\n"
    "}\n"
    "\n"
    "// scan(customers) |> filter |> aggregate, build_hash\n"
    "pipeline1: Pipeline = {\n"
    "    v1 = table_scan :table = customers\n"
    "        :columns = [\"customer_id\", \"name\", \"gender\"]\n"
    "        :minmaxes = { \"gender\": [\"M\", \"M\"], \"name\": [\"abc\", \"abd\"] }\n"
    "    v2 = filter :input = v1\n"
    "        :expr = $in.gender == \"M\" && ($in.name >= \"abc\" && $in.name < \"abd\")\n"
    "        :projection = [\"customer_id\", \"name\"]\n"
    "    minmax = aggregate :input = v2\n"
    "        :aggregates = { \"min\": min($in.customer_id), \"max\": max($in.customer_id) }\n"
    "    ht1 = build_hash :input = v2\n"
    "        :key = [\"customer_id\"]\n"
    "        :value = [\"name\"]\n"
    "}\n"
    "\n"
    "// scan(sale_orders) |> filter |> hash_join |> hash_group_by\n"
    "pipeline2: Pipeline = {\n"
    "    v1 = table_scan :table = sale_orders\n"
    "        :columns = [\"customer_id\", \"freight\"]\n"
    "        :minmaxes = { \"freight\": [10, 50], \"customer_id\": [pipeline1.minmax.min, pipeline1.minmax.max] }\n"
    "    v2 = filter :input = v1\n"
    "        :expr = $in.freight > 10 && $in.freight < 50\n"
    "        :projection = [\"customer_id\", \"freight\"]\n"
    "    v3 = hash_join :input = v2 :kind = left\n"
    "        :ht = pipeline1.ht1\n"
    "        :key = [v2.customer_id]\n"
    "        :projection = [v2.customer_id, $ht.name, v2.freight]\n"
    "    v4 = hash_group_by :input = v3\n"
    "        :group_by = [\"name\"]\n"
    "        :aggregates = { \"count\": count($in.freight), \"sum\": sum($in.freight) }\n"
    "}\n"
    "\n"
    "output pipeline2.v4\n";

/* One parse per test; each test runs in its own process. */
static struct {
    ir_arena a;
    ir_diags d;
    ir_program *p;
    bool ok;
    char *owned;              /* source text made by expr_of */
} P;

static void teardown(void)
{
    ir_diags_free(&P.d);
    ir_arena_free(&P.a);
    free(P.owned);
    memset(&P, 0, sizeof P);
}

TestSuite(frontend, .fini = teardown);

static bool parse_n(const char *src, size_t len)
{
    teardown();
    ir_arena_init(&P.a);
    ir_diags_init(&P.d, &P.a, "t.tir", src, len);
    P.ok = fe_parse(&P.a, &P.d, "t.tir", src, len, NULL, &P.p);
    cr_assert_not_null(P.p);
    cr_assert_eq(P.ok, P.d.nerrors == 0);
    return P.ok;
}

static bool parse(const char *src)
{
    return parse_n(src, strlen(src));
}

static const char *rendered(void)
{
    return ir_diags_render(&P.d);
}

/* The expression e as the only argument of a one-statement pipeline. */
static ir_expr *expr_of(const char *e)
{
    char *src = malloc(strlen(e) + 64);
    sprintf(src, "p: Pipeline = {\n  v = filter :expr = %s\n}\n", e);
    bool ok = parse(src);
    P.owned = src;
    cr_assert(ok, "%s: %s", e, rendered());
    ir_stmt *s = P.p->pipelines[0]->stmts[0];
    cr_assert_eq(s->args[0].val->kind, IR_V_EXPR);
    return s->args[0].val->expr;
}

/* Parses e and checks that it prints as want. */
static void prints_as(const char *e, const char *want)
{
    ir_expr *x = expr_of(e);
    cr_expect_str_eq(ir_expr_str(&P.a, x), want, "for %s", e);
}

static const char *span_text(ir_span s)
{
    return ir_strndup(&P.a, P.p->src + s.off, s.len);
}

static void expect_at(ir_span s, int line, int col)
{
    int l, c;
    ir_linecol(P.p->src, P.p->srclen, s.off, &l, &c);
    cr_expect(l == line && c == col, "span at %d:%d, expected %d:%d", l, c, line, col);
}

static void expect_diag(const char *src, const char *want)
{
    cr_assert_not(parse(src), "no error for: %s", src);
    const char *r = rendered();
    cr_expect(strstr(r, want) != NULL, "wanted \"%s\" in:\n%s", want, r);
}

static ir_val *arg(ir_stmt *s, const char *name)
{
    for (int i = 0; i < s->nargs; i++)
        if (strcmp(s->args[i].name.s, name) == 0)
            return s->args[i].val;
    cr_assert_fail("no argument :%s", name);
    return NULL;
}

/* ------------------------------------------------------------ seed001 */

Test(frontend, seed_tables)
{
    cr_assert(parse(seed), "%s", rendered());
    cr_assert_eq(P.p->ntables, 2);
    ir_table *t = P.p->tables[0];
    cr_expect_str_eq(t->name.s, "customers");
    cr_expect_str_eq(t->source.s, "read_csv");
    cr_assert_eq(t->nargs, 2);
    cr_expect_null(t->args[0].name.s);
    cr_expect_str_eq(t->args[0].val->expr->u.lit.s, "data/customers.csv");
    cr_expect_str_eq(t->args[1].name.s, "header");
    cr_expect_eq(t->args[1].val->expr->u.lit.type, TIR_BOOL);
    cr_expect_eq(t->args[1].val->expr->u.lit.i, 1);
    cr_assert_eq(t->schema.n, 3);
    cr_expect_str_eq(t->schema.cols[0].name.s, "customer_id");
    cr_expect_str_eq(ir_coltype_str(&P.a, t->schema.cols[0].ty), "i32 unique");
    cr_expect_str_eq(ir_coltype_str(&P.a, t->schema.cols[1].ty), "string");
    cr_expect_str_eq(span_text(t->schema.cols[0].span), "customer_id: i32 unique");
    expect_at(t->schema.cols[2].span, 4, 5);
    ir_coltype o = P.p->tables[1]->schema.cols[0].ty;
    cr_expect(o.type == TIR_I64 && o.unique && o.order == IR_ORDER_ASC && !o.nullable);
    expect_at(P.p->tables[1]->span, 7, 1);
    cr_expect_eq(P.p->tables[1]->span.off + P.p->tables[1]->span.len,
                 (uint32_t)(strstr(seed, "f64\n}") - seed) + 5);
}

Test(frontend, seed_pipelines_and_statements)
{
    cr_assert(parse(seed), "%s", rendered());
    cr_assert_eq(P.p->npipelines, 2);
    static const char *const ops[2][4] = {
        {"table_scan", "filter", "aggregate", "build_hash"},
        {"table_scan", "filter", "hash_join", "hash_group_by"},
    };
    static const char *const targets[2][4] = {{"v1", "v2", "minmax", "ht1"}, {"v1", "v2", "v3", "v4"}};
    for (int i = 0; i < 2; i++) {
        ir_pipeline *pl = P.p->pipelines[i];
        cr_assert_eq(pl->n, 4);
        for (int j = 0; j < 4; j++) {
            cr_expect_str_eq(pl->stmts[j]->op.s, ops[i][j]);
            cr_expect_str_eq(pl->stmts[j]->target.s, targets[i][j]);
            cr_expect_eq(pl->stmts[j]->pipeline, pl);
        }
    }
    cr_expect_str_eq(P.p->pipelines[1]->name.s, "pipeline2");
    ir_stmt *join = P.p->pipelines[1]->stmts[2];
    cr_assert_eq(join->nargs, 5);
    static const char *const names[] = {"input", "kind", "ht", "key", "projection"};
    for (int k = 0; k < 5; k++)
        cr_expect_str_eq(join->args[k].name.s, names[k]);
    ir_val *proj = arg(join, "projection");
    cr_assert_eq(proj->kind, IR_V_LIST);
    cr_assert_eq(proj->n, 3);
    cr_expect_eq(proj->items[1]->expr->kind, IR_E_COL);
    cr_expect_str_eq(proj->items[1]->expr->u.col.qual.s, "$ht");
    cr_expect_str_eq(proj->items[1]->expr->u.col.name.s, "name");
    cr_expect_eq(proj->items[0]->expr->kind, IR_E_PATH);
    cr_expect_eq(proj->items[0]->expr->u.path.nparts, 2);
}

Test(frontend, seed_statement_spans)
{
    cr_assert(parse(seed), "%s", rendered());
    ir_stmt *s = P.p->pipelines[0]->stmts[1];
    expect_at(s->span, 18, 5);
    const char *t = span_text(s->span);
    cr_expect(strncmp(t, "v2 = filter :input = v1", 23) == 0);
    cr_expect_str_eq(t + strlen(t) - 23, "[\"customer_id\", \"name\"]");
    ir_val *e = arg(s, "expr");
    expect_at(e->span, 19, 17);
    cr_expect_str_eq(span_text(e->expr->span),
                     "$in.gender == \"M\" && ($in.name >= \"abc\" && $in.name < \"abd\")");
    expect_at(P.p->pipelines[1]->span, 29, 1);
    cr_expect_str_eq(span_text(P.p->outputs[0].span), "output pipeline2.v4");
}

Test(frontend, seed_minmaxes_map)
{
    cr_assert(parse(seed), "%s", rendered());
    ir_val *m = arg(P.p->pipelines[1]->stmts[0], "minmaxes");
    cr_assert_eq(m->kind, IR_V_MAP);
    cr_assert_eq(m->n, 2);
    cr_expect_str_eq(m->ents[0].key.s, "freight");
    cr_expect_str_eq(m->ents[1].key.s, "customer_id");
    expect_at(m->ents[1].key.span, 32, 44);
    ir_val *bounds = m->ents[1].val;
    cr_assert_eq(bounds->kind, IR_V_LIST);
    cr_assert_eq(bounds->n, 2);
    ir_expr *lo = bounds->items[0]->expr;
    cr_assert_eq(lo->kind, IR_E_PATH);
    cr_assert_eq(lo->u.path.nparts, 3);
    cr_expect_str_eq(lo->u.path.parts[0].s, "pipeline1");
    cr_expect_str_eq(lo->u.path.parts[2].s, "min");
    cr_expect_str_eq(span_text(lo->span), "pipeline1.minmax.min");
    ir_expr *ten = m->ents[0].val->items[0]->expr;
    cr_expect(ten->kind == IR_E_LIT && ten->u.lit.type == TIR_I64 && ten->u.lit.i == 10);
}

Test(frontend, seed_filter_expression_shape)
{
    cr_assert(parse(seed), "%s", rendered());
    ir_expr *e = arg(P.p->pipelines[0]->stmts[1], "expr")->expr;
    cr_assert_eq(e->kind, IR_E_BINARY);
    cr_expect_eq(e->u.op.op, IR_AND);
    ir_expr *l = e->u.op.a, *r = e->u.op.b;
    cr_assert_eq(l->kind, IR_E_BINARY);
    cr_expect_eq(l->u.op.op, IR_EQ);
    cr_expect_eq(l->u.op.a->kind, IR_E_COL);
    cr_expect_str_eq(l->u.op.b->u.lit.s, "M");
    cr_assert_eq(r->kind, IR_E_BINARY);
    cr_expect_eq(r->u.op.op, IR_AND);
    cr_expect_eq(r->u.op.b->u.op.op, IR_LT);
    cr_expect_str_eq(ir_expr_str(&P.a, e),
                     "($in.gender == \"M\") && (($in.name >= \"abc\") && ($in.name < \"abd\"))");
    ir_val *aggs = arg(P.p->pipelines[0]->stmts[2], "aggregates");
    ir_expr *min = aggs->ents[0].val->expr;
    cr_assert_eq(min->kind, IR_E_CALL);
    cr_expect_str_eq(min->u.call.fn.s, "min");
    cr_assert_eq(min->u.call.nargs, 1);
    cr_expect_str_eq(min->u.call.args[0]->u.col.name.s, "customer_id");
}

Test(frontend, seed_output)
{
    cr_assert(parse(seed), "%s", rendered());
    cr_assert_eq(P.p->noutputs, 1);
    ir_expr *w = P.p->outputs[0].what;
    cr_assert_eq(w->kind, IR_E_PATH);
    cr_expect_eq(w->u.path.nparts, 2);
    cr_expect_str_eq(w->u.path.parts[1].s, "v4");
    cr_expect_null(P.p->outputs[0].alias.s);
    cr_expect_str_eq(P.p->file, "t.tir");
    cr_expect_eq(P.p->srclen, strlen(seed));
    cr_expect_str_eq(P.p->src, seed);
}

/* ------------------------------------------------------------ items */

Test(frontend, table_source_args_and_columns)
{
    cr_assert(parse("t: Table = read_csv(\"f.csv\", header = false, delimiter = \"|\") {\n"
                    "  \"odd name\": date nullable desc,\n  date: f64 unique nullable,\n  b: bool,\n}\n"),
              "%s", rendered());
    ir_table *t = P.p->tables[0];
    cr_assert_eq(t->nargs, 3);
    cr_expect_str_eq(t->args[2].name.s, "delimiter");
    cr_expect_str_eq(t->args[2].val->expr->u.lit.s, "|");
    cr_assert_eq(t->schema.n, 3);
    cr_expect_str_eq(t->schema.cols[0].name.s, "odd name");
    cr_expect_str_eq(ir_coltype_str(&P.a, t->schema.cols[0].ty), "date nullable desc");
    cr_expect_str_eq(t->schema.cols[1].name.s, "date");   /* a keyword as a name */
    cr_expect_str_eq(ir_coltype_str(&P.a, t->schema.cols[1].ty), "f64 nullable unique");
    cr_expect_eq(t->schema.cols[2].ty.type, TIR_BOOL);
}

Test(frontend, empty_source_args_and_trailing_commas)
{
    cr_assert(parse("t: Table = gen() { a: i32 }\n"
                    "p: Pipeline = { v = x :l = [1, 2,] :m = {a: [], \"b\": {},} :e = [] }\n"
                    "q: Pipeline = { }\n"),
              "%s", rendered());
    cr_expect_eq(P.p->tables[0]->nargs, 0);
    ir_stmt *s = P.p->pipelines[0]->stmts[0];
    cr_expect_eq(arg(s, "l")->n, 2);
    ir_val *m = arg(s, "m");
    cr_assert_eq(m->n, 2);
    cr_expect_str_eq(m->ents[0].key.s, "a");
    cr_expect_eq(m->ents[0].val->kind, IR_V_LIST);
    cr_expect_eq(m->ents[1].val->kind, IR_V_MAP);
    cr_expect_eq(m->ents[1].val->n, 0);
    cr_expect_str_eq(span_text(arg(s, "e")->span), "[]");
    cr_expect_eq(P.p->pipelines[1]->n, 0);
}

Test(frontend, table_column_block_is_optional_for_read_table)
{
    cr_assert(parse("a: Table = read_table(\"a.tirt\")\n"
                    "b: Table = read_table(\"b.tirt\") { x: i64 nullable, }\n"
                    "c: Table = read_table(\"c.tirt\")\n"
                    "p: Pipeline = { v = table_scan :table = a }\n"),
              "%s", rendered());
    cr_assert_eq(P.p->ntables, 3);
    ir_table *a = P.p->tables[0], *b = P.p->tables[1];
    cr_expect_str_eq(a->source.s, "read_table");
    cr_expect_eq(a->schema.n, 0);
    cr_expect_null(a->schema.cols);
    cr_assert_eq(a->nargs, 1);
    cr_expect_str_eq(a->args[0].val->expr->u.lit.s, "a.tirt");
    /* without braces the item ends at the closing parenthesis */
    cr_expect_str_eq(span_text(a->span), "a: Table = read_table(\"a.tirt\")");
    cr_assert_eq(b->schema.n, 1);
    cr_expect_str_eq(ir_coltype_str(&P.a, b->schema.cols[0].ty), "i64 nullable");
    cr_expect_str_eq(span_text(b->span), "b: Table = read_table(\"b.tirt\") { x: i64 nullable, }");
    cr_expect_str_eq(P.p->tables[2]->name.s, "c");
    cr_expect_eq(P.p->npipelines, 1);
}

Test(frontend, a_table_may_leave_its_columns_to_the_checker)
{
    /* read_csv infers them, read_table reads them, another source is an
    ** error: the checker knows the sources */
    cr_expect(parse("t: Table = read_csv(\"t.csv\", header = true)\np: Pipeline = { v = x }\n"), "%s",
              rendered());
    cr_expect_eq(P.p->ntables, 1);
    cr_expect_eq(P.p->tables[0]->schema.n, 0);
    cr_expect_eq(P.p->npipelines, 1);
    cr_expect(parse("t: Table = read_json(\"t.json\")\n"), "%s", rendered());
    /* an empty block is still a syntax error */
    expect_diag("t: Table = read_table(\"t.tirt\") { }\n", "t.tir:1:35: error: syntax error: unexpected '}'");
}

Test(frontend, outputs_with_aliases)
{
    cr_assert(parse("output a.b as total\noutput c.d as \"the result\"\noutput e.f.g\n"), "%s",
              rendered());
    cr_assert_eq(P.p->noutputs, 3);
    cr_expect_str_eq(P.p->outputs[0].alias.s, "total");
    cr_expect_str_eq(P.p->outputs[1].alias.s, "the result");
    cr_expect_str_eq(span_text(P.p->outputs[1].span), "output c.d as \"the result\"");
    cr_expect_eq(P.p->outputs[2].what->u.path.nparts, 3);
}

Test(frontend, keywords_name_statements_and_columns)
{
    cr_assert(parse("p: Pipeline = {\n  end = x :in = $in.date\n  date = y :from = end\n}\n"), "%s",
              rendered());
    ir_pipeline *pl = P.p->pipelines[0];
    cr_assert_eq(pl->n, 2);
    cr_expect_str_eq(pl->stmts[0]->target.s, "end");
    cr_expect_str_eq(pl->stmts[0]->args[0].name.s, "in");
    cr_expect_str_eq(pl->stmts[0]->args[0].val->expr->u.col.name.s, "date");
    cr_expect_str_eq(pl->stmts[1]->target.s, "date");
    cr_expect_str_eq(pl->stmts[1]->args[0].val->expr->u.path.parts[0].s, "end");
}

Test(frontend, comments_are_skipped)
{
    cr_assert(parse("// one\np: /* two\n three */ Pipeline = { // four\n v = x /* five */ :a = 1 }\n"),
              "%s", rendered());
    ir_stmt *s = P.p->pipelines[0]->stmts[0];
    expect_at(s->span, 4, 2);
    cr_expect_str_eq(span_text(s->span), "v = x /* five */ :a = 1");
}

/* ------------------------------------------------------------ expressions */

Test(frontend, precedence_arithmetic)
{
    ir_expr *e = expr_of("1 + 2 * 3 - 4 % 5");
    cr_assert_eq(e->u.op.op, IR_SUB);
    cr_assert_eq(e->u.op.a->u.op.op, IR_ADD);
    cr_assert_eq(e->u.op.a->u.op.b->u.op.op, IR_MUL);
    cr_assert_eq(e->u.op.b->u.op.op, IR_MOD);
    cr_expect_str_eq(span_text(e->u.op.a->span), "1 + 2 * 3");
    prints_as("1 + 2 * 3 - 4 % 5", "(1 + (2 * 3)) - (4 % 5)");
    prints_as("(1 + 2) * 3 / 4", "((1 + 2) * 3) / 4");
}

Test(frontend, precedence_logic)
{
    prints_as("$in.a || $in.b && $in.c", "$in.a || ($in.b && $in.c)");
    prints_as("!$in.a == 1 && $in.b", "(!($in.a == 1)) && $in.b");
    prints_as("$in.a + 1 < $in.b * 2 || false", "(($in.a + 1) < ($in.b * 2)) || false");
    prints_as("!!$in.x", "!(!$in.x)");
    ir_expr *e = expr_of("$in.a >= 1 && $in.b != 2");
    cr_expect_eq(e->u.op.a->u.op.op, IR_GE);
    cr_expect_eq(e->u.op.b->u.op.op, IR_NE);
}

Test(frontend, comparisons_do_not_chain)
{
    expect_diag("p: Pipeline = {\n  v = x :e = 1 < 2 < 3\n}\n",
                "t.tir:2:20: error: syntax error: unexpected '<'");
    expect_diag("p: Pipeline = {\n  v = x :e = $in.a == 1 like \"x\"\n}\n",
                "t.tir:2:25: error: syntax error: unexpected 'like'");
    expect_diag("p: Pipeline = {\n  v = x :e = $in.a == $in.b is null\n}\n",
                "t.tir:2:29: error: syntax error: unexpected 'is'");
    /* postfix forms end their operand: a comparison may follow them */
    prints_as("$in.a is null == true", "($in.a is null) == true");
}

Test(frontend, unary_minus)
{
    ir_expr *e = expr_of("-5");
    cr_assert_eq(e->kind, IR_E_LIT);
    cr_expect_eq(e->u.lit.i, -5);
    cr_expect_str_eq(span_text(e->span), "-5");
    e = expr_of("-2.5 * -$in.a");
    cr_expect_eq(e->u.op.a->u.lit.f, -2.5);
    cr_assert_eq(e->u.op.b->kind, IR_E_UNARY);
    cr_expect_eq(e->u.op.b->u.op.op, IR_NEG);
    prints_as("-(1 + 2)", "-(1 + 2)");
    prints_as("- -5", "5");
    prints_as("-$in.a * 2", "(-$in.a) * 2");
}

Test(frontend, like_in_isnull)
{
    ir_expr *e = expr_of("$in.name not like \"ab%\" && $in.x in [1, 2, 3] || $in.y is not null");
    ir_expr *like = e->u.op.a->u.op.a, *in = e->u.op.a->u.op.b, *isn = e->u.op.b;
    cr_assert_eq(like->kind, IR_E_LIKE);
    cr_expect(like->u.like.negated);
    cr_expect_str_eq(like->u.like.pattern->u.lit.s, "ab%");
    cr_assert_eq(in->kind, IR_E_IN);
    cr_expect_not(in->u.in.negated);
    cr_expect_eq(in->u.in.nitems, 3);
    cr_expect_str_eq(span_text(in->span), "$in.x in [1, 2, 3]");
    cr_assert_eq(isn->kind, IR_E_ISNULL);
    cr_expect(isn->u.isnull.negated);
    cr_expect_str_eq(span_text(isn->span), "$in.y is not null");
    prints_as("$in.a + 1 not in [1, 2] || $in.b like \"x\" || $in.c is null",
              "((($in.a + 1) not in [1, 2]) || ($in.b like \"x\")) || ($in.c is null)");
}

Test(frontend, between_binds_its_bounds_and_does_not_chain)
{
    ir_expr *e = expr_of("$in.x between $in.lo + 1 and $in.hi * 2 && $in.y not between 1 and 2");
    ir_expr *b = e->u.op.a, *nb = e->u.op.b;
    cr_assert_eq(e->kind, IR_E_BINARY);
    cr_expect_eq(e->u.op.op, IR_AND);
    cr_assert_eq(b->kind, IR_E_CALL);
    cr_expect_str_eq(b->u.call.fn.s, "between");
    cr_assert_eq(b->u.call.nargs, 3);
    cr_expect_eq(b->u.call.args[1]->u.op.op, IR_ADD);
    cr_expect_eq(b->u.call.args[2]->u.op.op, IR_MUL);
    cr_expect_str_eq(span_text(b->span), "$in.x between $in.lo + 1 and $in.hi * 2");
    cr_assert_eq(nb->kind, IR_E_UNARY);
    cr_expect_eq(nb->u.op.op, IR_NOT);
    cr_expect_str_eq(span_text(nb->span), "$in.y not between 1 and 2");
    /* printed as the call it is, which reads back as the same call */
    prints_as("$in.x between 1 and 2 || false", "between($in.x, 1, 2) || false");
    prints_as("between($in.x, 1, 2)", "between($in.x, 1, 2)");
    expect_diag("p: Pipeline = {\n  v = x :e = $in.a between 1 and 2 == true\n}\n",
                "t.tir:2:36: error: syntax error: unexpected '=='");
}

Test(frontend, case_expressions)
{
    ir_expr *e = expr_of("case when $in.a > 1 then \"big\" when $in.a < 0 then \"neg\" else \"small\" end");
    cr_assert_eq(e->kind, IR_E_CASE);
    cr_assert_eq(e->u.cas.n, 2);
    cr_expect_eq(e->u.cas.whens[1]->u.op.op, IR_LT);
    cr_expect_str_eq(e->u.cas.thens[1]->u.lit.s, "neg");
    cr_expect_str_eq(e->u.cas.els->u.lit.s, "small");
    cr_expect_eq(e->span.len, strlen("case when $in.a > 1 then \"big\" when $in.a < 0 then \"neg\" else \"small\" end"));
    e = expr_of("case when $in.b then 1 end + 1");
    cr_assert_eq(e->kind, IR_E_BINARY);
    cr_expect_null(e->u.op.a->u.cas.els);
    cr_expect_str_eq(ir_expr_str(&P.a, e), "case when $in.b then 1 end + 1");
}

Test(frontend, cast_and_extract)
{
    ir_expr *e = expr_of("cast($in.a + 1 as date)");
    cr_assert_eq(e->kind, IR_E_CAST);
    cr_expect_eq(e->u.cast.to, TIR_DATE);
    cr_expect_str_eq(span_text(e->u.cast.to_span), "date");
    cr_expect_eq(e->u.cast.a->kind, IR_E_BINARY);
    cr_expect_str_eq(ir_expr_str(&P.a, e), "cast($in.a + 1 as date)");
    e = expr_of("extract(month from $in.d) + 1");
    ir_expr *x = e->u.op.a;
    cr_assert_eq(x->kind, IR_E_CALL);
    cr_expect_str_eq(x->u.call.fn.s, "month");
    cr_assert_eq(x->u.call.nargs, 1);
    cr_expect_str_eq(span_text(x->span), "extract(month from $in.d)");
    /* the parts named after no unit of the calendar's fields are calls too */
    x = expr_of("extract(isoyear from $in.d)");
    cr_assert_eq(x->kind, IR_E_CALL);
    cr_expect_str_eq(x->u.call.fn.s, "isoyear");
    cr_expect_str_eq(span_text(x->span), "extract(isoyear from $in.d)");
    expect_diag("p: Pipeline = { v = x :e = cast($in.a as int) }", "unknown type 'int'");
    expect_diag("p: Pipeline = { v = x :e = extract(fortnight from $in.d) }", "unknown field 'fortnight' in extract (expected year, quarter, month, week, day, dow, isodow, doy, decade, century, millennium, isoyear, hour, minute, second, millisecond, microsecond or epoch)");
}

Test(frontend, calls_and_count_star)
{
    ir_expr *e = expr_of("substring($in.s, 1, abs(-3))");
    cr_assert_eq(e->kind, IR_E_CALL);
    cr_expect_eq(e->u.call.nargs, 3);
    cr_expect_str_eq(e->u.call.args[2]->u.call.fn.s, "abs");
    e = expr_of("count(*)");
    cr_assert_eq(e->u.call.nargs, 1);
    cr_expect_eq(e->u.call.args[0]->kind, IR_E_STAR);
    cr_expect_str_eq(ir_expr_str(&P.a, e), "count(*)");
    e = expr_of("now()");
    cr_expect_eq(e->u.call.nargs, 0);
}

Test(frontend, columns_and_paths)
{
    ir_expr *e = expr_of("$ht.name");
    cr_assert_eq(e->kind, IR_E_COL);
    cr_expect_str_eq(e->u.col.qual.s, "$ht");
    cr_expect_str_eq(span_text(e->span), "$ht.name");
    e = expr_of("v2.customer_id");
    cr_assert_eq(e->kind, IR_E_PATH);
    cr_expect_str_eq(e->u.path.parts[1].s, "customer_id");
    expect_at(e->u.path.parts[1].span, 2, 25);
    expect_diag("p: Pipeline = { v = x :e = $self.a }",
                "t.tir:1:28: error: unknown variable '$self' (expected $in, $ht or $right)");
    expect_diag("p: Pipeline = { v = x :e = a.b.c.d.e }", "t.tir:1:34: error: a name has at most 3 parts");
    cr_expect_eq(P.d.nerrors, 1);
}

/* ------------------------------------------------------------ literals */

Test(frontend, literal_integers)
{
    ir_expr *e = expr_of("9223372036854775807");
    cr_expect(e->u.lit.type == TIR_I64 && e->u.lit.i == INT64_MAX && !e->u.lit.is_null);
    expect_diag("p: Pipeline = { v = x :e = 9223372036854775808 }",
                "t.tir:1:28: error: integer literal out of range");
}

Test(frontend, literal_floats)
{
    ir_expr *e = expr_of("1.5e3");
    cr_expect(e->u.lit.type == TIR_F64 && e->u.lit.f == 1500.0);
    prints_as("1.5e3", "1500.0");
    prints_as("0.1", "0.1");
    prints_as("2.5E-10", "2.5e-10");
    prints_as("1.0e20", "1.0e+20");
    expect_diag("p: Pipeline = { v = x :e = 1.0e999 }", "float literal out of range");
}

Test(frontend, literal_strings)
{
    ir_expr *e = expr_of("\"a\\\"b\\\\c\\nd\\te\"");
    cr_assert_eq(e->u.lit.type, TIR_STRING);
    cr_expect_eq(e->u.lit.slen, 9);
    cr_expect_str_eq(e->u.lit.s, "a\"b\\c\nd\te");
    cr_expect_str_eq(ir_expr_str(&P.a, e), "\"a\\\"b\\\\c\\nd\\te\"");
    e = expr_of("\"\"");
    cr_expect_eq(e->u.lit.slen, 0);
    expect_diag("p: Pipeline = { v = x :e = \"a\\qb\" }",
                "t.tir:1:30: error: unknown escape '\\q' in string");
}

Test(frontend, literal_bool_and_null)
{
    ir_expr *e = expr_of("true && false || null");
    ir_expr *t = e->u.op.a->u.op.a, *f = e->u.op.a->u.op.b, *n = e->u.op.b;
    cr_expect(t->u.lit.type == TIR_BOOL && t->u.lit.i == 1);
    cr_expect(f->u.lit.type == TIR_BOOL && f->u.lit.i == 0);
    cr_expect(n->u.lit.is_null && n->u.lit.type == TIR_I64);
    cr_expect_str_eq(ir_expr_str(&P.a, e), "(true && false) || null");
}

Test(frontend, literal_dates)
{
    ir_expr *e = expr_of("date \"1995-03-15\"");
    cr_assert_eq(e->u.lit.type, TIR_DATE);
    cr_expect_eq(e->u.lit.i, 9204);
    cr_expect_str_eq(span_text(e->span), "date \"1995-03-15\"");
    cr_expect_str_eq(ir_expr_str(&P.a, e), "date \"1995-03-15\"");
    cr_expect_eq(expr_of("date \"2000-02-29\"")->u.lit.i, 11016);
    cr_expect_eq(expr_of("date \"0001-01-01\"")->u.lit.i, -719162);
    cr_expect_str_eq(ir_expr_str(&P.a, expr_of("date \"1969-12-31\"")), "date \"1969-12-31\"");
    expect_diag("p: Pipeline = { v = x :e = date \"2021-02-29\" }",
                "t.tir:1:33: error: invalid date \"2021-02-29\"");
    expect_diag("p: Pipeline = { v = x :e = date \"1995-3-15\" }", "invalid date");
    expect_diag("p: Pipeline = { v = x :e = date \"1995-13-01\" }", "invalid date");
    expect_diag("p: Pipeline = { v = x :e = date \"0000-01-01\" }", "invalid date");
}

Test(frontend, printing_round_trips)
{
    static const char *const exprs[] = {
        "$in.a * ($in.b + 2) / 3 - -4 % 5",
        "!($in.a > 1) || $in.b <= 2.25 && $in.c != \"x\\\"y\"",
        "case when $in.a in [1, 2] then cast($in.b as f64) else abs($in.c) end",
        "$in.s not like \"a%\" && $in.d is not null && $in.t >= date \"2024-12-31\"",
        "-(-$in.a) + sum($in.b) * count(*)",
    };
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        char *copy = strdup(ir_expr_str(&P.a, expr_of(exprs[i])));
        const char *twice = ir_expr_str(&P.a, expr_of(copy));
        cr_expect_str_eq(twice, copy, "round trip of %s", exprs[i]);
        free(copy);
    }
}

Test(frontend, print_helpers_and_checker_nodes)
{
    cr_expect_str_eq(ir_coltype_str(&P.a, (ir_coltype){.type = TIR_I32, .nullable = true, .unique = true, .order = IR_ORDER_ASC}),
                     "i32 nullable unique asc");
    cr_expect_str_eq(ir_coltype_str(&P.a, (ir_coltype){.type = TIR_STRING}), "string");
    cr_expect_str_eq(ir_op_str(IR_GE), ">=");
    cr_expect_str_eq(ir_op_str(IR_NOT), "!");
    cr_expect_str_eq(ir_opkind_name(IR_OP_GROUP_BY), "hash_group_by");
    cr_expect_str_eq(ir_opkind_name(IR_OP_SCAN), "table_scan");
    cr_expect_str_eq(ir_aggfn_name(IR_AGG_AVG), "avg");

    /* a resolved reference and a resolved column, as the checker makes them */
    ir_pipeline pl = {.name = {"pipeline1", {0, 0}}};
    ir_column cols[2] = {{.name = {"min", {0, 0}}}, {.name = {"max", {0, 0}}}};
    ir_stmt s = {.target = {"minmax", {0, 0}}, .pipeline = &pl, .out = {cols, 2}};
    ir_expr ref = {.kind = IR_E_REF, .u.ref = {&s, 1}};
    ir_expr col = {.kind = IR_E_COL, .u.col = {.qual = {"v2", {0, 0}}, .name = {"freight", {0, 0}}}};
    ir_expr lt = {.kind = IR_E_BINARY, .u.op = {IR_LT, &col, &ref}};
    cr_expect_str_eq(ir_expr_str(&P.a, &lt), "v2.freight < pipeline1.minmax.max");
    ir_expr i32 = {.kind = IR_E_LIT, .u.lit = {.type = TIR_I32, .i = -7}};
    ir_expr neg = {.kind = IR_E_UNARY, .u.op = {IR_NEG, &i32, NULL}};
    cr_expect_str_eq(ir_expr_str(&P.a, &neg), "-(-7)");
}

/* ------------------------------------------------------------ diagnostics */

Test(frontend, syntax_error_position_and_text)
{
    expect_diag("p: Pipeline = {\n  v1 = filter :input = v0\n    :expr = $in.a + * 2\n}\n",
                "t.tir:3:21: error: syntax error: unexpected '*'\n"
                "      :expr = $in.a + * 2\n"
                "                      ^\n");
    cr_expect_eq(P.d.nerrors, 1);
}

Test(frontend, syntax_error_at_end_of_input)
{
    expect_diag("p: Pipeline = {\n  v = x :e = (1 + 2\n",
                "t.tir:2:14: error: this '(' is never closed: the program ends first");
    expect_diag("t: Table = read_csv(", "t.tir:1:20: error: this '(' is never closed: the program ends first");
    expect_diag("t: Table = read_csv(\"x\") { a: i32 ", "t.tir:1:26: error: this '{' is never closed: the program ends first");
}

Test(frontend, item_level_syntax_errors)
{
    expect_diag("t: Table read_csv() { a: i32 }\n", "t.tir:1:10: error: syntax error: unexpected 'read_csv'");
    expect_diag("t: Table = read_csv() { }\n", "t.tir:1:25: error: syntax error: unexpected '}'");
    expect_diag("output\n", "t.tir:2:1: error: syntax error: unexpected end of input");
    expect_diag("p: Pipeline = { v = filter :input }",
                "t.tir:1:35: error: syntax error: unexpected '}'");
}

Test(frontend, column_attribute_errors)
{
    expect_diag("t: Table = f() { a: i32 sorted }",
                "t.tir:1:25: error: syntax error: unexpected 'sorted' (expected nullable, unique, asc or desc)");
    expect_diag("t: Table = f() { a: i32 asc desc }",
                "t.tir:1:29: error: a column cannot be both asc and desc");
    expect_diag("t: Table = f() { a: integer }",
                "t.tir:1:21: error: unknown type 'integer' (expected bool, i32, i64, f64, string, date, timestamp, interval, decimal(p, s))");
    expect_diag("t: Table = f() { a: i32 unique unique }", "duplicate attribute 'unique'");
}

Test(frontend, lexical_errors)
{
    expect_diag("p: Pipeline = { v = x :e = 1 @ 2 }", "t.tir:1:30: error: unexpected character '@'");
    expect_diag("p: Pipeline = {\n v = x :e = \"abc\n}\n", "t.tir:2:13: error: unterminated string");
    expect_diag("p: Pipeline = { v = x }\n/* never closed", "t.tir:2:1: error: unterminated comment");
    cr_expect_eq(P.p->pipelines[0]->n, 1);
    static const char nul[] = "p: Pipeline = { v = x :e = 1 \0 }";
    cr_assert_not(parse_n(nul, sizeof nul - 1));
    cr_expect(strstr(rendered(), "unexpected character '\\x00'") != NULL, "%s", rendered());
    expect_diag("p: Pipeline = { v = x :e = \"é\" é }", "unexpected character 'é'");
}

Test(frontend, lexing_continues_after_bad_characters)
{
    expect_diag("p: Pipeline = { v = x :a = 1 # ^ \n w = y :b = 2 }", "unexpected character '#'");
    cr_expect_eq(P.d.nerrors, 2);
    cr_assert_eq(P.p->pipelines[0]->n, 2);
    cr_expect_str_eq(P.p->pipelines[0]->stmts[1]->target.s, "w");
}

Test(frontend, several_errors_reported_at_once)
{
    const char *src =
        "t: Table = read_csv(\"x.csv\") { a: i32 }\n"
        "p1: Pipeline = {\n"
        "    v1 = table_scan :table = t :columns = [\"a\"\n"
        "    v2 = filter :input = v1 :expr = $in.a > 1\n"
        "}\n"
        "p2: Pipeline = {\n"
        "    v1 = table_scan :table = t :columns = [\"a\"]\n"
        "    v2 = filter :input = v1 :expr = ($in.a > 1\n"
        "    v3 = filter :input = v2 :expr = $in.a < 5\n"
        "    v4 = project :input = v3 :columns = {\"x\" $in.a}\n"
        "}\n"
        "p3: Pipeline = {\n"
        "    v1 = limit :input = x :count = 10 :offset 5\n"
        "}\n"
        "output p2.v3\n";
    cr_assert_not(parse(src));
    const char *r = rendered();
    cr_expect(strstr(r, "t.tir:3:43: error: this '[' is never closed: 'v2' at 4:5 starts what follows") != NULL, "%s", r);
    cr_expect(strstr(r, "t.tir:8:37: error: this '(' is never closed: 'v3' at 9:5 starts what follows") != NULL, "%s", r);
    cr_expect(strstr(r, "t.tir:10:46: error: syntax error: unexpected '$in'") != NULL, "%s", r);
    cr_expect(strstr(r, "t.tir:13:47: error: syntax error: unexpected '5'") != NULL, "%s", r);
    cr_expect_eq(P.d.nerrors, 4, "%s", r);
    /* the good statements and items around the errors are kept */
    cr_assert_eq(P.p->npipelines, 3);
    cr_expect_eq(P.p->pipelines[0]->n, 1);
    cr_expect_str_eq(P.p->pipelines[0]->stmts[0]->target.s, "v2");
    cr_expect_eq(P.p->pipelines[1]->n, 2);
    cr_expect_str_eq(P.p->pipelines[1]->stmts[1]->target.s, "v3");
    cr_expect_eq(P.p->noutputs, 1);
}

/* ------------------------------------------------------------ robustness */

Test(frontend, deep_nesting)
{
    enum { OK_DEPTH = 1500, BAD_DEPTH = 100000 };
    char *src = malloc(2 * BAD_DEPTH + 64);
    char *q = src + sprintf(src, "p: Pipeline = { v = x :e = ");
    memset(q, '(', OK_DEPTH);
    q[OK_DEPTH] = '1';
    memset(q + OK_DEPTH + 1, ')', OK_DEPTH);
    strcpy(q + 2 * OK_DEPTH + 1, " }");
    cr_expect(parse(src), "%s", rendered());

    q = src + sprintf(src, "p: Pipeline = { v = x :e = ");
    memset(q, '(', BAD_DEPTH);
    strcpy(q + BAD_DEPTH, "1 }");
    expect_diag(src, "program nested too deeply");
    cr_expect_eq(P.d.nerrors, 1);

    memset(q, '[', BAD_DEPTH);
    strcpy(q + BAD_DEPTH, " }");
    expect_diag(src, "program nested too deeply");
    free(src);
}

Test(frontend, long_operator_chains_are_bounded)
{
    enum { TERMS = 20000 };
    char *src = malloc(4 * TERMS + 64);
    char *q = src + sprintf(src, "p: Pipeline = { v = x :e = 1");
    for (int i = 1; i < TERMS; i++)
        q += sprintf(q, " + 1");
    strcpy(q, " }");
    expect_diag(src, "expression nested too deeply");
    cr_expect_eq(P.d.nerrors, 1);

    q = src + sprintf(src, "p: Pipeline = { v = x :e = 1");
    for (int i = 1; i < 500; i++)
        q += sprintf(q, " + 1");
    strcpy(q, " }");
    cr_expect(parse(src), "%s", rendered());
    free(src);
}

Test(frontend, truncated_programs_do_not_crash)
{
    size_t n = strlen(seed);
    for (size_t k = 0; k < n; k++) {
        parse_n(seed, k);   /* parse_n checks result and error count agree */
        rendered();
    }
    cr_expect(parse_n(seed, n));
}

Test(frontend, garbage_does_not_crash)
{
    static const char *const pieces[] = {
        "(", ")", "[", "]", "{", "}", ",", ":", "=", "==", "\"", "/*", "//", "$in.", "case",
        "when", "end", "-", "!", "not", "in", "is", "null", "date", "\\", "\n", "Pipeline",
        "Table", "output", ".", "1.5e3", "x", "\xff", "@",
    };
    enum { N = 4096 };
    char *buf = malloc(N + 16);
    uint32_t rng = 12345;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        while (n < N) {
            rng = rng * 1664525u + 1013904223u;
            if (round % 3 == 0) {
                buf[n++] = (char)(rng >> 24);   /* raw bytes */
            } else {
                const char *p = pieces[(rng >> 16) % (sizeof pieces / sizeof pieces[0])];
                size_t l = strlen(p);
                if (n + l > N)
                    break;
                memcpy(buf + n, p, l);
                n += l;
            }
            if ((rng >> 8) % 97 == 0)
                break;
        }
        parse_n(buf, n);
        rendered();
    }
    free(buf);
}

Test(frontend, mutated_seed_does_not_crash)
{
    size_t n = strlen(seed);
    char *buf = malloc(n + 64);
    uint32_t rng = 777;
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, seed, n);
        size_t m = n;
        for (int k = 0; k < 4; k++) {
            rng = rng * 1664525u + 1013904223u;
            size_t at = (rng >> 8) % m;
            switch ((rng >> 4) % 3) {
            case 0:   /* delete a run */
                memmove(buf + at, buf + at + 1, m - at - 1), m--;
                break;
            case 1:   /* duplicate a byte */
                memmove(buf + at + 1, buf + at, m - at), m++;
                break;
            default:
                buf[at] = "()[]{},:=\"$.x1 "[(rng >> 20) % 15];
            }
        }
        parse_n(buf, m);
        rendered();
    }
    free(buf);
}

/* ---- sort keys and window frames ----------------------------------------- */

Test(frontend, sort_keys_and_frames)
{
    cr_assert(parse("p: Pipeline = {\n"
                    "  s = sort :by = [$in.a, $in.b desc, $in.c nulls first, $in.d asc nulls last, $in.e desc nulls first]\n"
                    "  w = window :functions = { \"m\": avg($in.x) rows between 6 preceding and current row,\n"
                    "      \"r\": sum($in.x) range between current row and unbounded following,\n"
                    "      \"o\": count(*) rows 3 preceding, \"n\": row_number() }\n"
                    "}\n"),
              "%s", rendered());
    ir_stmt *s = P.p->pipelines[0]->stmts[0];
    ir_val *by = arg(s, "by");
    cr_assert_eq(by->n, 5);
    static const ir_order dir[] = {IR_ORDER_NONE, IR_ORDER_DESC, IR_ORDER_NONE, IR_ORDER_ASC, IR_ORDER_DESC};
    static const ir_nulls nulls[] = {IR_NULLS_DEFAULT, IR_NULLS_DEFAULT, IR_NULLS_FIRST, IR_NULLS_LAST, IR_NULLS_FIRST};
    for (int i = 0; i < 5; i++) {
        cr_expect_eq(by->items[i]->dir, dir[i], "key %d", i);
        cr_expect_eq(by->items[i]->nulls, nulls[i], "key %d", i);
        cr_expect_null(by->items[i]->frame);
    }
    cr_expect_str_eq(span_text(by->items[4]->ord_span), "desc nulls first");
    ir_val *f = arg(P.p->pipelines[0]->stmts[1], "functions");
    const ir_frame *m = f->ents[0].val->frame, *r = f->ents[1].val->frame, *o = f->ents[2].val->frame;
    cr_assert(m && r && o);
    cr_expect(!m->range && m->lo.kind == IR_B_PRECEDING && m->lo.n == 6 && m->hi.kind == IR_B_CURRENT);
    cr_expect(r->range && r->lo.kind == IR_B_CURRENT && r->hi.kind == IR_B_UNBOUNDED_FOLLOWING);
    /* `rows 3 preceding` is `rows between 3 preceding and current row` */
    cr_expect(!o->range && o->lo.kind == IR_B_PRECEDING && o->lo.n == 3 && o->hi.kind == IR_B_CURRENT);
    cr_expect_null(f->ents[3].val->frame);
    cr_expect_str_eq(span_text(m->span), "rows between 6 preceding and current row");
}

/* The new words stay usable as names wherever a keyword cannot stand. */
Test(frontend, order_words_are_names_elsewhere)
{
    cr_assert(parse("t: Table = read_csv(\"t.csv\") { first: i32 asc, last: i32, rows: i32, range: f64, row: string,\n"
                    "  current: date, desc: i32 desc, nulls: i32 }\n"
                    "p: Pipeline = {\n"
                    "  first = table_scan :table = t :columns = [\"first\", last, rows]\n"
                    "  last = filter :input = first :expr = $in.first > $in.last && $in.desc == 1\n"
                    "}\n"),
              "%s", rendered());
    cr_expect_str_eq(P.p->tables[0]->schema.cols[6].name.s, "desc");
    cr_expect_eq(P.p->tables[0]->schema.cols[0].ty.order, IR_ORDER_ASC);
    cr_expect_eq(P.p->tables[0]->schema.cols[6].ty.order, IR_ORDER_DESC);
    cr_expect_str_eq(P.p->pipelines[0]->stmts[1]->target.s, "last");
}

Test(frontend, ordering_errors)
{
    expect_diag("p: Pipeline = { s = sort :by = [$in.a nulls first nulls last] }",
                "t.tir:1:51: error: NULL placement given twice");
    expect_diag("p: Pipeline = { s = sort :by = [$in.a desc asc] }", "t.tir:1:44: error: syntax error");
    expect_diag("p: Pipeline = { w = window :functions = { \"x\": sum($in.a) rows between 1 and 2 following } }",
                "error: syntax error");
    expect_diag("p: Pipeline = { w = window :functions = { \"x\": sum($in.a) rows 99999999999999999999 preceding } }",
                "error: frame offset 99999999999999999999 is too large");
}

/* ------------------------------------------------------------ parameters */

Test(frontend, parameter_declarations)
{
    /* `nullable` ends a declaration, names the next item, and is an attribute in a column block */
    cr_assert(parse("$since: date\n$tag: string nullable\nnullable: Table = f() { nullable: i32 nullable }\n"
                    "$n: i64\n$d: date nullable\noutput p.v\n"),
              "%s", rendered());
    cr_assert_eq(P.p->nparams, 4);
    const ir_param *s = P.p->params[0], *t = P.p->params[1], *n = P.p->params[2], *d = P.p->params[3];
    cr_expect_str_eq(s->name.s, "since");
    cr_expect_eq(s->ty.type, TIR_DATE);
    cr_expect(!s->ty.nullable);
    cr_expect_str_eq(span_text(s->span), "$since: date");
    cr_expect_str_eq(span_text(s->name.span), "$since");
    cr_expect_eq(t->ty.type, TIR_STRING);
    cr_expect(t->ty.nullable);
    cr_expect_str_eq(span_text(t->span), "$tag: string nullable");
    cr_expect_eq(n->index, 2);
    cr_expect_eq(n->ty.type, TIR_I64);
    cr_expect(d->ty.nullable);
    cr_assert_eq(P.p->ntables, 1);
    cr_expect_str_eq(P.p->tables[0]->name.s, "nullable");
    cr_expect_str_eq(P.p->tables[0]->schema.cols[0].name.s, "nullable");
    cr_expect(P.p->tables[0]->schema.cols[0].ty.nullable);
    expect_diag("$d: dat\n", "t.tir:1:5: error: unknown type 'dat' (expected bool, i32, i64, f64, string, date, timestamp, interval, decimal(p, s))");
    expect_diag("$d date\n", "t.tir:1:4: error: syntax error: unexpected 'date'");
    expect_diag("$d: date unique\nt: Table = f() { a: i32 }\n", "t.tir:2:1: error: syntax error: unexpected 't'");
}

Test(frontend, parameter_uses)
{
    ir_expr *e = expr_of("$in.x >= $since && $in.d in [$a, 2] && $tag");
    cr_expect_str_eq(ir_expr_str(&P.a, e), "(($in.x >= $since) && ($in.d in [$a, 2])) && $tag");
    ir_expr *since = e->u.op.a->u.op.a->u.op.b;
    cr_assert_eq(since->kind, IR_E_PARAM);
    cr_expect_str_eq(since->u.param.name.s, "since");
    cr_expect_str_eq(span_text(since->span), "$since");
    expect_at(since->span, 2, 31);
    cr_expect_eq(e->u.op.a->u.op.b->u.in.items[0]->kind, IR_E_PARAM);
    /* followed by the next argument: `$p :x` is a use, not a declaration */
    cr_assert(parse("p: Pipeline = { v = f :e = $p :x = 1 }\n"), "%s", rendered());
    cr_expect_eq(P.p->pipelines[0]->stmts[0]->args[0].val->expr->kind, IR_E_PARAM);
    cr_expect_eq(P.p->pipelines[0]->stmts[0]->nargs, 2);
    expect_diag("p: Pipeline = { v = f :e = $p.x }", "t.tir:1:28: error: unknown variable '$p' (expected $in, $ht or $right)");
}

/* include through a loader of in-memory files: "a.tir" includes "sub/b.tir". */
static const char *const mem_files[][2] = {
    {"dir/a.tir", "include \"sub/b.tir\"\nt: Table = read_csv(\"a.csv\") { x: i32 }\n"},
    {"dir/sub/b.tir", "// b\nu: Table = read_csv(\"../data/u.csv\") { y: i32 }\ninclude \"../a.tir\"\nv: Table = read_csv(\"v.csv\") { ? }\n"},
};

static char *mem_load(void *ctx, ir_arena *a, const char *path, size_t *len, char *err, size_t errlen)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof mem_files / sizeof mem_files[0]; i++)
        if (!strcmp(path, mem_files[i][0])) {
            *len = strlen(mem_files[i][1]);
            return ir_strndup(a, mem_files[i][1], *len);
        }
    snprintf(err, errlen, "no such file");
    return NULL;
}

Test(frontend, include_reports_in_the_included_file)
{
    teardown();
    ir_arena_init(&P.a);
    const char *src = "include \"sub/b.tir\"\np: Pipeline = { s = table_scan :table = u }\ninclude \"nope.tir\"\n";
    ir_diags_init(&P.d, &P.a, "dir/main.tir", src, strlen(src));
    ir_loader ld = {mem_load, NULL};
    P.ok = fe_parse(&P.a, &P.d, "dir/main.tir", src, strlen(src), &ld, &P.p);
    cr_assert(!P.ok);
    const char *out = rendered();
    /* the stray '?' is in b.tir, at its own line and column */
    cr_expect(strstr(out, "dir/sub/b.tir:4:32: error: unexpected character '?'"), "%s", out);
    /* b.tir includes a.tir (not the program: read), which includes b.tir again: a cycle */
    cr_expect(strstr(out, "dir/a.tir:1:9: error: dir/sub/b.tir includes itself through dir/a.tir"), "%s", out);
    cr_expect(strstr(out, "dir/main.tir:3:9: error: cannot include dir/nope.tir: no such file"), "%s", out);
    /* the tables of both files (not v: its column block has the '?'), their
    ** data relative to the program's directory */
    cr_assert_eq(P.p->ntables, 2);
    cr_expect_str_eq(P.p->tables[0]->args[0].val->expr->u.lit.s, "data/u.csv");
    cr_expect_str_eq(P.p->tables[1]->args[0].val->expr->u.lit.s, "a.csv");
    cr_expect_eq(P.p->npipelines, 1);
}

static char *record_load(void *ctx, ir_arena *a, const char *path, size_t *len, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    char *seen = ctx;
    strcat(strcat(seen, path), ";");
    *len = 0;
    return ir_strndup(a, "", 0);
}

/* A resolved path that fills its arena allocation exactly (15 bytes and its
** NUL): the normalizer once wrote the last step's '/' over the NUL and read
** on past the allocation (found by fuzz_compile under ASan). */
Test(frontend, include_paths_of_every_length_resolve)
{
    teardown();
    ir_arena_init(&P.a);
    const char *src = "include \"abcdefghijk.tir\"\ninclude \"x/./../abcdefghij.tir\"\ninclude \"/abs//q.tir\"\n"
                      "include \"../up.tir\"\ninclude \"a/b/../../../c.tir\"\n";
    ir_diags_init(&P.d, &P.a, "main.tir", src, strlen(src));
    char seen[256] = "";
    ir_loader ld = {record_load, seen};
    P.ok = fe_parse(&P.a, &P.d, "main.tir", src, strlen(src), &ld, &P.p);
    cr_assert(P.ok, "%s", rendered());
    cr_expect_str_eq(seen, "abcdefghijk.tir;abcdefghij.tir;/abs/q.tir;../up.tir;../c.tir;");
}

Test(frontend, include_needs_a_loader)
{
    cr_expect(!parse("include \"t.tir\"\n"));
    cr_expect(strstr(rendered(), "t.tir:1:9: error: include is not available here"), "%s", rendered());
    /* `include` is still a name where no path follows */
    cr_expect(parse("include: Table = read_csv(\"x.csv\") { include: i32 }\n"), "%s", rendered());
}
