/*
** test_limits.c — hostile inputs cost bounded, roughly linear work: the
** diagnostics of a megabyte of junk, thousands of broken lines, tens of
** thousands of pipelines in any order or in one cycle, tables wider than
** the column limit. Each case here once took gigabytes, minutes or a
** crash; each asserts the bound that now holds.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testdir.h"
#include "tir.h"

TestSuite(limits, .init = testdir_make, .fini = testdir_remove);

static char *path_in_dir(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* A growing string. */
typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (t->s && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        t->cap = 2 * (t->cap + (size_t)k + 64);
        t->s = realloc(t->s, t->cap);
        cr_assert_not_null(t->s);
    }
}

static tir_status compile(tir_engine *e, const char *src, size_t len, tir_program **p)
{
    return tir_compile(e, path_in_dir("prog.tir"), src, len, p);
}

/* One stray byte per column of a 1 MB line once made a diagnostic each,
** each copying the whole line (22 GB). Now: one error for the run. */
Test(limits, a_megabyte_of_junk_is_one_short_diagnostic)
{
    size_t n = 1u << 20;
    char *src = malloc(n);
    cr_assert_not_null(src);
    memset(src, '@', n);
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = NULL;
    cr_assert_eq(compile(e, src, n, &p), TIR_ERR_COMPILE);
    cr_assert_geq(tir_program_ndiags(p), 1);
    cr_assert_leq(tir_program_ndiags(p), 3, "%zu diagnostics", tir_program_ndiags(p));
    const tir_diag *d = tir_program_diag(p, 0);
    cr_assert_eq(d->line, 1);
    cr_assert_eq(d->col, 1);
    cr_assert(strstr(d->message, "unexpected character '@' (and 1048575 more bytes"), "%s", d->message);
    cr_assert_lt(strlen(tir_program_diag_text(p)), 4096, "%zu bytes of diagnostics", strlen(tir_program_diag_text(p)));
    tir_program_free(p);
    tir_engine_free(e);
    free(src);
}

/* 100,000 broken lines: the first 20 errors and a last one saying the
** rest were cut; line numbers right without rescanning from the start. */
Test(limits, errors_stop_at_the_limit)
{
    text t = {0};
    for (int i = 0; i < 100000; i++)
        add(&t, "x%d = = ; %%\n", i);
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = NULL;
    cr_assert_eq(compile(e, t.s, t.n, &p), TIR_ERR_COMPILE);
    cr_assert_eq(tir_program_ndiags(p), 21);
    for (size_t i = 0; i + 1 < 21; i++) {
        const tir_diag *d = tir_program_diag(p, i);
        cr_assert_eq(d->severity, TIR_SEV_ERROR);
        cr_assert_leq(d->line, 20, "diagnostic %zu on line %d", i, d->line);
    }
    const tir_diag *last = tir_program_diag(p, 20);
    cr_assert(strstr(last->message, "too many errors (limit 20)"), "%s", last->message);
    cr_assert(strstr(tir_program_diag_text(p), "more not shown"), "%s", tir_program_diag_text(p));
    cr_assert_lt(strlen(tir_program_diag_text(p)), 8192);
    tir_program_free(p);
    tir_engine_free(e);

    e = tir_engine_new(&(tir_config){.max_errors = 3});
    cr_assert_eq(compile(e, t.s, t.n, &p), TIR_ERR_COMPILE);
    cr_assert_eq(tir_program_ndiags(p), 4);
    cr_assert(strstr(tir_program_diag(p, 3)->message, "too many errors (limit 3)"));
    tir_program_free(p);
    tir_engine_free(e);
    free(t.s);
}

/* A long line is shown as a window around the caret, not whole. */
Test(limits, long_lines_are_shown_as_a_window)
{
    text t = {0};
    add(&t, "t: Table = read_csv(\"x.csv\") { a: i32 }  ");
    for (int i = 0; i < 20000; i++)
        add(&t, "/* padding */ ");
    add(&t, "p: Pipeline = { v = table_scan :table = nope }\noutput p.v\n");
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = NULL;
    cr_assert_eq(compile(e, t.s, t.n, &p), TIR_ERR_COMPILE);
    const char *txt = tir_program_diag_text(p);
    cr_assert(strstr(txt, "unknown table 'nope'") || strstr(txt, "nope"), "%s", txt);
    cr_assert(strstr(txt, "  ...") && strstr(txt, ":table = nope"), "%s", txt);
    cr_assert_lt(strlen(txt), 2048, "%s", txt);
    /* the caret is under the name */
    const char *line = strstr(txt, "\n  ...");
    cr_assert_not_null(line);
    const char *caret = strchr(line + 1, '\n');
    cr_assert_not_null(caret);
    size_t at_name = (size_t)(strstr(line + 1, "nope }") - (line + 1));
    size_t at_caret = (size_t)(strchr(caret + 1, '^') - (caret + 1));
    cr_assert_eq(at_name, at_caret, "%s", txt);
    tir_program_free(p);
    tir_engine_free(e);
    free(t.s);
}

/* Some editors start a UTF-8 file with a byte-order mark. */
Test(limits, byte_order_mark_is_not_a_character)
{
    FILE *f = fopen(path_in_dir("x.csv"), "w");
    cr_assert_not_null(f);
    fputs("a\n1\n2\n", f);
    fclose(f);
    const char *ok = "\xEF\xBB\xBFt: Table = read_csv(\"x.csv\") { a: i32 }\n"
                     "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n";
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = NULL;
    cr_assert_eq(compile(e, ok, strlen(ok), &p), TIR_OK, "%s", tir_program_diag_text(p));
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_eq(tir_result_nrows(r, 0), 2);
    tir_result_free(r);
    tir_program_free(p);
    /* columns on the first line do not count the mark */
    const char *bad = "\xEF\xBB\xBFt: Tabel = read_csv(\"x.csv\") { a: i32 }\n";
    cr_assert_eq(compile(e, bad, strlen(bad), &p), TIR_ERR_COMPILE);
    cr_assert_eq(tir_program_diag(p, 0)->line, 1);
    cr_assert_eq(tir_program_diag(p, 0)->col, 4, "%s", tir_program_diag_text(p));
    tir_program_free(p);
    tir_engine_free(e);
}

/* n pipelines, each reading a count from the next one (reversed = false:
** from the previous one), or a ring when ring is set. */
static text chain(int n, bool reversed, bool ring)
{
    text t = {0};
    add(&t, "t: Table = read_csv(\"x.csv\") { a: i64 }\n");
    for (int i = 0; i < n; i++) {
        int from = reversed || ring ? i + 1 : i - 1;
        if (ring)
            from %= n;
        if (from < 0 || from >= n)
            add(&t, "p%d: Pipeline = { v = table_scan :table = t\n", i);
        else
            add(&t, "p%d: Pipeline = { v = table_scan :table = t :minmaxes = { a: [0, p%d.m.n] }\n", i, from);
        add(&t, "  m = aggregate :input = v :aggregates = { n: count(*) } }\n");
    }
    add(&t, "output p%d.m\n", reversed ? 0 : n - 1);
    return t;
}

/* The checker was quadratic in pipelines (an np*np cycle matrix, np
** dependency slots per pipeline: 10k pipelines took 921 MB) and recursed
** once per pipeline of a chain written last-first (a crash from 12,500). */
Test(limits, many_pipelines_in_any_order, .timeout = 120)
{
    FILE *f = fopen(path_in_dir("x.csv"), "w");
    cr_assert_not_null(f);
    fputs("a\n1\n", f);
    fclose(f);
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1});
    for (int reversed = 0; reversed < 2; reversed++) {
        text t = chain(50000, reversed, false);
        tir_program *p = NULL;
        cr_assert_eq(compile(e, t.s, t.n, &p), TIR_OK, "%s", tir_program_diag_text(p));
        tir_result *r = NULL;
        cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
        cr_assert_eq(tir_result_nrows(r, 0), 1);
        tir_result_free(r);
        tir_program_free(p);
        free(t.s);
    }
    /* one cycle through all of them: errors, no crash */
    text t = chain(50000, false, true);
    tir_program *p = NULL;
    cr_assert_eq(compile(e, t.s, t.n, &p), TIR_ERR_COMPILE);
    cr_assert(strstr(tir_program_diag(p, 0)->message, "pipeline reference cycle"), "%s",
              tir_program_diag(p, 0)->message);
    cr_assert_leq(tir_program_ndiags(p), 21);
    tir_program_free(p);
    free(t.s);
    tir_engine_free(e);
}

static void wide_csv(const char *name, int ncols)
{
    FILE *f = fopen(path_in_dir(name), "w");
    cr_assert_not_null(f);
    for (int i = 0; i < ncols; i++)
        fprintf(f, "%sc%d", i ? "," : "", i);
    fputc('\n', f);
    for (int i = 0; i < ncols; i++)
        fprintf(f, "%s%d", i ? "," : "", i);
    fputc('\n', f);
    fclose(f);
}

static text wide_program(const char *csv, int ncols)
{
    text t = {0};
    add(&t, "t: Table = read_csv(\"%s\") {", csv);
    for (int i = 0; i < ncols; i++)
        add(&t, "%s c%d: i32", i ? "," : "", i);
    add(&t, " }\np: Pipeline = { v = table_scan :table = t\n"
            "  r = project :input = v :columns = { first: $in.c0, last: $in.c%d } }\noutput p.r\n", ncols - 1);
    return t;
}

/* Tables of more than 256 columns compiled, then failed at run time; the
** limit is now TIR_MAX_COLUMNS, checked when compiling and importing. */
Test(limits, column_limit)
{
    wide_csv("w300.csv", 300);
    wide_csv("wmax.csv", TIR_MAX_COLUMNS);
    wide_csv("wover.csv", TIR_MAX_COLUMNS + 1);
    tir_engine *e = tir_engine_new(NULL);
    const char *fits[] = {"w300.csv", "wmax.csv"};
    int nfits[] = {300, TIR_MAX_COLUMNS};
    for (int k = 0; k < 2; k++) {
        text t = wide_program(fits[k], nfits[k]);
        tir_program *p = NULL;
        cr_assert_eq(compile(e, t.s, t.n, &p), TIR_OK, "%s", tir_program_diag_text(p));
        tir_result *r = NULL;
        cr_assert_eq(tir_run(p, &r), TIR_OK, "%s: %s", fits[k], tir_engine_errmsg(e));
        const int32_t *last = tir_result_batch_data(r, 0, 0, 1);
        cr_assert_eq(last[0], nfits[k] - 1);
        tir_result_free(r);
        tir_program_free(p);
        free(t.s);
    }
    text t = wide_program("wover.csv", TIR_MAX_COLUMNS + 1);
    tir_program *p = NULL;
    cr_assert_eq(compile(e, t.s, t.n, &p), TIR_ERR_COMPILE);
    const tir_diag *d = tir_program_diag(p, 0);
    cr_assert_eq(d->line, 1);
    cr_assert_eq(d->col, 1);
    cr_assert(strstr(d->message, "declares 2001 columns; at most 2000 are supported"), "%s", d->message);
    tir_program_free(p);
    free(t.s);
    /* import says the same of the file, with its position */
    char table[512];
    snprintf(table, sizeof table, "%s/w.tirt", dir);
    cr_assert_eq(tir_import_csv(e, path_in_dir("wover.csv"), table, NULL, NULL), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(e), "wover.csv:1:1: error: the header has 2001 columns; at most 2000"), "%s",
              tir_engine_errmsg(e));
    cr_assert_neq(access(table, F_OK), 0);
    cr_assert_eq(tir_import_csv(e, path_in_dir("wmax.csv"), table, NULL, NULL), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_engine_free(e);
}

/* Lists and maps of arguments were checked for duplicates pairwise: a
** 100,000-column projection would take minutes. They hold at most
** TIR_MAX_COLUMNS items, reported where the list starts. */
Test(limits, argument_lists_are_bounded)
{
    text t = {0};
    add(&t, "t: Table = read_csv(\"x.csv\") { a: i32 }\np: Pipeline = { v = table_scan :table = t\n"
            "  r = project :input = v :columns = {");
    for (int i = 0; i < 100000; i++)
        add(&t, "%s c%d: $in.a", i ? "," : "", i);
    add(&t, " } }\noutput p.r\n");
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = NULL;
    cr_assert_eq(compile(e, t.s, t.n, &p), TIR_ERR_COMPILE);
    const tir_diag *d = tir_program_diag(p, 0);
    cr_assert(strstr(d->message, "a map of 100000 items; at most 2000 are supported"), "%s", d->message);
    cr_assert_eq(d->line, 3);
    cr_assert_eq(d->col, 37);
    tir_program_free(p);
    tir_engine_free(e);
    free(t.s);
}

/* ----------------------------------------------- the memory limit holds */

#include <sys/resource.h>
#include <sys/wait.h>

#define LIMIT (64u << 20)
/* Beyond the limit: code, libraries, stacks and the test itself. */
#define SLACK (24u << 20)

typedef tir_status (*hostile_fn)(tir_engine *e);

/* Runs fn in a child process on an engine limited to LIMIT bytes; the
** child's peak resident memory must stay under LIMIT + SLACK and fn must
** fail with TIR_ERR_NOMEM and a message containing want. */
static void under_limit(hostile_fn fn, const char *want)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        tir_engine *e = tir_engine_new(&(tir_config){.memory_limit = LIMIT, .threads = 2});
        tir_status st = fn(e);
        int ok = st == TIR_ERR_NOMEM && strstr(tir_engine_errmsg(e), want);
        if (!ok)
            fprintf(stderr, "status %s: %s\n", tir_status_name(st), tir_engine_errmsg(e));
        tir_engine_free(e);
        _exit(ok ? 0 : 1);
    }
    int status;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the hostile case did not fail cleanly (want '%s')",
              want);
    long peak = ru.ru_maxrss * 1024L;
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer's shadow memory and quarantine are resident too:
    ** only the clean failure is checked under it */
    (void)peak;
#else
    cr_assert_lt(peak, (long)(LIMIT + SLACK), "peak resident memory %ld bytes under a limit of %u", peak, LIMIT);
#endif
}

static tir_status run_text(tir_engine *e, const char *src)
{
    tir_program *p = NULL;
    tir_status st = compile(e, src, strlen(src), &p);
    if (st == TIR_OK) {
        tir_result *r = NULL;
        st = tir_run(p, &r);
        tir_result_free(r);
    }
    tir_program_free(p);
    return st;
}

/* One key on both sides: 100k x 100k matches, 2048 probe rows of them in
** one batch; the limit was checked only between batches (4.3 GB held). */
static tir_status fan_out(tir_engine *e)
{
    return run_text(e, "a: Table = read_csv(\"fan.csv\") { k: i32, v: i32 }\n"
                       "build: Pipeline = { x = table_scan :table = a\n"
                       "  ht = build_hash :input = x :key = [\"k\"] :value = [\"v\"] }\n"
                       "probe: Pipeline = { y = table_scan :table = a\n"
                       "  j = hash_join :input = y :ht = build.ht :key = [$in.k] :projection = { a: $in.v, b: $ht.v } }\n"
                       "output probe.j\n");
}

static tir_status csv_of_dev_zero(tir_engine *e)
{
    return run_text(e, "t: Table = read_csv(\"/dev/zero\") { a: i32 }\n"
                       "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n");
}

static tir_status import_of_dev_zero(tir_engine *e)
{
    return tir_import_csv(e, "/dev/zero", path_in_dir("zero.tirt"), NULL, NULL);
}

/* Once loaded whole before the limit was looked at. */
static tir_status csv_larger_than_the_limit(tir_engine *e)
{
    return run_text(e, "t: Table = read_csv(\"big.csv\") { a: i64, b: i64 }\n"
                       "p: Pipeline = { v = table_scan :table = t g = aggregate :input = v :aggregates = { n: count(*) } }\n"
                       "output p.g\n");
}

static tir_status import_larger_than_the_limit(tir_engine *e)
{
    return tir_import_csv(e, path_in_dir("big.csv"), path_in_dir("big.tirt"), NULL, NULL);
}

Test(limits, hostile_runs_stay_under_the_memory_limit, .timeout = 120)
{
    FILE *f = fopen(path_in_dir("fan.csv"), "w");
    cr_assert_not_null(f);
    fputs("k,v\n", f);
    for (int i = 0; i < 100000; i++)
        fprintf(f, "1,%d\n", i);
    fclose(f);
    f = fopen(path_in_dir("big.csv"), "w");
    cr_assert_not_null(f);
    fputs("a,b\n", f);
    for (int i = 0; i < 5000000; i++)   /* about 70 MB */
        fprintf(f, "%d,%d\n", i, i * 7);
    fclose(f);
    under_limit(fan_out, "fans out");
    under_limit(csv_of_dev_zero, "needs");
    under_limit(import_of_dev_zero, "needs");
    under_limit(csv_larger_than_the_limit, "more than the memory limit leaves");
    under_limit(import_larger_than_the_limit, "more than the memory limit leaves");
}
