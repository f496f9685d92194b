/*
** gen_common.h — what the data generators share: a seedable PRNG
** (splitmix64: the same stream on every machine) and a CSV writer that
** formats rows straight into one large buffer, and a clock for the time
** taken. Define GEN_PROG (the
** program's name, for messages) before including it.
*/
#ifndef GEN_COMMON_H
#define GEN_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static inline double gen_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Creates dir and any missing parents (mkdir -p); exits with a message on failure. */
static inline void gen_mkdirs(const char *dir)
{
    char p[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) {
        fprintf(stderr, GEN_PROG ": bad directory '%s'\n", dir);
        exit(1);
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != 0)
            continue;
        char c = p[i];
        p[i] = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, GEN_PROG ": cannot create directory '%s': %s\n", p, strerror(errno));
            exit(1);
        }
        p[i] = c;
    }
}

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift; the bias is below 2^-40 here. */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

typedef struct out {
    FILE *f;
    char path[4096];
    char buf[1 << 20];
    size_t n;
    uint64_t bytes;           /* written so far */
} out;

static inline void out_flush(out *o)
{
    if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n) {
        fprintf(stderr, GEN_PROG ": cannot write '%s': %s\n", o->path, strerror(errno));
        exit(1);
    }
    o->bytes += o->n;
    o->n = 0;
}

/* Room for one row (rows are well under 512 bytes); finish it with out_done. */
static inline char *out_room(out *o)
{
    if (sizeof o->buf - o->n < 512)
        out_flush(o);
    return o->buf + o->n;
}

/* Ends the row that out_room started at p's line. */
static inline void out_done(out *o, char *p)
{
    *p++ = '\n';
    o->n = (size_t)(p - o->buf);
}

/* Creates DIR/FILE and writes the header line. */
static inline out *out_open(const char *dir, const char *file, const char *header)
{
    out *o = malloc(sizeof *o);
    if (!o) {
        fprintf(stderr, GEN_PROG ": out of memory\n");
        exit(1);
    }
    snprintf(o->path, sizeof o->path, "%s/%s", dir, file);
    if (!(o->f = fopen(o->path, "wb"))) {
        fprintf(stderr, GEN_PROG ": cannot create '%s': %s\n", o->path, strerror(errno));
        exit(1);
    }
    o->bytes = 0;
    size_t k = strlen(header);
    memcpy(o->buf, header, k);
    o->buf[k] = '\n';
    o->n = k + 1;
    return o;
}

/* Flushes, closes and frees o; returns the bytes written. */
static inline uint64_t out_close(out *o)
{
    out_flush(o);
    if (fclose(o->f) != 0) {
        fprintf(stderr, GEN_PROG ": cannot write '%s': %s\n", o->path, strerror(errno));
        exit(1);
    }
    uint64_t bytes = o->bytes;
    free(o);
    return bytes;
}

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static inline char *put_i64(char *p, int64_t v)
{
    if (v < 0)
        *p++ = '-';
    return put_u64(p, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

#endif
