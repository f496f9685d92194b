/*
** test_params.c — typed parameters through the public API: a program is
** compiled once and run with many bindings; binding errors and unbound
** parameters name the parameter; NULL follows three-valued logic; strings
** are copied; a value is never program text; a parameter gets the same
** constant fast paths and block pruning as a literal.
*/
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tir_arrow.h"

static char dir[256];
static tir_engine *e;   /* the engine of each test (a fresh one per test) */

/* nums.csv: n = 1..5000; tag "" (NULL) when n % 3 == 0, "one" when 1, a
** 20-byte string when 2; d = 2019-04-14 + n days (ascending); x = n / 2. */
enum { NROWS = 5000, DAY0 = 18000 };

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tir_params_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/nums.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("n,tag,d,x\n", f);
    for (int i = 1; i <= NROWS; i++) {
        char d[16];
        tir_date_format(DAY0 + i, d);
        fprintf(f, "%d,%s,%s,%.1f\n", i, i % 3 == 0 ? "" : i % 3 == 1 ? "one" : "a_long_tag_value_two", d, i / 2.0);
    }
    fclose(f);
    e = tir_engine_new(NULL);
    cr_assert_not_null(e);
}

static void teardown(void)
{
    tir_engine_free(e);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(params, .init = setup, .fini = teardown);

#define NUMS "nums: Table = read_csv(\"nums.csv\") { n: i64, tag: string nullable, d: date, x: f64 }\n"
/* A pipeline p whose first statement v1 scans every column of nums. */
#define SCAN NUMS "p: Pipeline = {\n    v1 = table_scan :table = nums\n"

static tir_program *compile_ok(tir_engine *eng, const char *src)
{
    char file[512];
    snprintf(file, sizeof file, "%s/prog.tir", dir);
    tir_program *p = NULL;
    tir_status st = tir_compile(eng, file, src, strlen(src), &p);
    cr_assert_eq(st, TIR_OK, "compile failed: %s", p ? tir_program_diag_text(p) : tir_engine_errmsg(eng));
    return p;
}

static tir_result *run_ok(tir_program *p, tir_engine *eng)
{
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(eng));
    return r;
}

/* Runs p; the rows of its first output. */
static uint64_t run_rows(tir_program *p)
{
    tir_result *r = run_ok(p, e);
    uint64_t n = tir_result_nrows(r, 0);
    tir_result_free(r);
    return n;
}

/* Runs p; the sum of the first output's first column (i64). */
static int64_t run_sum(tir_program *p)
{
    tir_result *r = run_ok(p, e);
    int64_t s = 0;
    for (size_t b = 0; b < tir_result_nbatches(r, 0); b++) {
        const int64_t *v = tir_result_batch_data(r, 0, b, 0);
        for (uint32_t i = 0; i < tir_result_batch_rows(r, 0, b); i++)
            s += v[i];
    }
    tir_result_free(r);
    return s;
}

static void expect_err(tir_status got, tir_status want, const char *msg)
{
    cr_assert_eq(got, want, "status %s, want %s: %s", tir_status_name(got), tir_status_name(want),
                 tir_engine_errmsg(e));
    cr_assert(strstr(tir_engine_errmsg(e), msg), "message '%s' lacks '%s'", tir_engine_errmsg(e), msg);
}

static const char filter_prog[] = "$lo: i64\n" NUMS
                                  "p: Pipeline = {\n"
                                  "    v1 = table_scan :table = nums :columns = [\"n\"]\n"
                                  "    v2 = filter :input = v1 :expr = $in.n >= $lo\n"
                                  "}\n"
                                  "output p.v2\n";

Test(params, rebind_runs_again)
{
    tir_program *p = compile_ok(e, filter_prog);
    cr_assert_eq(tir_bind_i64(p, "lo", 4991), TIR_OK);
    cr_assert_eq(run_rows(p), 10);
    cr_assert_eq(run_sum(p), 4991 + 4992 + 4993 + 4994 + 4995 + 4996 + 4997 + 4998 + 4999 + 5000);
    cr_assert_eq(tir_bind_i64(p, "lo", 1), TIR_OK);
    cr_assert_eq(run_rows(p), NROWS);
    cr_assert_eq(tir_bind_i32(p, "lo", 5001), TIR_OK);   /* an i32 binds an i64 parameter */
    cr_assert_eq(run_rows(p), 0);
    cr_assert_eq(tir_bind_i64(p, "lo", INT64_MIN), TIR_OK);
    cr_assert_eq(run_rows(p), NROWS);
    /* the binding persists across runs */
    cr_assert_eq(run_rows(p), NROWS);
    tir_program_free(p);
}

Test(params, discovery)
{
    tir_program *p = compile_ok(e, "$since: date\n$tag: string nullable\n$k: f64\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.d >= $since && $in.tag != $tag && $in.x < $k\n"
                                   "}\n"
                                   "output p.v2\n");
    cr_assert_eq(tir_program_nparams(p), 3);
    cr_assert_str_eq(tir_program_param_name(p, 0), "since");
    cr_assert_eq(tir_program_param_type(p, 0), TIR_DATE);
    cr_assert(!tir_program_param_nullable(p, 0));
    cr_assert_str_eq(tir_program_param_name(p, 1), "tag");
    cr_assert_eq(tir_program_param_type(p, 1), TIR_STRING);
    cr_assert(tir_program_param_nullable(p, 1));
    cr_assert_eq(tir_program_param_type(p, 2), TIR_F64);
    int prec = -1, scale = -1;
    cr_assert(!tir_program_param_decimal(p, 2, &prec, &scale));   /* not a decimal: nothing set */
    cr_assert_eq(prec, -1);
    cr_assert_null(tir_program_param_name(p, 3));
    cr_assert_eq(tir_program_param_type(p, 3), TIR_NTYPES);
    cr_assert(strstr(tir_program_explain(p), "$since: date\n$tag: string nullable\n$k: f64\n"));
    tir_program_free(p);
}

Test(params, unbound_names_parameter)
{
    tir_program *p = compile_ok(e, "$a: i64\n$b: string\n$c: i64\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.n > $a && $in.tag == $b && $in.n < $c\n"
                                   "}\n"
                                   "output p.v2\n");
    tir_result *r = (tir_result *)1;
    expect_err(tir_run(p, &r), TIR_ERR_ARG, "prog.tir:1:1: error: parameter $a (i64) is not bound (nor is $b, $c)");
    cr_assert_null(r);
    cr_assert_eq(tir_bind_i64(p, "a", 1), TIR_OK);
    cr_assert_eq(tir_bind_i64(p, "c", 10), TIR_OK);
    expect_err(tir_run(p, &r), TIR_ERR_ARG, "prog.tir:2:1: error: parameter $b (string) is not bound");
    cr_assert_eq(tir_bind_str(p, "b", "one", 3), TIR_OK);
    cr_assert_eq(run_rows(p), 2);   /* 4, 7 */
    tir_clear_bindings(p);
    expect_err(tir_run(p, &r), TIR_ERR_ARG, "parameter $a (i64) is not bound");
    tir_program_free(p);
}

Test(params, wrong_type_and_unknown_name)
{
    tir_program *p = compile_ok(e, "$lo: i64\n$small: i32\n$when: date\n$flag: bool\n$k: f64\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.n >= $lo && $in.n > $small && $in.d > $when"
                                   " && $flag && $in.x >= $k\n"
                                   "}\n"
                                   "output p.v2\n");
    cr_assert_eq(tir_bind_i64(p, "lo", 4000), TIR_OK);
    expect_err(tir_bind_str(p, "lo", "4000", 4), TIR_ERR_ARG, "parameter $lo is i64, not string");
    expect_err(tir_bind_f64(p, "lo", 1.5), TIR_ERR_ARG, "parameter $lo is i64, not f64");
    expect_err(tir_bind_null(p, "lo"), TIR_ERR_ARG,
               "parameter $lo is not nullable: declare it `$lo: i64 nullable` to bind NULL");
    expect_err(tir_bind_i64(p, "small", 3000000000), TIR_ERR_ARG, "parameter $small is i32; 3000000000 does not fit");
    expect_err(tir_bind_i32(p, "when", 18000), TIR_ERR_ARG, "parameter $when is date, not i32");
    expect_err(tir_bind_str(p, "when", "2020-01-01", 10), TIR_ERR_ARG, "parameter $when is date, not string");
    expect_err(tir_bind_i64(p, "flag", 1), TIR_ERR_ARG, "parameter $flag is bool, not i64");
    expect_err(tir_bind_date(p, "k", 1), TIR_ERR_ARG, "parameter $k is f64, not date");
    expect_err(tir_bind_i64(p, "nope", 1), TIR_ERR_ARG,
               "no parameter 'nope' in ");
    cr_assert(strstr(tir_engine_errmsg(e), "(parameters: $lo, $small, $when, $flag, $k)"), "%s", tir_engine_errmsg(e));
    expect_err(tir_bind_i64(p, "$lo", 1), TIR_ERR_ARG, "no parameter '$lo'");
    expect_err(tir_bind_i64(p, NULL, 1), TIR_ERR_ARG, "no parameter");
    /* a failed bind keeps the earlier value */
    cr_assert_eq(tir_bind_i64(p, "small", 4500), TIR_OK);
    cr_assert_eq(tir_bind_date(p, "when", DAY0), TIR_OK);
    cr_assert_eq(tir_bind_bool(p, "flag", true), TIR_OK);
    cr_assert_eq(tir_bind_i64(p, "k", 0), TIR_OK);   /* an integer binds an f64 parameter */
    cr_assert_eq(run_rows(p), 500);
    tir_program_free(p);
}

Test(params, null_binding_three_valued)
{
    const char *ops[] = {"$in.tag == $tag", "$in.tag != $tag", "!($in.tag == $tag)", "$in.n > $lo",
                         "$in.n <= $lo || $in.n > $lo", "$tag is null", "$in.n > $lo || true"};
    const uint64_t want_null[] = {0, 0, 0, 0, 0, NROWS, NROWS};
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        char src[1024];
        snprintf(src, sizeof src,
                 "$tag: string nullable\n$lo: i64 nullable\n" SCAN
                 "    v2 = filter :input = v1 :expr = %s && ($tag is null || $tag is not null) && ($lo is null || true)\n"
                 "}\n"
                 "output p.v2\n",
                 ops[k]);
        tir_program *p = compile_ok(e, src);
        cr_assert_eq(tir_bind_null(p, "tag"), TIR_OK);
        cr_assert_eq(tir_bind_null(p, "lo"), TIR_OK);
        cr_assert_eq(run_rows(p), want_null[k], "%s with NULL", ops[k]);
        tir_program_free(p);
    }
    /* a projected NULL parameter is a NULL column */
    tir_program *p = compile_ok(e, "$tag: string nullable\n" SCAN
                                   "    v2 = project :input = v1 :columns = { \"t\": $tag, \"n\": $in.n }\n"
                                   "}\n"
                                   "output p.v2\n");
    cr_assert_eq(tir_bind_null(p, "tag"), TIR_OK);
    tir_result *r = run_ok(p, e);
    cr_assert(tir_result_col_nullable(r, 0, 0));
    const uint64_t *v = tir_result_batch_validity(r, 0, 0, 0);
    cr_assert_not_null(v);
    cr_assert_eq(v[0], 0);
    tir_result_free(r);
    tir_program_free(p);
}

/* Strings of 3 (inline), 12 (the most inline), 13 and 20 bytes (pointed
** to); the caller's buffer is freed right after binding, and results of
** earlier runs keep their values after a rebind. */
Test(params, strings_inline_and_long)
{
    tir_program *p = compile_ok(e, "$tag: string\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.tag == $tag\n"
                                   "    v3 = project :input = v2 :columns = { \"t\": $tag, \"n\": $in.n }\n"
                                   "}\n"
                                   "output p.v3\n");
    const struct {
        const char *s;
        uint64_t rows;
    } cases[] = {{"one", 1667}, {"a_long_tag_value_two", 1667}, {"abcdefghijkl", 0}, {"abcdefghijklm", 0},
                 {"", 0}, {"one ", 0}, {"a_long_tag_value_tw", 0}};
    tir_result *kept = NULL;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t len = strlen(cases[k].s);
        char *buf = malloc(len + 1);
        memcpy(buf, cases[k].s, len + 1);
        cr_assert_eq(tir_bind_str(p, "tag", buf, len), TIR_OK, "%s", tir_engine_errmsg(e));
        memset(buf, 'X', len);
        free(buf);
        tir_result *r = run_ok(p, e);
        cr_assert_eq(tir_result_nrows(r, 0), cases[k].rows, "'%s'", cases[k].s);
        if (cases[k].rows) {
            const tir_str *t = tir_result_batch_data(r, 0, 0, 0);
            cr_assert_eq(t[0].len, len);
            cr_assert(!memcmp(tir_str_ptr(&t[0]), cases[k].s, len));
        }
        if (k == 1)
            kept = r;   /* the long string's result outlives later binds */
        else
            tir_result_free(r);
    }
    const tir_str *t = tir_result_batch_data(kept, 0, 0, 0);
    cr_assert_eq(t[0].len, 20);
    cr_assert(!memcmp(tir_str_ptr(&t[0]), "a_long_tag_value_two", 20));
    tir_result_free(kept);
    /* bytes after a NUL are part of the value */
    cr_assert_eq(tir_bind_str(p, "tag", "one\0", 4), TIR_OK);
    cr_assert_eq(run_rows(p), 0);
    tir_program_free(p);
}

/* The crafted value of issue 11 that, spliced into program text, turned a
** date filter into `... || true`: bound as a parameter it is one value. */
Test(params, injection_is_a_value)
{
    static const char evil[] = "2022-12-01\" || true || \"";
    tir_program *ps = compile_ok(e, "$tag: string\n" SCAN
                                    "    v2 = filter :input = v1 :expr = $in.tag == $tag || $in.tag >= $tag\n"
                                    "}\n"
                                    "output p.v2\n");
    cr_assert_eq(tir_bind_str(ps, "tag", evil, strlen(evil)), TIR_OK);
    /* compared as a string: "a_long..." and "one" sort after "2022...", NULL never */
    cr_assert_eq(run_rows(ps), NROWS - NROWS / 3);
    cr_assert_eq(tir_bind_text(ps, "tag", evil, strlen(evil)), TIR_OK);
    cr_assert_eq(run_rows(ps), NROWS - NROWS / 3);
    tir_program_free(ps);

    tir_program *pd = compile_ok(e, "$since: date\n" SCAN
                                    "    v2 = filter :input = v1 :expr = $in.d >= $since\n"
                                    "}\n"
                                    "output p.v2\n");
    expect_err(tir_bind_text(pd, "since", evil, strlen(evil)), TIR_ERR_ARG,
               "parameter $since is date: '2022-12-01\" || true || \"' is not a date (expected YYYY-MM-DD)");
    expect_err(tir_bind_str(pd, "since", evil, strlen(evil)), TIR_ERR_ARG, "parameter $since is date, not string");
    tir_result *r;
    expect_err(tir_run(pd, &r), TIR_ERR_ARG, "parameter $since (date) is not bound");
    cr_assert_eq(tir_bind_text(pd, "since", "2022-12-01", 10), TIR_OK);
    /* 2022-12-01 is the d of n = 1327 */
    cr_assert_eq(run_rows(pd), NROWS - 1326);
    tir_program_free(pd);
}

Test(params, text_per_declared_type)
{
    tir_program *p = compile_ok(e, "$i: i32\n$j: i64\n$f: f64\n$b: bool\n$d: date\n$s: string\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.n > $i && $in.n < $j && $in.x >= $f && $b"
                                   " && $in.d <= $d && $in.tag == $s\n"
                                   "}\n"
                                   "output p.v2\n");
    cr_assert_eq(tir_bind_text(p, "i", "+10", 3), TIR_OK);
    cr_assert_eq(tir_bind_text(p, "j", "100", 3), TIR_OK);
    cr_assert_eq(tir_bind_text(p, "f", "6.5e0", 5), TIR_OK);
    cr_assert_eq(tir_bind_text(p, "b", "TRUE", 4), TIR_OK);
    cr_assert_eq(tir_bind_text(p, "d", "2019-06-14", 10), TIR_OK);   /* n <= 61 */
    cr_assert_eq(tir_bind_text(p, "s", "one", 3), TIR_OK);
    cr_assert_eq(run_rows(p), 17);   /* n in 13..61, n % 3 == 1 */
    expect_err(tir_bind_text(p, "i", "2147483648", 10), TIR_ERR_ARG, "parameter $i is i32: '2147483648' is out of range");
    expect_err(tir_bind_text(p, "j", "12x", 3), TIR_ERR_ARG, "parameter $j is i64: '12x' is not an integer");
    expect_err(tir_bind_text(p, "j", "", 0), TIR_ERR_ARG, "parameter $j is i64: '' is not an integer");
    expect_err(tir_bind_text(p, "f", "nan", 3), TIR_ERR_ARG, "parameter $f is f64: 'nan' is not a number");
    expect_err(tir_bind_text(p, "b", "yes", 3), TIR_ERR_ARG, "parameter $b is bool: 'yes' is not true or false");
    expect_err(tir_bind_text(p, "d", "2019-02-29", 10), TIR_ERR_ARG,
               "parameter $d is date: '2019-02-29' is not a date (expected YYYY-MM-DD)");
    cr_assert_eq(run_rows(p), 17);
    tir_program_free(p);
}

/* `column op $param` lowers like `column op literal`: the same selection
** and mask kernels, the parameter's value a constant of the pipeline. */
Test(params, constant_fast_paths)
{
    tir_program *p = compile_ok(e, "$lo: i64\n$hi: i64\n$s: date\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.n >= $lo\n"
                                   "    v3 = filter :input = v1 :expr = $in.n > $lo && $in.n <= $hi && $in.d > $s\n"
                                   "}\n"
                                   "output p.v2\noutput p.v3\n");
    const char *x = tir_program_explain(p);
    cr_assert(strstr(x, "SEL_GE_VC_I64"), "%s", x);
    cr_assert(strstr(x, "MASK_GT_LE_VCC_I64"), "%s", x);
    cr_assert(strstr(x, "MASK_GT_VC_I32"), "%s", x);
    cr_assert(strstr(x, "= $lo\n"), "%s", x);
    cr_assert_eq(tir_bind_i64(p, "lo", 10), TIR_OK);
    cr_assert_eq(tir_bind_i64(p, "hi", 20), TIR_OK);
    cr_assert_eq(tir_bind_text(p, "s", "2019-04-27", 10), TIR_OK);   /* n > 13 */
    tir_result *r = run_ok(p, e);
    cr_assert_eq(tir_result_nrows(r, 0), NROWS - 9);
    cr_assert_eq(tir_result_nrows(r, 1), 7);
    tir_result_free(r);
    tir_program_free(p);
}

/* A narrower parameter widens in place (no cast): i32 against an i64 or f64
** column, an i32 item of an `in` list over i64. */
Test(params, widened_uses)
{
    tir_program *p = compile_ok(e, "$k: i32\n$a: i32\n$b: i64 nullable\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.x > $k && $in.n in [$a, $b, 4999]\n"
                                   "    v3 = project :input = v2 :columns = { \"n\": $in.n, \"k\": $k + 0.5 }\n"
                                   "}\n"
                                   "output p.v3\n");
    cr_assert(strstr(tir_program_explain(p), "SEL_GT_VC_F64"), "%s", tir_program_explain(p));
    cr_assert_eq(tir_bind_i32(p, "k", 2499), TIR_OK);
    cr_assert_eq(tir_bind_i32(p, "a", 3), TIR_OK);
    cr_assert_eq(tir_bind_i64(p, "b", 5000), TIR_OK);
    tir_result *r = run_ok(p, e);
    cr_assert_eq(tir_result_nrows(r, 0), 2);   /* 4999 and 5000: x > 2499 */
    cr_assert_eq(tir_result_col_type(r, 0, 1), TIR_F64);
    cr_assert_eq(((const double *)tir_result_batch_data(r, 0, 0, 1))[0], 2499.5);
    tir_result_free(r);
    cr_assert_eq(tir_bind_null(p, "b"), TIR_OK);
    cr_assert_eq(run_rows(p), 1);
    tir_program_free(p);
}

Test(params, like_and_limit)
{
    tir_program *p = compile_ok(e, "$pat: string nullable\n$n: i64\n$skip: i32\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.tag like $pat\n"
                                   "    v3 = limit :input = v2 :count = $n :offset = $skip\n"
                                   "}\n"
                                   "output p.v3\n");
    cr_assert_eq(tir_bind_str(p, "pat", "%long%", 6), TIR_OK);
    cr_assert_eq(tir_bind_i64(p, "n", 5), TIR_OK);
    cr_assert_eq(tir_bind_i32(p, "skip", 1), TIR_OK);
    cr_assert_eq(run_sum(p), 5 + 8 + 11 + 14 + 17);
    cr_assert_eq(tir_bind_str(p, "pat", "o_e", 3), TIR_OK);
    cr_assert_eq(tir_bind_i64(p, "n", 1000000), TIR_OK);
    cr_assert_eq(tir_bind_i32(p, "skip", 0), TIR_OK);
    cr_assert_eq(run_rows(p), 1667);
    cr_assert_eq(tir_bind_null(p, "pat"), TIR_OK);
    cr_assert_eq(run_rows(p), 0);
    cr_assert_eq(tir_bind_str(p, "pat", "%", 1), TIR_OK);
    cr_assert_eq(tir_bind_i64(p, "n", 0), TIR_OK);
    cr_assert_eq(run_rows(p), 0);
    cr_assert_eq(tir_bind_i64(p, "n", -1), TIR_OK);
    tir_result *r;
    expect_err(tir_run(p, &r), TIR_ERR_ARG, "prog.tir:8:37: error: parameter $n is -1; a limit needs a value >= 0");
    tir_program_free(p);
}

/* A program filtering nums by expr, the parameter $pat declared as decl. */
static tir_program *filter_by(const char *decl, const char *expr)
{
    char src[1024];
    snprintf(src, sizeof src, "$pat: %s\n" SCAN "    v2 = filter :input = v1 :expr = %s\n}\noutput p.v2\n", decl, expr);
    return compile_ok(e, src);
}

/* Rows of p with $pat bound to pat. */
static uint64_t rows_with(tir_program *p, const char *pat)
{
    cr_assert_eq(tir_bind_str(p, "pat", pat, strlen(pat)), TIR_OK);
    return run_rows(p);
}

/* A regular expression bound as a parameter is compiled when its pipeline
** starts, for each run with its binding: an invalid one fails the run
** naming it, NULL matches as NULL. So is an ilike pattern with an escape. */
Test(params, regexp_and_ilike_patterns)
{
    tir_program *p = filter_by("string nullable", "regexp_matches($in.tag, $pat)");
    cr_assert_eq(rows_with(p, "^a_.*two$"), 1667);
    cr_assert_eq(rows_with(p, "^ONE$"), 0);
    cr_assert_eq(rows_with(p, "(?i)^ONE$"), 1667);
    cr_assert_eq(tir_bind_null(p, "pat"), TIR_OK);
    cr_assert_eq(run_rows(p), 0);
    cr_assert_eq(tir_bind_str(p, "pat", "(", 1), TIR_OK);
    tir_result *r;
    expect_err(tir_run(p, &r), TIR_ERR_RUNTIME,
               "prog.tir:5:61: error: invalid regular expression \"(\": missing closing parenthesis at offset 1");
    tir_program_free(p);

    p = filter_by("string", "$in.tag ilike $pat escape \"!\"");
    cr_assert_eq(rows_with(p, "ONE"), 1667);
    cr_assert_eq(rows_with(p, "A!_LONG%"), 1667);
    cr_assert_eq(tir_bind_str(p, "pat", "A_LONG!", 7), TIR_OK);
    expect_err(tir_run(p, &r), TIR_ERR_RUNTIME, "the like pattern \"A_LONG!\" ends with its escape character");
    tir_program_free(p);
}

/* The sum of output out's first column (i32: the type import infers for n). */
static int64_t sum_i32(const tir_result *r, size_t out)
{
    int64_t s = 0;
    for (size_t b = 0; b < tir_result_nbatches(r, out); b++)
        for (uint32_t i = 0; i < tir_result_batch_rows(r, out, b); i++)
            s += ((const int32_t *)tir_result_batch_data(r, out, b, 0))[i];
    return s;
}

/* A native table sorted by d in blocks of 64 rows: a date range from
** parameters skips blocks, and gives the rows a run without pruning and
** the literal filter give, on one thread and on two. */
Test(params, native_pruning_same_rows)
{
    char csv[512], tirt[512];
    snprintf(csv, sizeof csv, "%s/nums.csv", dir);
    snprintf(tirt, sizeof tirt, "%s/nums.tirt", dir);
    tir_engine *imp = tir_engine_new(NULL);
    tir_import_opts io = {.sort_by = "d", .block_rows = 64};
    cr_assert_eq(tir_import_csv(imp, csv, tirt, &io, NULL), TIR_OK, "%s", tir_engine_errmsg(imp));
    tir_engine_free(imp);
    static const char prog[] = "$since: date\n$until: date\n$lo: i32\n$hi: i32\n"
                               "nums: Table = read_table(\"nums.tirt\")\n"
                               "p: Pipeline = {\n"
                               "    v1 = table_scan :table = nums :columns = [\"n\", \"d\"]\n"
                               "    v2 = filter :input = v1 :expr = $in.d >= $since && $in.d < $until\n"
                               "}\n"
                               "q: Pipeline = {\n"
                               "    v1 = table_scan :table = nums :columns = [\"n\"] :minmaxes = { \"n\": [$lo, $hi] }\n"
                               "}\n"
                               "output p.v2\noutput q.v1\n";
    static const char literal[] = "nums: Table = read_table(\"nums.tirt\")\n"
                                  "p: Pipeline = {\n"
                                  "    v1 = table_scan :table = nums :columns = [\"n\", \"d\"]\n"
                                  "    v2 = filter :input = v1 :expr = $in.d >= date \"2020-01-01\" && $in.d < date \"2020-03-01\"\n"
                                  "}\n"
                                  "output p.v2\n";
    for (int threads = 1; threads <= 2; threads++) {
        tir_engine *on = tir_engine_new(&(tir_config){.threads = threads});
        tir_engine *off = tir_engine_new(&(tir_config){.threads = threads, .no_pruning = true});
        tir_program *pon = compile_ok(on, prog), *poff = compile_ok(off, prog), *plit = compile_ok(on, literal);
        tir_program *both[2] = {pon, poff};
        for (int k = 0; k < 2; k++) {
            cr_assert_eq(tir_bind_text(both[k], "since", "2020-01-01", 10), TIR_OK);
            cr_assert_eq(tir_bind_text(both[k], "until", "2020-03-01", 10), TIR_OK);
            cr_assert_eq(tir_bind_i64(both[k], "lo", 100), TIR_OK);
            cr_assert_eq(tir_bind_i64(both[k], "hi", 199), TIR_OK);
        }
        tir_result *ron = run_ok(pon, on), *roff = run_ok(poff, off), *rlit = run_ok(plit, on);
        /* 2020-01-01 is day 18262 = n 262; 60 days */
        cr_assert_eq(tir_result_nrows(ron, 0), 60);
        cr_assert_eq(tir_result_nrows(roff, 0), 60);
        cr_assert_eq(tir_result_nrows(rlit, 0), 60);
        cr_assert_eq(tir_result_nrows(ron, 1), 100);
        cr_assert_eq(tir_result_nrows(roff, 1), 100);
        int64_t son = sum_i32(ron, 0);
        cr_assert_eq(son, (262 + 321) * 60 / 2);
        cr_assert_eq(sum_i32(roff, 0), son);
        cr_assert_eq(sum_i32(rlit, 0), son);
        cr_assert_eq(sum_i32(ron, 1), (100 + 199) * 100 / 2);
        cr_assert_eq(sum_i32(roff, 1), (100 + 199) * 100 / 2);
        /* pruning skipped blocks with the parameters as with the literals */
        const char *prof = tir_result_profile(ron), *lit = tir_result_profile(rlit);
        const char *at = strstr(prof, "blocks, "), *lat = strstr(lit, "blocks, ");
        cr_assert(at && lat, "%s", prof);
        long skipped = strtol(at + 8, NULL, 10), lskipped = strtol(lat + 8, NULL, 10);
        cr_assert_gt(skipped, 70, "%s", prof);
        cr_assert_eq(skipped, lskipped, "param:\n%sliteral:\n%s", prof, lit);
        cr_assert(strstr(tir_result_profile(roff), " 0 skipped by min-max"), "%s", tir_result_profile(roff));
        tir_result_free(ron);
        tir_result_free(roff);
        tir_result_free(rlit);
        tir_program_free(pon);
        tir_program_free(poff);
        tir_program_free(plit);
        tir_engine_free(on);
        tir_engine_free(off);
    }
}

Test(params, not_compiled)
{
    const char *src = "$lo: i64\n" NUMS "p: Pipeline = { v1 = table_scan :table = nums :x = 1 }\noutput p.v1\n";
    tir_program *p = NULL;
    cr_assert_eq(tir_compile(e, "bad.tir", src, strlen(src), &p), TIR_ERR_COMPILE);
    cr_assert_eq(tir_program_nparams(p), 0);
    expect_err(tir_bind_i64(p, "lo", 1), TIR_ERR_COMPILE, "the program did not compile");
    cr_assert_eq(tir_clear_bindings(p), TIR_OK, "nothing bound, nothing to clear");
    tir_program_free(p);
    cr_assert_eq(tir_bind_i64(NULL, "lo", 1), TIR_ERR_ARG);
    cr_assert_eq(tir_clear_bindings(NULL), TIR_ERR_ARG);
    cr_assert_eq(tir_program_nparams(NULL), 0);
}

/* Issue 11: a bind while the program's live stream is open raced with
** its run reading the binding. Until the stream is released the program
** is busy: binds, clears and runs fail with TIR_ERR_ARG and a message in
** tir_engine_errmsg, and the run sees the value bound when it started. */
Test(params, busy_while_a_live_stream_is_open)
{
    tir_program *p = compile_ok(e, filter_prog);
    cr_assert_eq(tir_bind_i64(p, "lo", 1001), TIR_OK);
    struct ArrowArrayStream s;
    cr_assert_eq(tir_run_arrow_stream(p, 0, &s), TIR_OK, "%s", tir_engine_errmsg(e));
    expect_err(tir_bind_i64(p, "lo", 1), TIR_ERR_ARG, "tir_bind: the program is already running or a live stream");
    expect_err(tir_bind_null(p, "lo"), TIR_ERR_ARG, "a live stream of it is open");
    expect_err(tir_bind_text(p, "lo", "1", 1), TIR_ERR_ARG, "a live stream of it is open");
    expect_err(tir_clear_bindings(p), TIR_ERR_ARG, "tir_clear_bindings: the program is already running");
    tir_result *r = NULL;
    expect_err(tir_run(p, &r), TIR_ERR_ARG, "tir_run: the program is already running");
    cr_assert_null(r);
    struct ArrowArrayStream s2;
    expect_err(tir_run_arrow_stream(p, 0, &s2), TIR_ERR_ARG, "already running");
    cr_assert_null(s2.release);
    uint64_t rows = 0;
    for (;;) {
        struct ArrowArray a;
        cr_assert_eq(s.get_next(&s, &a), 0, "%s", s.get_last_error(&s));
        if (!a.release)
            break;
        rows += (uint64_t)a.length;
        a.release(&a);
    }
    cr_assert_eq(rows, NROWS - 1000, "the binding at the start, untouched");
    expect_err(tir_bind_i64(p, "lo", 1), TIR_ERR_ARG, "live stream");   /* run over, stream still open */
    s.release(&s);
    cr_assert_eq(tir_bind_i64(p, "lo", 4001), TIR_OK, "%s", tir_program_errmsg(p));
    cr_assert_eq(run_rows(p), NROWS - 4000);
    cr_assert_eq(tir_clear_bindings(p), TIR_OK);
    cr_assert_eq(tir_run(p, &r), TIR_ERR_ARG, "unbound after the clear");
    tir_program_free(p);
}

/* A decimal parameter binds exactly from text, from integers and (rounded)
** from doubles; it is compared at the column's scale; the result column
** reads as TIR_DECIMAL with its precision and scale. */
/* The rows of nums whose x, a decimal(6,1), is at least $lo (declared before it). */
#define X_AT_LEAST_LO                                                                                    \
    "nums: Table = read_csv(\"nums.csv\") { n: i64, tag: string nullable, d: date, x: decimal(6,1) }\n"     \
    "p: Pipeline = {\n"                                                                                    \
    "    v1 = table_scan :table = nums :columns = [\"x\"]\n"                                                \
    "    v2 = filter :input = v1 :expr = $in.x >= $lo\n"                                                    \
    "}\n"                                                                                                 \
    "output p.v2\n"

Test(params, decimal_binds_exactly)
{
    tir_program *p = compile_ok(e, "$lo: decimal(6,2)\n" X_AT_LEAST_LO);
    cr_assert_eq(tir_program_param_type(p, 0), TIR_DECIMAL);
    int pprec = 0, pscale = 0;
    cr_assert(tir_program_param_decimal(p, 0, &pprec, &pscale));
    cr_expect_eq(pprec, 6);
    cr_expect_eq(pscale, 2);
    cr_assert(!tir_program_param_decimal(p, 1, &pprec, &pscale));   /* no such parameter */
    cr_assert_eq(tir_bind_text(p, "lo", "2499.51", 7), TIR_OK);   /* x = n / 2: 2499.5 fails, 2500.0 on */
    cr_assert_eq(run_rows(p), 1);
    cr_assert_eq(tir_bind_i64(p, "lo", 2499), TIR_OK);
    cr_assert_eq(run_rows(p), 3);
    cr_assert_eq(tir_bind_f64(p, "lo", 2499.004), TIR_OK);       /* 2499.00 */
    cr_assert_eq(run_rows(p), 3);
    expect_err(tir_bind_text(p, "lo", "12345.6", 7), TIR_ERR_ARG, "is out of range");
    expect_err(tir_bind_text(p, "lo", "1.2.3", 5), TIR_ERR_ARG, "is not a decimal number");
    expect_err(tir_bind_i64(p, "lo", 10000), TIR_ERR_ARG, "the value does not fit");
    cr_assert_eq(tir_bind_text(p, "lo", "2499.5", 6), TIR_OK);
    tir_result *r = run_ok(p, e);
    int prec = 0, scale = 0;
    cr_assert_eq(tir_result_col_type(r, 0, 0), TIR_DECIMAL);
    cr_assert(tir_result_col_decimal(r, 0, 0, &prec, &scale));
    cr_expect_eq(prec, 6);
    cr_expect_eq(scale, 1);
    cr_assert_eq(tir_result_nrows(r, 0), 2);
    const int64_t *v = tir_result_batch_data(r, 0, 0, 0);
    cr_expect_eq(v[0], 24995);   /* 2499.5 times 10 */
    cr_expect_eq(v[1], 25000);
    tir_result_free(r);
    tir_program_free(p);
}

/* A timestamp parameter binds microseconds or text (a 'T' or a space), is
** compared after interval arithmetic, and refuses other types. */
Test(params, timestamp_binds_micros_and_text)
{
    tir_program *p = compile_ok(e, "$t: timestamp\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.d + interval \"12 hours\" > $t\n"
                                   "}\n"
                                   "output p.v2\n");
    cr_assert_eq(tir_program_param_type(p, 0), TIR_TIMESTAMP);
    int64_t day = INT64_C(86400000000), last = DAY0 + NROWS;   /* d of the last row */
    cr_assert_eq(tir_bind_timestamp(p, "t", (last - 2) * day), TIR_OK);   /* the last three days' noons */
    cr_assert_eq(run_rows(p), 3);
    cr_assert_eq(tir_bind_timestamp(p, "t", (last - 2) * day + day / 2), TIR_OK);   /* noon itself is not after */
    cr_assert_eq(run_rows(p), 2);
    char text[40];
    tir_date_format((int32_t)last, text);
    strcat(text, "T11:59:59.999999");
    cr_assert_eq(tir_bind_text(p, "t", text, strlen(text)), TIR_OK);
    cr_assert_eq(run_rows(p), 1);
    expect_err(tir_bind_date(p, "t", 1), TIR_ERR_ARG, "parameter $t is timestamp, not date");
    expect_err(tir_bind_text(p, "t", "2024-02-30 10:00", 16), TIR_ERR_ARG,
               "is not a timestamp (expected YYYY-MM-DD HH:MM:SS[.ffffff])");
    tir_program_free(p);
}

/* An interval parameter binds its three parts or text, is added to a
** date (its midnight: days, then microseconds) and compared; NULL gives no
** row; other types and text that is no interval are refused. */
Test(params, interval_binds_parts_and_text)
{
    tir_program *p = compile_ok(e, "$gap: interval nullable\n$t: timestamp\n" SCAN
                                   "    v2 = filter :input = v1 :expr = $in.d + $gap >= $t\n"
                                   "}\n"
                                   "output p.v2\n");
    cr_assert_eq(tir_program_param_type(p, 0), TIR_INTERVAL);
    int64_t day = INT64_C(86400000000), last = DAY0 + NROWS;   /* d of the last row */
    cr_assert_eq(tir_bind_timestamp(p, "t", last * day), TIR_OK);
    cr_assert_eq(tir_bind_interval(p, "gap", (tir_interval){0, 2, 0}), TIR_OK);   /* the last three days */
    cr_assert_eq(run_rows(p), 3);
    cr_assert_eq(tir_bind_text(p, "gap", "1 day 00:00:00.000001", 21), TIR_OK);
    cr_assert_eq(run_rows(p), 2);
    cr_assert_eq(tir_bind_interval(p, "gap", (tir_interval){0, 0, 2 * day}), TIR_OK);   /* 48 hours */
    cr_assert_eq(run_rows(p), 3);
    cr_assert_eq(tir_bind_null(p, "gap"), TIR_OK);
    cr_assert_eq(run_rows(p), 0);
    expect_err(tir_bind_date(p, "gap", 1), TIR_ERR_ARG, "parameter $gap is interval, not date");
    expect_err(tir_bind_text(p, "gap", "2 fortnights", 12), TIR_ERR_ARG, "is not an interval");
    tir_program_free(p);
}

static tir_dec128 d128(__int128 v)
{
    tir_dec128 d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* A wide decimal parameter (decimal(38,4), compared with a decimal(6,1)
** column, so the column is cast to it) binds from tir_bind_decimal128 at
** any scale (rescaled as a cast, half away from zero), from text (all 38
** digits), from integers and doubles, and NULL; what does not fit, a bad
** scale and text that is no number are refused naming it. The same call
** binds a narrow decimal parameter. A wide parameter is an 'in' item and
** a projected value too. */
Test(params, decimal128_binds)
{
    tir_program *p = compile_ok(e, "$lo: decimal(38,4) nullable\n" X_AT_LEAST_LO);
    cr_assert_eq(tir_program_param_type(p, 0), TIR_DECIMAL128);
    int pprec = 0, pscale = 0;
    cr_assert(tir_program_param_decimal(p, 0, &pprec, &pscale));
    cr_expect(pprec == 38 && pscale == 4);
    cr_assert_eq(tir_bind_decimal128(p, "lo", d128(249951), 2), TIR_OK);   /* 2499.51: 2500.0 on */
    cr_assert_eq(run_rows(p), 1);
    cr_assert_eq(tir_bind_decimal128(p, "lo", d128(-24995), 1), TIR_OK);   /* negative: every row */
    cr_assert_eq(run_rows(p), NROWS);
    cr_assert_eq(tir_bind_decimal128(p, "lo", d128(249949999), 5), TIR_OK);   /* 2499.49999 -> 2499.5000 */
    cr_assert_eq(run_rows(p), 2);
    cr_assert_eq(tir_bind_text(p, "lo", "2499.0001", 9), TIR_OK);
    cr_assert_eq(run_rows(p), 2);
    cr_assert_eq(tir_bind_i64(p, "lo", 2500), TIR_OK);
    cr_assert_eq(run_rows(p), 1);
    cr_assert_eq(tir_bind_f64(p, "lo", 2499.5), TIR_OK);
    cr_assert_eq(run_rows(p), 2);
    cr_assert_eq(tir_bind_text(p, "lo", "-9999999999999999999999999999999999.9999", 40), TIR_OK);
    cr_assert_eq(run_rows(p), NROWS);
    cr_assert_eq(tir_bind_null(p, "lo"), TIR_OK);
    cr_assert_eq(run_rows(p), 0);
    __int128 top = 1;
    for (int k = 0; k < 38; k++)
        top *= 10;
    expect_err(tir_bind_decimal128(p, "lo", d128(top), 4), TIR_ERR_ARG, "parameter $lo is decimal(38,4); the value does not fit");
    expect_err(tir_bind_decimal128(p, "lo", d128(top / 100), 0), TIR_ERR_ARG, "the value does not fit");
    expect_err(tir_bind_decimal128(p, "lo", d128(1), 39), TIR_ERR_ARG, "tir_bind_decimal128: the scale must be in 0..38");
    expect_err(tir_bind_text(p, "lo", "12345678901234567890123456789012345", 35), TIR_ERR_ARG, "is out of range");
    expect_err(tir_bind_text(p, "lo", "1e5", 3), TIR_ERR_ARG, "is not a decimal number");
    expect_err(tir_bind_str(p, "lo", "1", 1), TIR_ERR_ARG, "parameter $lo is decimal(38,4), not string");
    cr_assert_eq(tir_bind_null(p, "lo"), TIR_OK);   /* the failures left the binding as it was */
    cr_assert_eq(run_rows(p), 0);
    tir_program_free(p);

    p = compile_ok(e, "$k: decimal(6,2)\n$w: decimal(30,1)\n"
                      "nums: Table = read_csv(\"nums.csv\") { n: i64, tag: string nullable, d: date, x: decimal(6,1) }\n"
                      "p: Pipeline = {\n"
                      "    v1 = table_scan :table = nums :columns = [\"x\"]\n"
                      "    v2 = filter :input = v1 :expr = cast($in.x as decimal(20,1)) in [$w, 3.5] || $in.x == $k\n"
                      "    v3 = project :input = v2 :columns = { \"x\": $in.x, \"w\": $w }\n"
                      "}\n"
                      "output p.v3\n");
    cr_assert_eq(tir_bind_decimal128(p, "k", d128(10), 0), TIR_OK);   /* 10.00 */
    expect_err(tir_bind_decimal128(p, "k", d128(100001), 1), TIR_ERR_ARG, "the value does not fit");   /* 10000.1 */
    cr_assert_eq(tir_bind_decimal128(p, "w", d128(7), 0), TIR_OK);
    tir_result *r = run_ok(p, e);
    cr_assert_eq(tir_result_nrows(r, 0), 3);   /* 3.5, 7.0, 10.0 */
    cr_assert_eq(tir_result_col_type(r, 0, 1), TIR_DECIMAL128);
    const __int128 *w = tir_result_batch_data(r, 0, 0, 1);
    cr_expect(w[0] == 70 && w[2] == 70);
    tir_result_free(r);
    tir_program_free(p);
}
