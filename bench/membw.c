/*
** membw.c — the machine's single-thread memory read bandwidth, the
** ceiling bench/run compares scan-bound queries against:
**
**   membw [MiB]
**
** Sums an int64 array (default 1 GiB, far beyond any cache) five times and
** prints the median rate as "membw_gbps X.XX" (10^9 bytes per second).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
    size_t n = mib * 1024 * 1024 / sizeof(int64_t);
    if (n == 0) {
        fprintf(stderr, "usage: membw [MiB]\n");
        return 2;
    }
    int64_t *a = malloc(n * sizeof *a);
    if (!a) {
        fprintf(stderr, "membw: cannot allocate %zu MiB\n", mib);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = (int64_t)(i * 2654435761u);
    double rate[5];
    int64_t check = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        int64_t s = 0;
        /* The array is opaque to the compiler from here on. */
        __asm__ volatile("" : : "r"(a) : "memory");
        for (size_t i = 0; i < n; i++)
            s += a[i];
        double t = now() - t0;
        check ^= s;
        rate[r] = (double)(n * sizeof *a) / t / 1e9;
    }
    qsort(rate, 5, sizeof rate[0], cmp_double);
    /* Printing the sum keeps the compiler from dropping the loop. */
    printf("membw_gbps %.2f\n", rate[2]);
    fprintf(stderr, "membw: %zu MiB, checksum %lld\n", mib, (long long)check);
    free(a);
    return 0;
}
