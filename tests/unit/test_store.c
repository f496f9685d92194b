/*
** test_store.c — native table files: CRC32C against known vectors and its
** two implementations against each other; round trips of every type with
** NULLs at block-boundary sizes, through a row order; string encodings;
** statistics; bloom filters; corruption (every byte flipped, every
** truncation, a bad chunk named in the error); crash-safe replace and the
** deletion file (persisted, replaced, of another table, corrupt); staleness.
**
** Each test works in its own temporary directory, removed by the fixture.
*/
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels.h"
#include "store.h"
#include "store_fmt.h"

/* ---- fixture: a scratch directory per test ------------------------------ */
static char dir[64], path[128], delpath[136];

static void rm_dir(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        char p[400];
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void setup(void)
{
    strcpy(dir, "/tmp/tir_store_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.tirt", dir);
    snprintf(delpath, sizeof delpath, "%s.del", path);
}

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
static void teardown(void)
{
    rm_dir();
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked");
}
#else
static void teardown(void)
{
    rm_dir();
}
#endif
TestSuite(store, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static uint8_t *read_all(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f, "%s", p);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len ? (size_t)len : 1);
    cr_assert_eq(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static void write_all(const char *p, const void *b, size_t n)
{
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "%s", p);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* A table of nrows zero rows; columns named c0, c1, ... */
static vm_table *mk_table(int ncols, const tir_type *types, uint64_t nrows)
{
    vm_table *t = calloc(1, sizeof *t);
    t->ncols = ncols;
    t->names = calloc((size_t)ncols + 1, sizeof *t->names);
    t->types = calloc((size_t)ncols + 1, sizeof *t->types);
    t->cols = calloc((size_t)ncols + 1, sizeof *t->cols);
    vm_strheap_init(&t->heap);
    for (int c = 0; c < ncols; c++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", c);
        t->names[c] = strdup(name);
        t->types[c] = types[c];
        vm_column_init(&t->cols[c], types[c]);
        cr_assert(vm_column_reserve(&t->cols[c], nrows + 1));
        memset(t->cols[c].data, 0, t->cols[c].cap * vm_type_width(types[c]));
        t->cols[c].len = nrows;
    }
    t->nrows = nrows;
    return t;
}

static void set_null(vm_table *t, int c, uint64_t r)
{
    vm_column *col = &t->cols[c];
    if (!col->validity) {
        size_t words = col->cap / 64 + 1;
        col->validity = malloc(words * 8);
        memset(col->validity, 0xff, words * 8);
    }
    vm_bit_set(col->validity, r, false);
    size_t w = vm_type_width(col->type);
    memset((char *)col->data + r * w, 0, w);
}

static void set_str(vm_table *t, int c, uint64_t r, const char *s, uint32_t len)
{
    cr_assert(vm_str_make(&t->heap, s, len, &((tir_str *)t->cols[c].data)[r]));
}

static void set_i64(vm_table *t, int c, uint64_t r, int64_t v) { ((int64_t *)t->cols[c].data)[r] = v; }
static void set_i32(vm_table *t, int c, uint64_t r, int32_t v) { ((int32_t *)t->cols[c].data)[r] = v; }
static void set_f64(vm_table *t, int c, uint64_t r, double v) { ((double *)t->cols[c].data)[r] = v; }

static void specs_of(const vm_table *t, vm_store_colspec *cs)
{
    for (int c = 0; c < t->ncols; c++)
        cs[c] = (vm_store_colspec){ .name = t->names[c], .type = t->types[c], .nullable = true };
}

/* Random strings of lengths around the inline limit and beyond. */
static uint32_t rnd_str(rng *g, char *buf)
{
    static const uint32_t lens[] = { 0, 1, 3, 4, 5, 8, 11, 12, 13, 20, 64, 65, 100 };
    uint32_t n = lens[rnd(g) % 13];
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (char)('a' + rnd(g) % 26);
    return n;
}

/* Fills every column with random values, about null_pct% NULLs; string
** column c draws from a pool of pool[c] strings (0 = all random). */
static void fill(vm_table *t, rng *g, int null_pct, const int *pool)
{
    char buf[128];
    for (int c = 0; c < t->ncols; c++) {
        for (uint64_t r = 0; r < t->nrows; r++) {
            if ((int)(rnd(g) % 100) < null_pct) {
                set_null(t, c, r);
                continue;
            }
            uint64_t x = rnd(g);
            switch (t->types[c]) {
            case TIR_BOOL: ((uint8_t *)t->cols[c].data)[r] = x & 1; break;
            case TIR_I32: case TIR_DATE: set_i32(t, c, r, (int32_t)(x % 2001) - 1000); break;
            case TIR_I64: set_i64(t, c, r, (int64_t)x); break;
            case TIR_F64: set_f64(t, c, r, x % 17 == 0 ? NAN : (double)(int64_t)(x % 100000) / 7.0); break;
            case TIR_STRING: {
                uint32_t n;
                if (pool && pool[c]) {
                    rng p = { x % (uint64_t)pool[c] };
                    n = rnd_str(&p, buf);
                    n += (uint32_t)snprintf(buf + n, 16, "%d", (int)p.s % 97);
                } else {
                    n = rnd_str(g, buf);
                }
                set_str(t, c, r, buf, n);
                break;
            }
            default: break;
            }
        }
    }
}

static int str_cmp(const tir_str *a, const tir_str *b)
{
    uint32_t m = a->len < b->len ? a->len : b->len;
    int r = memcmp(tir_str_ptr(a), tir_str_ptr(b), m);
    return r ? r : (a->len > b->len) - (a->len < b->len);
}

/* Reads every chunk of s and compares rows, validity and statistics with
** t's rows in the order perm (NULL = table order). */
static void check_same(vm_store *s, const vm_table *t, const uint64_t *perm)
{
    cr_assert_eq(vm_store_nrows(s), t->nrows);
    cr_assert_eq(vm_store_ncols(s), t->ncols);
    uint32_t br = vm_store_block_rows(s);
    cr_assert_eq(vm_store_nblocks(s), (t->nrows + br - 1) / br);
    for (int c = 0; c < t->ncols; c++) {
        cr_assert_str_eq(vm_store_col(s, c)->name, t->names[c]);
        cr_assert_eq(vm_store_col(s, c)->type, t->types[c]);
    }
    tir_str *strs = malloc((size_t)br * sizeof *strs);
    char err[256];
    for (uint32_t b = 0; b < vm_store_nblocks(s); b++) {
        uint64_t first = vm_store_block_first(s, b);
        uint32_t len = vm_store_block_len(s, b);
        cr_assert_eq(first, (uint64_t)b * br);
        cr_assert_eq(len, t->nrows - first < br ? t->nrows - first : br);
        for (int c = 0; c < t->ncols; c++) {
            vm_store_chunk ch;
            cr_assert_eq(vm_store_chunk_get(s, b, c, &ch, err, sizeof err), TIR_OK, "%s", err);
            cr_assert_eq(ch.rows, len);
            cr_assert_eq(ch.type, t->types[c]);
            cr_assert_gt(ch.file_bytes, 0);
            tir_type ty = t->types[c];
            size_t w = vm_type_width(ty);
            if (ty == TIR_STRING)
                vm_store_strings(&ch, 0, len, strs);
            else
                cr_assert_eq((uintptr_t)ch.data % 64, 0, "data not 64-byte aligned");
            const vm_column *col = &t->cols[c];
            uint64_t nulls = 0;
            bool has = false;
            int64_t lo = 0, hi = 0;
            __int128 wlo = 0, whi = 0;
            double flo = 0, fhi = 0;
            tir_str slo = { 0 }, shi = { 0 };
            for (uint32_t i = 0; i < len; i++) {
                uint64_t r = perm ? perm[first + i] : first + i;
                bool valid = vm_bit_get(col->validity, r);
                cr_assert_eq(vm_bit_get(ch.validity, i), valid, "block %u col %d row %u validity", b, c, i);
                const char *want = (const char *)col->data + r * w;
                if (!valid) {
                    nulls++;
                    if (ty == TIR_STRING)
                        cr_assert_eq(strs[i].len, 0);
                    else
                        for (size_t k = 0; k < w; k++)
                            cr_assert_eq(((const char *)ch.data)[i * w + k], 0, "NULL value not zero");
                    continue;
                }
                if (ty == TIR_STRING) {
                    const tir_str *a = (const tir_str *)(const void *)want;
                    cr_assert_eq(strs[i].len, a->len, "block %u col %d row %u", b, c, i);
                    cr_assert(memcmp(tir_str_ptr(&strs[i]), tir_str_ptr(a), a->len) == 0);
                    if (!has || str_cmp(a, &slo) < 0)
                        slo = *a;
                    if (!has || str_cmp(a, &shi) > 0)
                        shi = *a;
                    has = true;
                    continue;
                }
                cr_assert(memcmp((const char *)ch.data + i * w, want, w) == 0, "block %u col %d row %u", b, c, i);
                if (ty == TIR_DECIMAL128 || ty == TIR_INTERVAL) {   /* an interval: bounds of its k_iv_key */
                    __int128 v;
                    tir_interval iv;
                    memcpy(&v, want, sizeof v);
                    memcpy(&iv, want, sizeof iv);
                    v = ty == TIR_INTERVAL ? k_iv_key(iv) : v;
                    if (!has || v < wlo)
                        wlo = v;
                    if (!has || v > whi)
                        whi = v;
                    has = true;
                    continue;
                }
                if (ty == TIR_F64) {
                    double d = *(const double *)(const void *)want;
                    if (isnan(d))
                        continue;
                    if (!has || d < flo)
                        flo = d;
                    if (!has || d > fhi)
                        fhi = d;
                    has = true;
                    continue;
                }
                int64_t v = ty == TIR_BOOL ? *(const uint8_t *)want
                            : ty == TIR_I64 ? *(const int64_t *)(const void *)want
                                            : *(const int32_t *)(const void *)want;
                if (!has || v < lo)
                    lo = v;
                if (!has || v > hi)
                    hi = v;
                has = true;
            }
            cr_assert_eq(ch.validity == NULL, nulls == 0);
            const vm_store_stat *st = vm_store_block_stat(s, b, c);
            cr_assert_eq(st->nulls, nulls, "block %u col %d nulls", b, c);
            cr_assert_eq(st->has_min, has, "block %u col %d has_min", b, c);
            if (ty == TIR_STRING) {
                uint32_t mlen = slo.len < VM_STORE_STAT_STR ? slo.len : VM_STORE_STAT_STR;
                cr_assert_eq(st->has_max, has && shi.len <= VM_STORE_STAT_STR);
                if (has) {
                    cr_assert_eq(st->min.s.len, mlen);
                    cr_assert(memcmp(tir_str_ptr(&st->min.s), tir_str_ptr(&slo), mlen) == 0);
                }
                if (st->has_max) {
                    cr_assert_eq(st->max.s.len, shi.len);
                    cr_assert(memcmp(tir_str_ptr(&st->max.s), tir_str_ptr(&shi), shi.len) == 0);
                }
                /* a window from the middle decodes like the whole chunk */
                if (len > 2) {
                    tir_str win[64];
                    uint32_t from = len / 3, n = len - from < 64 ? len - from : 64;
                    vm_store_strings(&ch, from, n, win);
                    for (uint32_t i = 0; i < n; i++)
                        cr_assert(win[i].len == strs[from + i].len &&
                                  memcmp(tir_str_ptr(&win[i]), tir_str_ptr(&strs[from + i]), win[i].len) == 0);
                }
            } else if (ty == TIR_DECIMAL128 || ty == TIR_INTERVAL) {
                cr_assert_eq(st->has_max, has);
                if (has)
                    cr_assert(st->min.w == wlo && st->max.w == whi, "block %u col %d wide bounds", b, c);
            } else if (ty == TIR_F64) {
                cr_assert_eq(st->has_max, has);
                if (has)
                    cr_assert(st->min.f == flo && st->max.f == fhi, "block %u col %d f64 bounds", b, c);
            } else {
                cr_assert_eq(st->has_max, has);
                if (has)
                    cr_assert(st->min.i == lo && st->max.i == hi, "block %u col %d bounds %lld..%lld", b, c,
                              (long long)st->min.i, (long long)st->max.i);
            }
        }
    }
    free(strs);
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_OK, "%s", err);
}

static void roundtrip(const vm_table *t, const vm_store_colspec *cs, const uint64_t *perm, uint32_t block_rows)
{
    char err[256];
    cr_assert_eq(vm_store_write(path, t, cs, perm, block_rows, err, sizeof err), TIR_OK, "%s", err);
    vm_store *s;
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    check_same(s, t, perm);
    vm_store_close(s);
}

static const tir_type ALL[] = { TIR_BOOL, TIR_I32, TIR_I64, TIR_F64, TIR_STRING, TIR_DATE, TIR_STRING };
#define NALL 7

/* ---- CRC32C --------------------------------------------------------------- */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0);
    }
    return ~c;
}

Test(store, crc32c_known_vectors)
{
    uint8_t b[32];
    cr_assert_eq(vm_crc32c(0, "123456789", 9), 0xE3069283u);
    cr_assert_eq(vm_crc32c_portable(0, "123456789", 9), 0xE3069283u);
    cr_assert_eq(vm_crc32c(0, "", 0), 0u);
    /* RFC 3720 B.4 */
    memset(b, 0, 32);
    cr_assert_eq(vm_crc32c(0, b, 32), 0x8A9136AAu);
    memset(b, 0xff, 32);
    cr_assert_eq(vm_crc32c(0, b, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)i;
    cr_assert_eq(vm_crc32c(0, b, 32), 0x46DD794Eu);
    cr_assert_eq(vm_crc32c_portable(0, b, 32), 0x46DD794Eu);
}

/* Both implementations against a bit-at-a-time CRC, at lengths and
** offsets that exercise the 3-way rounds (768 and 12288 bytes) and the
** tails; and continuing a CRC over a split buffer. */
Test(store, crc32c_paths_agree)
{
    rng g = { 7 };
    size_t cap = 40000;
    uint8_t *b = malloc(cap + 8);
    for (size_t i = 0; i < cap + 8; i++)
        b[i] = (uint8_t)rnd(&g);
    for (size_t n = 0; n < cap; n += n < 1600 ? 1 : 1 + rnd(&g) % 997) {
        size_t off = rnd(&g) % 8;
        uint32_t want = crc_bitwise(b + off, n);
        cr_assert_eq(vm_crc32c(0, b + off, n), want, "len %zu", n);
        cr_assert_eq(vm_crc32c_portable(0, b + off, n), want, "len %zu", n);
        size_t h = n ? rnd(&g) % n : 0;
        cr_assert_eq(vm_crc32c(vm_crc32c(0, b + off, h), b + off + h, n - h), want, "split %zu/%zu", h, n);
        cr_assert_eq(vm_crc32c_portable(vm_crc32c(0, b + off, h), b + off + h, n - h), want);
    }
    free(b);
}

/* ---- round trips ---------------------------------------------------------- */
Test(store, roundtrip_every_type_with_nulls)
{
    rng g = { 11 };
    vm_table *t = mk_table(NALL, ALL, 1000);
    const int pool[NALL] = { 0, 0, 0, 0, 6, 0, 0 };
    fill(t, &g, 10, pool);
    vm_store_colspec cs[NALL];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 128);
    roundtrip(t, cs, NULL, 0);
    vm_table_free(t);
}

Test(store, roundtrip_through_a_row_order)
{
    rng g = { 12 };
    vm_table *t = mk_table(NALL, ALL, 777);
    const int pool[NALL] = { 0, 0, 0, 0, 6, 0, 0 };
    fill(t, &g, 20, pool);
    uint64_t *perm = malloc(777 * 8);
    for (uint64_t i = 0; i < 777; i++)
        perm[i] = i;
    for (uint64_t i = 776; i > 0; i--) {
        uint64_t j = rnd(&g) % (i + 1), x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
    vm_store_colspec cs[NALL];
    specs_of(t, cs);
    roundtrip(t, cs, perm, 64);
    free(perm);
    vm_table_free(t);
}

Test(store, empty_table)
{
    vm_table *t = mk_table(NALL, ALL, 0);
    vm_store_colspec cs[NALL];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    char err[256];
    vm_store *s;
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_nblocks(s), 0);
    cr_assert_eq(vm_store_block_rows(s), 64);
    cr_assert_null(vm_store_deleted(s));
    cr_assert_eq(vm_store_delete(s, NULL, 0, err, sizeof err), TIR_OK);
    uint64_t row = 0;
    cr_assert_eq(vm_store_delete(s, &row, 1, err, sizeof err), TIR_ERR_ARG);
    vm_store_chunk ch;
    cr_assert_eq(vm_store_chunk_get(s, 0, 0, &ch, err, sizeof err), TIR_ERR_ARG);
    vm_store_close(s);
    vm_table_free(t);
}

Test(store, one_row)
{
    rng g = { 13 };
    vm_table *t = mk_table(NALL, ALL, 1);
    fill(t, &g, 0, NULL);
    vm_store_colspec cs[NALL];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 0);
    set_null(t, 2, 0);
    roundtrip(t, cs, NULL, 64);
    vm_table_free(t);
}

Test(store, block_boundaries)
{
    static const uint64_t sizes[] = { 63, 64, 65, 130 };
    static const uint32_t blocks[] = { 1, 1, 2, 3 };
    for (int k = 0; k < 4; k++) {
        rng g = { 14 + (uint64_t)k };
        vm_table *t = mk_table(NALL, ALL, sizes[k]);
        fill(t, &g, 15, NULL);
        vm_store_colspec cs[NALL];
        specs_of(t, cs);
        roundtrip(t, cs, NULL, 64);
        vm_store *s;
        char err[256];
        cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
        cr_assert_eq(vm_store_nblocks(s), blocks[k]);
        cr_assert_eq(vm_store_block_len(s, blocks[k] - 1), sizes[k] - 64 * (blocks[k] - 1));
        vm_store_close(s);
        vm_table_free(t);
    }
}

Test(store, bad_arguments)
{
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I64 }, 10);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    char err[256];
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 100, err, sizeof err), TIR_ERR_ARG);
    cr_assert(strstr(err, "multiple of 64"), "%s", err);
    cr_assert(!exists(path));
    cs[0].type = TIR_I32;
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_ERR_ARG);
    cs[0].type = TIR_I64;
    uint64_t perm[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 10 };
    cr_assert_eq(vm_store_write(path, t, cs, perm, 64, err, sizeof err), TIR_ERR_ARG);
    cr_assert(!exists(path));
    vm_table_free(t);
    /* 2^40 rows are representable, but not in more than 2^32 blocks */
    vm_table big = { .ncols = 0, .nrows = (uint64_t)1 << 40 };
    cr_assert_eq(vm_store_write(path, &big, NULL, NULL, 64, err, sizeof err), TIR_ERR_ARG);
    cr_assert(strstr(err, "2^32 blocks"), "%s", err);
}

Test(store, not_nullable_column_with_null_fails_cleanly)
{
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I64 }, 100);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    char err[256];
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    size_t n0;
    uint8_t *before = read_all(path, &n0);
    set_null(t, 0, 70);
    cs[0].nullable = false;
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_ERR_DATA);
    cr_assert(strstr(err, "not nullable") && strstr(err, "t.tirt"), "%s", err);
    /* the old table is intact and no temporary file is left */
    size_t n1;
    uint8_t *after = read_all(path, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0);
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)))
        cr_assert_null(strstr(de->d_name, ".tmp."), "left behind: %s", de->d_name);
    closedir(d);
    free(before);
    free(after);
    vm_table_free(t);
}

/* ---- strings ------------------------------------------------------------- */
Test(store, long_and_short_strings)
{
    static const uint32_t lens[] = { 0, 1, 4, 5, 11, 12, 13, 63, 64, 65, 100, 5000 };
    vm_table *t = mk_table(1, (tir_type[]){ TIR_STRING }, 12 * 20);
    char *buf = malloc(5000);
    for (uint64_t r = 0; r < t->nrows; r++) {
        uint32_t n = lens[r % 12];
        for (uint32_t i = 0; i < n; i++)
            buf[i] = (char)(' ' + (r * 7 + i * 13) % 95);
        set_str(t, 0, r, buf, n);
    }
    free(buf);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    vm_table_free(t);
}

/* Block 0: 3 distinct values (u8 codes), block 1: 500 (u16 codes), block 2:
** every row different (plain offsets). */
Test(store, dictionary_and_plain_chunks)
{
    vm_table *t = mk_table(1, (tir_type[]){ TIR_STRING }, 3 * 1024);
    char buf[64];
    for (uint64_t r = 0; r < t->nrows; r++) {
        uint64_t b = r / 1024, i = r % 1024;
        int n = b == 0   ? snprintf(buf, sizeof buf, "value-%llu-abcdefghijkl", (unsigned long long)(i % 3))
                : b == 1 ? snprintf(buf, sizeof buf, "v%04llu-0123456789abc", (unsigned long long)(i % 500))
                         : snprintf(buf, sizeof buf, "unique-%06llu", (unsigned long long)r);
        if (i == 5)
            set_null(t, 0, r);
        else
            set_str(t, 0, r, buf, (uint32_t)n);
    }
    vm_store_colspec cs[1];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 1024);
    vm_store *s;
    char err[256];
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    static const uint8_t enc[3] = { ST_ENC_DICT8, ST_ENC_DICT16, ST_ENC_PLAIN };
    static const uint32_t nd[3] = { 3, 500, 0 };
    for (uint32_t b = 0; b < 3; b++) {
        vm_store_chunk ch;
        cr_assert_eq(vm_store_chunk_get(s, b, 0, &ch, err, sizeof err), TIR_OK, "%s", err);
        cr_assert_eq(ch.enc, enc[b], "block %u encoding %u", b, ch.enc);
        cr_assert_eq(ch.priv_n, nd[b]);
        /* 3 x 23-byte strings: bitmap + 1024 codes + a tiny dictionary */
        if (b == 0)
            cr_assert_leq(ch.file_bytes, 128 + 1024 + 128);
        /* plain would be 4100 bytes of offsets + 20 KB of bytes */
        if (b == 1)
            cr_assert_lt(ch.file_bytes, 4100 + 1023 * 20);
        tir_str v;
        vm_store_strings(&ch, 5, 1, &v);
        cr_assert_eq(v.len, 0, "NULL row decodes empty");
        /* the scan's path: decode the dictionary once, gather rows from it */
        cr_assert_eq(vm_store_dict_size(&ch), nd[b]);
        if (!nd[b])
            continue;
        tir_str *dict = malloc(sizeof *dict * nd[b]), a[300], g[300];
        vm_store_dict_values(&ch, dict);
        for (uint32_t from = 0; from < 1024; from += 300) {
            uint32_t n = 1024 - from < 300 ? 1024 - from : 300;
            vm_store_strings(&ch, from, n, a);
            vm_store_strings_dict(&ch, dict, from, n, g);
            for (uint32_t i = 0; i < n; i++)
                if (from + i != 5)
                    cr_assert(a[i].len == g[i].len && !memcmp(tir_str_ptr(&a[i]), tir_str_ptr(&g[i]), a[i].len),
                              "block %u row %u: gathered from the dictionary differs", b, from + i);
        }
        free(dict);
    }
    vm_store_close(s);
    vm_table_free(t);
}

/* ---- statistics ---------------------------------------------------------- */
Test(store, statistics)
{
    /* c0 i32, c1 f64, c2 string, c3 bool; 3 blocks of 64 */
    vm_table *t = mk_table(4, (tir_type[]){ TIR_I32, TIR_F64, TIR_STRING, TIR_BOOL }, 192);
    char big[100];
    memset(big, 'z', sizeof big);
    for (uint64_t r = 0; r < 192; r++) {
        uint64_t b = r / 64, i = r % 64;
        if (b == 1) {
            set_null(t, 0, r); /* block 1 of c0: every row NULL */
            set_f64(t, 1, r, NAN); /* block 1 of c1: only NaN */
        } else {
            set_i32(t, 0, r, (int32_t)(i * 3) - 50);
            set_f64(t, 1, r, i == 7 ? NAN : (double)i - 0.5);
        }
        if (b == 2 && i == 10) {
            set_str(t, 2, r, big, 100); /* longest and greatest: max dropped */
        } else if (b == 2 && i == 11) {
            set_str(t, 2, r, "a", 1);
        } else if (b == 0 && i == 0) {
            char m[80];
            memset(m, 'A', 80); /* least and long: min truncated to 64 bytes */
            set_str(t, 2, r, m, 80);
        } else {
            set_str(t, 2, r, "mm", 2);
        }
        ((uint8_t *)t->cols[3].data)[r] = b == 0 ? 1 : i & 1;
        if (i == 3)
            set_null(t, 3, r);
    }
    vm_store_colspec cs[4];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    vm_store *s;
    char err[256];
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    const vm_store_stat *st = vm_store_block_stat(s, 0, 0);
    cr_assert(st->has_min && st->has_max && st->min.i == -50 && st->max.i == 63 * 3 - 50 && st->nulls == 0);
    st = vm_store_block_stat(s, 1, 0);
    cr_assert(!st->has_min && !st->has_max && st->nulls == 64);
    st = vm_store_block_stat(s, 0, 1);
    cr_assert(st->has_min && st->min.f == -0.5 && st->max.f == 62.5);
    st = vm_store_block_stat(s, 1, 1);
    cr_assert(!st->has_min && !st->has_max && st->nulls == 0, "NaN is never a bound");
    st = vm_store_block_stat(s, 0, 2);
    cr_assert(st->has_min && st->min.s.len == VM_STORE_STAT_STR && tir_str_ptr(&st->min.s)[63] == 'A');
    cr_assert(st->has_max && st->max.s.len == 2);
    st = vm_store_block_stat(s, 2, 2);
    cr_assert(st->has_min && st->min.s.len == 1 && !st->has_max);
    st = vm_store_block_stat(s, 0, 3);
    cr_assert(st->min.i == 1 && st->max.i == 1 && st->nulls == 1);
    st = vm_store_block_stat(s, 1, 3);
    cr_assert(st->min.i == 0 && st->max.i == 1);
    cr_assert_null(vm_store_block_stat(s, 3, 0));
    vm_store_close(s);
    vm_table_free(t);
}

/* ---- bloom filters ---------------------------------------------------------- */
Test(store, bloom_filters)
{
    enum { N = 10000 };
    vm_table *t = mk_table(3, (tir_type[]){ TIR_I64, TIR_STRING, TIR_I32 }, N);
    char buf[32];
    for (uint64_t r = 0; r < N; r++) {
        set_i64(t, 0, r, (int64_t)(r * 2654435761u));
        int n = snprintf(buf, sizeof buf, "key-%llu", (unsigned long long)r);
        set_str(t, 1, r, buf, (uint32_t)n);
        set_i32(t, 2, r, (int32_t)r);
        if (r % 100 == 0)
            set_null(t, 0, r);
    }
    vm_store_colspec cs[3];
    specs_of(t, cs);
    cs[0].bloom = cs[1].bloom = true;
    roundtrip(t, cs, NULL, 16384);
    vm_store *s;
    char err[256];
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert(vm_store_col(s, 0)->bloom && vm_store_col(s, 1)->bloom && !vm_store_col(s, 2)->bloom);
    vm_strheap heap;
    vm_strheap_init(&heap);
    uint32_t fp0 = 0, fp1 = 0, fp2 = 0;
    for (uint64_t r = 0; r < N; r++) {
        uint64_t h;
        int64_t v = (int64_t)(r * 2654435761u);
        k_hash_i64(&v, NULL, NULL, 1, false, &h);
        if (r % 100)
            cr_assert(vm_store_bloom_may_contain(s, 0, 0, h), "row %llu missing", (unsigned long long)r);
        tir_str key;
        int n = snprintf(buf, sizeof buf, "key-%llu", (unsigned long long)r);
        cr_assert(vm_str_make(&heap, buf, (uint32_t)n, &key));
        k_hash_str(&key, NULL, NULL, 1, false, &h);
        cr_assert(vm_store_bloom_may_contain(s, 0, 1, h));
        /* absent keys */
        v = -(int64_t)r - 1;
        k_hash_i64(&v, NULL, NULL, 1, false, &h);
        fp0 += vm_store_bloom_may_contain(s, 0, 0, h);
        n = snprintf(buf, sizeof buf, "absent-%llu", (unsigned long long)r);
        cr_assert(vm_str_make(&heap, buf, (uint32_t)n, &key));
        k_hash_str(&key, NULL, NULL, 1, false, &h);
        fp1 += vm_store_bloom_may_contain(s, 0, 1, h);
        /* no filter: always maybe */
        fp2 += vm_store_bloom_may_contain(s, 0, 2, h);
    }
    cr_assert_lt(fp0, N * 3 / 100, "%u false positives", fp0);
    cr_assert_lt(fp1, N * 3 / 100, "%u false positives", fp1);
    cr_assert_eq(fp2, (uint32_t)N);
    /* the NULL rows were not inserted: the hash of NULL is not "maybe" by construction */
    vm_strheap_free(&heap);
    vm_store_close(s);
    vm_table_free(t);
}

/* Filter bytes that fail their checksum make the filter say "maybe" (the
** block is then read, and verify names the damage). Layout per STORAGE.md:
** header 64, the 64-row i64 chunk (512), then the filter of 3 blocks. */
Test(store, corrupt_bloom_says_maybe)
{
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I64 }, 64);
    for (uint64_t r = 0; r < 64; r++)
        set_i64(t, 0, r, (int64_t)r);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    cs[0].bloom = true;
    roundtrip(t, cs, NULL, 64);
    vm_store *s;
    char err[256];
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    uint32_t maybe = 0;
    for (int64_t v = 1000; v < 1100; v++) {
        uint64_t h;
        k_hash_i64(&v, NULL, NULL, 1, false, &h);
        maybe += vm_store_bloom_may_contain(s, 0, 0, h);
    }
    cr_assert_lt(maybe, 20u);
    vm_store_close(s);
    size_t n;
    uint8_t *b = read_all(path, &n);
    memset(b + 64 + 512, 0, 96);
    write_all(path, b, n);
    free(b);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    for (int64_t v = 1000; v < 1100; v++) {
        uint64_t h;
        k_hash_i64(&v, NULL, NULL, 1, false, &h);
        cr_assert(vm_store_bloom_may_contain(s, 0, 0, h));
    }
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_ERR_DATA);
    cr_assert(strstr(err, "t.tirt: block 0 column 'c0': bloom filter checksum mismatch"), "%s", err);
    vm_store_close(s);
    vm_table_free(t);
}

/* ---- corruption -------------------------------------------------------------- */

/* A few KB: 3 blocks of 64 rows (the last short), every type, NULLs, a
** dictionary and a plain string column, a bloom filter. */
static void write_small(void)
{
    rng g = { 21 };
    vm_table *t = mk_table(NALL, ALL, 150);
    const int pool[NALL] = { 0, 0, 0, 0, 4, 0, 0 };
    fill(t, &g, 10, pool);
    vm_store_colspec cs[NALL];
    specs_of(t, cs);
    cs[1].bloom = cs[4].bloom = true;
    roundtrip(t, cs, NULL, 64);
    vm_table_free(t);
}

/* Open or verify must report every changed byte (two kinds of change),
** naming the file, and never crash. 20,000 files written and opened:
** 30 s of waiting on the file system at load 5, 120 s at load 15. */
Test(store, every_flipped_byte_is_detected, .timeout = 600)
{
    write_small();
    size_t n;
    uint8_t *orig = read_all(path, &n);
    cr_assert_gt(n, 2000);
    cr_assert_lt(n, 20000);
    char bad[160], err[256];
    snprintf(bad, sizeof bad, "%s/bad.tirt", dir);
    for (int k = 0; k < 2; k++) {
        for (size_t off = 0; off < n; off++) {
            orig[off] ^= k ? 0xff : 0x01;
            write_all(bad, orig, n);
            orig[off] ^= k ? 0xff : 0x01;
            vm_store *s;
            tir_status st = vm_store_open(bad, &s, err, sizeof err);
            if (st == TIR_OK) {
                st = vm_store_verify(s, err, sizeof err);
                vm_store_close(s);
            }
            cr_assert_eq(st, TIR_ERR_DATA, "byte %zu of %zu changed and not detected", off, n);
            cr_assert(strstr(err, "bad.tirt"), "byte %zu: message without the file: %s", off, err);
        }
    }
    free(orig);
}

Test(store, every_truncation_is_detected, .timeout = 60)
{
    write_small();
    size_t n;
    uint8_t *orig = read_all(path, &n);
    char bad[160], err[256];
    snprintf(bad, sizeof bad, "%s/bad.tirt", dir);
    for (size_t len = 0; len < n; len++) {
        write_all(bad, orig, len);
        vm_store *s;
        cr_assert_eq(vm_store_open(bad, &s, err, sizeof err), TIR_ERR_DATA, "truncated to %zu", len);
        cr_assert(strstr(err, "bad.tirt"), "%s", err);
    }
    free(orig);
}

Test(store, not_a_table)
{
    char err[256];
    vm_store *s;
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_ERR_IO);
    cr_assert(strstr(err, "t.tirt") && strstr(err, strerror(ENOENT)), "%s", err);
    const char *csv = "id,name\n1,alice\n2,bob\n";
    write_all(path, csv, strlen(csv));
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_ERR_DATA);
    cr_assert(strstr(err, "not a tir table"), "%s", err);
    cr_assert_eq(vm_store_open(dir, &s, err, sizeof err), TIR_ERR_IO);
}

/* Chunk checksums are checked on first read, and the error names the
** block and column. */
Test(store, corrupt_chunk_named_on_read)
{
    vm_table *t = mk_table(2, (tir_type[]){ TIR_I64, TIR_F64 }, 300);
    free(t->names[1]);
    t->names[1] = strdup("price");
    for (uint64_t r = 0; r < 300; r++) {
        set_i64(t, 0, r, (int64_t)r);
        set_f64(t, 1, r, (double)r * 1.25 + 1e6);
    }
    vm_store_colspec cs[2];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    size_t n;
    uint8_t *b = read_all(path, &n);
    /* block 3's prices are 64 doubles starting with row 192's */
    double first = 192 * 1.25 + 1e6;
    uint8_t *at = memmem(b, n, &first, 8);
    cr_assert_not_null(at);
    at[100] ^= 0x10;
    write_all(path, b, n);
    free(b);
    vm_store *s;
    char err[256];
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    vm_store_chunk ch;
    char want[300];
    snprintf(want, sizeof want, "%s: block 3 column 'price': checksum mismatch", path);
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(vm_store_chunk_get(s, 3, 1, &ch, err, sizeof err), TIR_ERR_DATA);
        cr_assert_str_eq(err, want);
    }
    cr_assert_eq(vm_store_chunk_get(s, 3, 0, &ch, err, sizeof err), TIR_OK);
    cr_assert_eq(vm_store_chunk_get(s, 2, 1, &ch, err, sizeof err), TIR_OK);
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_ERR_DATA);
    cr_assert_str_eq(err, want);
    vm_store_close(s);
    vm_table_free(t);
}

/* A column recorded as sorted is checked, not trusted: blocks whose ranges
** overlap fail at open, values out of order within a block on first read;
** NULLs and equal values are allowed, strings compare bytewise. */
Test(store, recorded_order_is_verified)
{
    char err[300], want[400];
    vm_store *s;
    vm_store_chunk ch;
    /* in order: ascending i64 with NULLs at the end, descending strings */
    vm_table *t = mk_table(2, (tir_type[]){ TIR_I64, TIR_STRING }, 200);
    for (uint64_t r = 0; r < 200; r++) {
        if (r >= 190)
            set_null(t, 0, r);
        else
            set_i64(t, 0, r, (int64_t)(r / 3));
        char buf[32];
        set_str(t, 1, r, buf, (uint32_t)snprintf(buf, sizeof buf, "key-%05d", 500 - (int)r / 2));
    }
    vm_store_colspec cs[2];
    specs_of(t, cs);
    cs[0].order = 1;
    cs[1].order = 2;
    roundtrip(t, cs, NULL, 64);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_OK, "%s", err);
    vm_store_close(s);
    /* two rows swapped inside block 1: found when the block is read */
    set_i64(t, 0, 70, 30);
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_chunk_get(s, 0, 0, &ch, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_chunk_get(s, 1, 0, &ch, err, sizeof err), TIR_ERR_DATA);
    snprintf(want, sizeof want, "%s: block 1 column 'c0': recorded as ascending but its values are not in that order",
             path);
    cr_assert_str_eq(err, want);
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_ERR_DATA);
    vm_store_close(s);
    /* a block whose range starts before the one before ends: found at open */
    set_i64(t, 0, 70, 23);
    set_i64(t, 0, 128, 5);
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_ERR_DATA);
    snprintf(want, sizeof want, "%s: column 'c0' is recorded as ascending but block 2 starts before block 1 ends", path);
    cr_assert_str_eq(err, want);
    vm_table_free(t);
}

/* The order check reads each type with its own loop: bool, i32, i64, f64
** (-0.0 equal to 0.0, NaN above every number) and wide decimals, ascending
** and descending, without NULLs. Two neighbours swapped inside block 1 of
** one column fail that column's chunk, and only it. */
Test(store, recorded_order_is_verified_for_every_fixed_width_type)
{
    enum { N = 200, NC = 5 };
    const tir_type types[NC] = { TIR_BOOL, TIR_I32, TIR_I64, TIR_F64, TIR_DECIMAL128 };
    const int order[NC] = { 1, 1, 2, 1, 2 };
    for (int bad = -1; bad < NC; bad++) {
        vm_table *t = mk_table(NC, types, N);
        for (uint64_t r = 0; r < N; r++) {
            ((uint8_t *)t->cols[0].data)[r] = r >= 100;
            set_i32(t, 1, r, (int32_t)r - 50);
            set_i64(t, 2, r, 1000 - (int64_t)r);
            set_f64(t, 3, r, r == 0 ? -1.0 : r == 1 || r == 3 ? -0.0 : r == N - 1 ? NAN : (double)r * 0.5 - 1.0);
            ((__int128 *)t->cols[4].data)[r] = (__int128)(N - (int)r) * k_pow10_128(30) - 1;
        }
        set_f64(t, 3, 2, 0.0); /* -0.0, 0.0, -0.0: all equal */
        if (bad >= 0) {        /* rows 99 and 100 are inside block 1 (64..127), neither its min nor max */
            size_t w = vm_type_width(types[bad]);
            char tmp[16], *a = (char *)t->cols[bad].data + 99 * w, *b = a + w;
            memcpy(tmp, a, w);
            memcpy(a, b, w);
            memcpy(b, tmp, w);
        }
        vm_store_colspec cs[NC];
        specs_of(t, cs);
        for (int c = 0; c < NC; c++)
            cs[c].order = order[c];
        cs[4].prec = 38;
        char err[300];
        cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
        vm_store *s;
        cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
        for (int c = 0; c < NC; c++) {
            vm_store_chunk ch;
            tir_status st = vm_store_chunk_get(s, 1, c, &ch, err, sizeof err);
            cr_assert_eq(st, c == bad ? TIR_ERR_DATA : TIR_OK, "column %d, %d swapped: %s", c, bad, err);
            if (c == bad)
                cr_assert_not_null(strstr(err, "its values are not in that order"), "%s", err);
        }
        vm_store_close(s);
        vm_table_free(t);
    }
}

/* Wide decimals and intervals, 16 bytes a value: values and NULLs round
** trip through blocks and through a row order, with the schema's precision
** and scale; a wide column's blocks carry the min and max of its values
** (38 digits, both signs), an interval's none (its order is not its
** bytes'); a wide column recorded ascending is checked when read; a bloom
** filter of either, an interval recorded sorted, and a precision of the
** other form are refused. */
Test(store, wide_decimal_and_interval_columns)
{
    enum { N = 1000 };
    vm_table *t = mk_table(3, (tir_type[]){ TIR_DECIMAL128, TIR_INTERVAL, TIR_DECIMAL128 }, N);
    rng g = { 21 };
    __int128 lim = k_pow10_128(38) - 1;
    for (uint64_t r = 0; r < N; r++) {
        __int128 v = (__int128)(((unsigned __int128)rnd(&g) << 64 | rnd(&g)) % (unsigned __int128)lim);
        v = r % 97 == 0 ? lim : v >> (rnd(&g) % 120);
        ((__int128 *)t->cols[0].data)[r] = rnd(&g) & 1 && r ? -v : v;   /* row 0: 10^38 - 1 */
        ((tir_interval *)t->cols[1].data)[r] = (tir_interval){ (int32_t)(rnd(&g) % 25) - 12,
                                                               (int32_t)(rnd(&g) % 61) - 30, (int64_t)rnd(&g) >> 20 };
        ((__int128 *)t->cols[2].data)[r] = (__int128)r * k_pow10_128(25) - 7;
        if (rnd(&g) % 10 == 0 && r)
            set_null(t, 0, r);
        if (r % 64 < 3 || (r >= 128 && r < 192))   /* block 2 of 64: every interval NULL */
            set_null(t, 1, r);
    }
    vm_store_colspec cs[3] = {
        { .name = "c0", .type = TIR_DECIMAL128, .nullable = true, .prec = 38, .scale = 4 },
        { .name = "c1", .type = TIR_INTERVAL, .nullable = true },
        { .name = "c2", .type = TIR_DECIMAL128, .order = 1, .unique = true, .prec = 30, .scale = 0 },
    };
    roundtrip(t, cs, NULL, 64);
    roundtrip(t, cs, NULL, 0);
    uint64_t *perm = malloc(N * 8);
    for (uint64_t i = 0; i < N; i++)
        perm[i] = (i * 7) % N;
    cs[2].order = 0;
    roundtrip(t, cs, perm, 128);
    free(perm);
    cs[2].order = 1;
    char err[300];
    vm_store *s;
    roundtrip(t, cs, NULL, 64);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    const vm_store_colspec *c0 = vm_store_col(s, 0), *c2 = vm_store_col(s, 2);
    cr_assert(c0->type == TIR_DECIMAL128 && c0->prec == 38 && c0->scale == 4 && vm_store_coltype(c0) == TIR_DECIMAL128);
    cr_assert(c2->prec == 30 && c2->scale == 0 && c2->order == 1 && c2->unique);
    cr_assert_eq(vm_store_coltype(vm_store_col(s, 1)), TIR_INTERVAL);
    const vm_store_stat *st = vm_store_block_stat(s, 2, 1);
    cr_assert(st->nulls == 64 && !st->has_min && !st->has_max);
    st = vm_store_block_stat(s, 1, 2);
    cr_assert(st->has_min && st->min.w == 64 * k_pow10_128(25) - 7 && st->max.w == 127 * k_pow10_128(25) - 7);
    st = vm_store_block_stat(s, 0, 0);
    cr_assert(st->has_min && st->max.w == lim, "row 0 holds 10^38 - 1");
    vm_store_close(s);

    /* ascending recorded, two rows swapped: found when the block is read */
    __int128 *w = t->cols[2].data;
    __int128 x = w[70];
    w[70] = w[71];
    w[71] = x;
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    vm_store_chunk ch;
    cr_assert_eq(vm_store_chunk_get(s, 1, 2, &ch, err, sizeof err), TIR_ERR_DATA);
    cr_assert(strstr(err, "block 1 column 'c2': recorded as ascending"), "%s", err);
    vm_store_close(s);

    /* bloom filters of both, of k_hash_d128 and k_hash_iv (the normalized
    ** value: what a probe of an equal interval in other parts hashes) */
    cs[0].bloom = cs[1].bloom = true;
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert(vm_store_col(s, 0)->bloom && vm_store_col(s, 1)->bloom);
    uint64_t h;
    k_hash_d128(&((__int128 *)t->cols[0].data)[70], NULL, NULL, 1, false, &h);
    cr_assert(vm_store_bloom_may_contain(s, 1, 0, h));
    int equal = 0;
    for (int r = 67; r < 128; r++) {   /* block 1's intervals, as a month more and 30 days less */
        tir_interval v = ((tir_interval *)t->cols[1].data)[r], m = {v.months + 1, v.days - 30, v.micros};
        if (k_iv_key(m) != k_iv_key(v))
            continue;
        k_hash_iv(&m, NULL, NULL, 1, false, &h);
        cr_assert(vm_store_bloom_may_contain(s, 1, 1, h), "row %d", r);
        equal++;
    }
    cr_assert(equal > 10, "%d", equal);
    vm_store_close(s);
    cs[0].bloom = cs[1].bloom = false;

    /* an interval recorded descending, in the order of its normalized value
    ** (k_iv_key: "1 day" and "24:00:00" are equal there, whatever their
    ** parts), its NULLs last: read back, and checked per block and across */
    enum { NI = 300 };
    vm_table *it = mk_table(1, (tir_type[]){ TIR_INTERVAL }, NI);
    tir_interval *iv = it->cols[0].data;
    for (int r = 0; r < NI; r++)   /* -(r / 2) days, every second as as many 24 hours */
        iv[r] = r % 2 ? (tir_interval){ 0, 0, -(r / 2) * K_US_PER_DAY } : (tir_interval){ 0, -(r / 2), 0 };
    for (int r = 280; r < NI; r++)
        set_null(it, 0, r);
    vm_store_colspec ic = { .name = "c0", .type = TIR_INTERVAL, .nullable = true, .order = 2 };
    roundtrip(it, &ic, NULL, 64);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_col(s, 0)->order, 2);
    st = vm_store_block_stat(s, 1, 0);
    cr_assert(st->has_min && st->max.w == k_iv_key((tir_interval){ 0, -32, 0 }) &&
              st->min.w == k_iv_key((tir_interval){ 0, -63, 0 }), "block 1: -32 .. -63 days");
    tir_interval top = k_iv_from_key(st->max.w);   /* normalized: -1 month -2 days */
    cr_assert(top.months == -1 && top.days == -2 && top.micros == 0);
    vm_store_close(s);
    iv[100] = (tir_interval){ 0, 5, 0 };   /* above the rows before it: out of order in block 1 */
    cr_assert_eq(vm_store_write(path, it, &ic, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_ERR_DATA, "block 1 now ends above where block 0 ends");
    cr_assert(strstr(err, "column 'c0' is recorded as descending but block 1 starts before block 0 ends"), "%s", err);
    iv[100] = (tir_interval){ 0, -45, 0 };   /* inside block 1's range, above row 99: found when read */
    cr_assert_eq(vm_store_write(path, it, &ic, NULL, 64, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_chunk_get(s, 1, 0, &ch, err, sizeof err), TIR_ERR_DATA);
    cr_assert(strstr(err, "block 1 column 'c0': recorded as descending"), "%s", err);
    vm_store_close(s);
    vm_table_free(it);

    /* refused: a narrow precision in a wide column and the reverse */
    cs[0].prec = 18;
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_ERR_ARG);
    cr_assert(strstr(err, "column 'c0': description does not match the data"), "%s", err);
    cs[0].prec = 0;
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 64, err, sizeof err), TIR_ERR_ARG);
    vm_table_free(t);
    vm_table *n = mk_table(1, (tir_type[]){ TIR_I64 }, 3);
    vm_store_colspec ns = { .name = "d", .type = TIR_I64, .prec = 19, .scale = 2 };
    cr_assert_eq(vm_store_write(path, n, &ns, NULL, 64, err, sizeof err), TIR_ERR_ARG, "an i64 holds 18 digits");
    vm_table_free(n);
}

/* ---- replace, deletions, staleness ---------------------------------------- */
Test(store, write_into_missing_directory_fails_cleanly)
{
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I64 }, 10);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    char p[200], err[256];
    snprintf(p, sizeof p, "%s/nodir/t.tirt", dir);
    cr_assert_eq(vm_store_write(p, t, cs, NULL, 0, err, sizeof err), TIR_ERR_IO);
    cr_assert(strstr(err, "nodir/t.tirt") && strstr(err, strerror(ENOENT)), "%s", err);
    vm_table_free(t);
}

Test(store, stale_temporary_of_same_name_is_replaced)
{
    char tmp[200], err[256];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    write_all(tmp, "junk", 4);
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I64 }, 10);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    cr_assert_eq(vm_store_write(path, t, cs, NULL, 0, err, sizeof err), TIR_OK, "%s", err);
    cr_assert(!exists(tmp));
    vm_table_free(t);
}

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

Test(store, delete_persists_and_merges)
{
    rng g = { 31 };
    vm_table *t = mk_table(2, (tir_type[]){ TIR_I64, TIR_STRING }, 200);
    fill(t, &g, 5, NULL);
    vm_store_colspec cs[2];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    char err[256];
    vm_store *s = open_ok();
    cr_assert_null(vm_store_deleted(s));
    uint64_t rows1[] = { 1, 5, 64, 199, 5 };
    cr_assert_eq(vm_store_delete(s, rows1, 5, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_ndeleted(s), 4);
    cr_assert(exists(delpath));
    uint64_t oob = 200;
    cr_assert_eq(vm_store_delete(s, &oob, 1, err, sizeof err), TIR_ERR_ARG);
    cr_assert_eq(vm_store_ndeleted(s), 4);
    vm_store_close(s);
    s = open_ok();
    cr_assert_eq(vm_store_ndeleted(s), 4);
    for (uint64_t r = 0; r < 200; r++)
        cr_assert_eq(deleted(s, r), r == 1 || r == 5 || r == 64 || r == 199, "row %llu", (unsigned long long)r);
    uint64_t rows2[] = { 0, 64, 128 };
    cr_assert_eq(vm_store_delete(s, rows2, 3, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_ndeleted(s), 6);
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_OK, "%s", err);
    vm_store_close(s);
    s = open_ok();
    cr_assert_eq(vm_store_ndeleted(s), 6);
    cr_assert(deleted(s, 0) && deleted(s, 128) && deleted(s, 199) && !deleted(s, 2));
    check_same(s, t, NULL); /* deletion does not touch the data */
    vm_store_close(s);
    vm_table_free(t);
}

Test(store, overwrite_replaces_table_and_drops_old_deletions)
{
    rng g = { 32 };
    vm_table *a = mk_table(2, (tir_type[]){ TIR_I64, TIR_STRING }, 100);
    fill(a, &g, 5, NULL);
    vm_store_colspec cs[2];
    specs_of(a, cs);
    roundtrip(a, cs, NULL, 64);
    char err[256];
    vm_store *s = open_ok();
    uint64_t r = 3;
    cr_assert_eq(vm_store_delete(s, &r, 1, err, sizeof err), TIR_OK, "%s", err);
    vm_store_close(s);
    cr_assert(exists(delpath));
    vm_table *b = mk_table(1, (tir_type[]){ TIR_F64 }, 10);
    fill(b, &g, 0, NULL);
    vm_store_colspec cb[1];
    specs_of(b, cb);
    roundtrip(b, cb, NULL, 0);
    cr_assert(!exists(delpath));
    s = open_ok();
    cr_assert_eq(vm_store_ndeleted(s), 0);
    check_same(s, b, NULL);
    vm_store_close(s);
    vm_table_free(a);
    vm_table_free(b);
}

Test(store, deletion_file_of_another_table_is_ignored)
{
    rng g = { 33 };
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I64 }, 100);
    fill(t, &g, 0, NULL);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    char err[256];
    vm_store *s = open_ok();
    uint64_t r = 7;
    cr_assert_eq(vm_store_delete(s, &r, 1, err, sizeof err), TIR_OK, "%s", err);
    vm_store_close(s);
    size_t n;
    uint8_t *old = read_all(delpath, &n);
    /* the same rows written again: a new table id */
    roundtrip(t, cs, NULL, 64);
    write_all(delpath, old, n); /* as if a crash had kept the old .del */
    free(old);
    s = open_ok();
    cr_assert_eq(vm_store_ndeleted(s), 0);
    cr_assert_null(vm_store_deleted(s));
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_OK, "%s", err);
    r = 9;
    cr_assert_eq(vm_store_delete(s, &r, 1, err, sizeof err), TIR_OK, "%s", err);
    vm_store_close(s);
    s = open_ok();
    cr_assert(vm_store_ndeleted(s) == 1 && deleted(s, 9) && !deleted(s, 7));
    vm_store_close(s);
    vm_table_free(t);
}

/* Every changed byte and every truncation of the deletion file is an error
** on open that names the deletion file. */
Test(store, corrupt_deletion_file_is_reported, .timeout = 60)
{
    rng g = { 34 };
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I32 }, 300);
    fill(t, &g, 0, NULL);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    char err[256];
    vm_store *s = open_ok();
    uint64_t rows[] = { 0, 299 };
    cr_assert_eq(vm_store_delete(s, rows, 2, err, sizeof err), TIR_OK, "%s", err);
    vm_store_close(s);
    size_t n;
    uint8_t *d = read_all(delpath, &n);
    cr_assert_eq(n, ST_DEL_HEADER + 5 * 8 + 4);
    for (size_t off = 0; off < n; off++) {
        d[off] ^= 0x04;
        write_all(delpath, d, n);
        d[off] ^= 0x04;
        cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_ERR_DATA, "byte %zu", off);
        cr_assert(strstr(err, "t.tirt.del"), "%s", err);
    }
    for (size_t len = 0; len < n; len++) {
        write_all(delpath, d, len);
        cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_ERR_DATA, "length %zu", len);
    }
    write_all(delpath, d, n);
    s = open_ok();
    cr_assert_eq(vm_store_ndeleted(s), 2);
    /* damaged after open: verify reads the file again */
    d[50] ^= 1;
    write_all(delpath, d, n);
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_ERR_DATA);
    cr_assert(strstr(err, "t.tirt.del"), "%s", err);
    vm_store_close(s);
    free(d);
    vm_table_free(t);
}

Test(store, stale_detection)
{
    rng g = { 35 };
    vm_table *t = mk_table(1, (tir_type[]){ TIR_I64 }, 100);
    fill(t, &g, 0, NULL);
    vm_store_colspec cs[1];
    specs_of(t, cs);
    roundtrip(t, cs, NULL, 64);
    char err[256];
    vm_store *s1 = open_ok(), *s2 = open_ok();
    cr_assert(!vm_store_stale(s1) && !vm_store_stale(s2));
    uint64_t r = 5;
    cr_assert_eq(vm_store_delete(s1, &r, 1, err, sizeof err), TIR_OK, "%s", err);
    cr_assert(!vm_store_stale(s1), "its own deletion file is not news to s1");
    cr_assert(vm_store_stale(s2), "a deletion file appeared");
    vm_store_close(s2);
    s2 = open_ok();
    cr_assert(!vm_store_stale(s2));
    r = 6;
    cr_assert_eq(vm_store_delete(s1, &r, 1, err, sizeof err), TIR_OK, "%s", err);
    cr_assert(!vm_store_stale(s1) && vm_store_stale(s2), "the deletion file was replaced");
    vm_store_close(s2);
    s2 = open_ok();
    roundtrip(t, cs, NULL, 64); /* replaces the table, removes the .del */
    cr_assert(vm_store_stale(s1) && vm_store_stale(s2));
    vm_store_close(s1);
    vm_store_close(s2);
    s1 = open_ok();
    cr_assert(!vm_store_stale(s1));
    unlink(path);
    cr_assert(vm_store_stale(s1), "the table file is gone");
    vm_store_close(s1);
    vm_table_free(t);
}

/* ---- damage behind valid checksums ----------------------------------------
** A buggy or hostile writer can produce checksums that match wrong
** contents. These tests change bytes and then recompute every checksum, so
** the reader's own checks of offsets, counts and layouts are what stands
** between the damage and a crash (run them under ASan). */

/* Where each chunk's and filter's CRC sits in the footer: found by walking
** the chunks from offset 64 and matching (offset, length) pairs whose CRC
** field holds the region's CRC. */
typedef struct seal {
    size_t foot_off, foot_len;
    size_t nreg, reg_off[256], reg_len[256], crc_at[256];
} seal;

static void seal_find(const uint8_t *b, size_t n, seal *z)
{
    uint64_t fo, fl;
    memcpy(&fo, b + n - 32, 8);
    memcpy(&fl, b + n - 24, 8);
    z->foot_off = (size_t)fo;
    z->foot_len = (size_t)fl;
    z->nreg = 0;
    size_t at = 64, p = z->foot_off;
    while (at < z->foot_off) {
        bool found = false;
        for (; !found && p + 24 <= z->foot_off + z->foot_len; p++) {
            uint64_t o, l;
            memcpy(&o, b + p, 8);
            memcpy(&l, b + p + 8, 8);
            if (o != at || l % 64 || !l || l > z->foot_off - at)
                continue;
            uint32_t want = vm_crc32c(0, b + at, (size_t)l), got;
            for (size_t k = 16; k <= 20 && !found; k += 4) {
                memcpy(&got, b + p + k, 4);
                if (got == want) {
                    cr_assert_lt(z->nreg, 256);
                    z->reg_off[z->nreg] = at;
                    z->reg_len[z->nreg] = (size_t)l;
                    z->crc_at[z->nreg++] = p + k;
                    at += (size_t)l;
                    found = true;
                }
            }
        }
        cr_assert(found, "no footer entry for the region at %zu", at);
    }
}

static void seal_apply(uint8_t *b, size_t n, const seal *z, bool regions)
{
    for (size_t i = 0; regions && i < z->nreg; i++) {
        uint32_t c = vm_crc32c(0, b + z->reg_off[i], z->reg_len[i]);
        memcpy(b + z->crc_at[i], &c, 4);
    }
    uint32_t c = vm_crc32c(0, b + z->foot_off, z->foot_len);
    memcpy(b + n - 16, &c, 4);
}

/* Opens bad, and if that works reads everything it offers. */
static void read_everything(const char *bad)
{
    vm_store *s;
    char err[256];
    if (vm_store_open(bad, &s, err, sizeof err) != TIR_OK)
        return;
    bool ok = vm_store_verify(s, err, sizeof err) == TIR_OK;
    tir_str *strs = malloc((size_t)vm_store_block_rows(s) * sizeof *strs);
    cr_assert_not_null(strs);
    for (uint32_t b = 0; b < vm_store_nblocks(s); b++) {
        for (int c = 0; c < vm_store_ncols(s); c++) {
            const vm_store_stat *st = vm_store_block_stat(s, b, c);
            if (vm_store_col(s, c)->type == TIR_STRING && st->has_min)
                cr_assert_leq(st->min.s.len, VM_STORE_STAT_STR);
            vm_store_bloom_may_contain(s, b, c, 12345);
            vm_store_chunk ch;
            tir_status cs = vm_store_chunk_get(s, b, c, &ch, err, sizeof err);
            cr_assert(!ok || cs == TIR_OK, "verify passed but block %u column %d fails: %s", b, c, err);
            if (cs != TIR_OK)
                continue;
            if (ch.type == TIR_STRING) {
                vm_store_strings(&ch, 0, ch.rows, strs);
                volatile char sink = 0;
                for (uint32_t i = 0; i < ch.rows; i++)
                    if (strs[i].len)
                        sink ^= tir_str_ptr(&strs[i])[strs[i].len - 1];
                (void)sink;
            }
        }
    }
    free(strs);
    vm_store_close(s);
}

Test(store, resealed_block_damage_never_crashes, .timeout = 300)
{
    write_small();
    size_t n;
    uint8_t *orig = read_all(path, &n);
    seal z;
    seal_find(orig, n, &z);
    cr_assert_gt(z.nreg, NALL * 3);
    uint8_t *b = malloc(n);
    char bad[160];
    snprintf(bad, sizeof bad, "%s/bad.tirt", dir);
    for (size_t off = 64; off < z.foot_off; off++) {
        for (int k = 0; k < 2; k++) {
            memcpy(b, orig, n);
            b[off] ^= k ? 0x80 : 0x03;
            seal_apply(b, n, &z, true);
            write_all(bad, b, n);
            read_everything(bad);
        }
    }
    free(b);
    free(orig);
}

Test(store, resealed_metadata_damage_never_crashes, .timeout = 300)
{
    write_small();
    size_t n;
    uint8_t *orig = read_all(path, &n);
    seal z;
    seal_find(orig, n, &z);
    uint8_t *b = malloc(n);
    char bad[160];
    snprintf(bad, sizeof bad, "%s/bad.tirt", dir);
    static const uint8_t masks[] = { 0x01, 0x02, 0x10, 0x40, 0x80, 0xff };
    for (size_t off = z.foot_off; off < z.foot_off + z.foot_len; off++) {
        for (size_t k = 0; k < sizeof masks; k++) {
            memcpy(b, orig, n);
            b[off] ^= masks[k];
            seal_apply(b, n, &z, false);
            write_all(bad, b, n);
            read_everything(bad);
        }
    }
    free(b);
    free(orig);
}
