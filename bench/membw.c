/*
** membw.c — the machine's memory read bandwidth, the ceiling bench/run
** compares scan-bound queries against:
**
**   membw [MiB] [THREADS]
**
** Sums an int64 array (default 1 GiB, far beyond any cache) five times and
** prints the median rate as "membw_gbps X.XX" (10^9 bytes per second). With
** THREADS > 1 (default 1) each round has that many threads sum their own
** slice at once, started together, and the round lasts until the last one
** ends: what that many cores can pull together.
*/
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ROUNDS = 5, MAX_THREADS = 64 };

typedef struct slice {
    const int64_t *a;
    size_t n;
    int64_t sum;
    pthread_barrier_t *start;
} slice;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void *sum_slice(void *arg)
{
    slice *s = arg;
    pthread_barrier_wait(s->start);
    int64_t sum = 0;
    /* The array is opaque to the compiler from here on. */
    __asm__ volatile("" : : "r"(s->a) : "memory");
    for (size_t i = 0; i < s->n; i++)
        sum += s->a[i];
    s->sum = sum;
    return NULL;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
    int nt = argc > 2 ? atoi(argv[2]) : 1;
    size_t n = mib * 1024 * 1024 / sizeof(int64_t);
    if (n == 0 || nt < 1 || nt > MAX_THREADS) {
        fprintf(stderr, "usage: membw [MiB] [THREADS]\n");
        return 2;
    }
    int64_t *a = malloc(n * sizeof *a);
    if (!a) {
        fprintf(stderr, "membw: cannot allocate %zu MiB\n", mib);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = (int64_t)(i * 2654435761u);
    double rate[ROUNDS];
    int64_t check = 0;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, (unsigned)nt + 1);
        slice s[MAX_THREADS];
        pthread_t tid[MAX_THREADS];
        for (int t = 0; t < nt; t++) {
            size_t lo = n * (size_t)t / (size_t)nt, hi = n * (size_t)(t + 1) / (size_t)nt;
            s[t] = (slice){a + lo, hi - lo, 0, &start};
            if (pthread_create(&tid[t], NULL, sum_slice, &s[t]) != 0) {
                fprintf(stderr, "membw: cannot start a thread\n");
                return 1;
            }
        }
        pthread_barrier_wait(&start);
        double t0 = now();
        for (int t = 0; t < nt; t++) {
            pthread_join(tid[t], NULL);
            check ^= s[t].sum;
        }
        rate[r] = (double)(n * sizeof *a) / (now() - t0) / 1e9;
        pthread_barrier_destroy(&start);
    }
    qsort(rate, ROUNDS, sizeof rate[0], cmp_double);
    /* Printing the sum keeps the compiler from dropping the loops. */
    printf("membw_gbps %.2f\n", rate[ROUNDS / 2]);
    fprintf(stderr, "membw: %zu MiB, %d thread(s), checksum %lld\n", mib, nt, (long long)check);
    free(a);
    return 0;
}
