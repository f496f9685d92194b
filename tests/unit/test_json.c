/*
** test_json.c — programs in their JSON form through the public API
** (tir_compile_json, tir_program_to_json, tir_program_to_text): a plan runs
** and round-trips; every diagnostic names the JSON path of its node (shape
** errors, unknown operators and fields, missing fields, the checker's type
** errors, run-time errors) and the line:col where the node's value is in
** the JSON text, and so do the errors of a plan a text program includes
** (all of them when it does not read); malformed JSON reports where
** jansson stopped; NULL, empty and hostile (deeply nested) inputs fail
** cleanly.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tir.h"
#include "testdir.h"

static tir_engine *e;

static void setup(void)
{
    testdir_make();
    char path[512];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("n,s\n1,a\n2,b\n3,\n4,d\n", f);
    fclose(f);
    e = tir_engine_new(NULL);
    cr_assert_not_null(e);
}

static void teardown(void)
{
    tir_engine_free(e);
    testdir_remove();
}

TestSuite(json, .init = setup, .fini = teardown);

/* The table t (n: i64, s: string nullable) and a pipeline p: v1 scans it,
** v2 is the statement STMT2 (args object), output p.v2. */
#define TABLE "{\"name\": \"t\", \"source\": \"read_csv\", \"args\": [{\"value\": \"t.csv\"}], \"columns\": [" \
              "{\"name\": \"n\", \"type\": \"i64\"}, {\"name\": \"s\", \"type\": \"string\", \"nullable\": true}]}"
#define PLAN(STMT2) "{\"tables\": [" TABLE "],\n \"pipelines\": [{\"name\": \"p\", \"statements\": [\n" \
    "  {\"target\": \"v1\", \"op\": \"table_scan\", \"args\": {\"table\": {\"ref\": \"t\"}}},\n  " STMT2 "]}],\n" \
    " \"outputs\": [{\"ref\": \"p.v2\"}]}\n"
#define FILTER(EXPR) "{\"target\": \"v2\", \"op\": \"filter\", \"args\": {\"input\": {\"ref\": \"v1\"}, \"expr\": " EXPR "}}"

/* 1-based line and column of byte off of text. */
static void linecol(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    size_t ls = 0;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') {
            (*line)++;
            ls = i + 1;
        }
    *col = (int)(off - ls) + 1;
}

/* The byte offset of line:col in text. */
static size_t offset_of(const char *text, int line, int col)
{
    size_t i = 0;
    for (int l = 1; l < line && text[i]; i++)
        if (text[i] == '\n')
            l++;
    return i + (size_t)col - 1;
}

/* Whether line:col of json is where the last step of path puts a value:
** right after the member's key and its ':' ("key": HERE), or after the
** '[' or ',' before an element; the root at the first byte. Read from the
** text backwards, so it does not trust the walk that found line:col. */
static bool at_node(const char *json, int line, int col, const char *path)
{
    size_t off = offset_of(json, line, col), n = strlen(path);
    if (off >= strlen(json) || strchr(" \t\r\n,:]}", json[off]))
        return false;
    if (!strcmp(path, "$"))
        return off == strspn(json, " \t\r\n");
    size_t i = off;
    while (i > 0 && strchr(" \t\r\n", json[i - 1]))
        i--;
    if (path[n - 1] == ']' && path[n - 2] != '"')   /* [index] */
        return i > 0 && (json[i - 1] == '[' || json[i - 1] == ',');
    /* .key or ["key"]: the key ends before the ':' */
    const char *k = path[n - 1] == ']' ? strrchr(path, '[') + 2 : strrchr(path, '.') + 1;
    size_t klen = path[n - 1] == ']' ? (size_t)(path + n - 2 - k) : strlen(k);
    if (i == 0 || json[i - 1] != ':')
        return false;
    for (i--; i > 0 && strchr(" \t\r\n", json[i - 1]);)
        i--;
    return i >= klen + 2 && json[i - 1] == '"' && !strncmp(json + i - 1 - klen, k, klen) &&
           json[i - 2 - klen] == '"';
}

static tir_status compile_json(const char *json, tir_program **p)
{
    char file[512];
    snprintf(file, sizeof file, "%s/plan.json", dir);
    return tir_compile_json(e, file, json, strlen(json), p);
}

/* Compiles json, expecting a compile error whose first diagnostic is at
** path and whose message contains msg. */
static void expect_error(const char *json, const char *path, const char *msg)
{
    tir_program *p = NULL;
    cr_assert_eq(compile_json(json, &p), TIR_ERR_COMPILE, "compiled: %s", json);
    cr_assert_not_null(p);
    cr_assert_geq(tir_program_ndiags(p), 1);
    const tir_diag *d = tir_program_diag(p, 0);
    cr_assert_not_null(d->path, "no path: %s", tir_program_diag_text(p));
    cr_expect_str_eq(d->path, path, "%s", tir_program_diag_text(p));
    cr_expect(strstr(d->message, msg) != NULL, "message '%s' lacks '%s'", d->message, msg);
    cr_expect(at_node(json, d->line, d->col, path), "%d:%d is not where %s is: %s", d->line, d->col, path,
              tir_program_diag_text(p));
    /* the rendered text says file:line:col, then the path */
    char where[1024];
    snprintf(where, sizeof where, "plan.json:%d:%d: error: %s\n  at %s\n", d->line, d->col, d->message, path);
    cr_expect(strstr(tir_program_diag_text(p), where) != NULL, "%s", tir_program_diag_text(p));
    cr_expect(strstr(tir_program_errmsg(p), where) != NULL, "%s", tir_program_errmsg(p));
    tir_program_free(p);
}

/* Compiles a text program that includes json, written to dir/plan.json
** (its name into file). */
static tir_status compile_included(const char *json, char file[512], tir_program **p)
{
    snprintf(file, 512, "%s/plan.json", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs(json, f);
    fclose(f);
    char main[512];
    snprintf(main, sizeof main, "%s/main.tir", dir);
    const char *src = "// a plan in its JSON form, included\ninclude \"plan.json\"\n";
    return tir_compile(e, main, src, strlen(src), p);
}

/* As expect_error, json included by a text program: the first diagnostic
** names the JSON file, the node's path and its line:col in the JSON, and
** quotes the JSON (not the text the plan was spliced in as, which nobody
** wrote). */
static void expect_included_error(const char *json, const char *path, const char *msg)
{
    tir_program *p = NULL;
    char file[512];
    cr_assert_eq(compile_included(json, file, &p), TIR_ERR_COMPILE, "compiled: %s", json);
    cr_assert_geq(tir_program_ndiags(p), 1);
    const tir_diag *d = tir_program_diag(p, 0);
    const char *text = tir_program_diag_text(p);
    cr_assert_not_null(d->path, "no path: %s", text);
    cr_expect_str_eq(d->path, path, "%s", text);
    cr_expect_str_eq(d->file, file);
    cr_expect(at_node(json, d->line, d->col, path), "%d:%d is not where %s is: %s", d->line, d->col, path, text);
    cr_expect(strstr(d->message, msg) != NULL, "message '%s' lacks '%s'", d->message, msg);
    char where[2048];
    snprintf(where, sizeof where, "%s:%d:%d: error: %s\n  at %s\n", file, d->line, d->col, d->message, path);
    cr_expect(strstr(text, where) != NULL, "%s", text);
    /* the quoted line is the JSON's (a long one a window of it: the node's start is in it) */
    const char *node = json + offset_of(json, d->line, d->col);
    char quoted[32];
    snprintf(quoted, sizeof quoted, "%.*s", (int)(strcspn(node, "\n") < 24 ? strcspn(node, "\n") : 24), node);
    cr_expect(strstr(text, quoted) != NULL, "no '%s' in %s", quoted, text);
    tir_program_free(p);
}

static uint64_t run_rows(tir_program *p)
{
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_program_errmsg(p));
    uint64_t n = tir_result_nrows(r, 0);
    tir_result_free(r);
    return n;
}

Test(json, runs_a_plan)
{
    tir_program *p = NULL;
    /* n >= 2 && s is not null: rows 2 and 4 */
    const char *json = PLAN(FILTER("{\"op\": \"&&\", \"args\": [{\"op\": \">=\", \"args\": [{\"col\": \"n\", \"of\": \"in\"}, "
                                   "2]}, {\"op\": \"is null\", \"args\": [{\"col\": \"s\", \"of\": \"in\"}], \"not\": true}]}"));
    cr_assert_eq(compile_json(json, &p), TIR_OK, "%s", p ? tir_program_diag_text(p) : "");
    cr_expect_eq(run_rows(p), 2);
    tir_program_free(p);
}

/* text compiled (*pt), its JSON form (*json) compiled (*pj), and that
** program printed as text (*back). */
static void through_json(const char *text, tir_program **pt, char **json, tir_program **pj, char **back)
{
    cr_assert_eq(tir_compile(e, "x.tir", text, strlen(text), pt), TIR_OK, "%s", *pt ? tir_program_diag_text(*pt) : "");
    cr_assert_eq(tir_program_to_json(*pt, json), TIR_OK, "%s", tir_program_errmsg(*pt));
    cr_assert_eq(tir_compile_json(e, "x.json", *json, strlen(*json), pj), TIR_OK, "%s\n%s", *json,
                 *pj ? tir_program_diag_text(*pj) : "");
    cr_assert_eq(tir_program_to_text(*pj, back), TIR_OK);
}

/* text -> JSON -> program -> text gives the text form's own printing back,
** and the JSON form of the JSON program is the JSON it came from */
Test(json, round_trips)
{
    char text[1024];
    snprintf(text, sizeof text,
             "t: Table = read_csv(\"%s/t.csv\") { n: i64, s: string nullable }\n$lo: i64\n"
             "p: Pipeline = {\n  v1 = table_scan :table = t\n"
             "  v2 = filter :input = v1 :expr = $in.n >= $lo && ($in.s like \"a%%\" escape \"!\" || $in.n in [1, -2]) "
             "&& case when $in.n > 1 then true else false end && cast($in.n as f64) < 1.5e3 && date \"2024-02-29\" > date \"2000-01-01\" && $in.s != \"q\\\"\\n\"\n"
             "  v3 = window :input = v2 :order_by = [$in.s desc nulls first, $in.n] :functions = { \"r\": sum($in.n) "
             "rows between 1 preceding and current row, \"k\": count(*) }\n"
             "}\noutput p.v3 as \"the rows\"\n", dir);
    tir_program *pt = NULL, *pj = NULL;
    char *json = NULL, *back = NULL, *direct = NULL, *json2 = NULL;
    through_json(text, &pt, &json, &pj, &back);
    cr_assert_eq(tir_program_to_text(pt, &direct), TIR_OK);
    cr_expect_str_eq(back, direct);
    cr_assert_eq(tir_program_to_json(pj, &json2), TIR_OK);
    cr_expect_str_eq(json2, json);
    cr_assert_eq(tir_bind_i64(pt, "lo", 2), TIR_OK);
    cr_assert_eq(tir_bind_i64(pj, "lo", 2), TIR_OK);
    cr_expect_eq(run_rows(pj), run_rows(pt));
    free(json);
    free(json2);
    free(back);
    free(direct);
    tir_program_free(pt);
    tir_program_free(pj);
}

/* A string the JSON form cannot hold (not UTF-8: a lone continuation byte,
** an overlong form, a surrogate, a truncated sequence) is an error at the
** string; well-formed UTF-8 of every length goes through. */
Test(json, strings_that_are_not_utf8_are_errors)
{
    static const char *const bad[] = {"a\x80" "b", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80"};
    static const char *const good[] = {"a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad + sizeof good / sizeof *good; i++) {
        bool ok = i >= sizeof bad / sizeof *bad;
        const char *str = ok ? good[i - sizeof bad / sizeof *bad] : bad[i];
        char text[256];
        snprintf(text, sizeof text, "t: Table = read_csv(\"t.csv\") { s: string }\n"
                 "p: Pipeline = { v1 = table_scan :table = t\n  v2 = filter :input = v1 :expr = $in.s != \"%s\" }\n"
                 "output p.v2\n", str);
        tir_program *p = NULL;
        tir_compile(e, "x.tir", text, strlen(text), &p);
        cr_assert(p);
        char *json = NULL;
        tir_status st = tir_program_to_json(p, &json);
        if (ok) {
            cr_expect_eq(st, TIR_OK, "%zu: %s", i, tir_program_errmsg(p));
            cr_expect(json && strstr(json, str), "%zu", i);
        } else {
            cr_expect_eq(st, TIR_ERR_COMPILE, "%zu", i);
            cr_expect(strstr(tir_program_errmsg(p), "x.tir:3:44: error: this string is not UTF-8 text"), "%zu: %s", i,
                      tir_program_errmsg(p));
        }
        free(json);
        tir_program_free(p);
    }
}

Test(json, wrong_type_names_its_path)
{
    expect_error(PLAN("{\"target\": 5, \"op\": \"filter\"}"), "$.pipelines[0].statements[1].target",
                 "expected a string, found an integer");
    expect_error(PLAN(FILTER("{\"op\": \"!\", \"args\": [[true]]}")), "$.pipelines[0].statements[1].args.expr.args[0]",
                 "expected an expression, found an array");
    /* a list where the operator takes an expression: the checker says so, there */
    expect_error(PLAN(FILTER("[1, 2]")), "$.pipelines[0].statements[1].args.expr", "must be an expression");
    expect_error("[]", "$", "a program is an object, found an array");
}

Test(json, unknown_operator_names_its_path)
{
    expect_error(PLAN(FILTER("{\"op\": \"^\", \"args\": [1, 2]}")), "$.pipelines[0].statements[1].args.expr.op",
                 "unknown operator '^'");
    expect_error(PLAN(FILTER("{\"op\": \"==\", \"args\": [1]}")), "$.pipelines[0].statements[1].args.expr.args",
                 "'==' takes 2 arguments, found 1");
}

/* A number of more digits than a double keeps is {"number": "..."} (as
** --emit-json writes one): the digits reach a decimal beside it, where a
** JSON number would have been the double 12345678901234567168; a text
** that is no such number is an error at it. */
Test(json, long_numbers_keep_their_digits)
{
    char text[512];
    snprintf(text, sizeof text,
             "t: Table = read_csv(\"%s/t.csv\") { n: i64, s: string nullable }\n"
             "p: Pipeline = {\n  v1 = table_scan :table = t\n"
             "  v2 = filter :input = v1 :expr = cast($in.n as decimal(24,4)) < -12345678901234567890.1234 }\n"
             "output p.v2\n", dir);
    tir_program *pt = NULL, *pj = NULL;
    char *json = NULL, *back = NULL;
    through_json(text, &pt, &json, &pj, &back);
    cr_assert(strstr(json, "{\"number\": \"-12345678901234567890.1234\"}"), "%s", json);
    cr_assert(strstr(back, "< -12345678901234567890.1234"), "%s", back);
    free(json);
    free(back);
    tir_program_free(pt);
    tir_program_free(pj);
    expect_error(PLAN(FILTER("{\"op\": \"<\", \"args\": [{\"col\": \"n\", \"of\": \"in\"}, {\"number\": \"1e5\"}]}")),
                 "$.pipelines[0].statements[1].args.expr.args[1].number", "invalid number \"1e5\"");
}

/* json compiles; its text contains want_text and compiles back; the JSON
** of both programs is the same, and it contains want_json (when given). */
static void text_converts_back(const char *json, const char *want_text, const char *want_json)
{
    tir_program *p = NULL, *back = NULL;
    char *text = NULL, *json2 = NULL, *json3 = NULL;
    cr_assert_eq(compile_json(json, &p), TIR_OK, "%s", p ? tir_program_diag_text(p) : "");
    cr_assert_eq(tir_program_to_text(p, &text), TIR_OK);
    cr_assert(strstr(text, want_text), "%s", text);
    cr_assert_eq(tir_compile(e, "x.tir", text, strlen(text), &back), TIR_OK, "%s\n%s", text,
                 back ? tir_program_diag_text(back) : "");
    cr_assert_eq(tir_program_to_json(p, &json2), TIR_OK);
    cr_assert_eq(tir_program_to_json(back, &json3), TIR_OK);
    if (want_json)
        cr_assert(strstr(json2, want_json), "%s", json2);
    cr_assert_str_eq(json2, json3);
    free(text);
    free(json2);
    free(json3);
    tir_program_free(p);
    tir_program_free(back);
}

/* A {"number"} without a point is a float literal all the same: the text
** form writes it with ".0", since its bare digits would read back as an
** integer (out of range here, and 21 zero-led digits an i64); a point with
** no digit on one side is no number the text form can write. Found by
** fuzz_compile_json. */
Test(json, long_numbers_without_a_point_convert_back)
{
    static const char *const numbers[] = {"12345678901234567890", "-000000000000000000001"};
    static const char *const texts[] = {"12345678901234567890.0", "-000000000000000000001.0"};
    for (int k = 0; k < 2; k++) {
        char json[1024], expr[256];
        snprintf(expr, sizeof expr, "{\"op\": \"<\", \"args\": [{\"col\": \"n\", \"of\": \"in\"}, {\"number\": \"%s\"}]}",
                 numbers[k]);
        snprintf(json, sizeof json, PLAN(FILTER("%s")), expr);
        text_converts_back(json, texts[k], NULL);
    }
    expect_error(PLAN(FILTER("{\"op\": \"<\", \"args\": [{\"col\": \"n\", \"of\": \"in\"}, "
                             "{\"number\": \".1234567890123456789012\"}]}")),
                 "$.pipelines[0].statements[1].args.expr.args[1].number", "invalid number");
    expect_error(PLAN(FILTER("{\"op\": \"<\", \"args\": [{\"col\": \"n\", \"of\": \"in\"}, "
                             "{\"number\": \"12345678901234567890.\"}]}")),
                 "$.pipelines[0].statements[1].args.expr.args[1].number", "invalid number");
}

/* A JSON real that takes 16 or 17 digits to write is one more than a
** double's 15: the text form writes those digits and reads them back as a
** long number, so the JSON form is {"number": ...} from the start, the same
** from the JSON and from its text. Found by fuzz_compile_json. */
Test(json, reals_of_seventeen_digits_convert_back)
{
    text_converts_back(PLAN(FILTER("{\"op\": \">\", \"args\": [{\"col\": \"n\", \"of\": \"in\"}, -9223372.368547758]}")),
                       "-9223372.368547758", "{\"number\": \"-9223372.368547758\"}");
}

Test(json, missing_field_names_its_node)
{
    expect_error(PLAN("{\"target\": \"v2\", \"args\": {}}"), "$.pipelines[0].statements[1]",
                 "a statement lacks its field 'op'");
    expect_error(PLAN(FILTER("{\"col\": \"n\"}")), "$.pipelines[0].statements[1].args.expr",
                 "a column lacks its field 'of'");
}

Test(json, unknown_fields_are_errors)
{
    expect_error("{\"pipelinez\": []}", "$.pipelinez", "unknown field 'pipelinez' in a program");
    expect_error(PLAN(FILTER("{\"col\": \"n\", \"of\": \"in\", \"as\": \"x\"}")),
                 "$.pipelines[0].statements[1].args.expr.as", "unknown field 'as' in a column");
    expect_error(PLAN(FILTER("{\"value\": 1, \"ordre\": \"asc\"}")),
                 "$.pipelines[0].statements[1].args.expr.ordre", "unknown field 'ordre' in a value");
    /* keys that are no JSON path identifiers are quoted */
    expect_error("{\"a b\": 1}", "$[\"a b\"]", "unknown field 'a b'");
}

Test(json, checker_errors_name_the_node)
{
    /* n == "x": the checker's error is at the comparison, its hint printed from the tree */
    expect_error(PLAN(FILTER("{\"op\": \"&&\", \"args\": [true, {\"op\": \"==\", \"args\": [{\"col\": \"n\", \"of\": "
                             "\"in\"}, \"x\"]}]}")),
                 "$.pipelines[0].statements[1].args.expr.args[1]", "cannot compare");
    expect_error(PLAN(FILTER("{\"col\": \"nn\", \"of\": \"in\"}")), "$.pipelines[0].statements[1].args.expr.col",
                 "did you mean 'n'?");
    /* a second v1: "first defined at" names the first one's path */
    expect_error(PLAN("{\"target\": \"v1\", \"op\": \"filter\", \"args\": {\"input\": {\"ref\": \"v1\"}, \"expr\": true}}"),
                 "$.pipelines[0].statements[1].target", "first defined at $.pipelines[0].statements[0].target");
}

Test(json, errors_of_an_included_plan_name_the_node)
{
    expect_included_error(PLAN(FILTER("{\"op\": \"&&\", \"args\": [true, {\"op\": \"==\", \"args\": [{\"col\": \"n\", "
                                      "\"of\": \"in\"}, \"x\"]}]}")),
                          "$.pipelines[0].statements[1].args.expr.args[1]", "cannot compare");
    expect_included_error(PLAN(FILTER("{\"col\": \"nn\", \"of\": \"in\"}")),
                          "$.pipelines[0].statements[1].args.expr.col", "did you mean 'n'?");
    /* a place named in a message is in the included file: named with it */
    char first[600];
    snprintf(first, sizeof first, "first defined at %s/plan.json:$.pipelines[0].statements[0].target", dir);
    expect_included_error(PLAN("{\"target\": \"v1\", \"op\": \"filter\", \"args\": {\"input\": {\"ref\": \"v1\"}, "
                               "\"expr\": true}}"),
                          "$.pipelines[0].statements[1].target", first);
    /* printed as abs((distinct - $in.s)): the nodes inside the parentheses
    ** added after the fact still find their paths */
    expect_included_error(PLAN(FILTER("{\"op\": \">\", \"args\": [{\"call\": \"abs\", \"args\": [{\"op\": \"-\", \"args\": "
                                      "[{\"ref\": \"distinct\"}, {\"col\": \"n\", \"of\": \"in\"}]}]}, 0]}")),
                          "$.pipelines[0].statements[1].args.expr.args[0].args[0].args[0]", "unknown name 'distinct'");
}

Test(json, run_time_errors_name_the_node)
{
    tir_program *p = NULL;
    cr_assert_eq(compile_json(PLAN(FILTER("{\"op\": \">\", \"args\": [{\"op\": \"*\", \"args\": [{\"col\": \"n\", \"of\": "
                                          "\"in\"}, 9223372036854775807]}, 0]}")), &p),
                 TIR_OK, "%s", p ? tir_program_diag_text(p) : "");
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_RUNTIME);
    /* at the product's line:col, the path in the message */
    const char *plan = PLAN(FILTER("{\"op\": \">\", \"args\": [{\"op\": \"*\", \"args\": [{\"col\": \"n\", \"of\": "
                                   "\"in\"}, 9223372036854775807]}, 0]}"));
    int line, col;
    linecol(plan, (size_t)(strstr(plan, "{\"op\": \"*\"") - plan), &line, &col);
    char want[700];
    snprintf(want, sizeof want, "plan.json:%d:%d: error: integer overflow in '$.pipelines[0].statements[1].args.expr."
             "args[0]'", line, col);
    cr_expect(strstr(tir_program_errmsg(p), want) != NULL, "want %s in %s", want, tir_program_errmsg(p));
    tir_program_free(p);
    /* the same plan included by a text program */
    char file[512];
    cr_assert_eq(compile_included(PLAN(FILTER("{\"op\": \">\", \"args\": [{\"op\": \"*\", \"args\": [{\"col\": \"n\", "
                                              "\"of\": \"in\"}, 9223372036854775807]}, 0]}")), file, &p),
                 TIR_OK, "%s", p ? tir_program_diag_text(p) : "");
    cr_assert_eq(tir_run(p, &r), TIR_ERR_RUNTIME);
    snprintf(want, sizeof want, "%s:%d:%d: error: integer overflow in '$.pipelines[0].statements[1].args.expr."
             "args[0]'", file, line, col);
    cr_expect(strstr(tir_program_errmsg(p), want) != NULL, "%s", tir_program_errmsg(p));
    tir_program_free(p);
}

Test(json, malformed_json_reports_where_jansson_stopped)
{
    tir_program *p = NULL;
    const char *json = "{\n  \"pipelines\": [\n    {\"name\": \"p\", \"statements\": [}\n  ]\n}\n";
    cr_assert_eq(compile_json(json, &p), TIR_ERR_COMPILE);
    const tir_diag *d = tir_program_diag(p, 0);
    cr_expect_eq(d->line, 3);
    cr_expect_eq(d->col, 34);
    cr_expect_null(d->path);
    /* the place once, in line:col (it was also in the message) */
    cr_expect_str_eq(d->message, "invalid JSON: unexpected token near '}'");
    cr_expect(strstr(tir_program_errmsg(p), "plan.json:3:34: error: invalid JSON: unexpected token near '}'\n"
                     "      {\"name\": \"p\", \"statements\": [}\n") != NULL, "%s", tir_program_errmsg(p));
    tir_program_free(p);
    /* a key given twice would be lost: jansson rejects it */
    cr_assert_eq(compile_json("{\"outputs\": [], \"outputs\": []}", &p), TIR_ERR_COMPILE);
    cr_expect(strstr(tir_program_errmsg(p), "duplicate object key") != NULL, "%s", tir_program_errmsg(p));
    tir_program_free(p);
}

/* The diagnostic of p whose path is path (NULL: none). */
static const tir_diag *diag_at(tir_program *p, const char *path)
{
    for (size_t i = 0; i < tir_program_ndiags(p); i++) {
        const tir_diag *d = tir_program_diag(p, i);
        if (d->path && !strcmp(d->path, path))
            return d;
    }
    return NULL;
}

/* d is at the first byte of marker in json. */
static void expect_at(const tir_diag *d, const char *json, const char *marker)
{
    cr_assert_not_null(d);
    const char *m = strstr(json, marker);
    cr_assert_not_null(m, "no %s", marker);
    int line, col;
    linecol(json, (size_t)(m - json), &line, &col);
    cr_expect(d->line == line && d->col == col, "%s: %d:%d, want %d:%d (%s)", d->path, d->line, d->col, line, col,
              marker);
}

Test(json, diagnostics_are_at_their_nodes_line_and_column)
{
    /* A table whose columns come before its name in the text (the reader
    ** visits the name first), and a key spelled with an escape. */
    const char *json =
        "{\"tables\": [\n"
        "  {\"columns\": [{\"name\": \"n\",\n"
        "                \"type\": \"i65\"}],\n"
        "   \"source\": \"read_csv\", \"args\": [{\"value\": \"t.csv\"}],\n"
        "   \"name\": 7}],\n"
        " \"pipe\\u006cines\": [{\"name\": \"p\", \"statements\": [{\"target\": \"v1\", \"op\": \"table_scan\",\n"
        "     \"args\": {\"table\": {\"ref\": \"t\"}, \"\\u00e9\": 1}}]}]}\n";
    tir_program *p = NULL;
    cr_assert_eq(compile_json(json, &p), TIR_ERR_COMPILE);
    const tir_diag *type = diag_at(p, "$.tables[0].columns[0].type");
    const tir_diag *name = diag_at(p, "$.tables[0].name");
    expect_at(type, json, "\"i65\"");
    expect_at(name, json, "7}");
    /* rendered in the order of the text, each with its line quoted and a caret under the value */
    const char *text = tir_program_diag_text(p);
    const char *t = strstr(text, "plan.json:3:25: error: unknown value 'i65'");
    const char *n = strstr(text, "plan.json:5:12: error: ");
    cr_expect(t && n && t < n, "%s", text);
    char quote[200];
    snprintf(quote, sizeof quote, "\n  at $.tables[0].columns[0].type\n                  \"type\": \"i65\"}],\n  %*s^~~~~\n",
             type->col - 1, "");
    cr_expect(strstr(text, quote) != NULL, "no\n%s\nin\n%s", quote, text);
    tir_program_free(p);
    /* the escaped keys are found as jansson decoded them: "pipelines" and an unknown argument "é" */
    const char *json2 =
        "{\"tables\": [{\"name\": \"t\", \"source\": \"read_csv\", \"args\": [{\"value\": \"t.csv\"}], \"columns\": [{\"name\": "
        "\"n\", \"type\": \"i64\"}]}],\n"
        " \"pipe\\u006cines\": [{\"name\": \"p\", \"statements\": [{\"target\": \"v1\", \"op\": \"table_scan\",\n"
        "     \"args\": {\"table\": {\"ref\": \"t\"}, \"\\u00e9\": 1}}]}]}\n";
    cr_assert_eq(compile_json(json2, &p), TIR_ERR_COMPILE);
    const tir_diag *d = tir_program_diag(p, 0);
    cr_expect_str_eq(d->path, "$.pipelines[0].statements[0].args[\"\xc3\xa9\"]", "%s", tir_program_diag_text(p));
    expect_at(d, json2, "1}}]}]}");
    tir_program_free(p);
}

Test(json, an_included_plan_that_does_not_read_shows_every_error)
{
    /* two mistakes (a column without its type, an operator unknown) and
    ** malformed JSON: each error at its line in the JSON file */
    const char *json = PLAN(FILTER("{\"op\": \"^\", \"args\": [1, 2]}"));
    char *broken = strdup(json);
    char *ty = strstr(broken, "\"type\": \"i64\"");
    memcpy(ty, "\"typo\"", 6);   /* "typo": "i64": unknown, and the type is missing */
    tir_program *p = NULL;
    char file[512];
    cr_assert_eq(compile_included(broken, file, &p), TIR_ERR_COMPILE);
    const char *text = tir_program_diag_text(p);
    /* first the include, then each of the file's errors, every one placed */
    const tir_diag *inc = tir_program_diag(p, 0);
    cr_expect_eq(inc->line, 2);
    cr_expect(strstr(inc->message, "plan.json: 3 errors in it (below)") != NULL, "%s", text);
    cr_assert_eq(tir_program_ndiags(p), 4, "%s", text);
    const tir_diag *missing = diag_at(p, "$.tables[0].columns[0]");
    const tir_diag *unknown = diag_at(p, "$.tables[0].columns[0].typo");
    const tir_diag *op = diag_at(p, "$.pipelines[0].statements[1].args.expr.op");
    expect_at(missing, broken, "{\"name\": \"n\"");
    expect_at(unknown, broken, "\"i64\"}, {");
    expect_at(op, broken, "\"^\"");
    cr_expect_str_eq(op->file, file);
    cr_expect(strstr(op->message, "unknown operator '^'") != NULL, "%s", op->message);
    cr_expect(strstr(text, "\n  at $.pipelines[0].statements[1].args.expr.op\n") != NULL, "%s", text);
    tir_program_free(p);
    /* malformed: where jansson stopped, said once */
    broken[strlen(broken) - 3] = 0;
    cr_assert_eq(compile_included(broken, file, &p), TIR_ERR_COMPILE);
    text = tir_program_diag_text(p);
    cr_assert_eq(tir_program_ndiags(p), 2, "%s", text);
    const tir_diag *bad = tir_program_diag(p, 1);
    cr_expect_str_eq(bad->file, file);
    cr_expect_null(bad->path);
    cr_expect(bad->line == 5 && bad->col > 1, "%d:%d %s", bad->line, bad->col, text);
    cr_expect(strstr(bad->message, "invalid JSON: ") == bad->message && !strstr(bad->message, "line"), "%s",
              bad->message);
    tir_program_free(p);
    free(broken);
}

Test(json, null_and_empty_inputs)
{
    tir_program *p = NULL;
    cr_expect_eq(tir_compile_json(NULL, "f.json", "{}", 2, &p), TIR_ERR_ARG);
    cr_expect_eq(tir_compile_json(e, "f.json", "{}", 2, NULL), TIR_ERR_ARG);
    cr_expect_eq(tir_compile_json(e, "f.json", NULL, 3, &p), TIR_ERR_ARG);
    cr_expect_null(p);
    /* no text at all: jansson's message, at 1:1 */
    cr_assert_eq(tir_compile_json(e, NULL, NULL, 0, &p), TIR_ERR_COMPILE);
    cr_expect(strstr(tir_program_errmsg(p), "<input>:1:1: error: invalid JSON") != NULL, "%s", tir_program_errmsg(p));
    tir_program_free(p);
    cr_assert_eq(tir_compile_json(e, "f.json", "", 0, &p), TIR_ERR_COMPILE);
    tir_program_free(p);
    /* the empty program compiles, as the empty text does (with a warning) */
    cr_assert_eq(tir_compile_json(e, "f.json", "{}", 2, &p), TIR_OK);
    char *text = NULL;
    cr_assert_eq(tir_program_to_text(p, &text), TIR_OK);
    cr_expect_str_eq(text, "");
    free(text);
    tir_program_free(p);
    char *out = (char *)1;
    cr_expect_eq(tir_program_to_json(NULL, &out), TIR_ERR_ARG);
    /* a string that is not UTF-8 has no JSON form: said, not written */
    const char *bad = "$x: string\n p: Pipeline = {}\noutput p.v as \"\xff\"\n";
    cr_assert_eq(tir_compile(e, "bad.tir", bad, strlen(bad), &p), TIR_ERR_COMPILE);
    cr_expect_eq(tir_program_to_json(p, &out), TIR_ERR_COMPILE);
    cr_expect_null(out);
    cr_expect(strstr(tir_program_errmsg(p), "bad.tir:3:15: error: this string is not UTF-8") != NULL, "%s",
              tir_program_errmsg(p));
    tir_program_free(p);
}

/* Compiles the plan filtering on n levels of "!" around true. */
/* A filter of n '!' around leaf; the JSON into *text (malloc'd) when not NULL. */
static tir_status compile_nested_leaf(int n, const char *leaf, tir_program **p, char **text)
{
    char *json = malloc((size_t)n * 32 + 1024 + strlen(leaf)), *o = json;
    cr_assert_not_null(json);
    const char *plan = PLAN(FILTER("EXPR"));
    const char *hole = strstr(plan, "EXPR");
    o += sprintf(o, "%.*s", (int)(hole - plan), plan);
    for (int i = 0; i < n; i++)
        o += sprintf(o, "{\"op\":\"!\",\"args\":[");
    o += sprintf(o, "%s", leaf);
    for (int i = 0; i < n; i++)
        o += sprintf(o, "]}");
    sprintf(o, "%s", hole + 4);
    tir_status st = compile_json(json, p);
    if (text)
        *text = json;
    else
        free(json);
    return st;
}

static tir_status compile_nested(int n, tir_program **p)
{
    return compile_nested_leaf(n, "true", p, NULL);
}

Test(json, a_deep_node_is_found_in_the_text)
{
    /* 800 steps down (more than the locator keeps at hand): the unknown
    ** column at the bottom, at its line:col */
    tir_program *p = NULL;
    char *json = NULL;
    cr_assert_eq(compile_nested_leaf(400, "{\"col\": \"zz\", \"of\": \"in\"}", &p, &json), TIR_ERR_COMPILE);
    const tir_diag *d = tir_program_diag(p, 0);
    cr_expect(strstr(d->message, "no column 'zz'") != NULL, "%s", d->message);
    expect_at(d, json, "\"zz\"");
    tir_program_free(p);
    free(json);
}

Test(json, deep_nesting_is_an_error_not_a_crash)
{
    tir_program *p = NULL;
    /* deeper than the checker takes (1000 levels), within jansson's 2048 */
    cr_assert_eq(compile_nested(1010, &p), TIR_ERR_COMPILE);
    cr_expect(strstr(tir_program_errmsg(p), "expression nested too deeply") != NULL, "%.300s", tir_program_errmsg(p));
    tir_program_free(p);
    /* deeper than jansson reads: its error */
    cr_assert_eq(compile_nested(1100, &p), TIR_ERR_COMPILE);
    cr_expect(strstr(tir_program_errmsg(p), "maximum parsing depth") != NULL, "%.300s", tir_program_errmsg(p));
    tir_program_free(p);
    /* within both: compiles, runs, and converts both ways */
    cr_assert_eq(compile_nested(400, &p), TIR_OK, "%.300s", p ? tir_program_errmsg(p) : "");
    cr_expect_eq(run_rows(p), 4);
    char *text = NULL, *json = NULL;
    cr_assert_eq(tir_program_to_text(p, &text), TIR_OK);
    cr_assert_eq(tir_program_to_json(p, &json), TIR_OK);
    free(text);
    free(json);
    tir_program_free(p);
}

/* Names the text form reads as keywords where they stand would print as
** text that parses to another tree (true(1), a reference `null`) or not at
** all (a pipeline named output): the JSON form refuses them there only. */
Test(json, names_the_text_reads_as_keywords)
{
    expect_error(PLAN(FILTER("{\"call\": \"true\", \"args\": [1]}")), "$.pipelines[0].statements[1].args.expr.call",
                 "'true' cannot be the name of a function");
    expect_error(PLAN(FILTER("{\"ref\": \"null\"}")), "$.pipelines[0].statements[1].args.expr.ref",
                 "'null' cannot be the first name of a reference");
    expect_error("{\"pipelines\": [{\"name\": \"output\", \"statements\": []}]}", "$.pipelines[0].name",
                 "'output' cannot be the name of a pipeline");
    /* elsewhere they are names like any other */
    tir_program *p = NULL;
    cr_assert_eq(compile_json("{\"tables\": [{\"name\": \"t\", \"source\": \"read_csv\", \"args\": [{\"value\": \"t.csv\"}],"
                              " \"columns\": [{\"name\": \"date\", \"type\": \"i64\"}, {\"name\": \"s\", \"type\": \"string\"}]}],"
                              " \"pipelines\": [{\"name\": \"p\", \"statements\": [{\"target\": \"date\", \"op\": \"filter\","
                              " \"args\": {\"input\": {\"ref\": \"t\"}, \"expr\": {\"op\": \">\", \"args\": [{\"col\": \"date\","
                              " \"of\": \"in\"}, 1]}}}]}], \"outputs\": [{\"ref\": \"p.date\"}]}", &p),
                 TIR_ERR_COMPILE);   /* filter of a table: an error of the checker, not of the names */
    cr_expect(strstr(tir_program_errmsg(p), "keyword") == NULL, "%s", tir_program_errmsg(p));
    char *text = NULL;
    cr_assert_eq(tir_program_to_text(p, &text), TIR_OK);
    cr_expect(strstr(text, "date = filter") != NULL, "%s", text);
    free(text);
    tir_program_free(p);
}

/* count(distinct x) is the call with "distinct": both forms, the same rows */
Test(json, distinct_aggregates)
{
    char text[512];
    snprintf(text, sizeof text,
             "t: Table = read_csv(\"%s/t.csv\") { n: i64, s: string nullable }\n"
             "p: Pipeline = {\n  v1 = table_scan :table = t\n"
             "  v2 = aggregate :input = v1 :aggregates = { \"k\": count(distinct $in.s), \"m\": max(distinct $in.s) }\n"
             "}\noutput p.v2\n", dir);
    tir_program *pt = NULL, *pj = NULL;
    cr_assert_eq(tir_compile(e, "x.tir", text, strlen(text), &pt), TIR_OK, "%s", pt ? tir_program_diag_text(pt) : "");
    char *json = NULL;
    cr_assert_eq(tir_program_to_json(pt, &json), TIR_OK);
    cr_expect(strstr(json, "{\"call\": \"count\", \"args\": [{\"col\": \"s\", \"of\": \"in\"}], \"distinct\": true}"),
              "%s", json);
    cr_assert_eq(tir_compile_json(e, "x.json", json, strlen(json), &pj), TIR_OK, "%s", pj ? tir_program_diag_text(pj) : "");
    tir_result *rt = NULL, *rj = NULL;
    cr_assert_eq(tir_run(pt, &rt), TIR_OK);
    cr_assert_eq(tir_run(pj, &rj), TIR_OK);
    /* 3 distinct non-NULL strings */
    cr_expect_eq(*(const int64_t *)tir_result_batch_data(rt, 0, 0, 0), 3);
    cr_expect_eq(*(const int64_t *)tir_result_batch_data(rj, 0, 0, 0), 3);
    tir_result_free(rt);
    tir_result_free(rj);
    free(json);
    tir_program_free(pt);
    tir_program_free(pj);
    expect_error(PLAN(FILTER("{\"call\": \"count\", \"args\": [], \"distinct\": true}")),
                 "$.pipelines[0].statements[1].args.expr.distinct", "takes its argument first in 'args'");
    /* distinct applies to the first argument; only string_agg takes a second */
    expect_error(PLAN("{\"target\": \"v2\", \"op\": \"aggregate\", \"args\": {\"input\": {\"ref\": \"v1\"}, "
                      "\"aggregates\": {\"map\": {\"k\": {\"call\": \"count\", \"args\": [{\"col\": \"s\", \"of\": \"in\"}, 2], "
                      "\"distinct\": true}}}}}"),
                 "$.pipelines[0].statements[1].args.aggregates.map.k", "count takes one argument, found 2");
}

/* A call's first argument that begins with the name distinct prints in
** parentheses: f(distinct - 1) would read as f's distinct aggregate of -1 */
Test(json, a_first_argument_named_distinct_keeps_its_tree)
{
    const char *json = "{\"pipelines\": [{\"name\": \"p\", \"statements\": [{\"target\": \"v\", \"op\": \"o\", \"args\": "
                       "{\"a\": [{\"call\": \"f\", \"args\": [{\"op\": \"-\", \"args\": [{\"ref\": \"distinct\"}, 1]}, "
                       "{\"ref\": \"distinct\"}]}, {\"call\": \"g\", \"args\": [{\"ref\": \"distinct.x\"}]}]}}]}]}";
    tir_program *pj = NULL, *pt = NULL;
    compile_json(json, &pj);
    cr_assert_not_null(pj);
    char *text = NULL, *back = NULL, *again = NULL;
    cr_assert_eq(tir_program_to_text(pj, &text), TIR_OK, "%s", tir_program_errmsg(pj));
    cr_expect(strstr(text, "f((distinct - 1), distinct), g((distinct.x))") != NULL, "%s", text);
    cr_assert_eq(tir_program_to_json(pj, &back), TIR_OK);
    tir_compile(e, "t.tir", text, strlen(text), &pt);
    cr_assert_not_null(pt);
    cr_assert_eq(tir_program_to_json(pt, &again), TIR_OK, "%s", tir_program_errmsg(pt));
    cr_expect_str_eq(again, back);
    free(text);
    free(back);
    free(again);
    tir_program_free(pj);
    tir_program_free(pt);
}
