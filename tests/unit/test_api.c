/*
** test_api.c — the public API end to end: compile diagnostics as values,
** running, reading batches, two engines in one process, error statuses.
*/
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tir.h"
#include "tir_arrow.h"

static char dir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tir_api_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    FILE *f;
    char path[512];
    snprintf(path, sizeof path, "%s/nums.csv", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("n,tag\n", f);
    for (int i = 1; i <= 5000; i++)
        fprintf(f, "%d,%s\n", i, i % 3 == 0 ? "" : i % 3 == 1 ? "one" : "a_long_tag_value_two");
    fclose(f);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static const char group_prog[] =
    "nums: Table = read_csv(\"nums.csv\") { n: i64, tag: string nullable }\n"
    "p: Pipeline = {\n"
    "    v1 = table_scan :table = nums\n"
    "    v2 = filter :input = v1 :expr = $in.n % 2 == 0\n"
    "    g = hash_group_by :input = v2 :group_by = [\"tag\"] :aggregates = { \"total\": sum($in.n), \"cnt\": count(*) }\n"
    "}\n"
    "output p.g as \"by_tag\"\n";

static tir_program *compile_ok(tir_engine *e, const char *src)
{
    char file[512];
    snprintf(file, sizeof file, "%s/prog.tir", dir);
    tir_program *p = NULL;
    tir_status st = tir_compile(e, file, src, strlen(src), &p);
    cr_assert_eq(st, TIR_OK, "compile failed: %s", p ? tir_program_diag_text(p) : "?");
    return p;
}

/* Sums of the group-by output keyed by tag (NULL tag -> index 0). */
static void read_groups(tir_result *r, int64_t totals[3], int64_t counts[3])
{
    cr_assert_eq(tir_result_noutputs(r), 1);
    cr_assert_str_eq(tir_result_output_name(r, 0), "by_tag");
    cr_assert_eq(tir_result_ncols(r, 0), 3);
    cr_assert_str_eq(tir_result_col_name(r, 0, 0), "tag");
    cr_assert_eq(tir_result_col_type(r, 0, 0), TIR_STRING);
    cr_assert(tir_result_col_nullable(r, 0, 0));
    cr_assert_eq(tir_result_col_type(r, 0, 1), TIR_I64);
    cr_assert_eq(tir_result_nrows(r, 0), 3);
    for (size_t b = 0; b < tir_result_nbatches(r, 0); b++) {
        const tir_str *tag = tir_result_batch_data(r, 0, b, 0);
        const uint64_t *v = tir_result_batch_validity(r, 0, b, 0);
        const int64_t *tot = tir_result_batch_data(r, 0, b, 1);
        const int64_t *cnt = tir_result_batch_data(r, 0, b, 2);
        for (uint32_t i = 0; i < tir_result_batch_rows(r, 0, b); i++) {
            int k = (v && !((v[i / 64] >> (i % 64)) & 1)) ? 0 : tag[i].len == 3 ? 1 : 2;
            totals[k] = tot[i];
            counts[k] = cnt[i];
        }
    }
}

TestSuite(api, .init = setup, .fini = teardown);

Test(api, run_and_read_batches)
{
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, group_prog);
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    int64_t totals[3] = {0}, counts[3] = {0};
    read_groups(r, totals, counts);
    int64_t want_t[3] = {0}, want_c[3] = {0};
    for (int i = 2; i <= 5000; i += 2) {
        int k = i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : 2;
        want_t[k] += i;
        want_c[k]++;
    }
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(totals[k], want_t[k], "group %d", k);
        cr_assert_eq(counts[k], want_c[k], "group %d", k);
    }
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, two_engines_different_batch_sizes_agree)
{
    tir_engine *a = tir_engine_new(NULL);
    tir_engine *b = tir_engine_new(&(tir_config){.batch_size = 64});
    tir_program *pa = compile_ok(a, group_prog), *pb = compile_ok(b, group_prog);
    tir_result *ra, *rb;
    cr_assert_eq(tir_run(pa, &ra), TIR_OK);
    cr_assert_eq(tir_run(pb, &rb), TIR_OK);
    int64_t ta[3] = {0}, ca[3] = {0}, tb[3] = {0}, cb[3] = {0};
    read_groups(ra, ta, ca);
    read_groups(rb, tb, cb);
    cr_assert_arr_eq(ta, tb, sizeof ta);
    cr_assert_arr_eq(ca, cb, sizeof ca);
    cr_assert_gt(tir_result_nbatches(rb, 0), 0);
    tir_result_free(ra);
    tir_result_free(rb);
    tir_program_free(pa);
    tir_program_free(pb);
    tir_engine_free(a);
    tir_engine_free(b);
}

Test(api, program_runs_twice)
{
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, group_prog);
    for (int k = 0; k < 2; k++) {
        tir_result *r;
        cr_assert_eq(tir_run(p, &r), TIR_OK);
        cr_assert_eq(tir_result_nrows(r, 0), 3);
        tir_result_free(r);
    }
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, compile_errors_are_values)
{
    tir_engine *e = tir_engine_new(NULL);
    const char *src = "nums: Table = read_csv(\"nums.csv\") { n: i64 }\n"
                      "p: Pipeline = {\n"
                      "    v1 = table_scan :table = nums\n"
                      "    v2 = filter :input = v1 :expr = $in.nope > 1\n"
                      "}\n"
                      "output p.v2\n";
    tir_program *p = NULL;
    cr_assert_eq(tir_compile(e, "bad.tir", src, strlen(src), &p), TIR_ERR_COMPILE);
    cr_assert_not_null(p);
    cr_assert_geq(tir_program_ndiags(p), 1);
    const tir_diag *d = tir_program_diag(p, 0);
    cr_assert_eq(d->severity, TIR_SEV_ERROR);
    cr_assert_eq(d->line, 4);
    cr_assert_eq(d->col, 41);
    cr_assert_str_eq(d->file, "bad.tir");
    cr_assert(strstr(tir_program_diag_text(p), "bad.tir:4:41: error:"));
    tir_result *r = (tir_result *)1;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_COMPILE);
    cr_assert_null(r);
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, data_error_names_file_line_col)
{
    write_file("bad.csv", "n\n1\n2\nx3\n");
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, "t: Table = read_csv(\"bad.csv\") { n: i64 }\n"
                                   "p: Pipeline = { v1 = table_scan :table = t }\n"
                                   "output p.v1\n");
    tir_result *r;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(e), "bad.csv:4:1:"), "%s", tir_engine_errmsg(e));
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, missing_file_is_io_error)
{
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, "t: Table = read_csv(\"absent.csv\") { n: i64 }\n"
                                   "p: Pipeline = { v1 = table_scan :table = t }\n"
                                   "output p.v1\n");
    tir_result *r;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_IO);
    cr_assert(strstr(tir_engine_errmsg(e), "absent.csv"));
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, overflow_is_runtime_error_with_location)
{
    write_file("big.csv", "n\n9223372036854775807\n");
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, "t: Table = read_csv(\"big.csv\") { n: i64 }\n"
                                   "p: Pipeline = {\n"
                                   "    v1 = table_scan :table = t\n"
                                   "    v2 = project :input = v1 :columns = { \"m\": $in.n + 1 }\n"
                                   "}\n"
                                   "output p.v2\n");
    tir_result *r;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_RUNTIME);
    cr_assert(strstr(tir_engine_errmsg(e), "prog.tir:4:48: error: integer overflow"), "%s", tir_engine_errmsg(e));
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, explain_lists_typed_program_and_bytecode)
{
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, group_prog);
    const char *x = tir_program_explain(p);
    cr_assert(strstr(x, "HashTable") == NULL);
    cr_assert(strstr(x, "Relation<tag: string nullable"), "%s", x);
    cr_assert(strstr(x, "SCAN"));
    cr_assert(strstr(x, "GROUP_FIND"));
    cr_assert(strstr(x, "GAGG_SUM_I64"));
    tir_program_free(p);
    tir_engine_free(e);
}

/* Decimal constants in the bytecode listing read as the decimals they
** are, with their type, not as the scaled integers the VM holds; an IN
** list's too; equal scaled integers of other scales are other constants. */
Test(api, explain_prints_decimal_constants)
{
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, "t: Table = read_csv(\"d.csv\") { x: decimal(8,2), n: i64 }\n"
                                   "p: Pipeline = { s = table_scan :table = t\n"
                                   "  f = filter :input = s :expr = $in.x > 12.5 && $in.x in [-0.07, 1250] && $in.n != 1250\n"
                                   "  v = project :input = f :columns = { \"y\": $in.x * 1.25 } }\noutput p.v\n");
    const char *x = tir_program_explain(p);
    cr_expect(strstr(x, "decimal(4,2) = 12.50\n"), "%s", x);   /* 12.5 at the column's scale */
    cr_expect(strstr(x, "decimal(2,2) = -0.07\n"), "%s", x);
    cr_expect(strstr(x, "= 1250.00\n"), "%s", x);
    cr_expect(strstr(x, "decimal(3,2) = 1.25\n"), "%s", x);
    cr_expect(strstr(x, "i64    = 1250\n"), "%s", x);   /* the integer stays an integer */
    cr_expect(!strstr(x, "= 125000\n"), "%s", x);
    tir_program_free(p);
    /* a literal facing a wide decimal: one 16-byte constant at the column's scale, 38 digits when cast */
    p = compile_ok(e, "t: Table = read_csv(\"d.csv\") { w: decimal(38,6) }\n"
                      "p: Pipeline = { s = table_scan :table = t\n"
                      "  f = filter :input = s :expr = $in.w > 12.5 && $in.w != 9223372036854775807\n"
                      "  v = project :input = f :columns = { \"y\": $in.w + cast(-1 as decimal(38,30)) } }\noutput p.v\n");
    x = tir_program_explain(p);
    cr_expect(strstr(x, "decimal(19,6) = 12.500000\n"), "%s", x);
    cr_expect(strstr(x, "decimal(25,6) = 9223372036854775807.000000\n"), "%s", x);
    cr_expect(strstr(x, "decimal(38,30) = -1.000000000000000000000000000000\n"), "%s", x);
    cr_expect(strstr(x, "SEL_GT_D128"), "%s", x);
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, bad_arguments)
{
    tir_program *p = NULL;
    cr_assert_eq(tir_compile(NULL, "x", "", 0, &p), TIR_ERR_ARG);
    cr_assert_eq(tir_run(NULL, NULL), TIR_ERR_ARG);
    cr_assert_eq(tir_result_noutputs(NULL), 0);
    cr_assert_str_eq(tir_type_name(TIR_DATE), "date");
    char buf[16];
    tir_date_format(0, buf);
    cr_assert_str_eq(buf, "1970-01-01");
    tir_date_format(-1, buf);
    cr_assert_str_eq(buf, "1969-12-31");
}

Test(api, memory_limit_stops_cleanly_and_peak_is_reported)
{
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = compile_ok(e, group_prog);
    tir_result *r;
    cr_assert_eq(tir_run(p, &r), TIR_OK);
    uint64_t peak = tir_result_peak_bytes(r);
    /* the 5000-row table alone holds 5000 * (8 + 16) bytes */
    cr_assert_gt(peak, 5000 * 24, "peak %" PRIu64, peak);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);

    e = tir_engine_new(&(tir_config){.memory_limit = 50000});
    p = compile_ok(e, group_prog);
    r = (tir_result *)1;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_NOMEM);
    cr_assert_null(r);
    /* the CSV file alone is more than the limit: found before it is read */
    cr_assert(strstr(tir_engine_errmsg(e), "nums.csv: error: reading the file needs 67257 bytes, more than the memory "
                                           "limit leaves (50000 bytes)"), "%s", tir_engine_errmsg(e));
    tir_program_free(p);
    tir_engine_free(e);
    /* the table fits, the run does not, and may not spill */
    e = tir_engine_new(&(tir_config){.memory_limit = 260000, .no_spill = true});
    p = compile_ok(e, group_prog);
    cr_assert_eq(tir_run(p, &r), TIR_ERR_NOMEM);
    cr_assert(strstr(tir_engine_errmsg(e), "memory limit of 260000 bytes exceeded in pipeline p"), "%s",
              tir_engine_errmsg(e));
    tir_program_free(p);
    tir_engine_free(e);
    /* allowed to spill, the same run finishes */
    e = tir_engine_new(&(tir_config){.memory_limit = 260000});
    p = compile_ok(e, group_prog);
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_not_null(strstr(tir_result_profile(r), "spilled:"), "%s", tir_result_profile(r));
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
}

#include <pthread.h>

typedef struct run_arg {
    tir_program *p;
    tir_result *r;
    tir_status st;
    volatile int done;
} run_arg;

static void *run_thread(void *arg)
{
    run_arg *a = arg;
    a->st = tir_run(a->p, &a->r);
    a->done = 1;
    return NULL;
}

Test(api, progress_is_consistent_while_running_and_zero_when_idle)
{
    tir_engine *e = tir_engine_new(&(tir_config){.batch_size = 64});
    tir_program *p = compile_ok(e, group_prog);
    run_arg a = {.p = p};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, run_thread, &a), 0);
    while (!a.done) {
        uint64_t d, n;
        tir_engine_progress(e, &d, &n);
        cr_assert_leq(d, n);
        cr_assert_leq(n, 5000);
    }
    pthread_join(t, NULL);
    cr_assert_eq(a.st, TIR_OK);
    uint64_t d = 1, n = 1;
    tir_engine_progress(e, &d, &n);
    cr_assert_eq(d, 0);
    cr_assert_eq(n, 0);
    tir_result_free(a.r);
    tir_program_free(p);
    tir_engine_free(e);
}

Test(api, table_cache_reloads_a_changed_file)
{
    const char *src = "t: Table = read_csv(\"c.csv\") { n: i64 }\n"
                      "p: Pipeline = { v1 = table_scan :table = t\n"
                      "  s = aggregate :input = v1 :aggregates = { \"total\": sum($in.n) } }\n"
                      "output p.s\n";
    for (int cached = 0; cached < 2; cached++) {
        write_file("c.csv", "n\n1\n2\n");
        tir_engine *e = tir_engine_new(&(tir_config){.no_table_cache = !cached});
        tir_program *p = compile_ok(e, src);
        int64_t want[3] = {3, 3, 40};
        for (int k = 0; k < 3; k++) {
            if (k == 2)
                write_file("c.csv", "n\n10\n30\n");
            tir_result *r;
            cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
            const int64_t *total = tir_result_batch_data(r, 0, 0, 0);
            cr_assert_eq(*total, want[k], "cached=%d run %d: %" PRId64, cached, k, *total);
            tir_result_free(r);
        }
        tir_program_free(p);
        tir_engine_clear_cache(e);
        tir_engine_free(e);
    }
}

/* Reads output `out` as text lines "v1|v2|..." (NULL as "N") in row order. */
static char *result_text(tir_result *r, size_t out)
{
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    for (size_t b = 0; b < tir_result_nbatches(r, out); b++)
        for (uint32_t i = 0; i < tir_result_batch_rows(r, out, b); i++) {
            for (size_t c = 0; c < tir_result_ncols(r, out); c++) {
                const uint64_t *v = tir_result_batch_validity(r, out, b, c);
                const void *d = tir_result_batch_data(r, out, b, c);
                char cell[64];
                if (v && !((v[i / 64] >> (i % 64)) & 1))
                    snprintf(cell, sizeof cell, "N|");
                else if (tir_result_col_type(r, out, c) == TIR_I64)
                    snprintf(cell, sizeof cell, "%" PRId64 "|", ((const int64_t *)d)[i]);
                else if (tir_result_col_type(r, out, c) == TIR_STRING)
                    snprintf(cell, sizeof cell, "%.*s|", (int)((const tir_str *)d)[i].len,
                             tir_str_ptr(&((const tir_str *)d)[i]));
                else
                    snprintf(cell, sizeof cell, "?|");
                size_t k = strlen(cell);
                if (n + k + 2 > cap)
                    cr_assert_not_null(s = realloc(s, cap *= 2));
                memcpy(s + n, cell, k);
                n += k;
            }
            s[n++] = '\n';
        }
    s[n] = 0;
    return s;
}

Test(api, two_threads_give_the_same_rows_as_one)
{
    char path[512];
    snprintf(path, sizeof path, "%s/big.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("k,g,s\n", f);
    for (int i = 0; i < 150000; i++) /* several morsels */
        fprintf(f, "%d,%d,%s\n", i, i % 97 == 0 ? -1 : (i * 7919) % 1000,
                i % 13 == 0 ? "" : i % 2 ? "odd_and_longer_than_12" : "even");
    fclose(f);
    const char *src =
        "t: Table = read_csv(\"big.csv\") { k: i64 unique asc, g: i64, s: string nullable }\n"
        "b: Pipeline = { u1 = table_scan :table = t\n"
        "  u2 = filter :input = u1 :expr = $in.g < 300\n"
        "  h = build_hash :input = u2 :key = [\"g\"] :value = [\"k\"] }\n"
        "p: Pipeline = { v1 = table_scan :table = t\n"
        "  v2 = filter :input = v1 :expr = $in.g % 3 == 0\n"
        "  grp = hash_group_by :input = v2 :group_by = [\"s\"] :aggregates = { \"n\": count(*), \"sk\": sum($in.k),"
        " \"mk\": max($in.k), \"ms\": min($in.s), \"av\": avg($in.k) }\n"
        "  agg = aggregate :input = v2 :aggregates = { \"n\": count(*), \"sk\": sum($in.k), \"mn\": min($in.s) } }\n"
        "q: Pipeline = { w1 = table_scan :table = t\n"
        "  w2 = hash_join :input = w1 :ht = b.h :key = [$in.g] :projection = { \"pk\": $in.k, \"bk\": $ht.k }\n"
        "  c = aggregate :input = w2 :aggregates = { \"n\": count(*), \"s\": sum($in.pk), \"t\": sum($in.bk) } }\n"
        "output p.v2\noutput p.agg\noutput q.c\noutput p.grp\n";
    char *text[2][4];
    for (int t = 0; t < 2; t++) {
        tir_engine *e = tir_engine_new(&(tir_config){.threads = t + 1});
        tir_program *p = compile_ok(e, src);
        tir_result *r;
        cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
        for (size_t o = 0; o < 4; o++)
            text[t][o] = result_text(r, o);
        cr_assert_eq(tir_result_nrows(r, 3), 3); /* groups: odd, even, NULL */
        tir_result_free(r);
        tir_program_free(p);
        tir_engine_free(e);
    }
    /* filter output keeps source order; aggregates are exact (integers); the
    ** group-by's group order may differ, so compare it line-sorted */
    for (int o = 0; o < 3; o++)
        cr_assert_str_eq(text[0][o], text[1][o], "output %d", o);
    cr_assert_eq(strlen(text[0][3]), strlen(text[1][3]));
    for (char *line = strtok(text[0][3], "\n"); line; line = strtok(NULL, "\n"))
        cr_assert(strstr(text[1][3], line), "group line %s missing with 2 threads", line);
    for (int t = 0; t < 2; t++)
        for (int o = 0; o < 4; o++)
            free(text[t][o]);
}

Test(api, profile_counts_rows_per_statement)
{
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1});
    tir_program *p = compile_ok(e, group_prog);
    tir_result *r;
    cr_assert_eq(tir_run(p, &r), TIR_OK);
    const char *prof = tir_result_profile(r);
    /* 5000 rows read, 2500 even ones pass the filter into the group-by */
    cr_assert(strstr(prof, "5000 rows read"), "%s", prof);
    const char *f = strstr(prof, "v2 = filter");
    cr_assert(f && strstr(f, "2500 rows\n"), "%s", prof);
    const char *g = strstr(prof, "g = hash_group_by");
    cr_assert(g && strstr(g, "2500 rows in"), "%s", prof);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
}

/* The rows n of nums.csv kept by filter expression expr, counted with
** fixed_order (written order) or not; the profile into *prof (caller frees). */
static int64_t count_kept(const char *expr, bool fixed_order, char **prof)
{
    char src[1024];
    snprintf(src, sizeof src,
             "nums: Table = read_csv(\"nums.csv\") { n: i64, tag: string nullable }\n"
             "p: Pipeline = {\n"
             "    v1 = table_scan :table = nums\n"
             "    v2 = filter :input = v1 :expr = %s\n"
             "    t = aggregate :input = v2 :aggregates = { \"n\": count(*), \"s\": sum($in.n) }\n"
             "}\n"
             "output p.t\n", expr);
    /* 64-row batches: 79 of them, so the order is revised several times */
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1, .batch_size = 64, .fixed_order = fixed_order});
    tir_program *p = compile_ok(e, src);
    tir_result *r;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_program_errmsg(p));
    const int64_t *n = tir_result_batch_data(r, 0, 0, 0), *sum = tir_result_batch_data(r, 0, 0, 1);
    int64_t got = n[0] * 100000 + (sum[0] % 100000);
    *prof = strdup(tir_result_profile(r));
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
    return got;
}

/* A costly conjunct that removes few rows, written first, runs after the
** cheap one that removes most: the profile shows the order; the rows are
** those of the written order. */
Test(api, adaptive_conjunction_runs_cheapest_first, .init = setup, .fini = teardown)
{
    const char *expr = "$in.tag like \"%a%l%g%v%u%t%w%\" && $in.n < 100";
    char *adaptive, *fixed;
    int64_t a = count_kept(expr, false, &adaptive), f = count_kept(expr, true, &fixed);
    cr_assert_eq(a, f);
    cr_assert_eq(a / 100000, 33);   /* n < 100 with n % 3 == 2 */
    cr_assert(strstr(adaptive, "conjuncts ran in the order 2, 1\n"), "%s", adaptive);
    cr_assert_null(strstr(fixed, "conjuncts ran"), "%s", fixed);
    free(adaptive);
    free(fixed);
}

/* A conjunct that may fail (integer overflow) is never run before the one
** that keeps its failing rows out, so nothing in it is reordered. */
Test(api, adaptive_conjunction_keeps_a_guard_first, .init = setup, .fini = teardown)
{
    char *prof;
    int64_t a = count_kept("$in.n < 2000 && $in.n * 4000000000000000 > 0 && $in.tag like \"%o%\"", false, &prof);
    cr_assert_eq(a / 100000, 1333);   /* n < 2000 but n % 3 == 0 (an empty, NULL tag) */
    cr_assert_null(strstr(prof, "conjuncts ran"), "%s", prof);
    free(prof);
}

/* Writes rows of (k, v, s) to NAME.csv and imports it as NAME.tirt: a
** native table is mapped, not held, so peaks below are the run's own. */
static void native_table(const char *name, int rows)
{
    char path[512], tpath[512];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    snprintf(tpath, sizeof tpath, "%s/%s.tirt", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("k,v,s\n", f);
    for (int i = 0; i < rows; i++)
        fprintf(f, "%d,%.2f,%s%d\n", i, (double)((i * 7919LL) % 100003) / 7.0, i % 2 ? "a_rather_long_string_" : "s",
                i % 1000);
    fclose(f);
    tir_engine *e = tir_engine_new(NULL);
    cr_assert_eq(tir_import_csv(e, path, tpath, NULL, NULL), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_engine_free(e);
}

static uint64_t peak_of(const char *src, int threads, uint64_t *rows)
{
    tir_engine *e = tir_engine_new(&(tir_config){.threads = threads});
    tir_program *p = compile_ok(e, src);
    tir_result *r;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    uint64_t peak = tir_result_peak_bytes(r);
    *rows = tir_result_nrows(r, 0);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
    return peak;
}

/* A top-N holds O(N) rows: ten times the input, about the same peak. */
Test(api, topn_memory_does_not_grow_with_the_input, .timeout = 240)
{
    native_table("small", 100000);
    native_table("large", 1000000);
    const char *fmt = "t: Table = read_table(\"%s.tirt\")\n"
                      "p: Pipeline = { v = table_scan :table = t\n"
                      "  s = sort :input = v :by = [$in.s desc, $in.v] :limit = 10 :offset = 5 }\n"
                      "output p.s\n";
    char src[512];
    for (int threads = 1; threads <= 2; threads++) {
        uint64_t rows, peaks[2];
        for (int k = 0; k < 2; k++) {
            snprintf(src, sizeof src, fmt, k ? "large" : "small");
            peaks[k] = peak_of(src, threads, &rows);
            cr_assert_eq(rows, 10);
        }
        /* the buffer of a worker is N + 4096 rows and a batch, whatever the input (1M rows hold 40 MB) */
        cr_assert_lt(peaks[1], peaks[0] + (1u << 20), "%d threads: peak %" PRIu64 " for 100k rows, %" PRIu64
                     " for 1M", threads, peaks[0], peaks[1]);
        cr_assert_lt(peaks[1], 4u << 20, "peak %" PRIu64, peaks[1]);
    }
    /* a full sort of the same rows holds them all: the bound above is the top-N's */
    snprintf(src, sizeof src, "t: Table = read_table(\"large.tirt\")\n"
                              "p: Pipeline = { v = table_scan :table = t\n"
                              "  s = sort :input = v :by = [$in.s desc, $in.v] }\noutput p.s\n");
    uint64_t rows, full = peak_of(src, 1, &rows);
    cr_assert_eq(rows, 1000000);
    cr_assert_gt(full, 40u << 20, "peak %" PRIu64, full);
}

/* Under a memory limit a sort fails cleanly, saying what it needed. */
Test(api, sort_memory_limit)
{
    native_table("mid", 200000);
    const char *src = "t: Table = read_table(\"mid.tirt\")\n"
                      "p: Pipeline = { v = table_scan :table = t\n"
                      "  s = sort :input = v :by = [$in.v] }\noutput p.s\n";
    /* the rows and keys fit (about 12 MB), sorting them does not: without
    ** spilling that is an error ... */
    tir_engine *e = tir_engine_new(&(tir_config){.memory_limit = 16u << 20, .threads = 1, .no_spill = true});
    tir_program *p = compile_ok(e, src);
    tir_result *r = (tir_result *)1;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_NOMEM);
    cr_assert_null(r);
    const char *msg = tir_engine_errmsg(e);
    cr_assert(strstr(msg, "prog.tir:3:3: error: memory limit of 16777216 bytes exceeded in pipeline p: sorting 200000 rows needs"), "%s", msg);
    tir_program_free(p);
    tir_engine_free(e);
    /* ... with it, the sort writes sorted runs and merges them, in order */
    e = tir_engine_new(&(tir_config){.memory_limit = 16u << 20, .threads = 1, .temp_dir = dir});
    p = compile_ok(e, src);
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_eq(tir_result_nrows(r, 0), 200000);
    cr_assert_leq(tir_result_peak_bytes(r), 16u << 20, "peak %llu", (unsigned long long)tir_result_peak_bytes(r));
    cr_assert_not_null(strstr(tir_result_profile(r), "spilled:"), "%s", tir_result_profile(r));
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
    /* with room it runs */
    e = tir_engine_new(&(tir_config){.memory_limit = 64u << 20, .threads = 1});
    p = compile_ok(e, src);
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_eq(tir_result_nrows(r, 0), 200000);
    cr_assert_leq(tir_result_peak_bytes(r), 64u << 20);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
}

/* What tir_run_each's callback saw: rows, calls, and each key once. */
typedef struct each_seen {
    int64_t rows, calls, refuse_at;
    int64_t last;          /* the last key of an ordered output */
    bool grouped, ordered, descending;
    uint8_t *seen;
} each_seen;

static tir_status each_rows(void *ctx, const tir_result *rows)
{
    each_seen *s = ctx;
    if (++s->calls == s->refuse_at)
        return TIR_ERR_IO;
    cr_assert_eq(tir_result_noutputs(rows), 1);
    for (size_t b = 0; b < tir_result_nbatches(rows, 0); b++) {
        const int64_t *k = tir_result_batch_data(rows, 0, b, 0), *v = tir_result_batch_data(rows, 0, b, 1);
        for (uint32_t i = 0; i < tir_result_batch_rows(rows, 0, b); i++) {
            cr_assert(k[i] >= 1 && k[i] <= 200000 && !s->seen[k[i]], "key %" PRId64 " once", k[i]);
            s->seen[k[i]] = 1;
            cr_assert_eq(v[i], s->grouped ? 3 * k[i] : 2 * k[i]);
            if (s->ordered) {
                cr_assert(s->descending ? k[i] < s->last : k[i] > s->last, "in order: %" PRId64 " after %" PRId64,
                          k[i], s->last);
                s->last = k[i];
            }
            s->rows++;
        }
    }
    return TIR_OK;
}

/* tir_run_each hands an output over while the run makes it: a group-by
** that spilled partition by partition (its 200k groups, 4.8 MB, do not fit
** a 4 MiB limit materialized), an emitted relation batch by batch in
** order, the rest left in the result, a sort that spilled in order as its
** last merge makes it; a refusal stops the run with its status. At 1 and
** 2 threads. */
Test(api, run_each_hands_an_output_over_while_running, .init = setup, .fini = teardown)
{
    char path[512];
    snprintf(path, sizeof path, "%s/big.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("n\n", f);
    for (int i = 1; i <= 200000; i++)
        fprintf(f, "%d\n", i);
    fclose(f);
    static const char grouped[] = "big: Table = read_csv(\"big.csv\") { n: i64 }\n"
                                  "p: Pipeline = { s = table_scan :table = big\n"
                                  "    g = hash_group_by :input = s :group_by = [\"n\"] :aggregates = {\n"
                                  "        \"t\": sum($in.n * 3), \"c\": count(*) } }\noutput p.g\n";
    static const char sorted[] = "big: Table = read_csv(\"big.csv\") { n: i64 }\n"
                                 "p: Pipeline = { s = table_scan :table = big\n"
                                 "    x = project :input = s :columns = { \"n\": $in.n, \"d\": $in.n * 2 }\n"
                                 "    o = sort :input = x :by = [$in.n desc] }\n"
                                 "output p.o\n";
    static const char emitted[] = "big: Table = read_csv(\"big.csv\") { n: i64 }\n"
                                  "p: Pipeline = { s = table_scan :table = big\n"
                                  "    x = project :input = s :columns = { \"n\": $in.n, \"d\": $in.n * 2 } }\n"
                                  "output p.x\n";
    for (int threads = 1; threads <= 2; threads++) {
        tir_engine *e = tir_engine_new(&(tir_config){.memory_limit = 4u << 20, .threads = threads, .temp_dir = dir});
        tir_program *p = compile_ok(e, grouped);
        tir_result *r = (tir_result *)1;
        cr_assert_eq(tir_run(p, &r), TIR_ERR_NOMEM, "materialized, the output breaks the limit");
        cr_assert(strstr(tir_program_errmsg(p), "its result alone"), "%s", tir_program_errmsg(p));
        for (int pass = 0; pass < 2; pass++) {
            each_seen s = {.grouped = true, .seen = calloc(200001, 1), .refuse_at = pass ? 3 : 0};
            tir_status st = tir_run_each(p, 0, each_rows, &s, &r);
            if (pass) {   /* the third partition refused: the run stops, its status and why */
                cr_assert_eq(st, TIR_ERR_IO);
                cr_assert_null(r);
                cr_assert(strstr(tir_program_errmsg(p), "refused its rows"), "%s", tir_program_errmsg(p));
                cr_assert_eq(s.calls, 3);
            } else {
                cr_assert_eq(st, TIR_OK, "%s", tir_program_errmsg(p));
                cr_assert_eq(tir_result_nrows(r, 0), 0, "every group handed over");
                cr_assert_eq(s.rows, 200000);
                cr_assert_geq(s.calls, 8, "partition by partition (%" PRId64 " calls)", s.calls);
                cr_assert_not_null(strstr(tir_result_profile(r), "spilled:"), "%s", tir_result_profile(r));
                tir_result_free(r);
            }
            free(s.seen);
        }
        tir_program_free(p);
        p = compile_ok(e, emitted);
        each_seen s = {.ordered = true, .seen = calloc(200001, 1)};
        cr_assert_eq(tir_run_each(p, 0, each_rows, &s, &r), TIR_OK, "%s", tir_program_errmsg(p));
        uint64_t rest = tir_result_nrows(r, 0);
        cr_assert_lt(rest, 200000, "rows left the run while it ran");
        cr_assert_eq((uint64_t)s.rows + rest, 200000);
        tir_result_free(r);
        free(s.seen);
        tir_program_free(p);
        /* a sort that spilled: its last merge hands its rows over in order */
        p = compile_ok(e, sorted);
        cr_assert_eq(tir_run(p, &r), TIR_ERR_NOMEM, "materialized, the output breaks the limit");
        cr_assert(strstr(tir_program_errmsg(p), "its result alone"), "%s", tir_program_errmsg(p));
        s = (each_seen){.ordered = true, .descending = true, .last = INT64_MAX, .seen = calloc(200001, 1)};
        cr_assert_eq(tir_run_each(p, 0, each_rows, &s, &r), TIR_OK, "%s", tir_program_errmsg(p));
        cr_assert_eq(tir_result_nrows(r, 0), 0, "every row handed over");
        cr_assert_eq(s.rows, 200000);
        cr_assert_gt(s.calls, 4, "a few chunks at a time (%" PRId64 " calls)", s.calls);
        tir_result_free(r);
        free(s.seen);
        s = (each_seen){.ordered = true, .descending = true, .last = INT64_MAX, .seen = calloc(200001, 1),
                        .refuse_at = 2};
        cr_assert_eq(tir_run_each(p, 0, each_rows, &s, &r), TIR_ERR_IO);
        cr_assert(strstr(tir_program_errmsg(p), "refused its rows"), "%s", tir_program_errmsg(p));
        free(s.seen);
        tir_program_free(p);
        tir_engine_free(e);
    }
}

/* A write_table (or delete) as the handed-over output: its rows are the
** file's, and the output is its one-row tuple at the end. Handing them to
** the callback (or a live stream) instead wrote a table of the last
** batches only (tirrun --format csv wrote 496 of 150k rows: storage.sh). */
Test(api, run_each_of_a_write_table_writes_every_row, .init = setup, .fini = teardown)
{
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 2, .batch_size = 256});
    tir_program *w = compile_ok(e, "nums: Table = read_csv(\"nums.csv\") { n: i64, tag: string nullable }\n"
                                   "p: Pipeline = { s = table_scan :table = nums\n"
                                   "    w = write_table :input = s :path = \"nums.tirt\" }\noutput p.w\n");
    for (int live = 0; live < 2; live++) {
        tir_result *r = NULL;
        int64_t written = 0;
        if (live) {
            struct ArrowArrayStream s;
            cr_assert_eq(tir_run_arrow_stream(w, 0, &s), TIR_OK);
            struct ArrowArray a;
            cr_assert_eq(s.get_next(&s, &a), 0, "%s", s.get_last_error(&s));
            cr_assert_eq(a.length, 1, "the tuple");
            written = ((const int64_t *)a.children[0]->buffers[1])[0];
            a.release(&a);
            s.release(&s);
        } else {
            each_seen s = {.seen = calloc(200001, 1)};
            cr_assert_eq(tir_run_each(w, 0, each_rows, &s, &r), TIR_OK, "%s", tir_program_errmsg(w));
            cr_assert_eq(s.calls, 0, "no rows handed over");
            cr_assert_eq(tir_result_nrows(r, 0), 1);
            written = *(const int64_t *)tir_result_batch_data(r, 0, 0, 0);
            tir_result_free(r);
            free(s.seen);
        }
        cr_assert_eq(written, 5000);
        tir_program *rd = compile_ok(e, "t: Table = read_table(\"nums.tirt\")\n"
                                        "p: Pipeline = { s = table_scan :table = t\n"
                                        "    c = aggregate :input = s :aggregates = { \"n\": count(*) } }\noutput p.c\n");
        cr_assert_eq(tir_run(rd, &r), TIR_OK, "%s", tir_program_errmsg(rd));
        cr_assert_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 0), 5000, "every row in the file");
        tir_result_free(r);
        tir_program_free(rd);
    }
    tir_program_free(w);
    tir_engine_free(e);
}
