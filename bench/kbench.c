/*
** kbench.c — cost per row of a few hot kernels against their scalar _ref
** twins, on dense 2048-row batches (the engine's default batch size):
**
**   kbench [REPS [dense|nulls]]
**
** Prints the median ns/row over 7 timed runs of REPS calls each (default
** 20000), without a validity bitmap (dense), with one (about 1 row in 4
** NULL), or both. For instruction counts run it under
** `valgrind --tool=callgrind kbench 100 dense` and divide each kernel's
** self cost by its number of calls times 2048 (valgrind cannot decode
** AVX-512: build with -mno-avx512f for that). Inputs are random with 50% selectivity, so a
** branchy loop would mispredict.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

enum { N = 2048, RUNS = 7 };

typedef struct bench_data {
    double f[N];
    uint8_t b[N];
    int64_t x[N], y[N], o[N];
    uint64_t h[N], valid[N / 64], mask[N / 64];
    uint32_t sel[N];
    const uint64_t *va; /* NULL or valid */
} bench_data;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void run_sel_lt_f64(bench_data *d) { k_sel_lt_f64_vc(d->f, 0.5, d->va, NULL, N, d->sel); }
static void run_sel_lt_f64_ref(bench_data *d) { k_sel_lt_f64_vc_ref(d->f, 0.5, d->va, NULL, N, d->sel); }
static void run_sel_true(bench_data *d) { k_sel_true(d->b, d->va, NULL, N, d->sel); }
static void run_sel_true_ref(bench_data *d) { k_sel_true_ref(d->b, d->va, NULL, N, d->sel); }
static void run_add_i64(bench_data *d) { k_add_i64(d->x, d->y, d->va, NULL, N, d->o); }
static void run_add_i64_ref(bench_data *d) { k_add_i64_ref(d->x, d->y, d->va, NULL, N, d->o); }
static void run_hash_i64(bench_data *d) { k_hash_i64(d->x, d->va, NULL, N, false, d->h); }
static void run_hash_i64_ref(bench_data *d) { k_hash_i64_ref(d->x, d->va, NULL, N, false, d->h); }

static void run_mask_lt_f64(bench_data *d) { k_mask_lt_f64_vc(d->f, 0.5, d->va, N, false, d->mask); }
static void run_mask_lt_f64_ref(bench_data *d) { k_mask_lt_f64_vc_ref(d->f, 0.5, d->va, N, false, d->mask); }
static void run_mask_range_f64(bench_data *d) { k_mask_ge_lt_f64_vcc(d->f, 0.25, 0.75, d->va, N, false, d->mask); }
static void run_mask_range_f64_ref(bench_data *d) { k_mask_ge_lt_f64_vcc_ref(d->f, 0.25, 0.75, d->va, N, false, d->mask); }
static void run_sel_mask(bench_data *d) { k_sel_mask(d->valid, NULL, N, d->sel); }
static void run_sel_mask_ref(bench_data *d) { k_sel_mask_ref(d->valid, NULL, N, d->sel); }

static const struct {
    const char *name;
    void (*fast)(bench_data *), (*ref)(bench_data *);
} BENCH[] = {
    { "k_sel_lt_f64_vc", run_sel_lt_f64, run_sel_lt_f64_ref },
    { "k_sel_true", run_sel_true, run_sel_true_ref },
    { "k_add_i64", run_add_i64, run_add_i64_ref },
    { "k_hash_i64", run_hash_i64, run_hash_i64_ref },
    { "k_mask_lt_f64_vc", run_mask_lt_f64, run_mask_lt_f64_ref },
    { "k_mask_ge_lt_f64_vcc", run_mask_range_f64, run_mask_range_f64_ref },
    { "k_sel_mask", run_sel_mask, run_sel_mask_ref },
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ns_per_row(void (*fn)(bench_data *), bench_data *d, long reps)
{
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        for (long i = 0; i < reps; i++)
            fn(d);
        t[r] = (now() - t0) / ((double)reps * N) * 1e9;
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    return t[RUNS / 2];
}

int main(int argc, char **argv)
{
    long reps = argc > 1 ? atol(argv[1]) : 20000;
    const char *mode = argc > 2 ? argv[2] : "both";
    bool both = !strcmp(mode, "both");
    if (!both && strcmp(mode, "dense") && strcmp(mode, "nulls"))
        return 1;
    bench_data *d = malloc(sizeof *d);
    if (!d || reps <= 0)
        return 1;
    uint64_t s = 42;
    for (int i = 0; i < N; i++) {
        d->f[i] = (double)(splitmix(&s) >> 11) * 0x1p-53;
        d->b[i] = splitmix(&s) & 1;
        d->x[i] = (int64_t)(splitmix(&s) >> 2) - (INT64_C(1) << 61);
        d->y[i] = (int64_t)(splitmix(&s) >> 3) - (INT64_C(1) << 60);
    }
    for (int w = 0; w < N / 64; w++)
        d->valid[w] = splitmix(&s) | splitmix(&s); /* about 1 in 4 NULL */
    printf("%-20s %-6s %10s %10s %7s\n", "kernel", "nulls", "ns/row", "ref", "ratio");
    for (int withnull = 0; withnull < 2; withnull++) {
        if (!both && withnull != !strcmp(mode, "nulls"))
            continue;
        d->va = withnull ? d->valid : NULL;
        for (size_t b = 0; b < sizeof BENCH / sizeof BENCH[0]; b++) {
            double f = ns_per_row(BENCH[b].fast, d, reps), r = ns_per_row(BENCH[b].ref, d, reps);
            printf("%-20s %-6s %10.3f %10.3f %6.1fx\n", BENCH[b].name, withnull ? "yes" : "no", f, r, r / f);
        }
    }
    free(d);
    return 0;
}
