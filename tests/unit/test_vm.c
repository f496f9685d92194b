/*
** test_vm.c — run-time data structures of the VM: growable columns, big
** arrays, the pool of worker threads.
*/
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "column.h"
#include "kernels.h"
#include "par.h"
#include "strfn.h"
#include "xpipe.h"
#include "tir.h"

/* Appends batches of every shape (dense / through a selection, with and
** without NULLs, starting mid-word) and checks values and validity row by
** row against what was appended. */
static void append_check(tir_type t)
{
    size_t w = vm_type_width(t);
    enum { ROWS = 300 };
    unsigned char src[ROWS * 16];
    uint64_t valid[ROWS / 64 + 1];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    if (t == TIR_STRING) /* short inline strings of length 0..12 */
        for (int i = 0; i < ROWS; i++) {
            tir_str *s = (tir_str *)(void *)(src + (size_t)i * 16);
            memset(s, 0, sizeof *s);
            s->len = (uint32_t)(i % 13);
            memset(s->prefix, 'a' + i % 26, s->len < 4 ? s->len : 4);
            memset(s->u.inl, 'a' + i % 26, s->len > 4 ? s->len - 4 : 0);
        }
    if (t == TIR_BOOL)
        for (int i = 0; i < ROWS; i++)
            src[i] &= 1;
    memset(valid, 0xff, sizeof valid);
    for (int i = 0; i < ROWS; i += 5)
        vm_bit_set(valid, (uint64_t)i, false);
    uint32_t sel[ROWS], nsel = 0;
    for (uint32_t i = 0; i < ROWS; i += 3)
        sel[nsel++] = i;

    vm_column c;
    vm_strheap heap;
    vm_column_init(&c, t);
    vm_strheap_init(&heap);
    /* expected rows: source row and whether it is valid */
    int want_row[4 * ROWS];
    bool want_valid[4 * ROWS];
    int n = 0;
    struct { bool nulls, use_sel; uint32_t count; } steps[] = {
        {false, false, 0}, /* into a column with no data array yet (UBSan: memcpy to NULL) */
        {false, false, 37}, {true, false, 70}, {false, true, nsel}, {false, false, ROWS}, {true, true, nsel},
    };
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        vm_vec v = {t, src, steps[k].nulls ? valid : NULL};
        cr_assert(vm_column_append(&c, &v, steps[k].use_sel ? sel : NULL, steps[k].count, &heap));
        for (uint32_t i = 0; i < steps[k].count; i++) {
            uint32_t r = steps[k].use_sel ? sel[i] : i;
            want_row[n] = (int)r;
            want_valid[n++] = !steps[k].nulls || vm_bit_get(valid, r);
        }
    }
    cr_assert_eq(c.len, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(vm_bit_get(c.validity, (uint64_t)i), want_valid[i], "type %d row %d validity", t, i);
        if (!want_valid[i])
            continue;
        const char *got = (const char *)c.data + (size_t)i * w, *exp = (const char *)src + (size_t)want_row[i] * w;
        if (t == TIR_STRING) {
            const tir_str *a = (const tir_str *)(const void *)got, *b = (const tir_str *)(const void *)exp;
            cr_assert(a->len == b->len && !memcmp(tir_str_ptr(a), tir_str_ptr(b), a->len), "row %d string", i);
        } else {
            cr_assert(!memcmp(got, exp, w), "type %d row %d value", t, i);
        }
    }
    vm_column_free(&c);
    vm_strheap_free(&heap);
}

Test(vm, column_append_every_width_and_shape)
{
    append_check(TIR_BOOL);
    append_check(TIR_I32);
    append_check(TIR_DATE);
    append_check(TIR_I64);
    append_check(TIR_F64);
    append_check(TIR_STRING);
}

/* vm_big_realloc from nothing through small (malloc) sizes, across the
** 2 MiB line (mapped, contents copied), several growths within the first
** 64 MiB of address space (the mapping stays where it is) and past it
** (its pages move to a bigger mapping): earlier bytes are kept and every
** grown part is zero, also once vm_big_populate has made its pages. */
Test(vm, big_realloc_keeps_and_zeroes)
{
    size_t sizes[] = {0,        100,      4096,     1 << 20,  (2 << 20) - 8, 2 << 20, (3 << 20) + 5,
                      8 << 20,  16 << 20, 40 << 20, 64 << 20, (64 << 20) + 5, 70 << 20, 130 << 20};
    unsigned char *p = NULL;
    size_t have = 0;
    for (size_t k = 1; k < sizeof sizes / sizeof *sizes; k++) {
        size_t want = sizes[k];
        unsigned char *q = vm_big_realloc(p, have, want);
        cr_assert_not_null(q, "growing %zu -> %zu bytes", have, want);
        if (have >= (2 << 20) && (have - 1) >> 26 == (want - 1) >> 26)
            cr_assert_eq(q, p, "growing %zu -> %zu bytes moved the array", have, want);
        /* populating from an unaligned offset covers old bytes of its page too */
        vm_big_populate(q, want, have, want);
        for (size_t i = 0; i < have; i += 997)
            cr_assert_eq(q[i], (unsigned char)(i * 31 + 7), "byte %zu lost growing %zu -> %zu", i, have, want);
        for (size_t i = have; i < want; i += 991)
            cr_assert_eq(q[i], 0, "grown byte %zu not zero (%zu -> %zu)", i, have, want);
        cr_assert_eq(q[want - 1], 0);
        for (size_t i = have; i < want; i++)
            q[i] = (unsigned char)(i * 31 + 7);
        p = q;
        have = want;
    }
    cr_assert_eq(vm_big_realloc(p, have, have / 2), p, "shrinking keeps the array");
    vm_big_free(p, have);
    vm_big_free(NULL, 0);
}

/* ---- the pool on an embedder's threads (tir_config.external_threads) */

typedef struct lend_state {
    vm_pool *pool;
    pthread_t who[2];
    atomic_int started;
} lend_state;

static void *lend_main(void *arg)
{
    vm_pool_lend(((lend_state *)arg)->pool);
    return NULL;
}

/* Share 0 waits (10 s at most) for share 1 to start: only a lent thread
** can start it while share 0 runs, since the pool starts no thread and the
** caller takes back unclaimed shares only after its own. */
static void lend_share(void *arg, int t)
{
    lend_state *s = arg;
    s->who[t] = pthread_self();
    atomic_fetch_add(&s->started, 1);
    for (int i = 0; t == 0 && i < 10000 && atomic_load(&s->started) < 2; i++)
        usleep(1000);
}

Test(vm, lent_threads_take_the_workers_shares)
{
    lend_state s = {.pool = vm_pool_new(1, true)};
    cr_assert(s.pool);
    pthread_t lender;
    cr_assert_eq(pthread_create(&lender, NULL, lend_main, &s), 0);
    vm_par_run(s.pool, 2, lend_share, &s);
    cr_expect(pthread_equal(s.who[0], pthread_self()), "share 0 runs on the caller");
    cr_expect(pthread_equal(s.who[1], lender), "share 1 did not run on the lent thread");
    vm_pool_free(s.pool);   /* returns the lent thread */
    cr_expect_eq(pthread_join(lender, NULL), 0);
}

/* Without a lent thread, the caller does every share itself. */
static void count_share(void *arg, int t)
{
    atomic_fetch_add((atomic_int *)arg, 1 << t);
}

Test(vm, an_external_pool_without_threads_runs_on_the_caller)
{
    vm_pool *p = vm_pool_new(3, true);
    atomic_int mask = 0;
    vm_par_run(p, 4, count_share, &mask);
    cr_expect_eq(atomic_load(&mask), 15, "shares done: %x", atomic_load(&mask));
    vm_pool_free(p);
}

/* A registered table's small chunks run together, up to a morsel of rows
** (one morsel a 2048-row chunk cost a claim and a record per batch: Q6 on
** DuckDB-sized chunks ran 1.2x slower than resident at 2 threads); a big
** chunk, an empty one and the next input of a union keep their own. */
Test(vm, small_registered_chunks_share_morsels)
{
    enum { M = VM_MORSEL_ROWS };
    static const struct { uint64_t rows; bool cont; uint64_t first; int lead; } want[] = {
        {100000, false, 0, 0},   /* a resident table: 4 morsels */
        {2048, false, 4, 1},     /* a registered table's first chunk leads */
        {0, true, 4, 1},
        {M - 2 * 2048, true, 4, 1},
        {2048, true, 4, 1},      /* exactly a morsel with the three before */
        {1, true, 5, 5},
        {M + 1, true, 6, 6},     /* too big to join: two morsels of its own */
        {7, true, 8, 7},
        {5, true, 8, 7},
        {0, false, 9, 9},        /* another input of a union: nothing joins it */
        {3, true, 9, 10},
        {3, false, 10, 11},
        {3, true, 10, 11},
    };
    enum { N = sizeof want / sizeof *want };
    vm_table t[N];
    xsource s[N];
    uint64_t rows = 0;
    for (int k = 0; k < N; k++) {
        t[k] = (vm_table){.nrows = want[k].rows};
        s[k] = (xsource){.mem = &t[k], .cont = want[k].cont};
        rows += want[k].rows;
    }
    cr_assert_eq(vm_x_sources_index(s, N), rows);
    for (int k = 0; k < N; k++) {
        cr_expect_eq(s[k].first_morsel, want[k].first, "input %d: first morsel %llu, want %llu", k,
                     (unsigned long long)s[k].first_morsel, (unsigned long long)want[k].first);
        cr_expect_eq(s[k].lead, want[k].lead, "input %d: lead %d, want %d", k, s[k].lead, want[k].lead);
    }
    xpipe x = {.srcs = s, .nsrcs = N};
    cr_assert_eq(vm_x_nmorsels(&x), 11);
    x.nsrcs = N - 2;
    cr_assert_eq(vm_x_nmorsels(&x), 10);
}

/* Group-by input clustered on its key (runs of 1 to 9 rows, each key
** coming back in later runs and batches), through a filter's selection and
** without one, on 1 and 2 threads: sums, averages and counts kept in a
** register while a group lasts equal the row-by-row ones; a sum that
** wraps inside a run is still an error. */
enum { CL_ROWS = 60000, CL_KEYS = 700 };

static const char *clustered_csv(char *dir, const char *name, bool wrap)
{
    static char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("k,v,f\n", f);
    for (int i = 0, run = 0, wrapped = -1; i < CL_ROWS; run++) {
        if (wrap && wrapped < 0 && i >= 30000 && 1 + run % 9 >= 3)
            wrapped = run;   /* one run of three or more rows of INT64_MAX / 2 */
        for (int j = 0; j < 1 + run % 9 && i < CL_ROWS; j++, i++) {
            int64_t v = run == wrapped ? INT64_MAX / 2 : (int64_t)i * 7919 % 2001 - 1000;
            fprintf(f, "%d,%" PRId64 ",%" PRId64 "\n", run % CL_KEYS, v, v);
        }
    }
    fclose(f);
    return path;
}

Test(vm, clustered_group_runs_sum_as_row_by_row)
{
    char dir[] = "/tmp/tir_vm_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    const char *csv = clustered_csv(dir, "c.csv", false);
    int64_t sum[2][CL_KEYS] = {{0}}, cnt[2][CL_KEYS] = {{0}};
    FILE *f = fopen(csv, "r");
    char line[100];
    cr_assert_not_null(fgets(line, sizeof line, f));
    int k;
    int64_t v;
    while (fscanf(f, "%d,%" SCNd64 ",%*d\n", &k, &v) == 2)
        for (int filt = 0; filt < 2; filt++)
            if (!filt || v % 3 != 0) {
                sum[filt][k] += v;
                cnt[filt][k]++;
            }
    fclose(f);
    char src[1200];
    for (int filt = 0; filt < 2; filt++)
        for (int threads = 1; threads <= 2; threads++) {
            snprintf(src, sizeof src,
                     "c: Table = read_csv(\"%s\", header = true) { k: i32, v: i64, f: f64 }\n"
                     "p: Pipeline = {\n"
                     "    s = table_scan :table = c\n"
                     "    w = filter :input = s :expr = %s\n"
                     "    g = hash_group_by :input = w :group_by = [\"k\"]\n"
                     "        :aggregates = { \"s\": sum($in.v), \"n\": count(*), \"fs\": sum($in.f), \"a\": avg($in.v) }\n"
                     "}\noutput p.g\n",
                     csv, filt ? "$in.v % 3 != 0" : "true");
            tir_config cfg = {.threads = threads, .batch_size = 1000};
            tir_engine *e = tir_engine_new(&cfg);
            tir_program *p = NULL;
            cr_assert_eq(tir_compile(e, "c.tir", src, strlen(src), &p), TIR_OK, "%s", tir_program_diag_text(p));
            tir_result *r = NULL;
            cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
            cr_assert_eq(tir_result_nrows(r, 0), CL_KEYS);
            for (size_t b = 0; b < tir_result_nbatches(r, 0); b++) {
                const int32_t *kk = tir_result_batch_data(r, 0, b, 0);
                const int64_t *ss = tir_result_batch_data(r, 0, b, 1), *nn = tir_result_batch_data(r, 0, b, 2);
                const double *fs = tir_result_batch_data(r, 0, b, 3), *aa = tir_result_batch_data(r, 0, b, 4);
                for (uint32_t i = 0; i < tir_result_batch_rows(r, 0, b); i++) {
                    int g = kk[i];
                    cr_assert(ss[i] == sum[filt][g] && nn[i] == cnt[filt][g] && fs[i] == (double)sum[filt][g],
                              "filter %d, %d threads, key %d: sum %" PRId64 " count %" PRId64 " f64 sum %g, want %" PRId64
                              " %" PRId64,
                              filt, threads, g, ss[i], nn[i], fs[i], sum[filt][g], cnt[filt][g]);
                    cr_assert(fabs(aa[i] - (double)sum[filt][g] / (double)cnt[filt][g]) < 1e-9, "key %d: avg %g", g, aa[i]);
                }
            }
            tir_result_free(r);
            tir_program_free(p);
            tir_engine_free(e);
        }
    /* three rows or more of INT64_MAX / 2 in one run of one key */
    csv = clustered_csv(dir, "w.csv", true);
    snprintf(src, sizeof src,
             "c: Table = read_csv(\"%s\", header = true) { k: i32, v: i64, f: f64 }\n"
             "p: Pipeline = { s = table_scan :table = c\n"
             "    g = hash_group_by :input = s :group_by = [\"k\"] :aggregates = { \"s\": sum($in.v) } }\n"
             "output p.g\n",
             csv);
    tir_config cfg = {.threads = 1};
    tir_engine *e = tir_engine_new(&cfg);
    tir_program *p = NULL;
    cr_assert_eq(tir_compile(e, "c.tir", src, strlen(src), &p), TIR_OK, "%s", tir_program_diag_text(p));
    tir_result *r = NULL;
    cr_assert_neq(tir_run(p, &r), TIR_OK, "the sum wraps");
    cr_assert(strstr(tir_engine_errmsg(e), "overflow"), "%s", tir_engine_errmsg(e));
    tir_program_free(p);
    tir_engine_free(e);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* A build_bloom over an integer key whose range is small keeps a bitmap of
** the range, which a scan's :blooms tests instead of the bloom filter: the
** rows that pass are exactly those whose key was built (a bloom filter lets
** about 1 % of the others by), NULLs on neither side pass, and keys near
** the type's ends work. At 2 threads the workers' keys are merged. */
static int64_t bloom_passed(const char *dir, const char *type, int64_t lo, int n, int threads)
{
    char b[300], q[300], src[1500];
    snprintf(b, sizeof b, "%s/b.csv", dir);
    snprintf(q, sizeof q, "%s/q.csv", dir);
    FILE *fb = fopen(b, "w"), *fq = fopen(q, "w");
    cr_assert(fb && fq);
    fputs("k\n", fb);
    fputs("k\n", fq);
    for (int i = 0; i < n; i++) /* every third key of the range, and NULLs */
        fprintf(fb, i % 50 == 7 ? "\n" : "%" PRId64 "\n", lo + 3 * (int64_t)i);
    for (int64_t d = 0; d < 3 * (int64_t)n; d++)
        fprintf(fq, d % 97 == 5 ? "\n" : "%" PRId64 "\n", lo + d);
    fclose(fb);
    fclose(fq);
    snprintf(src, sizeof src,
             "b: Table = read_csv(\"%s\", header = true) { k: %s nullable }\n"
             "q: Table = read_csv(\"%s\", header = true) { k: %s nullable }\n"
             "build: Pipeline = { s = table_scan :table = b\n    bf = build_bloom :input = s :key = [\"k\"] }\n"
             "p: Pipeline = { s = table_scan :table = q :blooms = { \"k\": build.bf }\n"
             "    n = aggregate :input = s :aggregates = { \"n\": count(*) } }\n"
             "output p.n\n",
             b, type, q, type);
    tir_config cfg = {.threads = threads, .batch_size = 1024};
    tir_engine *e = tir_engine_new(&cfg);
    tir_program *p = NULL;
    cr_assert_eq(tir_compile(e, "b.tir", src, strlen(src), &p), TIR_OK, "%s", tir_program_diag_text(p));
    tir_result *r = NULL;
    cr_assert_eq(tir_run(p, &r), TIR_OK, "%s", tir_engine_errmsg(e));
    int64_t passed = *(const int64_t *)tir_result_batch_data(r, 0, 0, 0);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
    return passed;
}

Test(vm, bloom_of_integer_keys_in_a_small_range_is_exact)
{
    char dir[] = "/tmp/tir_vm_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    enum { N = 20000 };
    struct { const char *type; int64_t lo; } cases[] = {
        {"i32", -30000}, {"i32", INT32_MAX - 3 * N + 1}, {"i32", INT32_MIN}, {"i64", INT64_MAX - 3 * N + 1},
        {"i64", INT64_MIN}, {"i64", 1000000}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int64_t want = 0; /* probe keys lo + 3i whose build row is not NULL, the probe's not NULL either */
        for (int i = 0; i < N; i++)
            want += i % 50 != 7 && (3 * i) % 97 != 5;
        for (int threads = 1; threads <= 2; threads++) {
            int64_t got = bloom_passed(dir, cases[c].type, cases[c].lo, N, threads);
            cr_assert_eq(got, want, "%s from %" PRId64 ", %d threads: %" PRId64 " rows passed, want %" PRId64,
                         cases[c].type, cases[c].lo, threads, got, want);
        }
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* vm_utf8_skip (with its 8-byte shortcut for ASCII runs) against a walk
** character by character: strings of 0 to 20 bytes mixing ASCII with 2-,
** 3- and 4-byte characters (and stray continuation bytes), every start and
** count up to 10 characters. */
Test(vm, utf8_skip_matches_the_character_walk)
{
    static const char *const pieces[] = {"a", "Z", " ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x80"};
    uint32_t seed = 12345;
    for (int t = 0; t < 3000; t++) {
        char buf[40];
        uint32_t len = 0;
        while (len < 20) {
            seed = seed * 1103515245 + 12345;
            const char *pc = pieces[(seed >> 16) % (t % 4 ? 3 : 7)];   /* every fourth string not ASCII */
            size_t k = strlen(pc);
            if (len + k > 20 || (seed >> 8) % 23 == 0)
                break;
            memcpy(buf + len, pc, k);
            len += (uint32_t)k;
        }
        for (uint32_t pos = 0; pos <= len; pos++)
            for (int64_t n = 0; n <= 10; n++) {
                uint32_t want = pos;
                for (int64_t c = n; c > 0 && want < len; c--) {
                    want++;
                    while (want < len && ((unsigned char)buf[want] & 0xC0) == 0x80)
                        want++;
                }
                uint32_t got = vm_utf8_skip(buf, len, pos, n);
                cr_assert_eq(got, want, "string %d (%u bytes), from %u, %lld characters: %u, want %u", t, len, pos,
                             (long long)n, got, want);
            }
    }
}

/* build_bloom's result from integer keys: counted through a bitmap of their
** range when it takes no more words than the hashes' set has slots or at
** most 1 MiB, by that set otherwise. Either way the filter holds every key and is sized for the
** distinct keys, the key bitmap (when kept) is exact, and up to
** VM_BLOOM_MAX_HASHES distinct keys keep their hashes. */
static void check_bloom_sink(uint32_t rows, uint32_t distinct, int64_t lo, int64_t step, bool nulls)
{
    xbloomsink bs = {0};
    int64_t *k = malloc(rows * sizeof *k);
    uint64_t *h = malloc(rows * sizeof *h), *valid = calloc(rows / 64 + 1, 8);
    /* at random, then every key once in the last rows */
    uint32_t tail = rows - distinct;
    for (uint32_t i = 0; i < rows; i++) {
        uint32_t j = i >= tail ? i - tail : (uint32_t)(((uint64_t)i * 2654435761u >> 7) % distinct);
        k[i] = lo + (int64_t)j * step;
        h[i] = (uint64_t)k[i] * 0x9E3779B97F4A7C15ull ^ 0x5555;
        vm_bit_set(valid, i, !nulls || i % 10 != 3 || i >= tail);
    }
    for (uint32_t off = 0; off < rows; off += 1000) {
        uint32_t n = rows - off < 1000 ? rows - off : 1000;
        vm_vec key = {TIR_I64, k + off, NULL};
        uint64_t v[1000 / 64 + 1];
        for (uint32_t j = 0; j < n; j++)
            vm_bit_set(v, j, vm_bit_get(valid, off + j));
        key.validity = v;
        cr_assert(vm_bloomsink_add(&bs, h + off, &key, NULL, n));
    }
    vm_bloom *b = vm_bloomsink_finish(&bs, TIR_I64);
    cr_assert_not_null(b);
    cr_assert_eq(b->nkeys, distinct, "%u rows of %u keys: nkeys %" PRIu64, rows, distinct, b->nkeys);
    cr_assert_eq(b->nblocks, k_bloom_nblocks(distinct));
    for (uint32_t i = 0; i < rows; i++)
        cr_assert(k_bloom_check(b->words, b->nblocks, h[i]), "row %u's key %" PRId64 " not in the filter", i, k[i]);
    if (b->kbits)
        for (uint64_t d = 0; d < b->krange; d++)
            cr_assert_eq(vm_bit_get(b->kbits, d), (int64_t)d % step == 0 && (int64_t)d / step < distinct,
                         "key bitmap at %" PRIu64, d);
    cr_assert_eq(b->hashes != NULL, distinct <= VM_BLOOM_MAX_HASHES);
    if (b->hashes) {
        cr_assert_eq(b->nhashes, distinct);
        for (uint32_t j = 0; j < b->nhashes; j++) {
            uint64_t x = b->hashes[j] ^ 0x5555;
            int64_t key = (int64_t)(x * 0xF1DE83E19937733Dull); /* the inverse of the odd multiplier */
            cr_assert((key - lo) % step == 0 && (key - lo) / step < distinct, "hash %u of key %" PRId64, j, key);
            for (uint32_t i = 0; i < j; i++)
                cr_assert_neq(b->hashes[i], b->hashes[j]);
        }
    }
    vm_bloom_free(b);
    free(k);
    free(h);
    free(valid);
}

Test(vm, bloom_sink_counts_integer_keys)
{
    check_bloom_sink(50000, 10000, -5000, 1, true);       /* counted: 10000 keys over 10000 */
    check_bloom_sink(50000, 10000, 1LL << 40, 4, false);  /* counted: over 40000 */
    check_bloom_sink(50000, 3000, 7, 3, true);            /* counted, then its hashes kept */
    check_bloom_sink(10000, 8000, -3, 100, true);         /* counted: 800k wide, wider than the rows */
    check_bloom_sink(20000, 5000, 0, 1000, false);        /* counted: 5M wide, a 625 KB bitmap */
    check_bloom_sink(20000, 5000, 0, 4000, false);        /* 20M wide: the hashes' set */
    check_bloom_sink(3000, 3000, INT64_MAX - 2999, 1, false); /* few rows: the hashes' set */
}
