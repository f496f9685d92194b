/*
** test_typecheck.c — the type checker on small .tir programs: output
** types and properties, coercions and inserted casts, every class of error
** with its message and position, dependency order and cycles.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "functions.h"

/* Two tables every program below can use; user text starts on line 7. */
#define TABLES                                                                                        \
    "c: Table = read_csv(\"c.csv\") {\n"                                                             \
    "    id: i32 unique asc, name: string, gender: string nullable, born: date, score: f64 nullable,\n" \
    "    big: i64, flag: bool }\n"                                                                   \
    "o: Table = read_csv(\"/data/o.csv\", delimiter = \"|\", header = false) {\n"     \
    "    oid: i64 unique asc, cid: i32, amount: f64, qty: i32 nullable, note: string nullable, day: date\n" \
    "}\n"

typedef struct tc_run {
    ir_arena a;
    ir_diags d;
    ir_program *p;
    const char *src;
    bool ok;
} tc_run;

static void parse(tc_run *r, const char *file, const char *src)
{
    ir_arena_init(&r->a);
    ir_diags_init(&r->d, &r->a, file, src, strlen(src));
    r->src = src;
    bool parsed = fe_parse(&r->a, &r->d, file, src, strlen(src), NULL, &r->p);
    cr_assert(parsed, "parse failed:\n%s", ir_diags_render(&r->d));
}

static void run(tc_run *r, const char *file, const char *src)
{
    parse(r, file, src);
    r->ok = tc_check(&r->a, &r->d, r->p);
}

static void done(tc_run *r)
{
    ir_diags_free(&r->d);
    ir_arena_free(&r->a);
}

static size_t count(const tc_run *r, tir_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < r->d.n; i++)
        n += r->d.items[i].severity == sev;
    return n;
}

/* The diagnostic starting where `needle` first occurs in the source (or
** where its '@' is, for a needle made unique by context), with exactly the
** message msg; fails the test listing all diagnostics if there is none. */
static void expect_at(tc_run *r, tir_severity sev, const char *needle, const char *msg)
{
    char text[256];
    const char *mark = strchr(needle, '@');
    size_t skip = mark ? (size_t)(mark - needle) : 0;
    snprintf(text, sizeof text, "%.*s%s", (int)skip, needle, mark ? mark + 1 : needle + skip);
    const char *at = strstr(r->src, text);
    cr_assert(at, "needle '%s' not in the program", text);
    uint32_t off = (uint32_t)(at - r->src + skip);
    for (size_t i = 0; i < r->d.n; i++) {
        const ir_diagnostic *x = &r->d.items[i];
        if (x->severity == sev && x->span.off == off && !strcmp(x->message, msg))
            return;
    }
    int line, col;
    ir_linecol(r->src, strlen(r->src), off, &line, &col);
    cr_assert_fail("no %s at %d:%d '%s': %s\nall diagnostics:\n%s", sev == TIR_SEV_ERROR ? "error" : "warning",
                   line, col, needle, msg, ir_diags_render(&r->d));
}

/* Checks src, which must have exactly one error: msg at needle. */
static void expect_error(const char *src, const char *needle, const char *msg)
{
    tc_run r;
    run(&r, "t.tir", src);
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, needle, msg);
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 1, "expected one error, got:\n%s", ir_diags_render(&r.d));
    done(&r);
}

static void expect_clean(tc_run *r, const char *src)
{
    run(r, "t.tir", src);
    cr_assert(r->ok, "unexpected errors:\n%s", ir_diags_render(&r->d));
}

static ir_pipeline *pipe_named(const ir_program *p, const char *name)
{
    for (int i = 0; i < p->npipelines; i++)
        if (!strcmp(p->pipelines[i]->name.s, name))
            return p->pipelines[i];
    cr_assert_fail("no pipeline %s", name);
    return NULL;
}

static ir_stmt *stmt_named(const ir_program *p, const char *pipe, const char *name)
{
    ir_pipeline *pl = pipe_named(p, pipe);
    for (int i = 0; i < pl->n; i++)
        if (!strcmp(pl->stmts[i]->target.s, name))
            return pl->stmts[i];
    cr_assert_fail("no statement %s.%s", pipe, name);
    return NULL;
}

static const ir_column *col_named(const ir_stmt *s, const char *name)
{
    for (int i = 0; i < s->out.n; i++)
        if (!strcmp(s->out.cols[i].name.s, name))
            return &s->out.cols[i];
    cr_assert_fail("no column %s in %s", name, s->target.s);
    return NULL;
}

static void expect_ty(const ir_stmt *s, const char *col, tir_type t, bool nullable, bool unique, ir_order order)
{
    const ir_column *c = col_named(s, col);
    cr_expect_eq(c->ty.type, t, "%s.%s: type %d, want %d", s->target.s, col, c->ty.type, t);
    cr_expect_eq(c->ty.nullable, nullable, "%s.%s: nullable %d", s->target.s, col, c->ty.nullable);
    cr_expect_eq(c->ty.unique, unique, "%s.%s: unique %d", s->target.s, col, c->ty.unique);
    cr_expect_eq(c->ty.order, order, "%s.%s: order %d", s->target.s, col, c->ty.order);
}

/* The expression of project column `name` in statement s. */
static ir_expr *proj_expr(const ir_stmt *s, const char *name)
{
    cr_assert_eq(s->kind, IR_OP_PROJECT);
    for (int i = 0; i < s->out.n; i++)
        if (!strcmp(s->out.cols[i].name.s, name))
            return s->u.project.exprs[i];
    cr_assert_fail("no column %s", name);
    return NULL;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = 0;
    fclose(f);
    return buf;
}

/* --------------------------------------------------------- the example */

Test(typecheck, seed001_clean_with_one_prune_warning)
{
    /* meson runs tests from the build directory, __FILE__ is relative to it */
    char path[1024];
    snprintf(path, sizeof path, "%.*s/../../examples/seed001.tir",
             (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__);
    char *src = slurp(path);
    if (!src)
        src = slurp("examples/seed001.tir");
    cr_assert(src, "cannot read seed001.tir");
    tc_run r;
    run(&r, "examples/seed001.tir", src);
    cr_assert(r.ok, "%s", ir_diags_render(&r.d));
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 0);
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 1, "%s", ir_diags_render(&r.d));
    expect_at(&r, TIR_SEV_WARNING, "\"customer_id\": [pipeline1",
              "key-range prune on 'customer_id' drops probe rows before a left join: rows outside the range get "
              "no NULL-extended output (the plan differs from an outer join over the whole table)");
    cr_expect_str_eq(r.p->tables[0]->path, "examples/data/customers.csv");

    ir_stmt *v4 = stmt_named(r.p, "pipeline2", "v4");
    cr_expect_eq(v4->out.n, 3);
    expect_ty(v4, "name", TIR_STRING, true, true, IR_ORDER_NONE);
    expect_ty(v4, "count", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(v4, "sum", TIR_F64, false, false, IR_ORDER_NONE);
    cr_expect(v4->used_later);
    cr_expect_eq(r.p->noutputs, 1);
    cr_expect_eq(r.p->outputs[0].stmt, v4);
    cr_expect_str_eq(r.p->outputs[0].name, "pipeline2.v4");

    ir_stmt *v3 = stmt_named(r.p, "pipeline2", "v3");
    cr_expect_eq(v3->u.join.jkind, IR_JOIN_LEFT);
    cr_expect_eq(v3->u.join.ht, stmt_named(r.p, "pipeline1", "ht1"));
    cr_expect_eq(v3->u.join.proj[1].side, 1);
    expect_ty(v3, "name", TIR_STRING, true, false, IR_ORDER_NONE);

    ir_stmt *mm = stmt_named(r.p, "pipeline1", "minmax");
    cr_expect_eq(mm->vkind, IR_VK_TUPLE);
    expect_ty(mm, "min", TIR_I32, true, false, IR_ORDER_NONE);
    cr_expect(mm->used_later);
    ir_stmt *ht1 = stmt_named(r.p, "pipeline1", "ht1");
    cr_expect_eq(ht1->vkind, IR_VK_HASHTABLE);
    cr_expect_eq(ht1->ht_nkeys, 1);

    /* the freight bound 10 became the f64 literal 10.0 */
    ir_stmt *scan = stmt_named(r.p, "pipeline2", "v1");
    cr_assert_eq(scan->u.scan.nmm, 2);
    cr_expect_eq(scan->u.scan.mm[0].lo->kind, IR_E_LIT);
    cr_expect_eq(scan->u.scan.mm[0].lo->ty.type, TIR_F64);
    cr_expect_eq(scan->u.scan.mm[0].lo->u.lit.f, 10.0);
    cr_expect_eq(scan->u.scan.mm[1].lo->kind, IR_E_REF);
    cr_expect_eq(scan->u.scan.mm[1].lo->u.ref.stmt, mm);
    ir_pipeline *p2 = pipe_named(r.p, "pipeline2");
    cr_expect_eq(p2->ndeps, 1);
    cr_expect_eq(p2->deps[0], pipe_named(r.p, "pipeline1"));
    done(&r);
    free(src);
}

/* ------------------------------------------------ types and properties */

Test(typecheck, table_arguments_and_paths)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o }\noutput p.v1\n");
    ir_table *c = r.p->tables[0], *o = r.p->tables[1];
    cr_expect_str_eq(c->path, "c.csv"); /* t.tir has no directory */
    cr_expect_eq(c->delimiter, ',');
    cr_expect(c->header);
    cr_expect_str_eq(c->null_string, "");
    cr_expect_str_eq(o->path, "/data/o.csv");
    cr_expect_eq(o->delimiter, '|');
    cr_expect(!o->header);
    cr_expect_str_eq(o->null_string, "");
    done(&r);

    parse(&r, "t.tir", "t: Table = read_csv(\"t.csv\", null_string = \"NA\") { a: i32 }\n"
                       "p: Pipeline = { v1 = table_scan :table = t }\noutput p.v1\n");
    cr_assert(tc_check(&r.a, &r.d, r.p), "%s", ir_diags_render(&r.d));
    cr_expect_str_eq(r.p->tables[0]->null_string, "NA");
    done(&r);

    run(&r, "dir/sub/prog.tir", TABLES "p: Pipeline = { v1 = table_scan :table = c }\noutput p.v1\n");
    cr_expect_str_eq(r.p->tables[0]->path, "dir/sub/c.csv");
    cr_expect_str_eq(r.p->tables[1]->path, "/data/o.csv");
    done(&r);
}

Test(typecheck, filter_keeps_column_properties)
{
    tc_run r;
    expect_clean(&r, TABLES
                 "p: Pipeline = {\n"
                 "  v1 = table_scan :table = c :columns = [\"id\", \"gender\", \"score\"]\n"
                 "  v2 = filter :input = v1 :expr = $in.score > 1.5 :projection = [v1.id, \"gender\"]\n"
                 "}\noutput p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    cr_assert_eq(v2->out.n, 2);
    expect_ty(v2, "id", TIR_I32, false, true, IR_ORDER_ASC);
    expect_ty(v2, "gender", TIR_STRING, true, false, IR_ORDER_NONE);
    cr_expect_eq(v2->u.filter.proj[0], 0);
    cr_expect_eq(v2->u.filter.proj[1], 1);
    cr_expect_eq(v2->input, stmt_named(r.p, "p", "v1"));
    cr_expect_eq(v2->u.filter.pred->ty.type, TIR_BOOL);
    cr_expect(v2->u.filter.pred->ty.nullable); /* score is nullable */
    done(&r);
}

Test(typecheck, filter_projection_errors)
{
    /* a failed item leaves a hole that later duplicate checks must skip */
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.flag :projection = [\"nope\", \"id\", $in.name] }\n"
                        "output p.v2\n",
                 "\"nope\"", "no column 'nope' in $in (columns: id, name, gender, born, score, big, flag)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.flag :projection = [\"id\", v1.id] }\noutput p.v2\n",
                 "v1.id]", "duplicate column name 'id' in :projection");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.flag :projection = [$in.id + 1] }\noutput p.v2\n",
                 "$in.id + 1", "items of :projection must be columns of the input: \"name\", $in.name or v1.name");
}

Test(typecheck, filter_without_projection_is_identity)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n v2 = filter :input = v1 :expr = $in.flag }\n"
                            "output p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    cr_assert_eq(v2->out.n, 7);
    for (int i = 0; i < 7; i++)
        cr_expect_eq(v2->u.filter.proj[i], i);
    expect_ty(v2, "id", TIR_I32, false, true, IR_ORDER_ASC);
    done(&r);
}

Test(typecheck, arithmetic_nullability_and_computed_properties)
{
    tc_run r;
    expect_clean(&r, TABLES
                 "p: Pipeline = {\n"
                 "  v1 = table_scan :table = o\n"
                 "  v2 = project :input = v1 :columns = { \"oid\": $in.oid, \"q1\": $in.qty + 1, \"c1\": $in.cid + 1,\n"
                 "       \"half\": $in.cid / 2, \"m\": $in.cid % 7, \"o2\": $in.oid * 2, neg: -$in.amount }\n"
                 "}\noutput p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    expect_ty(v2, "oid", TIR_I64, false, true, IR_ORDER_ASC); /* bare column keeps its properties */
    expect_ty(v2, "q1", TIR_I32, true, false, IR_ORDER_NONE);
    expect_ty(v2, "c1", TIR_I32, false, false, IR_ORDER_NONE);
    expect_ty(v2, "half", TIR_I32, true, false, IR_ORDER_NONE); /* division by zero gives NULL */
    expect_ty(v2, "m", TIR_I32, true, false, IR_ORDER_NONE);
    expect_ty(v2, "o2", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(v2, "neg", TIR_F64, false, false, IR_ORDER_NONE);
    ir_expr *c1 = proj_expr(v2, "c1");
    cr_expect_eq(c1->u.op.b->kind, IR_E_LIT);
    cr_expect_eq(c1->u.op.b->ty.type, TIR_I32);
    done(&r);
}

Test(typecheck, integer_literal_adopts_f64_column_type)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  v2 = filter :input = v1 :expr = $in.amount > 10 }\noutput p.v2\n");
    ir_expr *pred = stmt_named(r.p, "p", "v2")->u.filter.pred;
    cr_assert_eq(pred->kind, IR_E_BINARY);
    cr_expect_eq(pred->u.op.a->kind, IR_E_COL);
    cr_expect_eq(pred->u.op.b->kind, IR_E_LIT); /* converted in place, no cast */
    cr_expect_eq(pred->u.op.b->ty.type, TIR_F64);
    cr_expect_eq(pred->u.op.b->u.lit.type, TIR_F64);
    cr_expect_eq(pred->u.op.b->u.lit.f, 10.0);
    cr_expect(!pred->ty.nullable);
    done(&r);
}

Test(typecheck, widening_casts_inserted)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  v2 = project :input = v1 :columns = { a: $in.cid + $in.oid, b: $in.amount * $in.cid,\n"
                            "       c: $in.cid < 3000000000, d: 1 + 2.5 } }\noutput p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    ir_expr *a = proj_expr(v2, "a");
    cr_expect_eq(a->ty.type, TIR_I64);
    cr_assert_eq(a->u.op.a->kind, IR_E_CAST);
    cr_expect_eq(a->u.op.a->u.cast.to, TIR_I64);
    cr_expect_eq(a->u.op.a->ty.type, TIR_I64);
    cr_expect_eq(a->u.op.a->u.cast.a->ty.type, TIR_I32);
    cr_expect_eq(a->u.op.b->kind, IR_E_COL);

    ir_expr *b = proj_expr(v2, "b");
    cr_expect_eq(b->ty.type, TIR_F64);
    cr_assert_eq(b->u.op.b->kind, IR_E_CAST);
    cr_expect_eq(b->u.op.b->u.cast.to, TIR_F64);

    /* a literal too big for i32 stays i64 and widens the column */
    ir_expr *c = proj_expr(v2, "c");
    cr_expect_eq(c->u.op.a->kind, IR_E_CAST);
    cr_expect_eq(c->u.op.a->ty.type, TIR_I64);
    cr_expect_eq(c->u.op.b->ty.type, TIR_I64);
    cr_expect_eq(c->u.op.b->u.lit.i, 3000000000LL);

    ir_expr *d = proj_expr(v2, "d");
    cr_expect_eq(d->ty.type, TIR_F64);
    cr_expect_eq(d->u.op.a->kind, IR_E_LIT);
    cr_expect_eq(d->u.op.a->u.lit.f, 1.0);
    done(&r);
}

Test(typecheck, string_literal_against_date_becomes_date)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = filter :input = v1 :expr = \"1990-01-01\" <= $in.born && $in.born in [\"2000-02-29\", date \"2001-01-01\"] }\n"
                            "output p.v2\n");
    ir_expr *pred = stmt_named(r.p, "p", "v2")->u.filter.pred;
    ir_expr *lo = pred->u.op.a->u.op.a;
    cr_expect_eq(lo->kind, IR_E_LIT);
    cr_expect_eq(lo->ty.type, TIR_DATE);
    cr_expect_eq(lo->u.lit.i, 7305); /* 20 years of days, 5 leap days */
    ir_expr *in = pred->u.op.b;
    cr_assert_eq(in->kind, IR_E_IN);
    cr_expect_eq(in->u.in.items[0]->ty.type, TIR_DATE);
    cr_expect_eq(in->u.in.items[0]->u.lit.i, 11016);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.born > \"2001-02-29\" }\noutput p.v2\n",
                 "\"2001-02-29\"", "invalid date '2001-02-29' (expected YYYY-MM-DD)");
}

Test(typecheck, null_literal_takes_context_type)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = project :input = v1 :columns = { a: $in.name == null, b: null, c: cast(null as date),\n"
                            "       d: case when $in.flag then null else $in.score end, e: null is null } }\noutput p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    ir_expr *a = proj_expr(v2, "a");
    cr_expect_eq(a->u.op.b->ty.type, TIR_STRING);
    cr_expect_eq(a->u.op.b->u.lit.type, TIR_STRING);
    cr_expect(a->ty.nullable);
    expect_ty(v2, "b", TIR_I64, true, false, IR_ORDER_NONE);
    ir_expr *c = proj_expr(v2, "c");
    cr_expect_eq(c->kind, IR_E_LIT);
    expect_ty(v2, "c", TIR_DATE, true, false, IR_ORDER_NONE);
    ir_expr *d = proj_expr(v2, "d");
    cr_expect_eq(d->u.cas.thens[0]->ty.type, TIR_F64);
    expect_ty(v2, "d", TIR_F64, true, false, IR_ORDER_NONE);
    expect_ty(v2, "e", TIR_BOOL, false, false, IR_ORDER_NONE);
    done(&r);
}

Test(typecheck, case_promotes_branches_with_casts)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  v2 = project :input = v1 :columns = {\n"
                            "       a: case when $in.cid > 5 then $in.cid when $in.cid < 0 then 0 else $in.amount end,\n"
                            "       b: case when $in.cid > 5 then $in.cid end,\n"
                            "       c: case when $in.cid > 5 then $in.cid else 2.5 end } }\noutput p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    ir_expr *a = proj_expr(v2, "a");
    expect_ty(v2, "a", TIR_F64, false, false, IR_ORDER_NONE);
    cr_expect_eq(a->u.cas.thens[0]->kind, IR_E_CAST);
    cr_expect_eq(a->u.cas.thens[0]->ty.type, TIR_F64);
    cr_expect_eq(a->u.cas.thens[1]->kind, IR_E_LIT);
    cr_expect_eq(a->u.cas.thens[1]->ty.type, TIR_F64);
    cr_expect_eq(a->u.cas.els->kind, IR_E_COL);
    expect_ty(v2, "b", TIR_I32, true, false, IR_ORDER_NONE); /* no else: NULL */
    ir_expr *c = proj_expr(v2, "c");
    expect_ty(v2, "c", TIR_F64, false, false, IR_ORDER_NONE);
    cr_expect_eq(c->u.cas.thens[0]->kind, IR_E_CAST);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: case when $in.flag then $in.name else $in.id end } }\n"
                        "output p.v2\n",
                 "$in.id end", "case branches have different types: string and i32; write cast($in.id as string)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: case when $in.id then 1 end } }\noutput p.v2\n",
                 "$in.id then", "case condition must be bool, found i32");
}

Test(typecheck, casts_allowed_and_rejected)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = project :input = v1 :columns = { a: cast($in.name as date), b: cast($in.score as i32),\n"
                            "       c: cast($in.flag as i64), d: cast($in.born as string), e: cast(\"2020-01-02\" as date),\n"
                            "       f: cast(7 as f64), g: cast($in.born as i32), h: cast(cast($in.born as i64) as date) } }\n"
                            "output p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    cr_expect_eq(proj_expr(v2, "a")->kind, IR_E_CAST);
    expect_ty(v2, "b", TIR_I32, true, false, IR_ORDER_NONE);
    expect_ty(v2, "c", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(v2, "d", TIR_STRING, false, false, IR_ORDER_NONE);
    ir_expr *e = proj_expr(v2, "e"); /* folded: the literal is a date */
    cr_expect_eq(e->kind, IR_E_LIT);
    cr_expect_eq(e->u.lit.i, 18263);
    ir_expr *f = proj_expr(v2, "f");
    cr_expect_eq(f->kind, IR_E_LIT);
    cr_expect_eq(f->u.lit.f, 7.0);
    expect_ty(v2, "g", TIR_I32, false, false, IR_ORDER_NONE);   /* a date's days since 1970 */
    expect_ty(v2, "h", TIR_DATE, false, false, IR_ORDER_NONE);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: cast($in.born as f64) } }\noutput p.v2\n",
                 "cast($in.born", "cannot cast date to f64");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: cast($in.score as bool) } }\noutput p.v2\n",
                 "cast($in.score", "cannot cast f64 to bool");
}

Test(typecheck, scalar_functions)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = project :input = v1 :columns = { s: substring($in.name, $in.id, 3), y: extract(year from $in.born),\n"
                            "       m: month($in.born), l: length($in.gender), a: abs($in.score), a2: abs($in.id),\n"
                            "       c: date_trunc(\"century\", $in.born), iy: date_part(\"isoyear\", $in.born) } }\n"
                            "output p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    expect_ty(v2, "s", TIR_STRING, false, false, IR_ORDER_NONE);
    ir_expr *s = proj_expr(v2, "s");
    cr_expect_eq(s->u.call.args[1]->kind, IR_E_CAST); /* i32 start widened to i64 */
    cr_expect_eq(s->u.call.args[1]->ty.type, TIR_I64);
    cr_expect_eq(s->u.call.args[2]->kind, IR_E_LIT);
    cr_expect_eq(s->u.call.args[2]->ty.type, TIR_I64);
    expect_ty(v2, "y", TIR_I32, false, false, IR_ORDER_NONE);
    expect_ty(v2, "m", TIR_I32, false, false, IR_ORDER_NONE);
    expect_ty(v2, "l", TIR_I64, true, false, IR_ORDER_NONE);
    expect_ty(v2, "a", TIR_F64, true, false, IR_ORDER_NONE);
    expect_ty(v2, "a2", TIR_I32, false, false, IR_ORDER_NONE);
    /* the spans of years truncate a date to a date, as the year does */
    expect_ty(v2, "c", TIR_DATE, false, false, IR_ORDER_NONE);
    cr_expect_eq(proj_expr(v2, "c")->u.call.part, IR_DP_CENTURY);
    expect_ty(v2, "iy", TIR_I32, false, false, IR_ORDER_NONE);
    cr_expect_eq(proj_expr(v2, "iy")->u.call.part, IR_DP_ISOYEAR);
    done(&r);
}

/* as ir/functions.h lists them */
#define FUNCTIONS "abs, sign, floor, ceil, trunc, round, sqrt, ln, exp, power, coalesce, nullif, greatest, least, between, length, octet_length, substring, upper, lower, trim, ltrim, rtrim, starts_with, ends_with, contains, strpos, replace, lpad, rpad, concat, year, quarter, month, week, day, dow, isodow, doy, decade, century, millennium, isoyear, hour, minute, second, millisecond, microsecond, epoch, date_part, date_trunc, date_diff, regexp_matches, regexp_replace, regexp_extract"

Test(typecheck, function_errors)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: uper($in.name) } }\noutput p.v2\n",
                 "uper", "unknown function 'uper': did you mean 'upper'? (functions: " FUNCTIONS ")");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: frobnicate($in.name) } }\noutput p.v2\n",
                 "frobnicate", "unknown function 'frobnicate' (functions: " FUNCTIONS ")");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: coalesce($in.id, $in.name) } }\noutput p.v2\n",
                 "$in.name)", "the arguments of coalesce have different types: i32 and string; write cast($in.name as i32)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: lpad($in.name, \"3\", \"x\") } }\noutput p.v2\n",
                 "\"3\"", "argument 2 of lpad must be an integer, found string");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = sum($in.id) > 3 }\noutput p.v2\n",
                 "sum", "aggregate function 'sum' is only allowed in an entry of :aggregates, outside any other "
                        "aggregate");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: substring($in.name, 1.5) } }\noutput p.v2\n",
                 "1.5", "argument 2 of substring must be an integer, found f64");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: year($in.name) } }\noutput p.v2\n",
                 "$in.name)", "argument 1 of year must be a date or a timestamp, found string; write cast($in.name as date)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: length($in.name, 2) } }\noutput p.v2\n",
                 "length", "length takes 1 argument, found 2");
}

Test(typecheck, logic_like_in_isnull)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = project :input = v1 :columns = { a: $in.gender like \"M%\", b: $in.score in [1, 2.5, -3],\n"
                            "       c: !$in.flag || $in.gender is not null, d: $in.id not in [1, 2, null] } }\n"
                            "output p.v2\n");
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    expect_ty(v2, "a", TIR_BOOL, true, false, IR_ORDER_NONE);
    ir_expr *b = proj_expr(v2, "b");
    for (int i = 0; i < 3; i++)
        cr_expect_eq(b->u.in.items[i]->ty.type, TIR_F64);
    cr_expect_eq(b->u.in.items[2]->u.lit.f, -3.0);
    expect_ty(v2, "c", TIR_BOOL, false, false, IR_ORDER_NONE);
    expect_ty(v2, "d", TIR_BOOL, true, false, IR_ORDER_NONE);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.name like $in.id }\noutput p.v2\n",
                 "$in.id }", "the pattern of like must be a string, found i32; write cast($in.id as string)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.id like \"1%\" }\noutput p.v2\n",
                 "$in.id like", "like needs a string operand, found i32; write cast($in.id as string)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.id in [1, \"x\"] }\noutput p.v2\n",
                 "\"x\"", "'in' item of type string does not fit the operand's type i32");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.id in [1, $in.id] }\noutput p.v2\n",
                 "$in.id]", "items of an 'in' list must be literals or parameters");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.flag && $in.id }\noutput p.v2\n",
                 "$in.id }", "operands of '&&' must be bool, found i32");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: $in.name + 1 } }\noutput p.v2\n",
                 "$in.name +", "operator '+' needs numeric operands, found string; strings are joined with concat(a, b)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = project :input = v1 :columns = { a: -$in.name, b: -$in.score } }\noutput p.v2\n",
                 "$in.name,", "operand of unary '-' must be numeric or an interval, found string");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = !$in.id }\noutput p.v2\n",
                 "$in.id }", "operand of '!' must be bool, found i32");
}

/* ---------------------------------------------------- operators: types */

Test(typecheck, aggregate_tuple_fields)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  t = aggregate :input = v1 :aggregates = { n: count(*), k: count($in.score), s: sum($in.id),\n"
                            "       sf: sum($in.score), lo: min($in.born), hi: max($in.name), av: avg($in.id) } }\n"
                            "output p.t\n");
    ir_stmt *t = stmt_named(r.p, "p", "t");
    cr_expect_eq(t->vkind, IR_VK_TUPLE);
    expect_ty(t, "n", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(t, "k", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(t, "s", TIR_I64, true, false, IR_ORDER_NONE);
    expect_ty(t, "sf", TIR_F64, true, false, IR_ORDER_NONE);
    expect_ty(t, "lo", TIR_DATE, true, false, IR_ORDER_NONE);
    expect_ty(t, "hi", TIR_STRING, true, false, IR_ORDER_NONE);
    expect_ty(t, "av", TIR_F64, true, false, IR_ORDER_NONE);
    cr_expect_eq(t->u.aggregate.aggs[0].fn, IR_AGG_COUNT_STAR);
    cr_expect_null(t->u.aggregate.aggs[0].arg);
    cr_expect_eq(t->u.aggregate.aggs[2].fn, IR_AGG_SUM);
    cr_expect_eq(t->u.aggregate.aggs[2].arg->ty.type, TIR_I32); /* the argument keeps its type */
    done(&r);
}

Test(typecheck, aggregate_errors)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { s: sum($in.name) } }\noutput p.t\n",
                 "$in.name)", "sum needs a numeric argument, found string");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { s: min($in.flag) } }\noutput p.t\n",
                 "$in.flag)", "min needs a numeric, date or string argument, found bool");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { s: sum(*) } }\noutput p.t\n",
                 "*", "'*' is only allowed as the argument of count(*)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { s: $in.id + 1 } }\noutput p.t\n",
                 "$in.id + 1", "':aggregates' entry 's' must be an aggregate call, or an expression over them: "
                               "count(x), count(*), sum(x), min(x), max(x), avg(x), any_value(x), var_samp(x), var_pop(x), "
                               "stddev_samp(x), stddev_pop(x), bool_and(x), bool_or(x) or string_agg(x, sep) (e.g. sum($in.a) / sum($in.b))");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { s: sum(max($in.id)) } }\noutput p.t\n",
                 "max", "aggregate function 'max' is only allowed in an entry of :aggregates, outside any other "
                        "aggregate");
    /* a computed entry reads its aggregates, and outside them only keys */
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { s: sum($in.id) / $in.id } }\noutput p.t\n",
                 "$in.id }", "entry 's' reads $in.id outside an aggregate: there it may read only the group keys; "
                             "aggregate it (e.g. sum($in.id))");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { s: sum($in.id) + \"x\" } }\noutput p.t\n",
                 "\"x\" }", "operator '+' needs numeric operands, found string; strings are joined with concat(a, b)");
}

Test(typecheck, group_by_keys_and_aggregate_nullability)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  g1 = hash_group_by :input = v1 :group_by = [\"note\"]\n"
                            "       :aggregates = { n: count($in.qty), s: sum($in.qty), a: sum($in.amount), m: max($in.day) }\n"
                            "  g2 = hash_group_by :input = v1 :group_by = [$in.cid, v1.day] :aggregates = { n: count(*) } }\n"
                            "output p.g1\noutput p.g2\n");
    ir_stmt *g1 = stmt_named(r.p, "p", "g1");
    expect_ty(g1, "note", TIR_STRING, true, true, IR_ORDER_NONE);
    expect_ty(g1, "n", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(g1, "s", TIR_I64, true, false, IR_ORDER_NONE);
    expect_ty(g1, "a", TIR_F64, false, false, IR_ORDER_NONE);
    expect_ty(g1, "m", TIR_DATE, false, false, IR_ORDER_NONE);
    cr_expect_eq(g1->u.group.nkeys, 1);
    cr_expect_eq(g1->u.group.naggs, 4);
    cr_expect_eq(g1->u.group.keys[0]->kind, IR_E_COL);
    cr_expect_eq(g1->u.group.keys[0]->u.col.index, 4);
    ir_stmt *g2 = stmt_named(r.p, "p", "g2");
    expect_ty(g2, "cid", TIR_I32, false, false, IR_ORDER_NONE);
    expect_ty(g2, "day", TIR_DATE, false, false, IR_ORDER_NONE);
    cr_expect_eq(g2->u.group.keys[1]->u.col.index, 5);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  g = hash_group_by :input = v1 :group_by = [\"cid\"] :aggregates = { cid: count(*) } }\n"
                        "output p.g\n",
                 "cid: count", "duplicate column name 'cid' in hash_group_by (:group_by and :aggregates)");
}

/* count(distinct x) and its kin: a partial group-by on the keys and x in
** the statement's pipeline, the statement itself in a pipeline of its own
** that readers of p.g reach, ordered before them. */
Test(typecheck, distinct_aggregates)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  g = hash_group_by :input = v1 :group_by = [\"note\"]\n"
                            "      :aggregates = { n: count(distinct $in.qty), s: sum(distinct $in.qty), c: count(*), "
                            "a: avg($in.amount), m: min(distinct $in.day) } }\n"
                            "q: Pipeline = { v1 = table_scan :table = p.g\n"
                            "  t = aggregate :input = v1 :aggregates = { n: count(distinct $in.n) } }\n"
                            "output q.t\n");
    ir_stmt *part = stmt_named(r.p, "p", "g$distinct");
    cr_expect_eq(part->kind, IR_OP_GROUP_BY);
    cr_assert_eq(part->u.group.nkeys, 2);
    cr_expect_str_eq(part->out.cols[1].name.s, "$distinct");
    /* avg over partial sums is computed: g is the projection after its sink */
    cr_expect_eq(stmt_named(r.p, "p.g", "g")->kind, IR_OP_GROUP_BY);
    ir_stmt *g = stmt_named(r.p, "p.g.g", "g");
    expect_ty(g, "note", TIR_STRING, true, true, IR_ORDER_NONE);
    expect_ty(g, "n", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(g, "s", TIR_I64, true, false, IR_ORDER_NONE);
    expect_ty(g, "c", TIR_I64, false, false, IR_ORDER_NONE);
    /* a sum over a count, in two steps: nullable, as a division is */
    expect_ty(g, "a", TIR_F64, true, false, IR_ORDER_NONE);
    expect_ty(g, "m", TIR_DATE, false, false, IR_ORDER_NONE);
    ir_stmt *scan = stmt_named(r.p, "q", "v1");
    cr_expect_eq(scan->u.scan.src_stmt, g);
    cr_expect_lt(pipe_named(r.p, "p.g.g")->order, pipe_named(r.p, "q")->order);
    /* an ungrouped count over no rows is 0, not NULL */
    ir_stmt *t = stmt_named(r.p, "q.t", "t");
    expect_ty(t, "n", TIR_I64, false, false, IR_ORDER_NONE);
    done(&r);

    /* two distinct arguments: a first step each, both with columns for
    ** both (the other NULL), the second step over their union */
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  t = aggregate :input = v1 :aggregates = { a: count(distinct $in.qty), "
                            "b: count(distinct $in.cid), c: count(*), d: sum(distinct $in.qty), "
                            "s: string_agg(distinct $in.note, \"|\") } }\n"
                            "output p.t\n");
    ir_stmt *p1 = stmt_named(r.p, "p", "t$distinct");
    ir_stmt *p2 = stmt_named(r.p, "p", "t$distinct2");
    ir_stmt *p3 = stmt_named(r.p, "p", "t$distinct3");
    cr_assert_eq(p1->u.group.nkeys, 3);
    cr_assert_eq(p2->u.group.nkeys, 3);
    cr_assert_eq(p3->u.group.nkeys, 3);
    cr_expect_str_eq(p2->out.cols[1].name.s, "$distinct2");
    expect_ty(p2, "$distinct", TIR_I32, true, false, IR_ORDER_NONE);
    /* the partial count(*) of the other steps is a count of nothing: 0 */
    cr_expect_eq(p1->u.group.naggs, 1);
    cr_expect_eq(p2->u.group.naggs, 1);
    expect_ty(p2, "$p0", TIR_I64, false, false, IR_ORDER_NONE);
    cr_expect_eq(stmt_named(r.p, "p.t", "rows")->kind, IR_OP_UNION);
    ir_stmt *t2 = stmt_named(r.p, "p.t.t", "t");   /* count(*) is coalesce(sum, 0): computed */
    expect_ty(t2, "a", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(t2, "b", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(t2, "c", TIR_I64, false, false, IR_ORDER_NONE);
    expect_ty(t2, "s", TIR_STRING, true, false, IR_ORDER_NONE);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  t = aggregate :input = v1 :aggregates = { a: count(distinct $in.qty, $in.cid) } }\n"
                        "output p.t\n",
                 "count(distinct", "count takes one argument, found 2");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  t = aggregate :input = v1 :aggregates = { a: count(distinct $in.qty), v: var_samp($in.amount) } }\n"
                        "output p.t\n",
                 "var_samp", "var_samp cannot be combined with a distinct aggregate in one statement: compute it in a "
                             "hash_group_by of its own and join the two");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  v2 = filter :input = v1 :expr = abs(distinct $in.qty) > 1 }\noutput p.v2\n",
                 "abs", "'distinct' is written only in aggregate calls (count(distinct x)); abs is not one");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  t = aggregate :input = v1 :aggregates = { a: count(distinct $in.qty) + sum(abs(distinct $in.cid)) } }\n"
                        "output p.t\n",
                 "abs(distinct", "'distinct' is written only in aggregate calls (count(distinct x)); abs is not one");
}

#define BUILD                                                                                    \
    "b: Pipeline = { v1 = table_scan :table = c\n"                                               \
    "  ht = build_hash :input = v1 :key = [\"id\"] :value = [\"name\", \"gender\"]\n"            \
    "  hb = build_hash :input = v1 :key = [$in.big] :value = [\"name\"] }\n"

Test(typecheck, build_hash_schema)
{
    tc_run r;
    expect_clean(&r, TABLES BUILD "output b.v1\n");
    ir_stmt *ht = stmt_named(r.p, "b", "ht");
    cr_expect_eq(ht->vkind, IR_VK_HASHTABLE);
    cr_expect_eq(ht->ht_nkeys, 1);
    cr_expect_eq(ht->u.build.nkeys, 1);
    cr_expect_eq(ht->u.build.nvals, 2);
    cr_assert_eq(ht->out.n, 3);
    cr_expect_str_eq(ht->out.cols[0].name.s, "id");
    cr_expect_str_eq(ht->out.cols[2].name.s, "gender");
    cr_expect_eq(ht->u.build.vals[1]->kind, IR_E_COL);
    cr_expect_eq(ht->u.build.vals[1]->u.col.index, 2);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  ht = build_hash :input = v1 :key = [\"id\"] :value = [\"name\", \"id\"] }\noutput p.v1\n",
                 "\"id\"] }", "duplicate column name 'id' in build_hash (:key and :value)");
}

/* :key = [] builds a table whose key is a hidden constant: a nested-loop join. */
Test(typecheck, keyless_build_hash)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  ht = build_hash :input = v1 :key = [] :value = [\"id\", \"name\"] }\n"
                            "q: Pipeline = { v1 = table_scan :table = o\n"
                            "  j = hash_join :input = v1 :ht = p.ht :key = [] :condition = $in.cid < $ht.id }\n"
                            "output q.j\n");
    ir_stmt *ht = stmt_named(r.p, "p", "ht");
    cr_expect(ht->u.build.keyless);
    cr_expect_eq(ht->ht_nkeys, 1);
    cr_assert_eq(ht->out.n, 3);
    cr_expect_str_eq(ht->out.cols[0].name.s, "(no key)");
    cr_expect_eq(ht->u.build.keys[0]->kind, IR_E_LIT);
    ir_stmt *j = stmt_named(r.p, "q", "j");
    cr_expect_eq(j->u.join.keys[0]->kind, IR_E_LIT);
    cr_assert_eq(j->out.n, 8); /* 6 input columns + the 2 values, not the hidden key */
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  ht = build_hash :input = v1 :key = [] :value = [\"id\"] }\n"
                        "q: Pipeline = { v1 = table_scan :table = o\n"
                        "  j = hash_join :input = v1 :ht = p.ht :key = [$in.cid] }\noutput q.j\n",
                 "[$in.cid]",
                 "hash table p.ht has no key (built with :key = []): write :key = [] and put the conditions in :condition");
}

Test(typecheck, left_join_makes_ht_columns_nullable)
{
    tc_run r;
    expect_clean(&r, TABLES BUILD
                 "p: Pipeline = { v1 = table_scan :table = o\n"
                 "  l = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = left\n"
                 "  i = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :projection = [\"oid\", \"name\", $ht.id] }\n"
                 "output p.l\noutput p.i\n");
    ir_stmt *l = stmt_named(r.p, "p", "l");
    cr_assert_eq(l->out.n, 8); /* 6 input columns + 2 values; the key is not repeated */
    /* probe rows match at most one entry (id is unique): oid stays unique */
    expect_ty(l, "oid", TIR_I64, false, true, IR_ORDER_ASC);
    expect_ty(l, "name", TIR_STRING, true, false, IR_ORDER_NONE);
    expect_ty(l, "gender", TIR_STRING, true, false, IR_ORDER_NONE);
    cr_expect_eq(l->u.join.proj[6].side, 1);
    cr_expect_eq(l->u.join.proj[6].index, 1);
    ir_stmt *i = stmt_named(r.p, "p", "i");
    cr_assert_eq(i->out.n, 3);
    expect_ty(i, "name", TIR_STRING, false, false, IR_ORDER_NONE);
    expect_ty(i, "id", TIR_I32, false, false, IR_ORDER_NONE); /* ht keys lose unique/order */
    cr_expect_eq(i->u.join.proj[2].side, 1);
    cr_expect_eq(i->u.join.proj[2].index, 0);
    cr_expect_eq(i->u.join.jkind, IR_JOIN_INNER);
    cr_expect(stmt_named(r.p, "b", "ht")->used_later);
    done(&r);
}

Test(typecheck, right_and_full_joins_make_columns_nullable)
{
    tc_run r;
    expect_clean(&r, TABLES BUILD
                 "p: Pipeline = { v1 = table_scan :table = o\n"
                 "  r = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = right\n"
                 "  f = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = full\n"
                 "  l = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = left :condition = $ht.name != $in.note }\n"
                 "output p.r\noutput p.f\noutput p.l\n");
    ir_stmt *rj = stmt_named(r.p, "p", "r");
    cr_assert_eq(rj->out.n, 8);
    cr_expect_eq(rj->u.join.jkind, IR_JOIN_RIGHT);
    /* input columns: NULL in the build rows no probe row matched; no order */
    expect_ty(rj, "oid", TIR_I64, true, false, IR_ORDER_NONE);
    expect_ty(rj, "name", TIR_STRING, false, false, IR_ORDER_NONE);
    ir_stmt *f = stmt_named(r.p, "p", "f");
    expect_ty(f, "oid", TIR_I64, true, false, IR_ORDER_NONE);
    expect_ty(f, "name", TIR_STRING, true, false, IR_ORDER_NONE);
    /* a left join with a condition puts a batch's unmatched rows last */
    ir_stmt *l = stmt_named(r.p, "p", "l");
    expect_ty(l, "oid", TIR_I64, false, true, IR_ORDER_NONE);
    cr_assert(l->u.join.cond != NULL);
    cr_expect_eq(l->u.join.cond->ty.type, TIR_BOOL);
    /* the table keeps its rows with a NULL key for the right and full joins */
    cr_expect(stmt_named(r.p, "b", "ht")->u.build.keep_null_keys);
    cr_expect(!stmt_named(r.p, "b", "hb")->u.build.keep_null_keys);
    done(&r);
}

Test(typecheck, join_condition_not_bool)
{
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :condition = $in.amount + 1 }\n"
                              "output p.j\n",
                 "$in.amount + 1", "':condition' of hash_join must be bool, found f64");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :condition = [$in.qty] }\n"
                              "output p.j\n",
                 "[$in.qty]", "':condition' of hash_join must be a bool expression over $in and $ht");
}

Test(typecheck, join_condition_names)
{
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :condition = $ht.nme != $in.note }\n"
                              "output p.j\n",
                 "nme", "no column 'nme' in $ht: did you mean 'name'? (columns: id, name, gender)");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :condition = $ht.name == 1 }\n"
                              "output p.j\n",
                 "$ht.name == 1", "cannot compare string with i32; write cast($ht.name as i32)");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$ht.id] }\n"
                              "output p.j\n",
                 "$ht.id", "$ht can only be used in hash_join's :projection and :condition");
}

Test(typecheck, merge_join_has_no_right_join)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  j = merge_join :input = v1 :right = c :key = [$in.oid] :right_key = [$right.id] :kind = full }\n"
                        "output p.j\n",
                 "full }", "merge_join has no full join; write it as a hash_join :kind = full");
}

Test(typecheck, join_drops_probe_uniqueness_for_duplicate_keys)
{
    tc_run r;
    expect_clean(&r, TABLES BUILD
                 "p: Pipeline = { v1 = table_scan :table = o\n"
                 "  j = hash_join :input = v1 :ht = b.hb :key = [$in.oid]\n"
                 "  s = hash_join :input = v1 :ht = b.hb :key = [$in.oid] :kind = semi }\n"
                 "output p.j\noutput p.s\n");
    expect_ty(stmt_named(r.p, "p", "j"), "oid", TIR_I64, false, false, IR_ORDER_ASC);
    ir_stmt *s = stmt_named(r.p, "p", "s");
    cr_expect_eq(s->out.n, 6); /* semi: input columns only */
    expect_ty(s, "oid", TIR_I64, false, true, IR_ORDER_ASC);
    done(&r);

    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  s = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = anti :projection = [$in.oid, $ht.name] }\n"
                              "output p.s\n",
                 "$ht.name]", "a anti join outputs only input columns; 'name' is a column of the hash table");
}

Test(typecheck, join_key_widening_cast)
{
    tc_run r;
    expect_clean(&r, TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                                  "  j = hash_join :input = v1 :ht = b.hb :key = [$in.cid] }\noutput p.j\n");
    ir_stmt *j = stmt_named(r.p, "p", "j");
    cr_assert_eq(j->u.join.keys[0]->kind, IR_E_CAST);
    cr_expect_eq(j->u.join.keys[0]->ty.type, TIR_I64);
    done(&r);
}

Test(typecheck, join_key_type_mismatch)
{
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.oid] }\noutput p.j\n",
                 "$in.oid]",
                 "join key type mismatch: i64 probe key vs i32 hash-table key; the table, already built, cannot widen: "
                 "cast its key to i64 in the input of b.ht");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.note] }\noutput p.j\n",
                 "$in.note]",
                 "join key type mismatch: string probe key vs i32 hash-table key; write cast($in.note as i32)");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid, $in.oid] }\noutput p.j\n",
                 "[$in.cid, $in.oid]", "hash_join has 2 keys but hash table b.ht has 1 key column");
}

Test(typecheck, join_projection_names)
{
    tc_run r;
    expect_clean(&r, TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                                  "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid]\n"
                                  "      :projection = { \"key\": $ht.id, \"cid\": \"cid\", \"who\": \"name\" } }\noutput p.j\n");
    ir_stmt *j = stmt_named(r.p, "p", "j");
    cr_assert_eq(j->out.n, 3);
    cr_expect_str_eq(j->out.cols[0].name.s, "key");
    cr_expect_eq(j->u.join.proj[1].side, 0);
    cr_expect_eq(j->u.join.proj[1].index, 1);
    cr_expect_eq(j->u.join.proj[2].side, 1);
    cr_expect_eq(j->u.join.proj[2].index, 1);
    done(&r);

    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = c\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.id] :projection = [\"id\", \"name\"] }\n"
                              "output p.j\n",
                 "\"id\", @\"name\"]", "'name' is ambiguous: both the input and the hash table have it; write $in.name or "
                              "$ht.name");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :projection = [\"oid\", \"nme\"] }\n"
                              "output p.j\n",
                 "\"nme\"", "no column 'nme' in the input (oid, cid, amount, qty, note, day) or the hash table "
                            "(id, name, gender)");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = c\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.id] :projection = [$in.name, $ht.name] }\n"
                              "output p.j\n",
                 "$ht.name]", "duplicate output column 'name' in hash_join; rename with the map form :projection = "
                              "{ \"new_name\": column, ... }");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = c\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.id] }\noutput p.j\n",
                 "hash_join", "hash_join would output the input's and the hash table's columns of the same name "
                              "(name, gender); choose and rename columns with :projection = { \"new_name\": column, "
                              "... }");
}

Test(typecheck, join_ht_errors)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  ht = build_hash :input = v1 :key = [\"id\"]\n"
                        "  j = hash_join :input = v1 :ht = ht :key = [$in.id] }\noutput p.j\n",
                 "ht :key", "'ht' is in this pipeline; a hash join probes a hash table built by another pipeline "
                            "(:ht = pipeline.value)");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.v1 :key = [$in.cid] }\noutput p.j\n",
                 "b.v1", "'b.v1' is a relation; :ht needs the output of build_hash");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = outer }\noutput p.j\n",
                 "outer", "unknown join kind 'outer' (expected inner, left, semi, anti, right, full)");
    expect_error(TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid]\n"
                              "  k = filter :input = j :expr = $ht.name == \"x\" }\noutput p.k\n",
                 "$ht.name ==", "$ht can only be used in hash_join's :projection and :condition");
}

Test(typecheck, limit_and_project_of_literal)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  l = limit :input = v1 :count = 10 :offset = 5 }\noutput p.l\n");
    ir_stmt *l = stmt_named(r.p, "p", "l");
    cr_expect_eq(l->u.limit.count, 10);
    cr_expect_eq(l->u.limit.offset, 5);
    expect_ty(l, "oid", TIR_I64, false, true, IR_ORDER_ASC);
    done(&r);
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  l = limit :input = v1 :count = -1 }\noutput p.l\n",
                 "-1", "':count' of limit must be a non-negative integer literal or a parameter");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  l = limit :input = v1 :count = 1 :offset = $in.qty }\noutput p.l\n",
                 "$in.qty", "':offset' of limit must be a non-negative integer literal or a parameter");
}

/* ------------------------------------------------- arguments and names */

Test(typecheck, unknown_column)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c :columns = [\"id\", \"name\", \"gender\"]\n"
                        "  v2 = filter :input = v1 :expr = $in.nmae == \"x\" }\noutput p.v2\n",
                 "nmae", "no column 'nmae' in $in (columns: id, name, gender)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c :columns = [\"id\", \"nmae\"] }\noutput p.v1\n",
                 "\"nmae\"", "no column 'nmae' in table c (columns: id, name, gender, born, score, big, flag)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = v1.nmae == \"x\" }\noutput p.v2\n",
                 "nmae", "no column 'nmae' in v1 (columns: id, name, gender, born, score, big, flag)");
}

Test(typecheck, unknown_argument)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :exprs = $in.flag :expr = $in.flag }\noutput p.v2\n",
                 "exprs", "unknown argument ':exprs' for filter (expected :input, :expr, :projection)");
}

Test(typecheck, missing_and_duplicate_arguments)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 }\noutput p.v2\n",
                 "filter", "missing argument :expr for filter");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.flag :expr = true }\noutput p.v2\n",
                 "expr = true", "duplicate argument ':expr' for filter");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :columns = [\"id\"] }\noutput p.v1\n",
                 "table_scan", "missing argument :table for table_scan");
}

Test(typecheck, filter_expr_must_be_bool)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.big + 1 }\noutput p.v2\n",
                 "$in.big + 1", "':expr' of filter must be bool, found i64");
}

Test(typecheck, cannot_compare_string_with_i32)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.flag && $in.name == $in.id }\noutput p.v2\n",
                 "$in.name ==", "cannot compare string with i32; write cast($in.name as i32)");
}

Test(typecheck, input_must_be_earlier_statement)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v3 :expr = true\n"
                        "  v3 = filter :input = v1 :expr = true }\noutput p.v3\n",
                 "v3 :expr", "'v3' is defined after this statement; :input must name an earlier statement");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v9 :expr = true }\noutput p.v2\n",
                 "v9", "unknown statement 'v9' in p (earlier statements: v1)");
    expect_error(TABLES "a: Pipeline = { v1 = table_scan :table = o }\n"
                        "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = a.v1 :expr = true }\noutput p.v2\n",
                 "a.v1 :expr", "':input' must be a statement of this pipeline; to read a.v1 start a pipeline with "
                               "table_scan :table = a.v1");
}

Test(typecheck, pipeline_breaker_cannot_be_input)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v4 = hash_group_by :input = v1 :group_by = [\"name\"] :aggregates = { n: count(*) }\n"
                        "  v5 = filter :input = v4 :expr = $in.n > 1 }\noutput p.v5\n",
                 "v4 :expr", "v4 is the output of hash_group_by, a pipeline breaker; read it from another pipeline "
                             "(table_scan :table = p.v4)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  t = aggregate :input = v1 :aggregates = { n: count(*) }\n"
                        "  v5 = limit :input = t :count = 1 }\noutput p.v5\n",
                 "t :count", "t is the output of aggregate, a pipeline breaker (a tuple); read its fields from "
                             "another pipeline as p.t.<field>");
}

Test(typecheck, column_of_other_statement_is_not_input)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.flag\n"
                        "  v3 = filter :input = v2 :expr = v1.flag }\noutput p.v3\n",
                 "v1.flag }", "'v1' is not the input of this filter (its :input is v2); write $in.flag");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = flag }\noutput p.v2\n",
                 "flag }", "unknown name 'flag'; the input's column is written $in.flag");
}

Test(typecheck, scan_rules)
{
    tc_run r;
    run(&r, "t.tir", TABLES "p: Pipeline = { v1 = filter :input = v0 :expr = true }\noutput p.v1\n");
    expect_at(&r, TIR_SEV_ERROR, "filter", "a pipeline starts with its one source, table_scan or union_all; found filter");
    expect_at(&r, TIR_SEV_ERROR, "v0", "unknown statement 'v0' in p (earlier statements: none)");
    done(&r);
    run(&r, "t.tir", TABLES "p: Pipeline = { v1 = table_scan :table = c\n  v2 = table_scan :table = o }\noutput p.v2\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "table_scan :table = o",
              "p already has a source (v1 = table_scan); a pipeline reads one source, so scan this one in its own "
              "pipeline");
    done(&r);
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = cc }\noutput p.v1\n", "cc",
                 "unknown table 'cc': did you mean 'c'? (tables: c, o)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c :columns = [\"id\", \"id\"] }\noutput p.v1\n",
                 "\"id\"] }", "column 'id' is listed twice in :columns");
    expect_error(TABLES "p: Pipeline = { v1 = hash_probe :input = v0 }\noutput p.v1\n", "hash_probe",
                 "unknown operator 'hash_probe' (expected table_scan, union_all, filter, project, aggregate, build_hash, "
                 "hash_join, hash_group_by, limit, build_bloom, delete, write_table, sort, merge_join, window)");
}

Test(typecheck, minmaxes)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = c :columns = [\"id\", \"born\", \"score\"]\n"
                            "  :minmaxes = { id: [-5, 10], born: [\"2000-01-01\", date \"2001-01-01\"], \"score\": [0, 1.5] } }\n"
                            "output p.v1\n");
    ir_stmt *v1 = stmt_named(r.p, "p", "v1");
    cr_assert_eq(v1->u.scan.nmm, 3);
    cr_expect_eq(v1->u.scan.mm[0].lo->ty.type, TIR_I32);
    cr_expect_eq(v1->u.scan.mm[0].lo->u.lit.i, -5);
    cr_expect_eq(v1->u.scan.mm[1].col, 1);
    cr_expect_eq(v1->u.scan.mm[1].lo->ty.type, TIR_DATE);
    cr_expect_eq(v1->u.scan.mm[1].lo->u.lit.i, 10957);
    cr_expect_eq(v1->u.scan.mm[2].lo->ty.type, TIR_F64);
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c :columns = [\"id\"] :minmaxes = { name: [\"a\", \"b\"] } }\n"
                        "output p.v1\n",
                 ":minmaxes = { @name:", "column 'name' of :minmaxes is not among the scanned :columns (id)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c :minmaxes = { id: [1.5, 3] } }\noutput p.v1\n",
                 "1.5", "bound of type f64 does not fit column 'id' of type i32");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c :minmaxes = { id: [1, $in.id] } }\noutput p.v1\n",
                 "$in.id", "a :minmaxes bound must be a literal, a parameter or a pipeline.tuple.field reference");
    expect_error(TABLES "a: Pipeline = { v1 = table_scan :table = o\n"
                        "  t = aggregate :input = v1 :aggregates = { lo: min($in.oid), hi: max($in.oid) } }\n"
                        "p: Pipeline = { v1 = table_scan :table = c :minmaxes = { id: [a.t.lo, 100] } }\noutput p.v1\n",
                 "a.t.lo", "bound a.t.lo is i64 but column 'id' is i32");
}

Test(typecheck, scan_of_another_pipelines_relation)
{
    tc_run r;
    expect_clean(&r, TABLES "g: Pipeline = { v1 = table_scan :table = o\n"
                            "  v4 = hash_group_by :input = v1 :group_by = [\"cid\"] :aggregates = { total: sum($in.amount) } }\n"
                            "r: Pipeline = { v1 = table_scan :table = g.v4 :columns = [\"total\", \"cid\"]\n"
                            "  v2 = filter :input = v1 :expr = $in.total > 100 }\noutput r.v2\n");
    ir_stmt *v4 = stmt_named(r.p, "g", "v4"), *v1 = stmt_named(r.p, "r", "v1");
    cr_expect_null(v1->u.scan.table);
    cr_expect_eq(v1->u.scan.src_stmt, v4);
    cr_expect_eq(v1->u.scan.cols[0], 1);
    expect_ty(v1, "cid", TIR_I32, false, true, IR_ORDER_NONE);
    cr_expect(v4->used_later);
    ir_pipeline *rp = pipe_named(r.p, "r");
    cr_assert_eq(rp->ndeps, 1);
    cr_expect_eq(rp->deps[0], pipe_named(r.p, "g"));
    done(&r);

    /* a tuple is a relation of one row, with the tuple's fields */
    expect_clean(&r, TABLES "g: Pipeline = { v1 = table_scan :table = o\n"
                            "  t = aggregate :input = v1 :aggregates = { n: count(*) } }\n"
                            "r: Pipeline = { v1 = table_scan :table = g.t }\noutput r.v1\n");
    expect_ty(stmt_named(r.p, "r", "v1"), "n", TIR_I64, false, false, IR_ORDER_NONE);
    done(&r);
    expect_error(TABLES "g: Pipeline = { v1 = table_scan :table = g }\noutput g.v1\n", ":table = @g }",
                 "'g' is a pipeline; scan one of its values: g.<value>");
}

Test(typecheck, tuple_field_reference)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  v2 = filter :input = v1 :expr = $in.amount > a.t.avg }\n"
                            "a: Pipeline = { v1 = table_scan :table = o\n"
                            "  t = aggregate :input = v1 :aggregates = { avg: avg($in.amount) } }\noutput p.v2\n");
    ir_expr *pred = stmt_named(r.p, "p", "v2")->u.filter.pred;
    ir_stmt *t = stmt_named(r.p, "a", "t");
    cr_assert_eq(pred->u.op.b->kind, IR_E_REF);
    cr_expect_eq(pred->u.op.b->u.ref.stmt, t);
    cr_expect_eq(pred->u.op.b->u.ref.field, 0);
    cr_expect(pred->ty.nullable); /* avg of no rows is NULL */
    cr_expect(t->used_later);
    done(&r);

    expect_error(TABLES "a: Pipeline = { v1 = table_scan :table = o\n"
                        "  t = aggregate :input = v1 :aggregates = { avg: avg($in.amount) } }\n"
                        "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  v2 = filter :input = v1 :expr = $in.amount > a.t.mean }\noutput p.v2\n",
                 "mean", "no field 'mean' in a.t (fields: avg)");
    expect_error(TABLES "a: Pipeline = { v1 = table_scan :table = o }\n"
                        "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  v2 = filter :input = v1 :expr = $in.amount > a.v1.amount }\noutput p.v2\n",
                 "a.v1.amount", "'a.v1' is a relation; only fields of tuples (aggregate outputs) can be used as scalars");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  t = aggregate :input = v1 :aggregates = { m: max($in.amount) } }\n"
                        "q: Pipeline = { v1 = table_scan :table = o\n"
                        "  v2 = filter :input = v1 :expr = $in.amount > pp.t.m }\noutput q.v2\n",
                 "pp.t.m", "unknown pipeline 'pp': did you mean 'p'? (pipelines: p, q)");
}

Test(typecheck, reference_to_own_pipeline)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  t = aggregate :input = v1 :aggregates = { m: max($in.amount) }\n"
                        "  v2 = filter :input = v1 :expr = $in.amount > p.t.m }\noutput p.v2\n",
                 "p.t.m", "'p.t' is in the current pipeline; only values of other pipelines can be referenced this "
                          "way");
}

/* --------------------------------------------------- program structure */

Test(typecheck, duplicate_names)
{
    tc_run r;
    run(&r, "t.tir", TABLES "c: Pipeline = { v1 = table_scan :table = o\n  v1 = filter :input = v1 :expr = true }\n"
                            "output c.v1\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "c: Pipeline", "'c' is already defined as a table at 1:1");
    expect_at(&r, TIR_SEV_ERROR, "v1 = filter", "duplicate statement name 'v1' in c (first defined at 7:17)");
    done(&r);
    expect_error("t: Table = read_csv(\"t.csv\") { a: i32, b: i64, a: string }\n"
                 "p: Pipeline = { v1 = table_scan :table = t }\noutput p.v1\n",
                 "a: string", "duplicate column 'a' in table 't'");
}

Test(typecheck, table_source_errors)
{
    tc_run r;
    run(&r, "t.tir", "t: Table = read_csv(\"t.csv\", delimiter = \"||\", header = 1, quote = \"'\") { a: i32 }\n"
                     "u: Table = read_parquet(\"u.pq\") { a: i32 }\n"
                     "v: Table = read_csv(header = true) { a: i32 }\n"
                     "p: Pipeline = { v1 = table_scan :table = t }\noutput p.v1\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "\"||\"", "'delimiter' of read_csv must be a one-character string");
    expect_at(&r, TIR_SEV_ERROR, "1, quote", "'header' of read_csv must be true or false");
    expect_at(&r, TIR_SEV_ERROR, "quote", "unknown argument 'quote' for read_csv (expected header, delimiter, null_string)");
    expect_at(&r, TIR_SEV_ERROR, "read_parquet", "unknown table source 'read_parquet' (expected read_csv, read_table or registered)");
    expect_at(&r, TIR_SEV_ERROR, "read_csv(header", "read_csv needs the file path as its first argument");
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 5, "%s", ir_diags_render(&r.d));
    done(&r);
}

Test(typecheck, outputs)
{
    tc_run r;
    expect_clean(&r, TABLES BUILD "output b.v1 as customers\n");
    cr_expect_str_eq(r.p->outputs[0].name, "customers");
    cr_expect_eq(r.p->outputs[0].stmt, stmt_named(r.p, "b", "v1"));
    cr_expect(stmt_named(r.p, "b", "v1")->used_later);
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 0);
    done(&r);

    expect_error(TABLES BUILD "output b.ht\n", "b.ht", "cannot output b.ht: it is a hash table (output a relation or a tuple)");
    expect_error(TABLES BUILD "output b.v1 as x\noutput b.v1 as x\n", "as x\noutput b.v1 as @x",
                 "duplicate output name 'x' (rename one with: output b.v1 as other_name)");

    run(&r, "t.tir", TABLES BUILD);
    cr_expect(r.ok);
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 1);
    cr_expect_str_eq(r.d.items[0].message, "the program has no output (add: output pipeline.value)");
    done(&r);
}

Test(typecheck, cycle_detection)
{
    tc_run r;
    run(&r, "t.tir", TABLES "p1: Pipeline = { v1 = table_scan :table = p2.v1 }\n"
                            "p2: Pipeline = { v1 = table_scan :table = o\n"
                            "  v2 = filter :input = v1 :expr = $in.amount > p3.t.m }\n"
                            "p3: Pipeline = { v1 = table_scan :table = p1.v1\n"
                            "  t = aggregate :input = v1 :aggregates = { m: max($in.amount) } }\noutput p1.v1\n");
    cr_expect(!r.ok);
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 1, "%s", ir_diags_render(&r.d));
    expect_at(&r, TIR_SEV_ERROR, "p1.v1\n", "pipeline reference cycle: p3 -> p1 -> p2 -> p3");
    /* the cycle is broken at its first pipeline in source order; the rest follow their dependencies */
    cr_expect_str_eq(r.p->pipelines[0]->name.s, "p1");
    cr_expect_str_eq(r.p->pipelines[1]->name.s, "p3");
    cr_expect_str_eq(r.p->pipelines[2]->name.s, "p2");
    cr_expect_eq(pipe_named(r.p, "p2")->order, 2);
    done(&r);
}

Test(typecheck, topological_reorder_is_stable)
{
    tc_run r;
    expect_clean(&r, TABLES "late: Pipeline = { v1 = table_scan :table = mid.v2 }\n"
                            "free1: Pipeline = { v1 = table_scan :table = c }\n"
                            "mid: Pipeline = { v1 = table_scan :table = o\n"
                            "  v2 = hash_join :input = v1 :ht = early.ht :key = [$in.cid] :kind = semi }\n"
                            "free2: Pipeline = { v1 = table_scan :table = c }\n"
                            "early: Pipeline = { v1 = table_scan :table = c\n"
                            "  ht = build_hash :input = v1 :key = [\"id\"] }\n"
                            "output late.v1\noutput free1.v1\noutput free2.v1\n");
    const char *want[] = {"free1", "free2", "early", "mid", "late"};
    cr_assert_eq(r.p->npipelines, 5);
    for (int i = 0; i < 5; i++) {
        cr_expect_str_eq(r.p->pipelines[i]->name.s, want[i]);
        cr_expect_eq(r.p->pipelines[i]->order, i);
    }
    ir_pipeline *mid = pipe_named(r.p, "mid");
    cr_assert_eq(mid->ndeps, 1);
    cr_expect_str_eq(mid->deps[0]->name.s, "early");
    cr_expect_eq(pipe_named(r.p, "free1")->ndeps, 0);
    done(&r);
}

Test(typecheck, several_errors_at_once_without_cascades)
{
    tc_run r;
    run(&r, "t.tir", TABLES
        "p: Pipeline = {\n"
        "  v1 = table_scan :table = c :columns = [\"id\", \"nme\"]\n"
        "  v2 = filter :input = v1 :expr = $in.name == \"x\" :exprs = 1\n"
        "  v3 = project :input = v2 :columns = { a: $in.whatever }\n"
        "}\n"
        "q: Pipeline = {\n"
        "  v1 = table_scan :table = o\n"
        "  v2 = filter :input = v1 :expr = $in.amount == \"x\"\n"
        "  v3 = project :input = v2 :columns = { a: $in.oid + $in.note, b: $in.nope }\n"
        "}\noutput p.v3\noutput q.v3\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "\"nme\"", "no column 'nme' in table c: did you mean 'name'? (columns: id, name, gender, born, score, big, flag)");
    expect_at(&r, TIR_SEV_ERROR, "exprs", "unknown argument ':exprs' for filter (expected :input, :expr, :projection)");
    expect_at(&r, TIR_SEV_ERROR, "$in.amount ==", "cannot compare f64 with string");
    expect_at(&r, TIR_SEV_ERROR, "$in.note,", "operator '+' needs numeric operands, found string; strings are joined with concat(a, b)");
    expect_at(&r, TIR_SEV_ERROR, "nope", "no column 'nope' in $in: did you mean 'note'? (columns: oid, cid, amount, qty, note, day)");
    /* p.v1 failed: nothing is said about $in.name or $in.whatever over it */
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 5, "%s", ir_diags_render(&r.d));
    done(&r);
}

Test(typecheck, rendered_position_and_caret)
{
    tc_run r;
    run(&r, "t.tir", TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = filter :input = v1 :expr = $in.nmae == \"x\" }\noutput p.v2\n");
    cr_expect(!r.ok);
    cr_expect_str_eq(ir_diags_render(&r.d),
                     "t.tir:8:39: error: no column 'nmae' in $in (columns: id, name, gender, born, score, big, flag)\n"
                     "    v2 = filter :input = v1 :expr = $in.nmae == \"x\" }\n"
                     "                                        ^~~~\n");
    done(&r);
}

Test(typecheck, prune_warning_for_anti_join_only_through_the_chain)
{
    tc_run r;
    expect_clean(&r, TABLES "b: Pipeline = { v1 = table_scan :table = c\n"
                            "  t = aggregate :input = v1 :aggregates = { lo: min($in.id), hi: max($in.id) }\n"
                            "  ht = build_hash :input = v1 :key = [\"id\"] }\n"
                            "p: Pipeline = { v1 = table_scan :table = o :minmaxes = { cid: [b.t.lo, b.t.hi], amount: [0, 9] }\n"
                            "  a = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = anti\n"
                            "  i = hash_join :input = v1 :ht = b.ht :key = [$in.cid] }\noutput p.a\noutput p.i\n");
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 1, "%s", ir_diags_render(&r.d));
    expect_at(&r, TIR_SEV_WARNING, "cid: [",
              "key-range prune on 'cid' drops probe rows before an anti join: rows outside the range match nothing "
              "and would be kept by it (the plan differs from an anti join over the whole table)");
    done(&r);

    /* literal bounds and inner joins: nothing to warn about */
    expect_clean(&r, TABLES BUILD "p: Pipeline = { v1 = table_scan :table = o :minmaxes = { cid: [1, 9] }\n"
                                  "  l = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = left }\noutput p.l\n");
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 0, "%s", ir_diags_render(&r.d));
    done(&r);
}

/* ------------------------------------------------------- native tables */

/* A table file "n.tirt" (in any directory) as the schema reader sees it,
** and "empty.tirt" without columns; every other path fails like a missing
** file. */
typedef struct fake_files {
    int calls;
    char last[256];           /* the path of the last call */
} fake_files;

static bool fake_read_schema(void *ctx, ir_arena *a, const char *path, ir_schema *out, char *err, size_t errlen)
{
    fake_files *f = ctx;
    f->calls++;
    snprintf(f->last, sizeof f->last, "%s", path);
    size_t n = strlen(path);
    if (!strcmp(path, "empty.tirt")) {
        *out = (ir_schema){0};
        return true;
    }
    if (n < 6 || strcmp(path + n - 6, "n.tirt") || (n > 6 && path[n - 7] != '/')) {
        snprintf(err, errlen, "cannot open %s: No such file or directory", path);
        return false;
    }
    static const struct {
        const char *name;
        ir_coltype ty;
    } file[] = {
        {"id", {.type = TIR_I64, .nullable = false, .unique = true, .order = IR_ORDER_ASC}},
        {"cid", {.type = TIR_I32, .nullable = false, .unique = false, .order = IR_ORDER_NONE}},
        {"name", {.type = TIR_STRING, .nullable = true, .unique = false, .order = IR_ORDER_NONE}},
        {"amount", {.type = TIR_F64, .nullable = false, .unique = false, .order = IR_ORDER_NONE}},
    };
    out->n = 4;
    out->cols = IR_NEWN(a, ir_column, 4);
    for (int i = 0; i < 4; i++) {
        out->cols[i] = (ir_column){{ir_strndup(a, file[i].name, strlen(file[i].name)), {0, 0}}, file[i].ty, {0, 0}};
    }
    return true;
}

/* Like run, with the fake table files readable. */
static void run_files(tc_run *r, fake_files *f, const char *file, const char *src)
{
    parse(r, file, src);
    r->p->read_schema = fake_read_schema;
    r->p->read_schema_ctx = f;
    r->ok = tc_check(&r->a, &r->d, r->p);
}

/* expect_error with the fake table files readable. */
static void expect_files_error(const char *src, const char *needle, const char *msg)
{
    tc_run r;
    fake_files f = {0};
    run_files(&r, &f, "t.tir", src);
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, needle, msg);
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 1, "expected one error, got:\n%s", ir_diags_render(&r.d));
    done(&r);
}

static void expect_files_clean(tc_run *r, fake_files *f, const char *src)
{
    run_files(r, f, "t.tir", src);
    cr_assert(r->ok, "unexpected errors:\n%s", ir_diags_render(&r->d));
}

/* The native table of the fake files, with its columns from the file. */
#define NATIVE "n: Table = read_table(\"n.tirt\")\n"

Test(typecheck, read_table_takes_its_schema_from_the_file)
{
    tc_run r;
    fake_files f = {0};
    expect_files_clean(&r, &f, TABLES NATIVE "p: Pipeline = { v1 = table_scan :table = n\n"
                                             "  v2 = filter :input = v1 :expr = $in.amount > 1 }\noutput p.v2\n");
    ir_table *n = r.p->tables[2];
    cr_expect(n->native);
    cr_expect(!r.p->tables[0]->native);
    cr_expect_str_eq(n->path, "n.tirt");
    cr_expect_eq(f.calls, 1);
    cr_expect_str_eq(f.last, "n.tirt");
    cr_assert_eq(n->schema.n, 4);
    ir_stmt *v2 = stmt_named(r.p, "p", "v2");
    expect_ty(v2, "id", TIR_I64, false, true, IR_ORDER_ASC);
    expect_ty(v2, "name", TIR_STRING, true, false, IR_ORDER_NONE);
    /* the file's columns point at the path in messages */
    const char *at = strstr(r.src, "\"n.tirt\"");
    cr_expect_eq(n->schema.cols[1].span.off, (uint32_t)(at - r.src));
    cr_expect_eq(n->schema.cols[1].name.span.len, 8);
    done(&r);

    /* the path is relative to the program file, as for read_csv */
    run_files(&r, &f, "dir/prog.tir", NATIVE "p: Pipeline = { v1 = table_scan :table = n }\noutput p.v1\n");
    cr_expect(r.ok, "%s", ir_diags_render(&r.d));
    cr_expect_str_eq(f.last, "dir/n.tirt");
    cr_expect_str_eq(r.p->tables[0]->path, "dir/n.tirt");
    done(&r);
}

Test(typecheck, read_table_without_columns_needs_a_readable_file)
{
    /* no reader: one error at the path, nothing more about the scan over the table */
    expect_error(NATIVE "p: Pipeline = { v1 = table_scan :table = n :columns = [\"id\"] }\noutput p.v1\n",
                 "\"n.tirt\"",
                 "cannot read the schema of table 'n': table files are not read here; declare its columns: "
                 "read_table(\"...\") { name: type, ... }");
    expect_files_error("m: Table = read_table(\"data/m.tirt\")\n"
                       "p: Pipeline = { v1 = table_scan :table = m\n"
                       "  v2 = filter :input = v1 :expr = $in.x > 1 }\noutput p.v2\n",
                       "\"data/m.tirt\"",
                       "cannot read the schema of table 'm': cannot open data/m.tirt: No such file or directory");
    expect_files_error("e: Table = read_table(\"empty.tirt\")\n"
                       "p: Pipeline = { v1 = table_scan :table = e }\noutput p.v1\n",
                       "\"empty.tirt\"", "cannot read the schema of table 'e': empty.tirt has no columns");
}

Test(typecheck, read_table_declared_columns_checked_against_the_file)
{
    tc_run r;
    fake_files f = {0};
    /* a subset of the file's columns, nullable where the file is not: fine */
    expect_files_clean(&r, &f, "n: Table = read_table(\"n.tirt\") { name: string nullable, cid: i32 nullable }\n"
                               "p: Pipeline = { v1 = table_scan :table = n }\noutput p.v1\n");
    ir_table *n = r.p->tables[0];
    cr_expect(n->native);
    cr_expect_eq(f.calls, 1);
    cr_assert_eq(n->schema.n, 2);
    cr_expect_str_eq(n->schema.cols[0].name.s, "name");
    expect_ty(stmt_named(r.p, "p", "v1"), "cid", TIR_I32, true, false, IR_ORDER_NONE);
    done(&r);

    /* a file that cannot be read yet: the declaration stands (the run checks it) */
    expect_files_clean(&r, &f, "m: Table = read_table(\"later.tirt\") { a: i32 }\n"
                               "p: Pipeline = { v1 = table_scan :table = m }\noutput p.v1\n");
    cr_expect_str_eq(f.last, "later.tirt");
    done(&r);
    /* without a reader too */
    expect_clean(&r, "m: Table = read_table(\"n.tirt\") { a: i32 }\n"
                     "p: Pipeline = { v1 = table_scan :table = m }\noutput p.v1\n");
    cr_expect(r.p->tables[0]->native);
    done(&r);

    run_files(&r, &f, "t.tir", "n: Table = read_table(\"n.tirt\") {\n"
                               "  id: i32 unique, name: string, nope: bool, amount: f64 }\n"
                               "p: Pipeline = { v1 = table_scan :table = n }\noutput p.v1\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "id: i32 unique", "column 'id' is i64 in n.tirt, declared i32");
    expect_at(&r, TIR_SEV_ERROR, "name: string", "column 'name' is nullable in n.tirt; declare it nullable");
    expect_at(&r, TIR_SEV_ERROR, "nope", "no column 'nope' in n.tirt (columns: id, cid, name, amount)");
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 3, "%s", ir_diags_render(&r.d));
    done(&r);
}

Test(typecheck, read_table_arguments)
{
    tc_run r;
    run(&r, "t.tir", "a: Table = read_table(\"a.tirt\", \"b.tirt\") { x: i32 }\n"
                     "b: Table = read_table(\"b.tirt\", header = true) { x: i32 }\n"
                     "c: Table = read_table() { x: i32 }\n"
                     "d: Table = read_table(42) { x: i32 }\n"
                     "e: Table = read_table()\n"
                     "p: Pipeline = { v1 = table_scan :table = e :columns = [\"x\"] }\noutput p.v1\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "\"b.tirt\")", "read_table takes one positional argument, the file path");
    expect_at(&r, TIR_SEV_ERROR, "header", "unknown argument 'header' for read_table (it takes only the file path)");
    expect_at(&r, TIR_SEV_ERROR, "read_table() {", "read_table needs the file path as its first argument");
    expect_at(&r, TIR_SEV_ERROR, "42", "the first argument of read_table must be the file path as a string literal");
    expect_at(&r, TIR_SEV_ERROR, "read_table()\n", "read_table needs the file path as its first argument");
    /* e has no columns and no file: nothing more is said about the scan */
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 5, "%s", ir_diags_render(&r.d));
    done(&r);

    expect_error("t: Table = read_table(\"t.tirt\") { a: i32, a: i64 }\n"
                 "p: Pipeline = { v1 = table_scan :table = t }\noutput p.v1\n",
                 "a: i64", "duplicate column 'a' in table 't'");
}

/* ------------------------------------------------------- bloom filters */

#define BLOOM                                                                                     \
    "b: Pipeline = { v1 = table_scan :table = c\n"                                               \
    "  bf = build_bloom :input = v1 :key = [\"id\"]\n"                                          \
    "  bg = build_bloom :input = v1 :key = $in.gender\n"                                        \
    "  ht = build_hash :input = v1 :key = [\"id\"] }\n"

Test(typecheck, build_bloom_schema)
{
    tc_run r;
    expect_clean(&r, TABLES BLOOM "output b.v1\n");
    ir_stmt *bf = stmt_named(r.p, "b", "bf"), *bg = stmt_named(r.p, "b", "bg");
    cr_expect_eq(bf->kind, IR_OP_BUILD_BLOOM);
    cr_expect_eq(bf->vkind, IR_VK_BLOOM);
    cr_assert_eq(bf->out.n, 1);
    expect_ty(bf, "id", TIR_I32, false, false, IR_ORDER_NONE);
    cr_expect_eq(bf->u.bloom.key->kind, IR_E_COL);
    cr_expect_eq(bf->u.bloom.key->u.col.index, 0);
    /* NULLs never match: the key of a nullable column is not nullable */
    expect_ty(bg, "gender", TIR_STRING, false, false, IR_ORDER_NONE);
    cr_expect_eq(bg->u.bloom.key->u.col.index, 2);
    cr_expect_str_eq(ir_opkind_name(IR_OP_BUILD_BLOOM), "build_bloom");
    done(&r);

    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  bf = build_bloom :input = v1 :key = [\"id\", \"name\"] }\noutput p.v1\n",
                 "[\"id\", \"name\"]", "':key' of build_bloom must be one column: a bloom filter has a single key");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  bf = build_bloom :input = v1 :key = [] }\noutput p.v1\n",
                 "[] }", "':key' of build_bloom must be one column: a bloom filter has a single key");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  bf = build_bloom :input = v1 :key = [$in.id + 1] }\noutput p.v1\n",
                 "$in.id + 1", "items of :key must be columns of the input: \"name\", $in.name or v1.name");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  bf = build_bloom :input = v1 }\noutput p.v1\n",
                 "build_bloom", "missing argument :key for build_bloom");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  bf = build_bloom :input = v1 :key = [\"id\"]\n"
                        "  v2 = filter :input = bf :expr = true }\noutput p.v1\n",
                 "bf :expr", "bf is the output of build_bloom, a pipeline breaker (a bloom filter); use it in "
                             "another pipeline's scan (table_scan :blooms = { \"column\": p.bf })");
    expect_error(TABLES BLOOM "output b.bf\n", "b.bf",
                 "cannot output b.bf: it is a bloom filter (output a relation or a tuple)");
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  j = hash_join :input = v1 :ht = b.bf :key = [$in.cid] }\noutput p.j\n",
                 "b.bf", "'b.bf' is a bloom filter; :ht needs the output of build_hash");
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = b.bf }\noutput p.v1\n", "b.bf",
                 "'b.bf' is a bloom filter; table_scan reads tables, relations and tuples");
}

Test(typecheck, scan_blooms)
{
    tc_run r;
    /* p comes before b in the source: the bloom makes p depend on b */
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o :columns = [\"cid\", \"note\", \"amount\"]\n"
                            "  :minmaxes = { amount: [0, 10] } :blooms = { \"cid\": b.bf, note: b.bg } }\n"
                            BLOOM "output p.v1\n");
    ir_stmt *v1 = stmt_named(r.p, "p", "v1");
    cr_assert_eq(v1->u.scan.nblooms, 2);
    cr_expect_eq(v1->u.scan.blooms[0].col, 0);
    cr_expect_eq(v1->u.scan.blooms[0].bf, stmt_named(r.p, "b", "bf"));
    cr_expect_eq(v1->u.scan.blooms[1].col, 1);
    cr_expect_eq(v1->u.scan.blooms[1].bf, stmt_named(r.p, "b", "bg"));
    cr_expect_eq(v1->u.scan.blooms[0].span.off, (uint32_t)(strstr(r.src, "\"cid\": b.bf") - r.src));
    cr_expect_eq(v1->u.scan.nmm, 1);
    cr_expect(stmt_named(r.p, "b", "bf")->used_later);
    ir_pipeline *p = pipe_named(r.p, "p");
    cr_assert_eq(p->ndeps, 1);
    cr_expect_eq(p->deps[0], pipe_named(r.p, "b"));
    cr_expect_str_eq(r.p->pipelines[0]->name.s, "b");
    cr_expect_str_eq(r.p->pipelines[1]->name.s, "p");
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 0);
    done(&r);

    /* a scan of another pipeline's relation, and of a native table, takes blooms too */
    fake_files f = {0};
    expect_files_clean(&r, &f, TABLES NATIVE BLOOM "g: Pipeline = { v1 = table_scan :table = o\n"
                       "  v2 = filter :input = v1 :expr = $in.amount > 1 }\n"
                       "p: Pipeline = { v1 = table_scan :table = g.v2 :blooms = { cid: b.bf } }\n"
                       "q: Pipeline = { v1 = table_scan :table = n :blooms = { cid: b.bf } }\noutput p.v1\noutput q.v1\n");
    cr_expect_eq(stmt_named(r.p, "p", "v1")->u.scan.nblooms, 1);
    cr_expect_eq(pipe_named(r.p, "p")->ndeps, 2);
    cr_expect_eq(stmt_named(r.p, "q", "v1")->u.scan.blooms[0].col, 1);
    done(&r);
}

Test(typecheck, scan_blooms_errors)
{
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o :columns = [\"oid\"]\n"
                              "  :blooms = { cid: b.bf } }\noutput p.v1\n",
                 "cid: b.bf", "column 'cid' of :blooms is not among the scanned :columns (oid)");
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o :blooms = { cust: b.bf } }\noutput p.v1\n",
                 "cust", "no column 'cust' to prune on (columns: oid, cid, amount, qty, note, day)");
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o\n"
                              "  :blooms = { cid: b.bf, \"cid\": b.bf } }\noutput p.v1\n",
                 "\"cid\": b.bf", "duplicate :blooms entry for 'cid'");
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o :blooms = { oid: b.bf } }\noutput p.v1\n",
                 "b.bf", "bloom b.bf has key type i32, column 'oid' is i64");
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o :blooms = { cid: b.ht } }\noutput p.v1\n",
                 "b.ht", "'b.ht' is a hash table; :blooms needs the output of build_bloom");
    expect_error(TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o :blooms = { cid: b.nope } }\noutput p.v1\n",
                 "nope", "no value 'nope' in b (values: v1, bf, bg, ht)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o :blooms = { cid: bf }\n"
                        "  bf = build_bloom :input = v1 :key = [\"cid\"] }\noutput p.v1\n",
                 "bf }", "'bf' is in this pipeline; a scan uses bloom filters built by other pipelines "
                         "(:blooms = { \"cid\": pipeline.value })");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o :blooms = { cid: [1, 2] } }\noutput p.v1\n",
                 "[1, 2]", "the :blooms value of 'cid' must name a build_bloom of another pipeline: pipeline.value");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o :blooms = [\"cid\"] }\noutput p.v1\n",
                 "[\"cid\"] }", "':blooms' of table_scan must be a map { \"column\": pipeline.bloom, ... }");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  bf = build_bloom :input = v1 :key = [\"cid\"] }\n"
                        "q: Pipeline = { v1 = table_scan :table = o :blooms = { cid: p.bf }\n"
                        "  v2 = filter :input = v1 :expr = true }\n"
                        "p2: Pipeline = { v1 = table_scan :table = o :blooms = { cid: p2.bf }\n"
                        "  bf = build_bloom :input = v1 :key = [\"cid\"] }\noutput q.v2\n",
                 "p2.bf", "'p2.bf' is in the current pipeline; only values of other pipelines can be referenced "
                          "this way");

    /* a bloom filter read back by its own builder's pipeline is a cycle */
    tc_run r;
    run(&r, "t.tir", TABLES "a: Pipeline = { v1 = table_scan :table = o :blooms = { cid: b.bf } }\n"
                            "b: Pipeline = { v1 = table_scan :table = a.v1\n"
                            "  bf = build_bloom :input = v1 :key = [\"cid\"] }\noutput a.v1\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "a.v1\n", "pipeline reference cycle: b -> a -> b");
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 1, "%s", ir_diags_render(&r.d));
    done(&r);
}

Test(typecheck, bloom_before_left_or_anti_join_warns)
{
    tc_run r;
    expect_clean(&r, TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o :blooms = { cid: b.bf }\n"
                                  "  v2 = filter :input = v1 :expr = $in.amount > 1\n"
                                  "  l = hash_join :input = v2 :ht = b.ht :key = [$in.cid] :kind = left }\n"
                                  "q: Pipeline = { v1 = table_scan :table = o :blooms = { cid: b.bf }\n"
                                  "  a = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = anti }\n"
                                  "output p.l\noutput q.a\n");
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 2, "%s", ir_diags_render(&r.d));
    expect_at(&r, TIR_SEV_WARNING, "cid: b.bf }\n  v2",
              "bloom filter on 'cid' drops probe rows before a left join: rows whose key is not in the filter get "
              "no NULL-extended output (the plan differs from an outer join over the whole table)");
    expect_at(&r, TIR_SEV_WARNING, "cid: b.bf }\n  a =",
              "bloom filter on 'cid' drops probe rows before an anti join: rows whose key is not in the filter "
              "would be kept by it, and what passes is the rows it discards plus the filter's false positives "
              "(the plan differs from an anti join over the whole table)");
    done(&r);

    /* inner and semi joins keep only matching rows anyway */
    expect_clean(&r, TABLES BLOOM "p: Pipeline = { v1 = table_scan :table = o :blooms = { cid: b.bf }\n"
                                  "  i = hash_join :input = v1 :ht = b.ht :key = [$in.cid]\n"
                                  "  s = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = semi }\n"
                                  "output p.i\noutput p.s\n");
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 0, "%s", ir_diags_render(&r.d));
    done(&r);
}

/* ---------------------------------------------------- delete, write_table */

Test(typecheck, delete_from_a_native_table)
{
    tc_run r;
    fake_files f = {0};
    expect_files_clean(&r, &f, TABLES NATIVE "p: Pipeline = { v1 = table_scan :table = n :columns = [\"id\", \"amount\"]\n"
                                             "  v2 = filter :input = v1 :expr = $in.amount < 0\n"
                                             "  v3 = project :input = v2 :columns = { x: $in.id * 2 }\n"
                                             "  v4 = limit :input = v3 :count = 10\n"
                                             "  d = delete :input = v4 }\n"
                                             "q: Pipeline = { v1 = table_scan :table = o\n"
                                             "  v2 = filter :input = v1 :expr = $in.oid > p.d.deleted }\n"
                                             "output p.d\noutput q.v2\n");
    ir_stmt *d = stmt_named(r.p, "p", "d");
    cr_expect_eq(d->kind, IR_OP_DELETE);
    cr_expect_eq(d->vkind, IR_VK_TUPLE);
    cr_expect_eq(d->u.del.scan, stmt_named(r.p, "p", "v1"));
    cr_expect_eq(d->input, stmt_named(r.p, "p", "v4"));
    cr_assert_eq(d->out.n, 1);
    expect_ty(d, "deleted", TIR_I64, false, false, IR_ORDER_NONE);
    cr_expect(d->used_later);
    cr_expect_eq(r.p->outputs[0].stmt, d);
    cr_expect_str_eq(ir_opkind_name(IR_OP_DELETE), "delete");
    done(&r);

    /* right after the scan; a declared native table needs no reader */
    expect_clean(&r, "t: Table = read_table(\"t.tirt\") { a: i32 }\n"
                     "p: Pipeline = { v1 = table_scan :table = t\n  d = delete :input = v1 }\noutput p.d\n");
    cr_expect_eq(stmt_named(r.p, "p", "d")->u.del.scan, stmt_named(r.p, "p", "v1"));
    done(&r);
}

Test(typecheck, delete_errors)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n  d = delete :input = v1 }\noutput p.d\n",
                 "delete", "delete works on native tables (read_table); 'c' is read_csv");
    expect_files_error(TABLES NATIVE BUILD "p: Pipeline = { v1 = table_scan :table = n\n"
                                           "  j = hash_join :input = v1 :ht = b.ht :key = [$in.cid] :kind = semi\n"
                                           "  v2 = filter :input = j :expr = true\n"
                                           "  d = delete :input = v2 }\noutput p.d\n",
                       "v2 }", "rows after a hash_join (j) are not rows of the table; delete takes the rows of its "
                               "pipeline's table_scan through filter, project and limit only");
    expect_files_error(TABLES NATIVE "g: Pipeline = { v1 = table_scan :table = n\n"
                                     "  v2 = filter :input = v1 :expr = true }\n"
                                     "p: Pipeline = { v1 = table_scan :table = g.v2\n  d = delete :input = v1 }\n"
                                     "output p.d\n",
                       "delete", "delete works on native tables (read_table); v1 scans g.v2, a relation of another "
                                 "pipeline");
    expect_files_error(TABLES NATIVE "p: Pipeline = { v1 = table_scan :table = n\n  d = delete :input = v1\n"
                                     "  v2 = limit :input = d :count = 1 }\noutput p.d\n",
                       "d :count", "d is the output of delete, a tuple {deleted}; read it from another pipeline as "
                                   "p.d.deleted");
    expect_files_error(TABLES NATIVE "p: Pipeline = { v1 = table_scan :table = n\n  d = delete :input = v1 :where = 1 }\n"
                                     "output p.d\n",
                       "where", "unknown argument ':where' for delete (expected :input)");
}

Test(typecheck, write_table)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                            "  v2 = project :input = v1 :columns = { k: $in.cid, \"total\": $in.amount * 2, n: $in.note }\n"
                            "  w = write_table :input = v2 :path = \"out/t.tirt\" :bloom = [\"k\", $in.n] }\n"
                            "q: Pipeline = { v1 = table_scan :table = c\n"
                            "  w = write_table :input = v1 :path = \"/abs/c.tirt\" }\n"
                            "output p.w\n");
    ir_stmt *w = stmt_named(r.p, "p", "w");
    cr_expect_eq(w->kind, IR_OP_WRITE_TABLE);
    cr_expect_eq(w->vkind, IR_VK_TUPLE);
    cr_expect_str_eq(w->u.write.path, "out/t.tirt");
    cr_assert_not_null(w->u.write.bloom);
    cr_expect(w->u.write.bloom[0]);
    cr_expect(!w->u.write.bloom[1]);
    cr_expect(w->u.write.bloom[2]);
    cr_assert_eq(w->out.n, 1);
    expect_ty(w, "rows", TIR_I64, false, false, IR_ORDER_NONE);
    ir_stmt *qw = stmt_named(r.p, "q", "w");
    cr_expect_str_eq(qw->u.write.path, "/abs/c.tirt");
    for (int i = 0; i < 7; i++)
        cr_expect(!qw->u.write.bloom[i]);
    cr_expect_str_eq(ir_opkind_name(IR_OP_WRITE_TABLE), "write_table");
    done(&r);

    run(&r, "dir/prog.tir", TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                                   "  w = write_table :input = v1 :path = \"t.tirt\" }\noutput p.w\n");
    cr_expect(r.ok, "%s", ir_diags_render(&r.d));
    cr_expect_str_eq(stmt_named(r.p, "p", "w")->u.write.path, "dir/t.tirt");
    done(&r);
}

Test(typecheck, write_table_errors)
{
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  w = write_table :input = v1 :path = out }\noutput p.w\n",
                 "out }", "':path' of write_table must be the file path as a string literal");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  w = write_table :input = v1 :path = \"\" }\noutput p.w\n",
                 "\"\" }", "':path' of write_table is empty");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  w = write_table :input = v1 :bloom = [\"cid\"] }\noutput p.w\n",
                 "write_table", "missing argument :path for write_table");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  w = write_table :input = v1 :path = \"x.tirt\" :bloom = [\"cid\", \"nope\"] }\noutput p.w\n",
                 "\"nope\"", "no column 'nope' in $in: did you mean 'note'? (columns: oid, cid, amount, qty, note, day)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  w = write_table :input = v1 :path = \"x.tirt\" :bloom = [\"cid\", $in.cid] }\noutput p.w\n",
                 "$in.cid]", "column 'cid' is listed twice in :bloom");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  w = write_table :input = v1 :path = \"x.tirt\" :bloom = { a: 1 } }\noutput p.w\n",
                 "{ a: 1 }", "':bloom' of write_table must be a list of columns");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = o\n"
                        "  w = write_table :input = v1 :path = \"x.tirt\"\n"
                        "  v2 = filter :input = w :expr = true }\noutput p.w\n",
                 "w :expr", "w is the output of write_table, a tuple {rows}; read it from another pipeline as p.w.rows");

    /* the program reads the file it would write: compared after resolving both paths */
    tc_run r;
    fake_files f = {0};
    run_files(&r, &f, "dir/prog.tir", TABLES NATIVE "p: Pipeline = { v1 = table_scan :table = o\n"
                                                    "  w = write_table :input = v1 :path = \"n.tirt\" }\n"
                                                    "q: Pipeline = { v1 = table_scan :table = o\n"
                                                    "  w = write_table :input = v1 :path = \"/data/o.csv\" }\n"
                                                    "r: Pipeline = { v1 = table_scan :table = c\n"
                                                    "  x = write_table :input = v1 :path = \"out.tirt\"\n"
                                                    "  y = write_table :input = v1 :path = \"out.tirt\" }\n"
                                                    "output p.w\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "\"n.tirt\" }", "pipeline p writes n.tirt which table n reads");
    expect_at(&r, TIR_SEV_ERROR, "\"/data/o.csv\" }", "pipeline q writes /data/o.csv which table o reads");
    expect_at(&r, TIR_SEV_ERROR, "\"out.tirt\" }", "r.y writes out.tirt, which r.x writes too");
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 3, "%s", ir_diags_render(&r.d));
    done(&r);

    /* the same name in another directory is another file */
    expect_clean(&r, "t: Table = read_table(\"a/t.tirt\") { x: i32 }\n"
                     "p: Pipeline = { v1 = table_scan :table = t\n"
                     "  w = write_table :input = v1 :path = \"b/t.tirt\" }\noutput p.w\n");
    done(&r);
}

/* ---- order --------------------------------------------------------------- */

/* "a asc, b desc nulls first" of a statement's relation order. */
static const char *order_str(const ir_stmt *s, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < s->out.norder && k < n; i++) {
        const ir_sortkey *key = &s->out.order[i];
        k += (size_t)snprintf(buf + k, n - k, "%s%s%s%s", i ? ", " : "", s->out.cols[key->col].name.s,
                              key->desc ? " desc" : "", key->nulls_first ? " nulls first" : "");
    }
    return buf;
}

Test(typecheck, sort_sets_the_order_and_operators_keep_it)
{
    tc_run r;
    expect_clean(&r, TABLES
        "p: Pipeline = {\n"
        "    v = table_scan :table = o :columns = [\"oid\", \"cid\", \"amount\", \"note\"]\n"
        "    s = sort :input = v :by = [$in.cid desc nulls first, $in.amount, $in.amount * 2.0, $in.note]\n"
        "    w = window :input = v :partition_by = [$in.note] :order_by = [$in.amount desc] :functions = { \"r\": rank() }\n"
        "}\n"
        "q: Pipeline = {\n"
        "    v = table_scan :table = p.s :columns = [\"amount\", \"cid\", \"oid\"]\n"
        "    f = filter :input = v :expr = $in.oid > 5 :projection = [\"cid\", \"amount\"]\n"
        "    x = project :input = f :columns = { \"c\": $in.cid, \"a2\": $in.amount + 1.0 }\n"
        "    l = limit :input = f :count = 3\n"
        "    g = hash_group_by :input = f :group_by = [\"cid\"] :aggregates = { \"n\": count(*) }\n"
        "}\n"
        "output q.x\n");
    char buf[256];
    const ir_stmt *s = stmt_named(r.p, "p", "s");
    /* the computed third key ends the order the relation can name */
    cr_assert_str_eq(order_str(s, buf, sizeof buf), "cid desc nulls first, amount");
    cr_assert_eq(col_named(s, "cid")->ty.order, IR_ORDER_DESC);
    cr_assert_eq(col_named(s, "oid")->ty.order, IR_ORDER_NONE, "the input's order is gone after a sort by cid");
    cr_assert_str_eq(order_str(stmt_named(r.p, "p", "w"), buf, sizeof buf), "note, amount desc");
    /* a scan reads the columns in another order: the keys follow */
    cr_assert_str_eq(order_str(stmt_named(r.p, "q", "v"), buf, sizeof buf), "cid desc nulls first, amount");
    cr_assert_str_eq(order_str(stmt_named(r.p, "q", "f"), buf, sizeof buf), "cid desc nulls first, amount");
    /* amount is computed in x: only the first key survives */
    cr_assert_str_eq(order_str(stmt_named(r.p, "q", "x"), buf, sizeof buf), "c desc nulls first");
    cr_assert_str_eq(order_str(stmt_named(r.p, "q", "l"), buf, sizeof buf), "cid desc nulls first, amount");
    cr_assert_eq(stmt_named(r.p, "q", "g")->out.norder, 0);
    cr_assert_eq(col_named(stmt_named(r.p, "q", "g"), "cid")->ty.order, IR_ORDER_NONE);
    done(&r);
}

Test(typecheck, hash_join_probe_side_keeps_the_order)
{
    tc_run r;
    expect_clean(&r, TABLES
        "b: Pipeline = {\n"
        "    v = table_scan :table = c\n"
        "    h = build_hash :input = v :key = [\"id\"] :value = [\"name\"]\n"
        "}\n"
        "s: Pipeline = {\n"
        "    v = table_scan :table = o\n"
        "    t = sort :input = v :by = [$in.day, $in.oid]\n"
        "}\n"
        "p: Pipeline = {\n"
        "    v = table_scan :table = s.t\n"
        "    j = hash_join :input = v :ht = b.h :key = [$in.cid] :projection = [$in.oid, $in.day, $ht.name]\n"
        "}\n"
        "output p.j\n");
    char buf[256];
    cr_assert_str_eq(order_str(stmt_named(r.p, "p", "j"), buf, sizeof buf), "day, oid");
    done(&r);
}

Test(typecheck, merge_join_needs_both_sides_ordered)
{
    /* o.oid is declared asc (checked while loading): joinable as it is */
    tc_run r;
    expect_clean(&r, TABLES
        "p: Pipeline = {\n"
        "    v = table_scan :table = o :columns = [\"oid\", \"cid\"]\n"
        "    s = sort :input = v :by = [$in.cid]\n"
        "}\n"
        "q: Pipeline = {\n"
        "    v = table_scan :table = c\n"
        "    m = merge_join :input = v :right = p.s :key = [$in.id] :right_key = [$right.cid] :kind = left\n"
        "}\n"
        "output q.m\n");
    const ir_stmt *m = stmt_named(r.p, "q", "m");
    cr_assert_eq(m->out.n, 8, "input columns, then the right side's non-key columns");
    cr_assert_eq(col_named(m, "oid")->ty.nullable, true);
    cr_assert_eq(col_named(m, "id")->ty.order, IR_ORDER_ASC);
    done(&r);
    expect_error(TABLES
        "p: Pipeline = {\n"
        "    v = table_scan :table = o\n"
        "    m = merge_join :input = v :right = c :key = [$in.cid] :right_key = [\"id\"]\n"
        "}\n"
        "output p.m\n",
        "[$in.cid]",
        "merge_join needs its input ordered by cid, and v is not known to be; sort it in an earlier pipeline "
        "(s = sort :input = ... :by = [...]) and scan that, or scan a table imported with --sort-by");
    expect_error(TABLES
        "p: Pipeline = {\n"
        "    v = table_scan :table = o\n"
        "    s = sort :input = v :by = [$in.day, $in.cid]\n"
        "    r = sort :input = v :by = [$in.cid, $in.day]\n"
        "}\n"
        "q: Pipeline = {\n"
        "    v = table_scan :table = p.s\n"
        "    m = merge_join :input = v :right = p.r :key = [$in.cid, $in.day] :right_key = [\"cid\", \"day\"]\n"
        "        :kind = semi\n"
        "}\n"
        "output q.m\n",
        ":key = @[$in.cid, $in.day]",
        "merge_join needs its input ordered by cid, day, and v is not known to be; sort it in an earlier pipeline "
        "(s = sort :input = ... :by = [...]) and scan that, or scan a table imported with --sort-by");
}

/* ---------------------------------------------------------------- parameters */

Test(typecheck, parameters_typed_like_constants)
{
    tc_run r;
    expect_clean(&r, TABLES "$since: date\n$k: i32\n$tag: string nullable\n"
                            "p: Pipeline = { v1 = table_scan :table = c :minmaxes = { big: [$k, 100] }\n"
                            "  v2 = filter :input = v1 :expr = $in.born >= $since && $in.score > $k && $in.name == $tag\n"
                            "  v3 = project :input = v2 :columns = { a: $k, b: $in.big + $k, c: $tag, d: $in.id in [$k, 3],\n"
                            "    e: $in.name like $tag, f: $since }\n"
                            "  v4 = limit :input = v3 :count = $k :offset = $k }\n"
                            "output p.v4\n");
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 0, "%s", ir_diags_render(&r.d));
    cr_assert_eq(r.p->nparams, 3);
    cr_expect_str_eq(r.p->params[0]->name.s, "since");
    cr_expect(r.p->params[2]->ty.nullable);
    ir_stmt *v1 = stmt_named(r.p, "p", "v1"), *v2 = stmt_named(r.p, "p", "v2"), *v3 = stmt_named(r.p, "p", "v3");
    /* an i32 parameter against i64 and f64 widens in place: no cast node */
    cr_expect_eq(v1->u.scan.mm[0].lo->kind, IR_E_PARAM);
    cr_expect_eq(v1->u.scan.mm[0].lo->ty.type, TIR_I64);
    const ir_expr *gt = v2->u.filter.pred->u.op.a->u.op.b;
    cr_expect_eq(gt->u.op.b->kind, IR_E_PARAM);
    cr_expect_eq(gt->u.op.b->ty.type, TIR_F64);
    cr_expect_eq(gt->u.op.b->u.param.index, 1);
    expect_ty(v3, "a", TIR_I32, false, false, IR_ORDER_NONE);
    expect_ty(v3, "b", TIR_I64, false, false, IR_ORDER_NONE);
    cr_expect_eq(proj_expr(v3, "b")->u.op.b->kind, IR_E_PARAM);
    expect_ty(v3, "c", TIR_STRING, true, false, IR_ORDER_NONE);
    expect_ty(v3, "d", TIR_BOOL, false, false, IR_ORDER_NONE);
    expect_ty(v3, "e", TIR_BOOL, true, false, IR_ORDER_NONE);
    expect_ty(v3, "f", TIR_DATE, false, false, IR_ORDER_NONE);
    ir_stmt *v4 = stmt_named(r.p, "p", "v4");
    cr_expect_not_null(v4->u.limit.count_param);
    cr_expect_not_null(v4->u.limit.offset_param);
    cr_expect_gt(r.p->params[1]->nonneg.len, 0);
    done(&r);

    /* a wider numeric parameter in an `in` list widens the operand */
    expect_clean(&r, TABLES "$b: i64\np: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = project :input = v1 :columns = { d: $in.id in [1, $b] } }\noutput p.v2\n");
    const ir_expr *in = proj_expr(stmt_named(r.p, "p", "v2"), "d");
    cr_expect_eq(in->u.in.a->kind, IR_E_CAST);
    cr_expect_eq(in->u.in.items[0]->ty.type, TIR_I64);
    done(&r);
}

Test(typecheck, parameter_errors)
{
    expect_error(TABLES "$since: date\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.big > $since }\noutput p.v2\n",
                 "$in.big > $since", "cannot compare i64 with date");
    expect_error(TABLES "$since: string\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.born >= $since }\noutput p.v2\n",
                 "$in.born >= $since", "cannot compare date with string; write cast($since as date)");
    expect_error(TABLES "$a: i64\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.id > $b || $in.id < $a }\noutput p.v2\n",
                 "$b ||", "unknown parameter '$b' (parameters: $a)");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.id > $b }\noutput p.v2\n",
                 "$b }", "unknown parameter '$b' (declare it at program level: $b: type)");
    expect_error(TABLES "$a: i64\n$a: date\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.id > $a }\noutput p.v2\n",
                 "$a: date", "parameter $a is already declared at 7:1");
    expect_error(TABLES "$in: i64\np: Pipeline = { v1 = table_scan :table = c }\noutput p.v1\n",
                 "$in: i64", "$in names a row ($in, $ht, $right); a parameter needs another name");
    expect_error(TABLES "p: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in }\noutput p.v2\n",
                 "$in }", "$in names a row, not a value: write $in.column");
    expect_error(TABLES "$n: i64\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.name like $n }\noutput p.v2\n",
                 "$n }", "the pattern of like must be a string, found i64; write cast($n as string)");
    expect_error(TABLES "$n: i64 nullable\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = limit :input = v1 :count = $n }\noutput p.v2\n",
                 "$n }", "':count' of limit takes a parameter of type i32 or i64, not nullable; $n is i64 nullable");
    expect_error(TABLES "$n: f64\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = limit :input = v1 :count = 1 :offset = $n }\noutput p.v2\n",
                 "$n }", "':offset' of limit takes a parameter of type i32 or i64, not nullable; $n is f64");
    expect_error(TABLES "$n: i64\np: Pipeline = { v1 = table_scan :table = c :minmaxes = { id: [$n, 5] } }\n"
                        "output p.v1\n",
                 "$n,", "bound $n is i64 but column 'id' is i32");
    expect_error(TABLES "$s: string\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = filter :input = v1 :expr = $in.id in [1, $s] }\noutput p.v2\n",
                 "$s]", "'in' item of type string does not fit the operand's type i32");
    /* a parameter is not a literal where literals are required */
    expect_error(TABLES "$n: i64\np: Pipeline = { v1 = table_scan :table = c\n"
                        "  v2 = sort :input = v1 :by = [$in.id] :limit = $n }\noutput p.v2\n",
                 "$n }", "':limit' of sort must be an integer literal >= 0");
}

Test(typecheck, unused_parameter_warns)
{
    tc_run r;
    expect_clean(&r, TABLES "$used: i64\n$spare: date nullable\n"
                            "p: Pipeline = { v1 = table_scan :table = c\n"
                            "  v2 = filter :input = v1 :expr = $in.big < $used }\noutput p.v2\n");
    cr_expect_eq(count(&r, TIR_SEV_WARNING), 1, "%s", ir_diags_render(&r.d));
    expect_at(&r, TIR_SEV_WARNING, "$spare", "parameter $spare is declared but never used");
    done(&r);
}

/* union_all: columns by position under the first input's names, numbers
** widened to the widest, nullable when any input's column is; uniqueness
** and order survive a single input only. */
Test(typecheck, union_all_types)
{
    tc_run r;
    expect_clean(&r, TABLES "p: Pipeline = { v1 = table_scan :table = o :columns = [\"qty\", \"cid\", \"note\"] }\n"
                            "q: Pipeline = { v1 = table_scan :table = c :columns = [\"id\", \"big\", \"name\"] }\n"
                            "u: Pipeline = { a = union_all :inputs = [q.v1, p.v1]\n"
                            "  f = filter :input = a :expr = $in.big > 3 }\n"
                            "w: Pipeline = { a = union_all :inputs = [o, o] }\n"
                            "s: Pipeline = { a = union_all :inputs = c }\n"
                            "output u.f\noutput w.a\noutput s.a\n");
    const ir_stmt *a = stmt_named(r.p, "u", "a");
    cr_expect_eq(a->kind, IR_OP_UNION);
    cr_expect_eq(a->u.uni.n, 2);
    cr_expect_eq(a->out.norder, 0);
    expect_ty(a, "id", TIR_I32, true, false, IR_ORDER_NONE);   /* i32 unique asc + i32 nullable */
    expect_ty(a, "big", TIR_I64, false, false, IR_ORDER_NONE); /* i64 + i32 */
    expect_ty(a, "name", TIR_STRING, true, false, IR_ORDER_NONE);
    cr_expect_eq(stmt_named(r.p, "u", "f")->input, a);
    cr_expect(!a->u.uni.in[0].table && a->u.uni.in[0].rel == stmt_named(r.p, "q", "v1"));
    const ir_stmt *w = stmt_named(r.p, "w", "a");
    cr_expect(w->u.uni.in[1].table && !w->u.uni.in[1].rel);
    cr_expect_eq(w->out.n, 6);
    expect_ty(w, "oid", TIR_I64, false, false, IR_ORDER_NONE); /* a table twice repeats its keys */
    expect_ty(w, "qty", TIR_I32, true, false, IR_ORDER_NONE);
    done(&r);

    run(&r, "t.tir", TABLES "p: Pipeline = { v1 = table_scan :table = o :columns = [\"amount\", \"qty\"] }\n"
                            "s: Pipeline = { a = union_all :inputs = [c] }\n"
                            "u: Pipeline = { a = union_all :inputs = [p.v1, s.a] }\noutput u.a\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "s.a]",
              "input 2 of union_all (s.a) has 7 columns but input 1 (p.v1) has 2: columns match by position");
    const ir_stmt *s = stmt_named(r.p, "s", "a");
    expect_ty(s, "id", TIR_I32, false, true, IR_ORDER_ASC);   /* one input: a scan of it */
    done(&r);

    /* f64 widens i32 and i64; string meets no number, date no string */
    run(&r, "t.tir", TABLES "p: Pipeline = { v1 = table_scan :table = o :columns = [\"amount\", \"note\", \"day\"] }\n"
                            "q: Pipeline = { v1 = table_scan :table = c :columns = [\"big\", \"name\", \"gender\"] }\n"
                            "r: Pipeline = { v1 = table_scan :table = c :columns = [\"id\", \"score\", \"born\"] }\n"
                            "u: Pipeline = { a = union_all :inputs = [p.v1, q.v1, r.v1] }\noutput u.a\n");
    cr_expect(!r.ok);
    expect_at(&r, TIR_SEV_ERROR, "q.v1,",
              "column 3 of input 2 of union_all (q.v1, 'gender') is string but date in the inputs before it (columns "
              "match by position; numbers of different widths widen, other types must be equal)");
    expect_at(&r, TIR_SEV_ERROR, "r.v1]",
              "column 2 of input 3 of union_all (r.v1, 'score') is f64 but string in the inputs before it (columns "
              "match by position; numbers of different widths widen, other types must be equal)");
    cr_expect_eq(count(&r, TIR_SEV_ERROR), 2, "%s", ir_diags_render(&r.d));
    done(&r);

    expect_error(TABLES "u: Pipeline = { a = union_all :inputs = [] }\noutput u.a\n", "[]",
                 "':inputs' of union_all is empty: give at least one table or relation");
    expect_error(TABLES "u: Pipeline = { a = table_scan :table = c\n b = union_all :inputs = [o] }\noutput u.b\n",
                 "union_all :inputs = [o]",
                 "u already has a source (a = table_scan); a pipeline reads one source, so scan this one in its own "
                 "pipeline");
}

/* ---------------------------------------------------------------- decimal */

#define DEC_TABLE                                                                                        \
    "d: Table = read_csv(\"d.csv\") {\n"                                                                \
    "    a: decimal(15,2), b: decimal(3,2) nullable, c: decimal(8,4), n: i32, m: i64, f: f64 }\n"

static void expect_dec(const ir_expr *e, int prec, int scale, const char *what)
{
    cr_expect_eq(e->ty.type, TIR_DECIMAL, "%s: type %d, want decimal", what, e->ty.type);
    cr_expect_eq(e->ty.prec, prec, "%s: precision %d, want %d", what, e->ty.prec, prec);
    cr_expect_eq(e->ty.scale, scale, "%s: scale %d, want %d", what, e->ty.scale, scale);
}

Test(typecheck, decimal_result_types)
{
    tc_run r;
    expect_clean(&r, DEC_TABLE
                 "p: Pipeline = { s = table_scan :table = d :columns = [\"a\", \"b\", \"c\", \"n\", \"m\", \"f\"]\n"
                 "  v = project :input = s :columns = { \"add\": $in.a + $in.c, \"sub\": $in.b - $in.c,\n"
                 "    \"mul\": $in.a * $in.b, \"div\": $in.a / $in.b, \"mod\": $in.c % $in.b, \"neg\": -$in.b,\n"
                 "    \"int\": $in.a + $in.n, \"big\": $in.a * $in.m, \"lit\": $in.b + 0.005, \"one\": 1 - $in.b,\n"
                 "    \"dbl\": $in.a + $in.f, \"cast\": cast($in.n as decimal(12,3)), \"abs\": abs($in.c),\n"
                 "    \"cmp\": $in.a < $in.c, \"case\": case when $in.n > 0 then $in.b else 0 end,\n"
                 "    \"co\": coalesce($in.b, $in.c) } }\n"
                 "q: Pipeline = { s = table_scan :table = d :columns = [\"a\", \"b\", \"n\"]\n"
                 "  g = hash_group_by :input = s :group_by = [\"n\"] :aggregates = { \"sum\": sum($in.b),\n"
                 "    \"avg\": avg($in.a), \"min\": min($in.a), \"max\": max($in.b) } }\n"
                 "output p.v\noutput q.g\n");
    ir_stmt *v = stmt_named(r.p, "p", "v");
    expect_dec(proj_expr(v, "add"), 18, 4, "a + c");   /* max(13, 4) + 4 + 1 */
    expect_dec(proj_expr(v, "sub"), 9, 4, "b - c");    /* max(1, 4) + 4 + 1 */
    expect_dec(proj_expr(v, "mul"), 18, 4, "a * b");   /* 15 + 3 */
    cr_expect_eq(proj_expr(v, "div")->ty.type, TIR_F64, "decimal / decimal is f64, as in DuckDB");
    expect_dec(proj_expr(v, "mod"), 8, 4, "c % b");
    expect_dec(proj_expr(v, "neg"), 3, 2, "-b");
    expect_dec(proj_expr(v, "int"), 16, 2, "a + i32 (an i32 is decimal(10,0))");
    expect_dec(proj_expr(v, "big"), 18, 2, "a * i64 (capped at 18 digits)");
    expect_dec(proj_expr(v, "lit"), 5, 3, "b + 0.005 (the literal is decimal(3,3))");
    expect_dec(proj_expr(v, "one"), 4, 2, "1 - b");
    cr_expect_eq(proj_expr(v, "dbl")->ty.type, TIR_F64, "a decimal with an f64 is an f64");
    expect_dec(proj_expr(v, "cast"), 12, 3, "cast as decimal(12,3)");
    expect_dec(proj_expr(v, "abs"), 8, 4, "abs(c)");
    expect_dec(proj_expr(v, "case"), 3, 2, "case of b and 0");
    expect_dec(proj_expr(v, "co"), 8, 4, "coalesce(b, c)");
    /* a + c compares at scale 4: a is rescaled by an inserted cast */
    const ir_expr *cmp = proj_expr(v, "cmp");
    cr_expect_eq(cmp->ty.type, TIR_BOOL);
    cr_expect_eq(cmp->u.op.a->kind, IR_E_CAST);
    expect_dec(cmp->u.op.a, 17, 4, "a at scale 4");
    ir_stmt *g = stmt_named(r.p, "q", "g");
    const ir_column *sum = col_named(g, "sum"), *avg = col_named(g, "avg"), *min = col_named(g, "min");
    cr_expect(sum->ty.type == TIR_DECIMAL && sum->ty.prec == 18 && sum->ty.scale == 2, "sum(decimal(3,2)) is decimal(18,2)");
    cr_expect_eq(avg->ty.type, TIR_F64, "avg of a decimal is f64, as in DuckDB");
    cr_expect(min->ty.type == TIR_DECIMAL && min->ty.prec == 15 && min->ty.scale == 2, "min keeps the type");
    done(&r);
}

/* round, floor, ceil and trunc of a decimal are decimals of a coarser
** scale, as DuckDB types them; round with digits that are not a constant
** has no fixed scale and computes in f64. */
Test(typecheck, decimal_rounding_types)
{
    tc_run r;
    expect_clean(&r, "$d: i64\n" DEC_TABLE
                 "p: Pipeline = { s = table_scan :table = d :columns = [\"a\", \"b\", \"c\", \"n\"]\n"
                 "  v = project :input = s :columns = { \"fl\": floor($in.c), \"ce\": ceil($in.b), \"tr\": trunc($in.a),\n"
                 "    \"r0\": round($in.c), \"r2\": round($in.c, 2), \"r9\": round($in.c, 9), \"rn\": round($in.c, -2),\n"
                 "    \"ri\": round(cast($in.n as decimal(10,0)), -1), \"rp\": round($in.c, $d), \"rc\": round($in.c, $in.n),\n"
                 "    \"sg\": sign($in.b), \"ab\": abs($in.b) } }\n"
                 "output p.v\n");
    ir_stmt *v = stmt_named(r.p, "p", "v");
    expect_dec(proj_expr(v, "fl"), 8, 0, "floor(decimal(8,4))");
    expect_dec(proj_expr(v, "ce"), 3, 0, "ceil(decimal(3,2))");
    cr_expect(proj_expr(v, "ce")->ty.nullable, "ceil of a nullable column");
    expect_dec(proj_expr(v, "tr"), 15, 0, "trunc(decimal(15,2))");
    expect_dec(proj_expr(v, "r0"), 8, 0, "round(c)");
    expect_dec(proj_expr(v, "r2"), 8, 2, "round(c, 2)");
    expect_dec(proj_expr(v, "r9"), 8, 4, "round(c, 9): the scale is kept");
    expect_dec(proj_expr(v, "rn"), 8, 0, "round(c, -2)");
    expect_dec(proj_expr(v, "ri"), 11, 0, "round(decimal(10,0), -1): a digit more for the carry");
    cr_expect_eq(proj_expr(v, "rp")->ty.type, TIR_F64, "round(c, $d): no fixed scale");
    cr_expect_eq(proj_expr(v, "rc")->ty.type, TIR_F64, "round(c, column)");
    cr_expect_eq(proj_expr(v, "sg")->ty.type, TIR_I32);
    expect_dec(proj_expr(v, "ab"), 3, 2, "abs(b)");
    done(&r);
}

Test(typecheck, decimal_literals_are_exact)
{
    tc_run r;
    expect_clean(&r, DEC_TABLE "p: Pipeline = { s = table_scan :table = d :columns = [\"a\", \"b\"]\n"
                               "  f = filter :input = s :expr = $in.b == 0.07 && $in.a > 0.1 }\noutput p.f\n");
    const ir_expr *pred = stmt_named(r.p, "p", "f")->u.filter.pred;
    const ir_expr *eq = pred->u.op.a, *gt = pred->u.op.b;
    /* 0.07 is 7 at scale 2 (no trip through the double 0.07000000000000000666) */
    cr_expect_eq(eq->u.op.b->kind, IR_E_LIT);
    cr_expect_eq(eq->u.op.b->u.lit.type, TIR_DECIMAL);
    cr_expect_eq(eq->u.op.b->u.lit.i, 7);
    cr_expect_eq(eq->u.op.b->u.lit.scale, 2);
    /* 0.1 against scale 2 becomes 10: the column is not rescaled */
    cr_expect_eq(gt->u.op.a->kind, IR_E_COL);
    cr_expect_eq(gt->u.op.b->u.lit.i, 10);
    done(&r);
}

Test(typecheck, decimal_errors)
{
    expect_error(DEC_TABLE "p: Pipeline = { s = table_scan :table = d :columns = [\"c\"]\n"
                           "  v = project :input = s :columns = { \"x\": $in.c * $in.c * $in.c * $in.c * $in.c } }\n"
                           "output p.v\n",
                 "$in.c * $in.c * $in.c * $in.c * $in.c",
                 "the product of decimal(18,16) and decimal(8,4) has 20 digits after the point, more than 18; cast "
                 "an operand to fewer");
    expect_error(DEC_TABLE "p: Pipeline = { s = table_scan :table = d :columns = [\"a\"]\n"
                           "  v = project :input = s :columns = { \"x\": $in.a == \"1.5\" } }\noutput p.v\n",
                 "$in.a == \"1.5\"", "cannot compare decimal with string");
    expect_error(DEC_TABLE "p: Pipeline = { s = table_scan :table = d :columns = [\"a\"]\n"
                           "  v = project :input = s :columns = { \"x\": cast(\"1.2.3\" as decimal(4,1)) } }\noutput p.v\n",
                 "\"1.2.3\"", "invalid decimal '1.2.3'");
    expect_error(DEC_TABLE "p: Pipeline = { s = table_scan :table = d :columns = [\"a\"]\n"
                           "  v = project :input = s :columns = { \"x\": cast(123.456 as decimal(4,2)) } }\noutput p.v\n",
                 "cast(123.456 as decimal(4,2))", "the value does not fit decimal(4,2)");
}
