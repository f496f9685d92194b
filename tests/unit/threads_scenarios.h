/*
** threads_scenarios.h — the API's contracts between threads and objects,
** as scenarios that return false and say why when a contract is broken:
** one engine used by several threads at once, results that outlive their
** programs, cancels that are never lost, error messages that belong to the
** program that failed, a cached table replaced while another run still
** reads it, a live Arrow stream pulled while other threads run programs.
** test_threads.c runs them as a Criterion suite (release and
** ASan builds); tests/threads/tsan.c runs them without Criterion, whose
** runner cannot start under ThreadSanitizer (Criterion issue #274).
**
** Runs that must be caught in the middle read a FIFO: they block in its
** load until the scenario writes it, so "while running" is a fact, not a
** race.
*/
#ifndef THREADS_SCENARIOS_H
#define THREADS_SCENARIOS_H

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tir_arrow.h"

#define SC_ROWS 70000   /* three morsels: runs use two workers */

typedef struct sc_ctx {
    char dir[256];
    char why[1024];           /* the broken contract, when a scenario fails */
} sc_ctx;

static bool sc_setup(sc_ctx *c)
{
    c->why[0] = 0;
    signal(SIGPIPE, SIG_IGN);   /* a FIFO's reader may be gone: EPIPE, not death */
    snprintf(c->dir, sizeof c->dir, "/tmp/tir_threads_XXXXXX");
    return mkdtemp(c->dir) != NULL;
}

static void sc_teardown(sc_ctx *c)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", c->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", c->dir);
}

static bool sc_fail(sc_ctx *c, int line, const char *cond, const char *fmt, ...)
{
    int n = snprintf(c->why, sizeof c->why, "line %d: %s: ", line, cond);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why + n, sizeof c->why - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* In a scenario: a broken contract ends it with false and the reason. */
#define EXPECT(cond, ...)                                         \
    do {                                                          \
        if (!(cond))                                              \
            return sc_fail(c, __LINE__, #cond, "" __VA_ARGS__);   \
    } while (0)

static void sc_path(const sc_ctx *c, char *path, size_t n, const char *name)
{
    snprintf(path, n, "%s/%s", c->dir, name);
}

static bool sc_write(const sc_ctx *c, const char *name, const char *text)
{
    char path[512];
    sc_path(c, path, sizeof path, name);
    FILE *f = fopen(path, "w");
    return f && fputs(text, f) >= 0 && fclose(f) == 0;
}

/* n = 1..rows, k = n % 97, tag NULL every 5th row */
static bool sc_write_nums(const sc_ctx *c, int rows)
{
    char path[512];
    sc_path(c, path, sizeof path, "nums.csv");
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("n,k,tag\n", f);
    for (int n = 1; n <= rows; n++)
        fprintf(f, "%d,%d,%s\n", n, n % 97, n % 5 == 0 ? "" : n % 2 ? "odd" : "a_tag_longer_than_twelve");
    return fclose(f) == 0;
}

static tir_program *sc_compile(const sc_ctx *c, tir_engine *e, const char *src)
{
    char file[512];
    sc_path(c, file, sizeof file, "prog.tir");
    tir_program *p = NULL;
    tir_compile(e, file, src, strlen(src), &p);
    return p;
}

static const char sc_sum_prog[] =
    "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
    "$m: i64\n"
    "p: Pipeline = {\n"
    "    v1 = table_scan :table = nums\n"
    "    v2 = filter :input = v1 :expr = $in.n % $m == 0\n"
    "    g = hash_group_by :input = v2 :group_by = [\"k\"] :aggregates = { \"s\": sum($in.n), \"c\": count($in.tag) }\n"
    "}\n"
    "q: Pipeline = {\n"
    "    w1 = table_scan :table = p.g\n"
    "    t = aggregate :input = w1 :aggregates = { \"s\": sum($in.s), \"c\": sum($in.c), \"groups\": count(*) }\n"
    "}\n"
    "output q.t as \"totals\"\n";

/* What sc_sum_prog returns for $m = m over sc_write_nums(c, SC_ROWS). */
static void sc_expected(int64_t m, int64_t *s, int64_t *cnt, int64_t *groups)
{
    bool seen[97] = {false};
    *s = *cnt = *groups = 0;
    for (int64_t n = m; n <= SC_ROWS; n += m) {
        *s += n;
        *cnt += n % 5 != 0;
        *groups += !seen[n % 97];
        seen[n % 97] = true;
    }
}

/* Column col of a one-row i64 output (INT64_MIN when it is not one). */
static int64_t sc_cell(const tir_result *r, size_t out, size_t col)
{
    if (tir_result_nrows(r, out) != 1 || tir_result_col_type(r, out, col) != TIR_I64)
        return INT64_MIN;
    return ((const int64_t *)tir_result_batch_data(r, out, 0, col))[0];
}

/* Binds $m and runs; *s = the sum on success. */
static tir_status sc_run_m(tir_program *p, int64_t m, int64_t *s)
{
    tir_result *r = NULL;
    tir_status st = tir_bind_i64(p, "m", m);
    if (!st)
        st = tir_run(p, &r);
    if (!st)
        *s = sc_cell(r, 0, 0);
    tir_result_free(r);
    return st;
}

/* ------------------------------------------------- several threads at once */

typedef struct sc_worker {
    const sc_ctx *c;
    tir_engine *e;
    int t, iters;
    int wrong;                /* results or messages that were not right */
    char why[512];
} sc_worker;

static void *sc_stress_main(void *arg)
{
    sc_worker *w = arg;
    char bad[512], want[32], file[512];
    /* a typo only this thread makes: its message must come back to it */
    snprintf(bad, sizeof bad,
             "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
             "p: Pipeline = {\n    v1 = table_scan :table = nums\n"
             "    v2 = filter :input = v1 :expr = $in.wrong%d > 0\n}\noutput p.v2\n",
             w->t);
    snprintf(want, sizeof want, "wrong%d", w->t);
    sc_path(w->c, file, sizeof file, "prog.tir");
    for (int i = 0; i < w->iters; i++) {
        tir_program *p = NULL;
        if (i % 10 == 9) {
            tir_status st = tir_compile(w->e, file, bad, strlen(bad), &p);
            if (st != TIR_ERR_COMPILE || !p || !strstr(tir_program_errmsg(p), want)) {
                snprintf(w->why, sizeof w->why, "thread %d: the bad program gave %d: %s", w->t, st,
                         p ? tir_program_errmsg(p) : "(no program)");
                w->wrong++;
            }
            tir_program_free(p);
            continue;
        }
        int64_t m = 2 + (w->t * 7 + i) % 5;
        tir_result *r = NULL;
        if (tir_compile(w->e, file, sc_sum_prog, sizeof sc_sum_prog - 1, &p) || tir_bind_i64(p, "m", m) ||
            tir_run(p, &r)) {
            snprintf(w->why, sizeof w->why, "thread %d: %s", w->t, p ? tir_program_errmsg(p) : "no program");
            w->wrong++;
        } else {
            tir_program_free(p);   /* the result must not need it */
            p = NULL;
            int64_t s, cnt, g;
            sc_expected(m, &s, &cnt, &g);
            if (sc_cell(r, 0, 0) != s || sc_cell(r, 0, 1) != cnt || sc_cell(r, 0, 2) != g ||
                strcmp(tir_result_output_name(r, 0), "totals") || strcmp(tir_result_col_name(r, 0, 2), "groups")) {
                snprintf(w->why, sizeof w->why, "thread %d, m %lld: got %lld %lld %lld, want %lld %lld %lld", w->t,
                         (long long)m, (long long)sc_cell(r, 0, 0), (long long)sc_cell(r, 0, 1),
                         (long long)sc_cell(r, 0, 2), (long long)s, (long long)cnt, (long long)g);
                w->wrong++;
            }
        }
        tir_result_free(r);
        tir_program_free(p);
    }
    return NULL;
}

/* 4 threads x iters compile/bind/run/free cycles on one engine sharing its
** table cache; every 10th compiles a program with the thread's own error. */
static bool sc_four_threads_on_one_engine(sc_ctx *c, int iters)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 2, .batch_size = 512});
    EXPECT(e);
    sc_worker w[4];
    pthread_t tid[4];
    for (int t = 0; t < 4; t++) {
        w[t] = (sc_worker){.c = c, .e = e, .t = t, .iters = iters};
        EXPECT(pthread_create(&tid[t], NULL, sc_stress_main, &w[t]) == 0);
    }
    for (int t = 0; t < 4; t++)
        pthread_join(tid[t], NULL);
    tir_engine_free(e);
    for (int t = 0; t < 4; t++)
        EXPECT(w[t].wrong == 0, "%d wrong; the last: %s", w[t].wrong, w[t].why);
    return true;
}

static bool sc_result_outlives_its_program(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = sc_compile(c, e, sc_sum_prog);
    tir_result *r = NULL;
    EXPECT(tir_bind_i64(p, "m", 3) == TIR_OK);
    EXPECT(tir_run(p, &r) == TIR_OK, "%s", tir_program_errmsg(p));
    tir_program_free(p);
    int64_t s, cnt, g;
    sc_expected(3, &s, &cnt, &g);
    EXPECT(!strcmp(tir_result_output_name(r, 0), "totals"));
    EXPECT(!strcmp(tir_result_col_name(r, 0, 0), "s"));
    EXPECT(sc_cell(r, 0, 0) == s && sc_cell(r, 0, 1) == cnt && sc_cell(r, 0, 2) == g);
    EXPECT(strstr(tir_result_profile(r), "hash_group_by"));
    tir_result_free(r);
    tir_engine_free(e);
    return true;
}

/* ----------------------------------------------------------- cancelling */

static bool sc_cancel_before_the_run_is_not_lost(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p = sc_compile(c, e, sc_sum_prog);
    int64_t s = 0, want, cnt, g;
    sc_expected(2, &want, &cnt, &g);
    tir_engine_cancel(e);
    EXPECT(sc_run_m(p, 2, &s) == TIR_ERR_CANCELLED);
    EXPECT(!strcmp(tir_program_errmsg(p), "cancelled"), "%s", tir_program_errmsg(p));
    /* spent by the run it stopped */
    EXPECT(sc_run_m(p, 2, &s) == TIR_OK, "%s", tir_program_errmsg(p));
    EXPECT(s == want);
    EXPECT(!strcmp(tir_program_errmsg(p), ""));
    tir_program_free(p);
    tir_engine_free(e);
    return true;
}

static bool sc_program_cancel_stops_that_program_only(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(NULL);
    tir_program *p1 = sc_compile(c, e, sc_sum_prog), *p2 = sc_compile(c, e, sc_sum_prog);
    int64_t s = 0, want, cnt, g;
    sc_expected(4, &want, &cnt, &g);
    tir_program_cancel(p1);
    EXPECT(sc_run_m(p2, 4, &s) == TIR_OK, "%s", tir_program_errmsg(p2));
    EXPECT(s == want);
    EXPECT(sc_run_m(p1, 4, &s) == TIR_ERR_CANCELLED);
    EXPECT(sc_run_m(p1, 4, &s) == TIR_OK, "%s", tir_program_errmsg(p1));
    EXPECT(s == want);
    tir_program_free(p1);
    tir_program_free(p2);
    tir_engine_free(e);
    return true;
}

/* A program whose first pipeline reads nums.csv, whose second reads the
** FIFO `fifo`, and whose third reads nums.csv again after the FIFO's rows
** (only rows n >= the FIFO's x). */
static void sc_fifo_prog(char *buf, size_t n, const char *fifo)
{
    snprintf(buf, n,
             "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
             "late: Table = read_csv(\"%s\") { x: i64 }\n"
             "a: Pipeline = {\n    v = table_scan :table = nums\n"
             "    t = aggregate :input = v :aggregates = { \"s\": sum($in.n) }\n}\n"
             "b: Pipeline = {\n    v = table_scan :table = late\n"
             "    t = aggregate :input = v :aggregates = { \"lo\": min($in.x) }\n}\n"
             "c: Pipeline = {\n    v = table_scan :table = nums\n"
             "    w = filter :input = v :expr = $in.n >= b.t.lo\n"
             "    t = aggregate :input = w :aggregates = { \"s\": sum($in.n), \"c\": count(*) }\n}\n"
             "output a.t as \"first\"\noutput c.t as \"again\"\n",
             fifo);
}

typedef struct sc_bg {
    tir_program *p;
    tir_result *r;
    tir_status st;
    pthread_t tid;
} sc_bg;

static void *sc_bg_main(void *arg)
{
    sc_bg *b = arg;
    b->st = tir_run(b->p, &b->r);
    return NULL;
}

/* A FIFO whose writer (a thread) opens it when its reader does, and writes
** its rows and closes it only after sc_fifo_go: until then the reader, a
** run loading it as a table, waits in the middle of the run. */
typedef struct sc_fifo {
    char path[512];
    const char *rows;
    sem_t go;
    pthread_t tid;
} sc_fifo;

static void *sc_fifo_main(void *arg)
{
    sc_fifo *f = arg;
    int fd = open(f->path, O_WRONLY);
    while (sem_wait(&f->go) != 0)
        ;
    if (fd >= 0) {
        if (write(fd, f->rows, strlen(f->rows)) < 0)
            perror("fifo");
        close(fd);
    }
    return NULL;
}

static bool sc_fifo_open(const sc_ctx *c, sc_fifo *f, const char *name, const char *rows)
{
    sc_path(c, f->path, sizeof f->path, name);
    f->rows = rows;
    return mkfifo(f->path, 0600) == 0 && sem_init(&f->go, 0, 0) == 0 &&
           pthread_create(&f->tid, NULL, sc_fifo_main, f) == 0;
}

static void sc_fifo_go(sc_fifo *f)
{
    sem_post(&f->go);
}

/* After sc_fifo_go and the reader's end: a writer that no reader ever
** came for is let through by a reader of our own. */
static void sc_fifo_close(sc_fifo *f)
{
    int fd = open(f->path, O_RDONLY | O_NONBLOCK);
    pthread_join(f->tid, NULL);
    if (fd >= 0)
        close(fd);
    sem_destroy(&f->go);
}

/* A run held in the middle: the FIFO program runs on another thread and
** is waited for until it has scanned its first pipeline (then it is inside
** tir_run, and cannot end before sc_release lets its FIFO through). */
typedef struct sc_held {
    sc_fifo f;
    sc_bg run;
} sc_held;

static bool sc_hold(const sc_ctx *c, tir_engine *e, const char *fifo, const char *rows, sc_held *h)
{
    char src[2048];
    sc_fifo_prog(src, sizeof src, fifo);
    h->run = (sc_bg){.p = sc_compile(c, e, src)};
    if (!h->run.p || !sc_fifo_open(c, &h->f, fifo, rows) || pthread_create(&h->run.tid, NULL, sc_bg_main, &h->run))
        return false;
    for (int i = 0; i < 30000; i++) {
        uint64_t d, t;
        tir_program_progress(h->run.p, &d, &t);
        if (d >= SC_ROWS)
            return true;
        usleep(1000);
    }
    return false;
}

/* Lets the FIFO's rows through and waits for the run's end. */
static void sc_release(sc_held *h)
{
    sc_fifo_go(&h->f);
    pthread_join(h->run.tid, NULL);
    sc_fifo_close(&h->f);
}

static void sc_held_free(sc_held *h)
{
    tir_result_free(h->run.r);
    tir_program_free(h->run.p);
}

static bool sc_cancel_stops_every_run_in_progress(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1});
    sc_held a, b;
    EXPECT(sc_hold(c, e, "f1.csv", "x\n1\n", &a));
    EXPECT(sc_hold(c, e, "f2.csv", "x\n1\n", &b));
    uint64_t d, t;
    tir_engine_progress(e, &d, &t);
    EXPECT(d >= 2 * SC_ROWS, "both runs count in the engine's progress: %llu", (unsigned long long)d);
    tir_engine_cancel(e);
    sc_release(&a);
    sc_release(&b);
    EXPECT(a.run.st == TIR_ERR_CANCELLED, "%s", tir_program_errmsg(a.run.p));
    EXPECT(b.run.st == TIR_ERR_CANCELLED, "%s", tir_program_errmsg(b.run.p));
    /* spent: the next run is not cancelled */
    char path[512];
    sc_path(c, path, sizeof path, "f1.csv");
    EXPECT(unlink(path) == 0 && sc_write(c, "f1.csv", "x\n1\n"));
    EXPECT(tir_run(a.run.p, &a.run.r) == TIR_OK, "%s", tir_program_errmsg(a.run.p));
    sc_held_free(&a);
    sc_held_free(&b);
    tir_engine_free(e);
    return true;
}

/* ---------------------------------------------------- the table cache */

static bool sc_cached_table_replaced_while_a_run_reads_it(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1});
    sc_held a;
    EXPECT(sc_hold(c, e, "f.csv", "x\n69001\n", &a));
    /* a's copy of nums.csv leaves the cache while a still needs it */
    sleep(1);   /* a new mtime even on coarse clocks */
    EXPECT(sc_write_nums(c, 100));
    tir_program *p = sc_compile(c, e, sc_sum_prog);
    int64_t s = 0, want, cnt, g;
    EXPECT(sc_run_m(p, 1, &s) == TIR_OK, "%s", tir_program_errmsg(p));
    EXPECT(s == 100 * 101 / 2, "the new file is read: %lld", (long long)s);
    tir_engine_clear_cache(e);
    sc_release(&a);
    const tir_result *r = a.run.r;
    EXPECT(a.run.st == TIR_OK, "%s", tir_program_errmsg(a.run.p));
    sc_expected(1, &want, &cnt, &g);
    EXPECT(sc_cell(r, 0, 0) == want);
    /* rows 69001..70000 of the file as it was when the run read it */
    EXPECT(sc_cell(r, 1, 0) == (69001 + SC_ROWS) * 1000 / 2, "%lld", (long long)sc_cell(r, 1, 0));
    EXPECT(sc_cell(r, 1, 1) == 1000);
    sc_held_free(&a);
    tir_program_free(p);
    tir_engine_free(e);
    return true;
}

static bool sc_program_runs_on_one_thread_at_a_time(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1});
    sc_held a;
    EXPECT(sc_hold(c, e, "f.csv", "x\n1\n", &a));
    tir_result *r = NULL;
    EXPECT(tir_run(a.run.p, &r) == TIR_ERR_ARG);
    EXPECT(r == NULL);
    EXPECT(strstr(tir_engine_errmsg(e), "already running"), "%s", tir_engine_errmsg(e));
    /* a bind would change what the run reads: refused, the binding as it was */
    EXPECT(tir_bind_i64(a.run.p, "m", 1) == TIR_ERR_ARG);
    EXPECT(strstr(tir_engine_errmsg(e), "tir_bind: the program is already running"), "%s", tir_engine_errmsg(e));
    EXPECT(tir_clear_bindings(a.run.p) == TIR_ERR_ARG);
    EXPECT(strstr(tir_engine_errmsg(e), "tir_clear_bindings:"), "%s", tir_engine_errmsg(e));
    sc_release(&a);
    EXPECT(a.run.st == TIR_OK, "%s", tir_program_errmsg(a.run.p));
    sc_held_free(&a);
    tir_engine_free(e);
    return true;
}

/* --------------------------------------------- each thread's own message */

static void sc_schema_done(struct ArrowSchema *s)
{
    s->release = NULL;
}

static void sc_array_done(struct ArrowArray *a)
{
    a->release = NULL;
}

/* Fails a registration with an Arrow type tir does not read (uint64, "L")
** in a column named col. */
static tir_status sc_register_bad(tir_engine *e, const char *col)
{
    static const int64_t v[4];
    const void *kb[2] = {NULL, v}, *tb[1] = {NULL};
    struct ArrowSchema k = {.format = "L", .name = col, .release = sc_schema_done}, *kp = &k;
    struct ArrowSchema sch = {.format = "+s", .name = "", .n_children = 1, .children = &kp, .release = sc_schema_done};
    struct ArrowArray ka = {.length = 4, .n_buffers = 2, .buffers = kb, .release = sc_array_done}, *kap = &ka;
    struct ArrowArray a = {.length = 4, .n_buffers = 1, .buffers = tb, .n_children = 1, .children = &kap,
                           .release = sc_array_done};
    return tir_engine_register_arrow(e, "t", &sch, &a);
}

static void *sc_messages_main(void *arg)
{
    sc_worker *w = arg;
    char col[32], csv[512], out[512];
    snprintf(col, sizeof col, "col_of_thread_%d", w->t);
    char missing[32];
    snprintf(missing, sizeof missing, "missing_%d.csv", w->t);
    sc_path(w->c, csv, sizeof csv, missing);
    sc_path(w->c, out, sizeof out, "never.tirt");
    for (int i = 0; i < w->iters; i++) {
        if (sc_register_bad(w->e, col) != TIR_ERR_DATA || !strstr(tir_engine_errmsg(w->e), col)) {
            snprintf(w->why, sizeof w->why, "thread %d, registering: %s", w->t, tir_engine_errmsg(w->e));
            w->wrong++;
        }
        if (tir_import_csv(w->e, csv, out, NULL, NULL) == TIR_OK || !strstr(tir_engine_errmsg(w->e), missing)) {
            snprintf(w->why, sizeof w->why, "thread %d, importing: %s", w->t, tir_engine_errmsg(w->e));
            w->wrong++;
        }
        tir_program *p = sc_compile(w->c, w->e, sc_sum_prog);
        if (!p || tir_program_diag_text(p)[0] || *tir_engine_errmsg(w->e)) {
            snprintf(w->why, sizeof w->why, "thread %d, a compile that succeeds: '%s'", w->t, tir_engine_errmsg(w->e));
            w->wrong++;
        }
        tir_program_free(p);
    }
    return NULL;
}

/* Issue 11: the engine's message was one buffer, so 4 threads failing at
** once read each other's messages (and TSan saw the race). Each thread
** must read its own: the column it registered, the file it imported, and
** "" after its own compile succeeds. */
static bool sc_each_thread_reads_its_own_message(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, 100));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1});
    EXPECT(e);
    sc_worker w[4];
    pthread_t tid[4];
    for (int t = 0; t < 4; t++) {
        w[t] = (sc_worker){.c = c, .e = e, .t = t, .iters = 300};
        EXPECT(pthread_create(&tid[t], NULL, sc_messages_main, &w[t]) == 0);
    }
    for (int t = 0; t < 4; t++)
        pthread_join(tid[t], NULL);
    /* the threads ended after a success: their messages are gone */
    EXPECT(!*tir_engine_errmsg(e), "%s", tir_engine_errmsg(e));
    EXPECT(sc_register_bad(e, "mine") == TIR_ERR_DATA && strstr(tir_engine_errmsg(e), "mine"));
    tir_engine_free(e);
    for (int t = 0; t < 4; t++)
        EXPECT(w[t].wrong == 0, "%d wrong; the last: %s", w[t].wrong, w[t].why);
    return true;
}

/* ------------------------------------------------------ a live stream */

static const char sc_live_prog[] =
    "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = nums\n"
    "    f = filter :input = v :expr = $in.n % 3 != 0\n"
    "    x = project :input = f :columns = { \"n\": $in.n, \"tag\": $in.tag }\n"
    "}\noutput p.x\n";

/* Pulls a live stream of sc_live_prog to its end (or, stop_after > 0,
** releases it after that many arrays): rows in order, counted in *rows. */
static bool sc_pull_live(sc_ctx *c, tir_program *p, int stop_after, int64_t *rows)
{
    struct ArrowArrayStream s;
    EXPECT(tir_run_arrow_stream(p, 0, &s) == TIR_OK, "%s", tir_program_errmsg(p));
    int64_t want = 1;
    int arrays = 0;
    *rows = 0;
    for (;;) {
        struct ArrowArray a;
        int rc = s.get_next(&s, &a);
        EXPECT(rc == 0, "%s", s.get_last_error(&s));
        if (!a.release)
            break;
        const int64_t *n = (const int64_t *)a.children[0]->buffers[1] + a.children[0]->offset;
        for (int64_t i = 0; i < a.length; i++, want++) {
            want += want % 3 == 0;
            EXPECT(n[i] == want, "row %lld: %lld", (long long)*rows, (long long)n[i]);
            ++*rows;
        }
        a.release(&a);
        if (++arrays == stop_after)
            break;
    }
    s.release(&s);
    return true;
}

/* One thread pulls live streams (one to its end, one released early)
** while two others compile and run programs on the same engine. */
static bool sc_live_stream_beside_other_runs(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 2, .batch_size = 512});
    sc_worker w[2];
    pthread_t tid[2];
    for (int t = 0; t < 2; t++) {
        w[t] = (sc_worker){.c = c, .e = e, .t = t, .iters = 40};
        EXPECT(pthread_create(&tid[t], NULL, sc_stress_main, &w[t]) == 0);
    }
    tir_program *p = sc_compile(c, e, sc_live_prog);
    int64_t rows = 0, early = 0;
    bool ok = p && sc_pull_live(c, p, 0, &rows) && sc_pull_live(c, p, 2, &early);
    for (int t = 0; t < 2; t++)
        pthread_join(tid[t], NULL);
    tir_program_free(p);
    tir_engine_free(e);
    if (!ok)
        return false;
    EXPECT(rows == SC_ROWS - SC_ROWS / 3, "%lld rows", (long long)rows);
    EXPECT(early > 0 && early < rows, "%lld rows before the release", (long long)early);
    for (int t = 0; t < 2; t++)
        EXPECT(w[t].wrong == 0, "%d wrong; the last: %s", w[t].wrong, w[t].why);
    return true;
}

/* tir_run_each on two threads: a group-by and a sort forced to spill hand
** their rows over from the merge (a group-by's partitions from either
** worker, one call at a time); every row arrives once. */
typedef struct sc_each {
    int64_t rows, sum;
    int calls;
} sc_each;

static tir_status sc_each_rows(void *ctx, const tir_result *r)
{
    sc_each *s = ctx;   /* unlocked: calls come one at a time (TSan checks) */
    s->calls++;
    for (size_t b = 0; b < tir_result_nbatches(r, 0); b++) {
        const int64_t *n = tir_result_batch_data(r, 0, b, 0);
        for (uint32_t i = 0; i < tir_result_batch_rows(r, 0, b); i++)
            s->sum += n[i];
        s->rows += tir_result_batch_rows(r, 0, b);
    }
    return TIR_OK;
}

static bool sc_spilled_outputs_handed_over(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 2, .batch_size = 512, .force_spill = true});
    static const char *const progs[] = {
        "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
        "p: Pipeline = { s = table_scan :table = nums\n"
        "    g = hash_group_by :input = s :group_by = [\"n\"] :aggregates = { \"c\": count(*) } }\noutput p.g\n",
        "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
        "p: Pipeline = { s = table_scan :table = nums\n"
        "    o = sort :input = s :by = [$in.k, $in.n desc] }\noutput p.o\n",
    };
    bool ok = true;
    for (int k = 0; k < 2 && ok; k++) {
        tir_program *p = sc_compile(c, e, progs[k]);
        sc_each s = {0};
        tir_result *r = NULL;
        ok = p && tir_run_each(p, 0, sc_each_rows, &s, &r) == TIR_OK;
        if (ok)
            ok = s.calls > 1 && s.rows + (int64_t)tir_result_nrows(r, 0) == SC_ROWS &&
                 (k == 1 || s.sum == (int64_t)SC_ROWS * (SC_ROWS + 1) / 2);
        if (!ok)
            snprintf(c->why, sizeof c->why, "%s: %d calls, %lld rows", p ? tir_program_errmsg(p) : "no program",
                     s.calls, (long long)s.rows);
        tir_result_free(r);
        tir_program_free(p);
    }
    tir_engine_free(e);
    return ok;
}

/* ------------------------------------------------------ worker threads */

static int sc_nthreads(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* The threads once `want` are left, waiting up to a second for them: a
** joined thread can stay listed in /proc for a moment after pthread_join
** returns (its tid is cleared before the kernel drops its task). */
static int sc_nthreads_down_to(int want)
{
    int n = sc_nthreads();
    for (int i = 0; i < 200 && n > want; i++) {
        nanosleep(&(struct timespec){0, 5000000}, NULL);
        n = sc_nthreads();
    }
    return n;
}

/* The engine's workers start with its first parallel run and stay until
** it is freed, not a thread per pipeline. */
static bool sc_workers_start_once_and_stay(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, 100000));   /* several morsels: 3 workers */
    int before = sc_nthreads();
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 3, .batch_size = 256});
    EXPECT(sc_nthreads() == before, "no thread before a run: %d, %d", sc_nthreads(), before);
    tir_program *p = sc_compile(c, e, sc_sum_prog);
    int64_t s = 0, want = 5 * (int64_t)20000 * 20001 / 2;
    for (int i = 0; i < 5; i++) {
        EXPECT(sc_run_m(p, 5, &s) == TIR_OK, "%s", tir_program_errmsg(p));
        EXPECT(s == want);
        EXPECT(sc_nthreads() == before + 2, "%d threads after run %d, %d before", sc_nthreads(), i, before);
    }
    tir_program_free(p);
    tir_engine_free(e);
    int after = sc_nthreads_down_to(before);
    EXPECT(after == before, "%d threads after the engine, %d before", after, before);
    return true;
}

/* An engine on the embedder's threads starts none of its own: the threads
** lent to it do the workers' shares until the engine is freed, which
** returns them. (test_vm's lent_threads_take_the_workers_shares shows a
** lent thread taking a share.) */
typedef struct sc_lender {
    tir_engine *e;
    tir_status st;
} sc_lender;

static void *sc_lend_main(void *arg)
{
    sc_lender *l = arg;
    l->st = tir_engine_lend_thread(l->e);
    return NULL;
}

static bool sc_lent_threads_do_the_work(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, 100000));
    tir_engine *own = tir_engine_new(&(tir_config){.threads = 2});
    EXPECT(tir_engine_lend_thread(own) == TIR_ERR_ARG, "an engine with its own threads took a lent one");
    tir_engine_free(own);

    tir_engine *e = tir_engine_new(&(tir_config){.threads = 3, .batch_size = 256, .external_threads = true});
    sc_lender l[2] = {{e, TIR_ERR_RUNTIME}, {e, TIR_ERR_RUNTIME}};
    pthread_t tid[2];
    for (int i = 0; i < 2; i++)
        EXPECT(pthread_create(&tid[i], NULL, sc_lend_main, &l[i]) == 0);
    /* both lent before anything else: the engine must not be freed before */
    for (int i = 0; i < 10000 && tir_engine_lent_threads(e) < 2; i++)
        usleep(1000);
    EXPECT(tir_engine_lent_threads(e) == 2, "%d threads lent after 10 s", tir_engine_lent_threads(e));
    int before = sc_nthreads();
    tir_program *p = sc_compile(c, e, sc_sum_prog);
    int64_t s = 0, want = 5 * (int64_t)20000 * 20001 / 2;
    for (int i = 0; i < 5; i++) {
        EXPECT(sc_run_m(p, 5, &s) == TIR_OK, "%s", tir_program_errmsg(p));
        EXPECT(s == want, "run %d: %lld, want %lld", i, (long long)s, (long long)want);
        EXPECT(sc_nthreads() == before, "%d threads after run %d, %d before: the engine started some", sc_nthreads(),
               i, before);
    }
    tir_program_free(p);
    tir_engine_free(e);   /* returns the lent threads: a hang here is the bug */
    for (int i = 0; i < 2; i++) {
        pthread_join(tid[i], NULL);
        EXPECT(l[i].st == TIR_OK, "lent thread %d: status %d", i, (int)l[i].st);
    }
    return true;
}

/* A full join with a condition on two workers: both mark the entries they
** match in one shared array (the build rows a multiple of 3000 never
** match), and share out the unmatched ones once both are done. */
static bool sc_full_join_marks_shared_by_workers(sc_ctx *c)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 2, .batch_size = 512});
    tir_program *p = sc_compile(c, e,
        "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
        "b: Pipeline = {\n    u1 = table_scan :table = nums\n"
        "    u2 = filter :input = u1 :expr = $in.n % 1000 == 0\n"
        "    u3 = project :input = u2 :columns = { \"k\": $in.k, \"hn\": $in.n }\n"
        "    ht = build_hash :input = u3 :key = [\"k\"] :value = [\"hn\"]\n}\n"
        "p: Pipeline = {\n    v1 = table_scan :table = nums\n"
        "    j = hash_join :input = v1 :kind = full :ht = b.ht :key = [$in.k]\n"
        "        :condition = $in.n < $ht.hn && $ht.hn % 3000 != 0 :projection = { \"n\": $in.n, \"hn\": $ht.hn }\n"
        "    t = aggregate :input = j :aggregates = { \"rows\": count(*), \"n\": count($in.n), \"hn\": count($in.hn) }\n}\n"
        "output p.t\n");
    EXPECT(p && !tir_program_errmsg(p)[0], "%s", p ? tir_program_errmsg(p) : "no program");
    int64_t pairs = 0, lone_n = 0, lone_hn = 0;
    bool hit[SC_ROWS / 1000 + 1] = {false};
    for (int64_t n = 1; n <= SC_ROWS; n++) {
        bool any = false;
        for (int64_t h = 1000; h <= SC_ROWS; h += 1000)
            if (n % 97 == h % 97 && n < h && h % 3000 != 0) {
                pairs++;
                any = hit[h / 1000] = true;
            }
        lone_n += !any;
    }
    for (int64_t h = 1000; h <= SC_ROWS; h += 1000)
        lone_hn += !hit[h / 1000];
    for (int i = 0; i < 3; i++) {
        tir_result *r = NULL;
        EXPECT(tir_run(p, &r) == TIR_OK, "%s", tir_program_errmsg(p));
        EXPECT(sc_cell(r, 0, 0) == pairs + lone_n + lone_hn && sc_cell(r, 0, 1) == pairs + lone_n &&
                   sc_cell(r, 0, 2) == pairs + lone_hn,
               "got %lld %lld %lld, want %lld pairs, %lld and %lld unmatched", (long long)sc_cell(r, 0, 0),
               (long long)sc_cell(r, 0, 1), (long long)sc_cell(r, 0, 2), (long long)pairs, (long long)lone_n,
               (long long)lone_hn);
        tir_result_free(r);
    }
    tir_program_free(p);
    tir_engine_free(e);
    return true;
}

/* Runs program (nums' rows n build a table on key n % 35000, probed by n)
** three times on two threads: every key twice (n and n + 35000), chains
** and counts as on one thread. */
static bool sc_big_join_twice(sc_ctx *c, const char *program)
{
    EXPECT(sc_write_nums(c, SC_ROWS));
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 2, .batch_size = 1024});
    tir_program *p = sc_compile(c, e, program);
    EXPECT(p && !tir_program_errmsg(p)[0], "%s", p ? tir_program_errmsg(p) : "no program");
    int64_t pairs = 0, sn = 0, shn = 0;
    for (int64_t n = 1; n < 35000; n++) { /* probe n meets build rows n and n + 35000 */
        pairs += 2;
        sn += 2 * n;
        shn += n + (n + 35000);
    }
    for (int i = 0; i < 3; i++) {
        tir_result *r = NULL;
        EXPECT(tir_run(p, &r) == TIR_OK, "%s", tir_program_errmsg(p));
        EXPECT(sc_cell(r, 0, 0) == pairs && sc_cell(r, 0, 1) == sn && sc_cell(r, 0, 2) == shn,
               "got %lld rows, sums %lld %lld; want %lld, %lld %lld", (long long)sc_cell(r, 0, 0),
               (long long)sc_cell(r, 0, 1), (long long)sc_cell(r, 0, 2), (long long)pairs, (long long)sn,
               (long long)shn);
        tir_result_free(r);
    }
    tir_program_free(p);
    tir_engine_free(e);
    return true;
}

/* A join table of 70000 entries over 1.4M keys is laid out as a direct
** array by both threads, each its share of the key range (vm_ht_index_par). */
static bool sc_big_join_table_indexed_on_two_threads(sc_ctx *c)
{
    return sc_big_join_twice(c,
        "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
        "b: Pipeline = {\n    u1 = table_scan :table = nums\n"
        "    u2 = project :input = u1 :columns = { \"key\": $in.n % 35000 * 40, \"hn\": $in.n }\n"
        "    ht = build_hash :input = u2 :key = [\"key\"] :value = [\"hn\"]\n}\n"
        "p: Pipeline = {\n    v1 = table_scan :table = nums\n"
        "    j = hash_join :input = v1 :ht = b.ht :key = [$in.n * 40] :projection = { \"n\": $in.n, \"hn\": $ht.hn }\n"
        "    t = aggregate :input = j :aggregates = { \"rows\": count(*), \"n\": sum($in.n), \"hn\": sum($in.hn) }\n}\n"
        "output p.t\n");
}

/* The same over two key columns: no direct array, so the directory is laid
** out by both threads, each its range of slots, and its bloom filter too. */
static bool sc_big_join_directory_on_two_threads(sc_ctx *c)
{
    return sc_big_join_twice(c,
        "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
        "b: Pipeline = {\n    u1 = table_scan :table = nums\n"
        "    u2 = project :input = u1 :columns = { \"key\": $in.n % 35000 * 40, \"sub\": $in.n % 35000 % 3, \"hn\": $in.n }\n"
        "    ht = build_hash :input = u2 :key = [\"key\", \"sub\"] :value = [\"hn\"]\n}\n"
        "p: Pipeline = {\n    v1 = table_scan :table = nums\n"
        "    j = hash_join :input = v1 :ht = b.ht :key = [$in.n * 40, $in.n % 3] :projection = { \"n\": $in.n, \"hn\": $ht.hn }\n"
        "    t = aggregate :input = j :aggregates = { \"rows\": count(*), \"n\": sum($in.n), \"hn\": sum($in.hn) }\n}\n"
        "output p.t\n");
}

/* A pipeline that ends in two hash tables (one big enough to be indexed on
** both threads) and a bloom filter: the three are made at once, each task
** by the thread that takes it, the big index spreading over the threads
** free by then (vm_x_publish). The filter holds every n and the small table
** every n % 3: they drop nothing. */
static bool sc_tables_and_filter_made_at_once(sc_ctx *c)
{
    return sc_big_join_twice(c,
        "nums: Table = read_csv(\"nums.csv\") { n: i64, k: i64, tag: string nullable }\n"
        "b: Pipeline = {\n    u1 = table_scan :table = nums\n"
        "    u2 = project :input = u1 :columns = { \"key\": $in.n % 35000 * 40, \"sub\": $in.n % 35000 % 3, \"hn\": $in.n }\n"
        "    ht = build_hash :input = u2 :key = [\"key\", \"sub\"] :value = [\"hn\"]\n"
        "    small = build_hash :input = u2 :key = [\"sub\"]\n"
        "    bf = build_bloom :input = u2 :key = [\"hn\"]\n}\n"
        "p: Pipeline = {\n    v1 = table_scan :table = nums :blooms = { \"n\": b.bf }\n"
        "    j = hash_join :input = v1 :ht = b.ht :key = [$in.n * 40, $in.n % 3] :projection = { \"n\": $in.n, \"hn\": $ht.hn }\n"
        "    every = hash_join :input = j :ht = b.small :key = [$in.n % 3] :kind = semi\n"
        "    t = aggregate :input = every :aggregates = { \"rows\": count(*), \"n\": sum($in.n), \"hn\": sum($in.hn) }\n}\n"
        "output p.t\n");
}

/* Every scenario, for runners that take them all. */
static const struct sc_scenario {
    const char *name;
    bool (*fn)(sc_ctx *c);
} sc_scenarios[] = {
    {"a_result_outlives_its_program", sc_result_outlives_its_program},
    {"a_cancel_before_the_run_is_not_lost", sc_cancel_before_the_run_is_not_lost},
    {"a_program_cancel_stops_that_program_only", sc_program_cancel_stops_that_program_only},
    {"a_cancel_stops_every_run_in_progress", sc_cancel_stops_every_run_in_progress},
    {"a_cached_table_replaced_while_a_run_reads_it", sc_cached_table_replaced_while_a_run_reads_it},
    {"a_program_runs_on_one_thread_at_a_time", sc_program_runs_on_one_thread_at_a_time},
    {"workers_start_once_and_stay", sc_workers_start_once_and_stay},
    {"lent_threads_do_the_work", sc_lent_threads_do_the_work},
    {"a_live_stream_beside_other_runs", sc_live_stream_beside_other_runs},
    {"a_full_join_marks_shared_by_workers", sc_full_join_marks_shared_by_workers},
    {"each_thread_reads_its_own_message", sc_each_thread_reads_its_own_message},
    {"spilled_outputs_handed_over_on_two_threads", sc_spilled_outputs_handed_over},
    {"a_big_join_table_indexed_on_two_threads", sc_big_join_table_indexed_on_two_threads},
    {"a_big_join_directory_on_two_threads", sc_big_join_directory_on_two_threads},
    {"tables_and_filter_made_at_once", sc_tables_and_filter_made_at_once},
};

#endif
