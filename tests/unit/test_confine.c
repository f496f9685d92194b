/*
** test_confine.c — an engine confined to directories (tir_config
** allowed_dirs) and read-only engines, as an embedder running plans it
** does not fully trust would configure them: reads, writes, deletes,
** imports and describe outside the directories are refused with a clear
** error, also through "..", absolute paths and symlinks.
*/
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tir.h"

static char root[256], inside[300], outside[300];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/tir_confine_XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    snprintf(inside, sizeof inside, "%s/in", root);
    snprintf(outside, sizeof outside, "%s/out", root);
    cr_assert_eq(mkdir(inside, 0755), 0);
    cr_assert_eq(mkdir(outside, 0755), 0);
    char p[400];
    snprintf(p, sizeof p, "%s/t.csv", inside);
    put(p, "a\n1\n2\n3\n");
    snprintf(p, sizeof p, "%s/secret.csv", outside);
    put(p, "a\n42\n");
    /* a link inside pointing outside */
    char link[400], target[400];
    snprintf(link, sizeof link, "%s/link.csv", inside);
    snprintf(target, sizeof target, "%s/secret.csv", outside);
    cr_assert_eq(symlink(target, link), 0);
    snprintf(link, sizeof link, "%s/linkdir", inside);
    cr_assert_eq(symlink(outside, link), 0);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(confine, .init = setup, .fini = teardown);

static tir_engine *confined(bool read_only)
{
    const char *dirs[] = {inside, NULL};
    tir_engine *e = tir_engine_new(&(tir_config){.allowed_dirs = dirs, .read_only = read_only});
    cr_assert_not_null(e);
    return e;   /* dirs may go: the engine copied them */
}

/* Compiles src as the file DIR/prog.tir; returns the status and, on a
** compile error, the first diagnostic's text in msg. */
static tir_status compile_in(tir_engine *e, const char *dir, const char *src, tir_program **p)
{
    char file[400];
    snprintf(file, sizeof file, "%s/prog.tir", dir);
    return tir_compile(e, file, src, strlen(src), p);
}

static void expect_refused(tir_engine *e, const char *src, const char *want)
{
    tir_program *p = NULL;
    cr_assert_eq(compile_in(e, inside, src, &p), TIR_ERR_COMPILE, "compiled: %s", src);
    const char *txt = tir_program_diag_text(p);
    cr_assert(strstr(txt, want), "want '%s' in:\n%s", want, txt);
    tir_program_free(p);
}

Test(confine, reads_inside_are_allowed)
{
    tir_engine *e = confined(false);
    tir_program *p = NULL;
    const char *src = "t: Table = read_csv(\"t.csv\") { a: i32 }\np: Pipeline = { v = table_scan :table = t }\n"
                      "output p.v\n";
    cr_assert_eq(compile_in(e, inside, src, &p), TIR_OK, "%s", tir_program_diag_text(p));
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_eq(tir_result_nrows(r, 0), 3);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
}

Test(confine, reads_outside_are_refused)
{
    tir_engine *e = confined(false);
    char src[1000];
    expect_refused(e, "t: Table = read_csv(\"../out/secret.csv\") { a: i32 }\n"
                      "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n",
                   "outside the directories the engine may use");
    snprintf(src, sizeof src, "t: Table = read_csv(\"%s/secret.csv\") { a: i32 }\n"
                              "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n", outside);
    expect_refused(e, src, "outside the directories");
    expect_refused(e, "t: Table = read_csv(\"link.csv\") { a: i32 }\n"
                      "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n",
                   "outside the directories");
    expect_refused(e, "t: Table = read_csv(\"linkdir/secret.csv\") { a: i32 }\n"
                      "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n",
                   "outside the directories");
    expect_refused(e, "t: Table = read_table(\"/etc/passwd\")\np: Pipeline = { v = table_scan :table = t }\n"
                      "output p.v\n",
                   "cannot read /etc/passwd");
    /* the error has a position: the path */
    tir_program *p = NULL;
    cr_assert_eq(compile_in(e, inside, "t: Table = read_csv(\"../out/secret.csv\") { a: i32 }\n"
                                       "p: Pipeline = { v = table_scan :table = t }\noutput p.v\n", &p),
                 TIR_ERR_COMPILE);
    cr_assert_eq(tir_program_diag(p, 0)->line, 1);
    cr_assert_eq(tir_program_diag(p, 0)->col, 21);
    tir_program_free(p);
    tir_engine_free(e);
}

Test(confine, writes_and_deletes)
{
    tir_engine *e = confined(false);
    char table[400], src[1200];
    snprintf(table, sizeof table, "%s/t.tirt", inside);
    cr_assert_eq(tir_import_csv(e, "/dev/null", table, NULL, NULL), TIR_ERR_IO);
    cr_assert(strstr(tir_engine_errmsg(e), "cannot read /dev/null"), "%s", tir_engine_errmsg(e));
    char csv[400];
    snprintf(csv, sizeof csv, "%s/t.csv", inside);
    cr_assert_eq(tir_import_csv(e, csv, table, NULL, NULL), TIR_OK, "%s", tir_engine_errmsg(e));
    char out_table[400];
    snprintf(out_table, sizeof out_table, "%s/t.tirt", outside);
    cr_assert_eq(tir_import_csv(e, csv, out_table, NULL, NULL), TIR_ERR_IO);
    cr_assert(strstr(tir_engine_errmsg(e), "cannot write"), "%s", tir_engine_errmsg(e));
    cr_assert_neq(access(out_table, F_OK), 0);
    /* write_table outside, through a linked directory */
    expect_refused(e, "t: Table = read_table(\"t.tirt\")\n"
                      "p: Pipeline = { v = table_scan :table = t w = write_table :input = v :path = \"linkdir/x.tirt\" }\n"
                      "output p.w\n",
                   "cannot write");
    /* inside: writes and deletes work */
    snprintf(src, sizeof src, "t: Table = read_table(\"t.tirt\")\n"
                              "p: Pipeline = { v = table_scan :table = t w = write_table :input = v :path = \"copy.tirt\" }\n"
                              "q: Pipeline = { v = table_scan :table = t f = filter :input = v :expr = $in.a == 2\n"
                              "  d = delete :input = f }\noutput p.w\noutput q.d\n");
    tir_program *p = NULL;
    cr_assert_eq(compile_in(e, inside, src, &p), TIR_OK, "%s", tir_program_diag_text(p));
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_result_free(r);
    tir_program_free(p);
    char *text = NULL;
    cr_assert_eq(tir_table_describe(e, out_table, false, &text), TIR_ERR_IO);
    cr_assert_eq(tir_table_describe(e, table, false, &text), TIR_OK, "%s", tir_engine_errmsg(e));
    free(text);
    tir_engine_free(e);

    /* read-only: reading works, writing and deleting do not */
    e = confined(true);
    expect_refused(e, src, "the engine is read-only");
    tir_program_free(NULL);
    cr_assert_eq(tir_import_csv(e, csv, table, NULL, NULL), TIR_ERR_IO);
    cr_assert(strstr(tir_engine_errmsg(e), "read-only"), "%s", tir_engine_errmsg(e));
    const char *read = "t: Table = read_table(\"t.tirt\")\np: Pipeline = { v = table_scan :table = t }\noutput p.v\n";
    cr_assert_eq(compile_in(e, inside, read, &p), TIR_OK, "%s", tir_program_diag_text(p));
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_eq(tir_result_nrows(r, 0), 2);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
}

/* A link planted after compiling is caught when the program runs. */
Test(confine, checked_again_when_running)
{
    tir_engine *e = confined(false);
    char path[400], target[400];
    snprintf(path, sizeof path, "%s/later.csv", inside);
    put(path, "a\n7\n");
    tir_program *p = NULL;
    const char *src = "t: Table = read_csv(\"later.csv\") { a: i32 }\np: Pipeline = { v = table_scan :table = t }\n"
                      "output p.v\n";
    cr_assert_eq(compile_in(e, inside, src, &p), TIR_OK, "%s", tir_program_diag_text(p));
    cr_assert_eq(unlink(path), 0);
    snprintf(target, sizeof target, "%s/secret.csv", outside);
    cr_assert_eq(symlink(target, path), 0);
    tir_result *r = (tir_result *)1;
    cr_assert_eq(tir_run(p, &r), TIR_ERR_IO);
    cr_assert_null(r);
    cr_assert(strstr(tir_engine_errmsg(e), "outside the directories"), "%s", tir_engine_errmsg(e));
    tir_program_free(p);
    tir_engine_free(e);
}

Test(confine, no_files_at_all)
{
    const char *none[] = {NULL};
    tir_engine *e = tir_engine_new(&(tir_config){.allowed_dirs = none});
    expect_refused(e, "t: Table = read_csv(\"t.csv\") { a: i32 }\np: Pipeline = { v = table_scan :table = t }\n"
                      "output p.v\n",
                   "the engine may not use files");
    tir_engine_free(e);
    /* a directory that does not exist allows nothing, and says so */
    const char *missing[] = {"/nonexistent/dir", NULL};
    e = tir_engine_new(&(tir_config){.allowed_dirs = missing});
    cr_assert_not_null(e);
    expect_refused(e, "t: Table = read_csv(\"t.csv\") { a: i32 }\np: Pipeline = { v = table_scan :table = t }\n"
                      "output p.v\n",
                   "allowed directory '/nonexistent/dir'");
    tir_engine_free(e);
}
