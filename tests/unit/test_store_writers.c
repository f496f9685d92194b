/*
** test_store_writers.c — several writers of one native table in one
** process: deletes through different handles merge instead of replacing
** each other, a delete through a handle of a replaced table fails and
** deletes nothing, threads writing the same path take turns, and leftover
** temporary files are removed by the next writer. (Writers in several
** processes: tests/writers.sh; injected I/O failures: tests/faults.sh.)
*/
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

static char dir[64], path[128], delpath[136];

static void setup(void)
{
    strcpy(dir, "/tmp/tir_writers_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.tirt", dir);
    snprintf(delpath, sizeof delpath, "%s.del", path);
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char p[400];
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

TestSuite(store_writers, .init = setup, .fini = teardown);

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* One i64 column "c0" holding 0..nrows-1 (plus k). */
static vm_table *mk_table(uint64_t nrows, int64_t k)
{
    vm_table *t = calloc(1, sizeof *t);
    t->ncols = 1;
    t->names = calloc(2, sizeof *t->names);
    t->types = calloc(2, sizeof *t->types);
    t->cols = calloc(2, sizeof *t->cols);
    vm_strheap_init(&t->heap);
    t->names[0] = strdup("c0");
    t->types[0] = TIR_I64;
    vm_column_init(&t->cols[0], TIR_I64);
    cr_assert(vm_column_reserve(&t->cols[0], nrows + 1));
    for (uint64_t r = 0; r < nrows; r++)
        ((int64_t *)t->cols[0].data)[r] = (int64_t)r + k;
    t->cols[0].len = nrows;
    t->nrows = nrows;
    return t;
}

static const vm_store_colspec spec[1] = { { .name = "c0", .type = TIR_I64 } };

static vm_store *open_ok(void)
{
    vm_store *s;
    char err[256];
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    return s;
}

static bool deleted(const vm_store *s, uint64_t r)
{
    const uint64_t *d = vm_store_deleted(s);
    return d && ((d[r >> 6] >> (r & 63)) & 1);
}

Test(store_writers, deletes_through_two_handles_merge)
{
    vm_table *t = mk_table(1000, 0);
    char err[256];
    cr_assert_eq(vm_store_write(path, t, spec, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    vm_store *a = open_ok(), *b = open_ok();
    uint64_t ra[] = { 1, 500, 999 }, rb[] = { 2, 500, 700 };
    cr_assert_eq(vm_store_delete(a, ra, 3, err, sizeof err), TIR_OK, "%s", err);
    /* b was opened before a's delete: its rows are added to a's, not put in their place */
    cr_assert_eq(vm_store_delete(b, rb, 3, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_ndeleted(b), 5, "b sees a's deletions after its own");
    cr_assert(!vm_store_stale(b));
    vm_store *c = open_ok();
    cr_assert_eq(vm_store_ndeleted(c), 5);
    for (uint64_t r = 0; r < 1000; r++)
        cr_assert_eq(deleted(c, r), r == 1 || r == 2 || r == 500 || r == 700 || r == 999, "row %llu",
                     (unsigned long long)r);
    /* rows all deleted already: nothing to write, but a follows the file */
    cr_assert_eq(vm_store_delete(a, rb, 3, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_ndeleted(a), 5);
    cr_assert(!vm_store_stale(a));
    cr_assert_eq(vm_store_verify(c, err, sizeof err), TIR_OK, "%s", err);
    vm_store_close(a);
    vm_store_close(b);
    vm_store_close(c);
    vm_table_free(t);
}

Test(store_writers, delete_from_a_replaced_table_fails)
{
    vm_table *t = mk_table(1000, 0), *t2 = mk_table(1000, 5000);
    char err[256];
    cr_assert_eq(vm_store_write(path, t, spec, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    vm_store *a = open_ok();
    cr_assert_eq(vm_store_write(path, t2, spec, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    uint64_t r = 3;
    cr_assert_eq(vm_store_delete(a, &r, 1, err, sizeof err), TIR_ERR_IO);
    cr_assert(strstr(err, "t.tirt: the table was replaced"), "%s", err);
    cr_assert_null(vm_store_deleted(a));
    cr_assert(!exists(delpath), "nothing written for the old table");
    vm_store *b = open_ok();
    cr_assert_null(vm_store_deleted(b));
    vm_store_close(b);
    vm_store_close(a);
    /* removed altogether: the same */
    a = open_ok();
    unlink(path);
    cr_assert_eq(vm_store_delete(a, &r, 1, err, sizeof err), TIR_ERR_IO);
    cr_assert(strstr(err, "replaced or removed"), "%s", err);
    cr_assert(!exists(delpath));
    vm_store_close(a);
    vm_table_free(t);
    vm_table_free(t2);
}

/* Two threads (same pid, so the same temporary file name) writing the same
** path over and over: each write succeeds and the table is always whole. */
typedef struct job {
    vm_table *t;
    int fails;
    char err[256];
} job;

static void *writer(void *arg)
{
    job *j = arg;
    char err[256];
    for (int i = 0; i < 40; i++)
        if (vm_store_write(path, j->t, spec, NULL, 64, err, sizeof err) != TIR_OK && !j->fails++)
            strcpy(j->err, err);
    return NULL;
}

Test(store_writers, threads_writing_one_path_take_turns, .timeout = 60)
{
    job j[2] = { { .t = mk_table(20000, 0) }, { .t = mk_table(30000, 7) } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, writer, &j[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(j[i].fails, 0, "thread %d: %d writes failed: %s", i, j[i].fails, j[i].err);
    vm_store *s = open_ok();
    char err[256];
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert(vm_store_nrows(s) == 20000 || vm_store_nrows(s) == 30000);
    vm_store_close(s);
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)))
        cr_assert_null(strstr(de->d_name, ".tmp."), "left behind: %s", de->d_name);
    closedir(d);
    vm_table_free(j[0].t);
    vm_table_free(j[1].t);
}

/* Temporary files of crashed writers (any pid) go with the next write;
** other files stay. */
Test(store_writers, leftover_temporaries_are_removed)
{
    static const char *gone[] = { "t.tirt.tmp.99999", "t.tirt.del.tmp.12", "t.tirt.tmp.1" };
    static const char *kept[] = { "t.tirt.tmp.x", "t.tirt.tmp.", "u.tirt.tmp.5", "t.tirt.tmp.5.keep" };
    char p[300], err[256];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, gone[i]);
        fclose(fopen(p, "w"));
    }
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, kept[i]);
        fclose(fopen(p, "w"));
    }
    vm_table *t = mk_table(100, 0);
    cr_assert_eq(vm_store_write(path, t, spec, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, gone[i]);
        cr_assert(!exists(p), "%s", gone[i]);
    }
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, kept[i]);
        cr_assert(exists(p), "%s", kept[i]);
    }
    /* a delete cleans up too */
    snprintf(p, sizeof p, "%s/%s", dir, gone[1]);
    fclose(fopen(p, "w"));
    vm_store *s = open_ok();
    uint64_t r = 1;
    cr_assert_eq(vm_store_delete(s, &r, 1, err, sizeof err), TIR_OK, "%s", err);
    cr_assert(!exists(p));
    vm_store_close(s);
    vm_table_free(t);
}
