/*
** test_hashtable.c — vm_ht against naive references (nested loops over the
** rows) on random data: join builds with duplicates and NULL keys, probes
** and chain walks, group-by over 1..6 key columns of every key type, growth,
** f64 zero/NaN keys, selection vectors, empty tables and memory accounting.
*/
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashtable.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
/* Criterion ends each test's process without the exit-time leak check. */
static void leak_check(void)
{
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked");
}
TestSuite(hashtable, .fini = leak_check);
#endif

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

/* Generated columns of n rows; long strings point into bytes[c]. */
enum { MAXC = 6, STRW = 32 };
typedef struct data {
    uint32_t n;
    int ncols;
    vm_vec v[MAXC];
    char *bytes[MAXC];
} data;

/* Sets row i of column v to the value numbered k; salt varies the
** representation of equal values (sign of zero, NaN bits, the garbage after
** inline strings) so hashing and equality must see through it. */
static void cell_set(vm_vec *v, char *bytes, uint32_t i, uint32_t k, uint64_t salt)
{
    switch (v->type) {
    case TIR_BOOL: ((uint8_t *)v->data)[i] = k & 1; break;
    case TIR_I32: ((int32_t *)v->data)[i] = (int32_t)(k * 7919u) - 50000; break;
    case TIR_DATE: ((int32_t *)v->data)[i] = 18000 + (int32_t)k; break;
    case TIR_I64: ((int64_t *)v->data)[i] = (int64_t)k * 1000000007LL - (1LL << 40); break;
    case TIR_F64: {
        double d = k * 0.25 - 2.0;
        if (k == 0)
            d = salt & 1 ? -0.0 : 0.0;
        else if (k == 1)
            d = salt & 1 ? -NAN : NAN;
        ((double *)v->data)[i] = d;
        break;
    }
    case TIR_STRING: {
        char buf[STRW];
        int len;
        switch (k % 4) {
        case 0: len = snprintf(buf, sizeof buf, "s%u", k); break;
        case 1: len = snprintf(buf, sizeof buf, "%012u", k); break; /* exactly inline */
        case 2: len = snprintf(buf, sizeof buf, "%013u", k); break; /* shortest long */
        default: len = snprintf(buf, sizeof buf, "a-long-string-key-%u", k); break;
        }
        tir_str *s = &((tir_str *)v->data)[i];
        memset(s, (int)(salt & 0xff), sizeof *s);
        s->len = (uint32_t)len;
        if (len <= TIR_STR_INLINE) {
            memcpy(s->prefix, buf, (size_t)len);
        } else {
            char *d = bytes + (size_t)i * STRW;
            memcpy(d, buf, (size_t)len);
            memcpy(s->prefix, buf, 4);
            s->u.ptr = d;
        }
        break;
    }
    default: cr_assert_fail("bad type");
    }
}

static void data_make(data *d, rng *r, uint32_t n, int ncols, const tir_type *types, uint32_t domain,
                      unsigned null_pct)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->ncols = ncols;
    for (int c = 0; c < ncols; c++) {
        vm_vec *v = &d->v[c];
        v->type = types[c];
        v->data = calloc(n + 1, vm_type_width(types[c]));
        v->validity = null_pct ? calloc(n / 64 + 1, 8) : NULL;
        d->bytes[c] = types[c] == TIR_STRING ? malloc((size_t)n * STRW + 1) : NULL;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = (uint32_t)(rnd(r) % domain);
            bool valid = !null_pct || rnd(r) % 100 >= null_pct;
            if (v->validity)
                vm_bit_set(v->validity, i, valid);
            cell_set(v, d->bytes[c], i, valid ? k : 0, rnd(r));
        }
    }
}

static void data_free(data *d)
{
    for (int c = 0; c < d->ncols; c++) {
        free(d->v[c].data);
        free(d->v[c].validity);
        free(d->bytes[c]);
    }
}

/* The batch of d starting at row off (a multiple of 64) as vectors. */
static void data_slice(const data *d, uint32_t off, vm_vec *out)
{
    cr_assert_eq(off % 64, 0);
    for (int c = 0; c < d->ncols; c++) {
        out[c].type = d->v[c].type;
        out[c].data = (char *)d->v[c].data + (size_t)off * vm_type_width(d->v[c].type);
        out[c].validity = d->v[c].validity ? d->v[c].validity + off / 64 : NULL;
    }
}

/* Reference equality of a[i] and b[j], NULL equal to NULL. */
static bool ref_cell_eq(const vm_vec *a, uint32_t i, const vm_vec *b, uint32_t j)
{
    bool va = vm_bit_get(a->validity, i), vb = vm_bit_get(b->validity, j);
    if (!va || !vb)
        return va == vb;
    switch (a->type) {
    case TIR_BOOL: return ((uint8_t *)a->data)[i] == ((uint8_t *)b->data)[j];
    case TIR_I32:
    case TIR_DATE: return ((int32_t *)a->data)[i] == ((int32_t *)b->data)[j];
    case TIR_I64: return ((int64_t *)a->data)[i] == ((int64_t *)b->data)[j];
    case TIR_F64: {
        double x = ((double *)a->data)[i], y = ((double *)b->data)[j];
        return x == y || (isnan(x) && isnan(y));
    }
    case TIR_STRING: {
        const tir_str *x = &((tir_str *)a->data)[i], *y = &((tir_str *)b->data)[j];
        return x->len == y->len && memcmp(tir_str_ptr(x), tir_str_ptr(y), x->len) == 0;
    }
    default: cr_assert_fail("bad type"); return false;
    }
}

static bool ref_key_eq(const data *a, uint32_t i, const data *b, uint32_t j)
{
    for (int c = 0; c < a->ncols; c++)
        if (!ref_cell_eq(&a->v[c], i, &b->v[c], j))
            return false;
    return true;
}

static bool ref_key_null(const data *a, uint32_t i)
{
    for (int c = 0; c < a->ncols; c++)
        if (!vm_bit_get(a->v[c].validity, i))
            return true;
    return false;
}

static vm_vec col_vec(const vm_column *c)
{
    return (vm_vec){ c->type, c->data, c->validity };
}

/* The stored key of entry e equals the key of row i of d. */
static bool stored_key_eq(const vm_ht *ht, uint32_t e, const data *d, uint32_t i)
{
    for (int c = 0; c < d->ncols; c++) {
        vm_vec v = col_vec(vm_ht_key(ht, c));
        if (!ref_cell_eq(&v, e, &d->v[c], i))
            return false;
    }
    return true;
}

/* A random ascending subset (about 3/4) of [0, n); returns its size. */
static uint32_t random_sel(rng *r, uint32_t n, uint32_t *sel)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (rnd(r) % 4)
            sel[m++] = i;
    return m;
}

/* ---- group-by ------------------------------------------------------------ */

static void check_group(const tir_type *types, int ncols, uint32_t n, uint32_t domain, unsigned null_pct,
                        uint32_t batch, uint64_t seed)
{
    rng r = { seed };
    data d;
    data_make(&d, &r, n, ncols, types, domain, null_pct);
    vm_ht *ht = vm_ht_new(ncols, types, 0, NULL, true);
    cr_assert_not_null(ht);

    uint32_t *gid = malloc(n * sizeof *gid), *sel = malloc(n * sizeof *sel), *out = malloc(n * sizeof *out);
    uint8_t *fed = calloc(n, 1);
    for (uint32_t i = 0; i < n; i++)
        gid[i] = VM_HT_NONE;
    /* alternate whole batches (sel NULL) and random subsets */
    for (uint32_t off = 0, b = 0; off < n; off += batch, b++) {
        uint32_t bn = n - off < batch ? n - off : batch;
        vm_vec v[MAXC];
        data_slice(&d, off, v);
        if (b % 2 == 0) {
            cr_assert(vm_ht_find_or_insert(ht, v, NULL, bn, out));
            for (uint32_t i = 0; i < bn; i++) {
                gid[off + i] = out[i];
                fed[off + i] = 1;
            }
        } else {
            uint32_t m = random_sel(&r, bn, sel);
            cr_assert(vm_ht_find_or_insert(ht, v, sel, m, out));
            for (uint32_t k = 0; k < m; k++) {
                gid[off + sel[k]] = out[k];
                fed[off + sel[k]] = 1;
            }
        }
    }

    /* reference groups: representative rows, by nested loops */
    uint32_t *rep = malloc(n * sizeof *rep), nrep = 0;
    uint32_t *rep_gid = malloc(n * sizeof *rep_gid);
    uint8_t *used = calloc(n + 1, 1);
    for (uint32_t i = 0; i < n; i++) {
        if (!fed[i])
            continue;
        uint32_t g = 0;
        while (g < nrep && !ref_key_eq(&d, rep[g], &d, i))
            g++;
        if (g == nrep) {
            rep[nrep] = i;
            rep_gid[nrep++] = gid[i];
            cr_assert_lt(gid[i], n, "row %u got group %u", i, gid[i]);
            cr_assert_not(used[gid[i]], "two different keys share group %u", gid[i]);
            used[gid[i]] = 1;
        } else {
            cr_assert_eq(gid[i], rep_gid[g], "row %u: group %u, its key's group is %u", i, gid[i], rep_gid[g]);
        }
    }
    cr_assert_eq(vm_ht_count(ht), nrep, "count %u, reference %u", vm_ht_count(ht), nrep);
    for (uint32_t g = 0; g < nrep; g++)
        cr_assert(stored_key_eq(ht, rep_gid[g], &d, rep[g]), "stored key of group %u", rep_gid[g]);
    for (int c = 0; c < ncols; c++)
        cr_assert_eq(vm_ht_key(ht, c)->len, nrep);

    /* again over all fed rows in one call: same groups, nothing new */
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (fed[i])
            sel[m++] = i;
    cr_assert(vm_ht_find_or_insert(ht, d.v, sel, m, out));
    for (uint32_t k = 0; k < m; k++)
        cr_assert_eq(out[k], gid[sel[k]]);
    cr_assert_eq(vm_ht_count(ht), nrep);

    /* probe every row: a key with a NULL never matches, others find their
    ** group if it was inserted */
    vm_ht_probe(ht, d.v, NULL, n, out);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t want = VM_HT_NONE;
        if (!ref_key_null(&d, i))
            for (uint32_t g = 0; g < nrep; g++)
                if (ref_key_eq(&d, rep[g], &d, i)) {
                    want = rep_gid[g];
                    break;
                }
        cr_assert_eq(out[i], want, "probe row %u: %u, want %u", i, out[i], want);
        cr_assert_eq(vm_ht_next(ht, out[i]), VM_HT_NONE);
    }

    vm_ht_free(ht);
    free(gid);
    free(sel);
    free(out);
    free(fed);
    free(rep);
    free(rep_gid);
    free(used);
    data_free(&d);
}

Test(hashtable, group_one_key)
{
    check_group((tir_type[]){ TIR_I64 }, 1, 5000, 300, 10, 640, 1);
    check_group((tir_type[]){ TIR_STRING }, 1, 5000, 300, 10, 640, 2);
    check_group((tir_type[]){ TIR_I32 }, 1, 3000, 3000, 0, 1024, 3);
    check_group((tir_type[]){ TIR_F64 }, 1, 3000, 40, 5, 64, 4);
    check_group((tir_type[]){ TIR_BOOL }, 1, 2000, 2, 20, 128, 5);
    check_group((tir_type[]){ TIR_DATE }, 1, 2000, 100, 0, 2048, 6);
}

Test(hashtable, group_two_keys)
{
    check_group((tir_type[]){ TIR_I32, TIR_STRING }, 2, 5000, 40, 10, 640, 7);
    check_group((tir_type[]){ TIR_STRING, TIR_STRING }, 2, 4000, 30, 5, 1024, 8);
    check_group((tir_type[]){ TIR_F64, TIR_I64 }, 2, 4000, 25, 10, 576, 9);
}

Test(hashtable, group_three_keys)
{
    check_group((tir_type[]){ TIR_STRING, TIR_F64, TIR_BOOL }, 3, 5000, 20, 10, 640, 10);
    check_group((tir_type[]){ TIR_DATE, TIR_I64, TIR_STRING }, 3, 5000, 12, 15, 960, 11);
}

Test(hashtable, group_all_types)
{
    check_group((tir_type[]){ TIR_BOOL, TIR_I32, TIR_I64, TIR_F64, TIR_STRING, TIR_DATE }, 6, 4000, 4, 5,
                512, 12);
}

/* ---- join ------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Builds from nb rows (values: the build row number and a string), probes
** np rows, and compares each probe row's chain with the nested-loop join. */
static void check_join(const tir_type *types, int ncols, uint32_t nb, uint32_t np, uint32_t domain,
                       unsigned null_pct, uint32_t batch, uint64_t seed)
{
    rng r = { seed };
    data b, p, sv;
    data_make(&b, &r, nb, ncols, types, domain, null_pct);
    data_make(&p, &r, np, ncols, types, domain + domain / 2 + 1, null_pct);
    data_make(&sv, &r, nb, 1, (tir_type[]){ TIR_STRING }, 1000, 10);
    int64_t *rowno = malloc(nb * sizeof *rowno);
    for (uint32_t i = 0; i < nb; i++)
        rowno[i] = i;

    tir_type vt[2] = { TIR_I64, TIR_STRING };
    vm_ht *ht = vm_ht_new(ncols, types, 2, vt, false);
    cr_assert_not_null(ht);
    uint32_t *sel = malloc((nb > np ? nb : np) * sizeof *sel);
    uint8_t *fed = calloc(nb, 1);
    uint32_t want_count = 0;
    for (uint32_t off = 0, bi = 0; off < nb; off += batch, bi++) {
        uint32_t bn = nb - off < batch ? nb - off : batch;
        vm_vec k[MAXC], v[2];
        data_slice(&b, off, k);
        data_slice(&sv, off, &v[1]);
        v[0] = (vm_vec){ TIR_I64, rowno + off, NULL };
        uint32_t m = bn;
        if (bi % 2) {
            m = random_sel(&r, bn, sel);
        } else {
            for (uint32_t i = 0; i < bn; i++)
                sel[i] = i;
        }
        cr_assert(vm_ht_insert(ht, k, v, bi % 2 ? sel : NULL, m));
        for (uint32_t j = 0; j < m; j++) {
            fed[off + sel[j]] = 1;
            want_count += !ref_key_null(&b, off + sel[j]);
        }
    }
    cr_assert_eq(vm_ht_count(ht), want_count);

    /* probe in batches, with and without sel */
    uint32_t *first = malloc(np * sizeof *first);
    for (uint32_t i = 0; i < np; i++)
        first[i] = 12345;
    for (uint32_t off = 0, bi = 0; off < np; off += batch, bi++) {
        uint32_t bn = np - off < batch ? np - off : batch, out[4096];
        vm_vec k[MAXC];
        data_slice(&p, off, k);
        if (bi % 2) {
            vm_ht_probe(ht, k, NULL, bn, first + off);
        } else {
            uint32_t m = random_sel(&r, bn, sel);
            vm_ht_probe(ht, k, sel, m, out);
            for (uint32_t j = 0; j < m; j++)
                first[off + sel[j]] = out[j];
        }
    }

    const vm_column *vrow = vm_ht_val(ht, 0), *vstr = vm_ht_val(ht, 1);
    cr_assert_eq(vrow->len, want_count);
    uint64_t *got = malloc(nb * sizeof *got), *want = malloc(nb * sizeof *want);
    uint64_t hits = 0;
    for (uint32_t i = 0; i < np; i++) {
        if (first[i] == 12345)
            continue; /* not in a probe sel */
        uint32_t ng = 0, nw = 0;
        for (uint32_t e = first[i]; e != VM_HT_NONE; e = vm_ht_next(ht, e)) {
            cr_assert_lt(e, want_count);
            cr_assert_lt(ng, nb, "chain too long (cycle?)");
            cr_assert(stored_key_eq(ht, e, &p, i), "entry %u in the chain of probe row %u has another key", e, i);
            int64_t br = ((int64_t *)vrow->data)[e];
            vm_vec sc = col_vec(vstr);
            cr_assert(ref_cell_eq(&sc, e, &sv.v[0], (uint32_t)br), "string value of entry %u", e);
            got[ng++] = (uint64_t)br;
        }
        if (!ref_key_null(&p, i))
            for (uint32_t j = 0; j < nb; j++)
                if (fed[j] && ref_key_eq(&b, j, &p, i))
                    want[nw++] = j;
        qsort(got, ng, sizeof *got, cmp_u64);
        cr_assert_eq(ng, nw, "probe row %u: %u matches, want %u", i, ng, nw);
        for (uint32_t j = 0; j < nw; j++)
            cr_assert_eq(got[j], want[j], "probe row %u: match %u is build row %lu, want %lu", i, j,
                         (unsigned long)got[j], (unsigned long)want[j]);
        hits += nw;
    }
    cr_assert_gt(hits, 0, "the data should produce matches");

    vm_ht_free(ht);
    free(rowno);
    free(sel);
    free(fed);
    free(first);
    free(got);
    free(want);
    data_free(&b);
    data_free(&p);
    data_free(&sv);
}

Test(hashtable, join_dups_and_nulls_i32)
{
    check_join((tir_type[]){ TIR_I32 }, 1, 6000, 2000, 300, 10, 1024, 21);
}

Test(hashtable, join_string_key)
{
    check_join((tir_type[]){ TIR_STRING }, 1, 5000, 2000, 200, 10, 640, 22);
}

Test(hashtable, join_multi_key)
{
    check_join((tir_type[]){ TIR_I64, TIR_STRING }, 2, 5000, 2000, 30, 5, 512, 23);
    check_join((tir_type[]){ TIR_DATE, TIR_F64, TIR_BOOL }, 3, 4000, 2000, 10, 10, 2048, 24);
    check_join((tir_type[]){ TIR_BOOL, TIR_I32, TIR_I64, TIR_F64, TIR_STRING, TIR_DATE }, 6, 3000, 1500, 3, 5,
               1024, 25);
}

Test(hashtable, join_one_hot_key)
{
    /* every row has the same key: one chain of thousands of entries */
    check_join((tir_type[]){ TIR_I64 }, 1, 4000, 200, 1, 0, 1024, 26);
}

/* ---- special cases ---------------------------------------------------------- */

Test(hashtable, f64_zero_and_nan)
{
    double x[8] = { 0.0, -0.0, NAN, -NAN, 0.0 /* NULL */, 1.0, -0.0, 1.0 };
    uint64_t va[1] = { 0xff & ~(1u << 4) };
    vm_vec k = { TIR_F64, x, va };
    uint32_t gids[8];

    vm_ht *g = vm_ht_new(1, (tir_type[]){ TIR_F64 }, 0, NULL, true);
    cr_assert(vm_ht_find_or_insert(g, &k, NULL, 8, gids));
    uint32_t want[8] = { 0, 0, 1, 1, 2, 3, 0, 3 };
    for (int i = 0; i < 8; i++)
        cr_assert_eq(gids[i], want[i], "row %d: group %u, want %u", i, gids[i], want[i]);
    cr_assert_eq(vm_ht_count(g), 4);
    cr_assert(vm_bit_get(vm_ht_key(g, 0)->validity, 1));
    cr_assert_not(vm_bit_get(vm_ht_key(g, 0)->validity, 2));
    vm_ht_free(g);

    /* join: build -0.0 twice and NaN; 0.0 and another NaN find them */
    vm_ht *j = vm_ht_new(1, (tir_type[]){ TIR_F64 }, 0, NULL, false);
    double bx[3] = { -0.0, NAN, -0.0 };
    vm_vec bk = { TIR_F64, bx, NULL };
    cr_assert(vm_ht_insert(j, &bk, NULL, NULL, 3));
    double px[4] = { 0.0, -NAN, 2.0, 0.0 };
    uint64_t pv[1] = { 0x7 };
    vm_vec pk = { TIR_F64, px, pv };
    uint32_t first[4];
    vm_ht_probe(j, &pk, NULL, 4, first);
    cr_assert_neq(first[0], VM_HT_NONE);
    uint32_t e2 = vm_ht_next(j, first[0]);
    cr_assert_neq(e2, VM_HT_NONE);
    cr_assert_eq(vm_ht_next(j, e2), VM_HT_NONE);
    cr_assert_eq(first[0] + e2, 0 + 2, "the two -0.0 entries");
    cr_assert_eq(first[1], 1);
    cr_assert_eq(vm_ht_next(j, 1), VM_HT_NONE);
    cr_assert_eq(first[2], VM_HT_NONE);
    cr_assert_eq(first[3], VM_HT_NONE, "NULL probe key");
    vm_ht_free(j);
}

Test(hashtable, empty_table_and_zero_rows)
{
    int32_t a[4] = { 1, 2, 3, 4 };
    uint64_t va[1] = { 0xb };
    vm_vec k = { TIR_I32, a, va };
    uint32_t out[4] = { 7, 7, 7, 7 }, sel[2] = { 1, 2 };

    vm_ht *j = vm_ht_new(1, (tir_type[]){ TIR_I32 }, 1, (tir_type[]){ TIR_I32 }, false);
    vm_ht *g = vm_ht_new(1, (tir_type[]){ TIR_I32 }, 0, NULL, true);
    cr_assert(j && g);
    size_t b0 = vm_ht_bytes(j);
    cr_assert_gt(b0, 0);
    vm_ht_probe(j, &k, NULL, 4, out);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(out[i], VM_HT_NONE);
    out[0] = out[1] = out[2] = 7;
    vm_ht_probe(g, &k, sel, 2, out);
    cr_assert_eq(out[0], VM_HT_NONE);
    cr_assert_eq(out[1], VM_HT_NONE);
    cr_assert_eq(out[2], 7, "probe wrote past n");

    /* n = 0 does nothing, with or without sel */
    cr_assert(vm_ht_insert(j, &k, &k, NULL, 0));
    cr_assert(vm_ht_insert(j, &k, &k, sel, 0));
    cr_assert(vm_ht_find_or_insert(g, &k, NULL, 0, out));
    cr_assert(vm_ht_find_or_insert(g, &k, sel, 0, out));
    vm_ht_probe(j, &k, NULL, 0, out);
    cr_assert_eq(vm_ht_count(j), 0);
    cr_assert_eq(vm_ht_count(g), 0);
    cr_assert_eq(vm_ht_bytes(j), b0);

    /* a batch whose keys are all NULL inserts nothing */
    uint64_t none[1] = { 0 };
    vm_vec kn = { TIR_I32, a, none };
    cr_assert(vm_ht_insert(j, &kn, &k, NULL, 4));
    cr_assert_eq(vm_ht_count(j), 0);
    /* but in group mode they are one group */
    cr_assert(vm_ht_find_or_insert(g, &kn, NULL, 4, out));
    for (int i = 0; i < 4; i++)
        cr_assert_eq(out[i], 0);
    cr_assert_eq(vm_ht_count(g), 1);

    /* sel picks row 1 and row 2 (NULL) */
    cr_assert(vm_ht_insert(j, &k, &k, sel, 2));
    cr_assert_eq(vm_ht_count(j), 1);
    cr_assert_eq(((int32_t *)vm_ht_val(j, 0)->data)[0], 2);
    vm_ht_free(j);
    vm_ht_free(g);
}

Test(hashtable, misuse_is_refused)
{
    tir_type t = TIR_I64;
    cr_assert_null(vm_ht_new(0, &t, 0, NULL, true));
    cr_assert_null(vm_ht_new(1, &t, 1, &t, true), "group tables have no values");
    int64_t a[2] = { 1, 2 };
    vm_vec k = { TIR_I64, a, NULL }, wrong = { TIR_STRING, a, NULL };
    uint32_t out[2];
    vm_ht *g = vm_ht_new(1, &t, 0, NULL, true);
    cr_assert_not(vm_ht_insert(g, &k, NULL, NULL, 2), "insert into a group table");
    vm_ht_free(g);
    vm_ht *j = vm_ht_new(1, &t, 0, NULL, false);
    cr_assert_not(vm_ht_find_or_insert(j, &k, NULL, 2, out), "find_or_insert on a join table");
    vm_ht_free(j);
    j = vm_ht_new(1, &t, 0, NULL, false);
    cr_assert_not(vm_ht_insert(j, &wrong, NULL, NULL, 2), "key type mismatch");
    vm_ht_free(j);
    j = vm_ht_new(1, &t, 0, NULL, false);
    cr_assert_not(vm_ht_reserve(j, UINT32_MAX), "ids are 32-bit");
    cr_assert(vm_ht_insert(j, &k, NULL, NULL, 2), "a failed reserve leaves the table usable");
    cr_assert_eq(vm_ht_count(j), 2);
    vm_ht_free(j);
}

/* The table owns its bytes: the input batch may be freed right after. */
Test(hashtable, strings_are_copied)
{
    rng r = { 31 };
    data d;
    data_make(&d, &r, 1000, 1, (tir_type[]){ TIR_STRING }, 5000, 10);
    data keep;
    rng r2 = { 31 };
    data_make(&keep, &r2, 1000, 1, (tir_type[]){ TIR_STRING }, 5000, 10);

    vm_ht *j = vm_ht_new(1, (tir_type[]){ TIR_STRING }, 1, (tir_type[]){ TIR_STRING }, false);
    vm_ht *g = vm_ht_new(1, (tir_type[]){ TIR_STRING }, 0, NULL, true);
    uint32_t gids[1000];
    cr_assert(vm_ht_insert(j, d.v, d.v, NULL, 1000));
    cr_assert(vm_ht_find_or_insert(g, d.v, NULL, 1000, gids));
    memset(d.bytes[0], 'x', 1000 * STRW);
    data_free(&d);

    vm_vec kc = col_vec(vm_ht_key(j, 0)), vc = col_vec(vm_ht_val(j, 0)), gc = col_vec(vm_ht_key(g, 0));
    for (uint32_t e = 0, i = 0; i < 1000; i++) {
        if (!vm_bit_get(keep.v[0].validity, i))
            continue;
        cr_assert(ref_cell_eq(&kc, e, &keep.v[0], i));
        cr_assert(ref_cell_eq(&vc, e, &keep.v[0], i));
        e++;
    }
    for (uint32_t i = 0; i < 1000; i++)
        cr_assert(ref_cell_eq(&gc, gids[i], &keep.v[0], i));
    uint32_t first[1000];
    vm_ht_probe(g, keep.v, NULL, 1000, first);
    for (uint32_t i = 0; i < 1000; i++)
        cr_assert_eq(first[i], vm_bit_get(keep.v[0].validity, i) ? gids[i] : VM_HT_NONE);
    vm_ht_free(j);
    vm_ht_free(g);
    data_free(&keep);
}

enum { BIG = 1000000 };

static int64_t big_key(uint32_t i)
{
    return (int64_t)((uint64_t)i * 0x9e3779b97f4a7c15ULL); /* distinct: odd multiplier */
}

/* ---- tag collisions ------------------------------------------------------------
** Distinct keys whose hashes share the 32-bit tag and the home slot take the
** path where a candidate's key differs and the row walks on. Random data
** almost never gets there, so the keys are made by inverting the i64 hash of
** hashtable.c (murmur3's finalizer of x ^ 0x9e3779b97f4a7c15): keep this in
** step if the table switches to another hash.
*/
static uint64_t inv_odd(uint64_t a)
{
    uint64_t y = a; /* Newton: correct bits double each step, from 3 */
    for (int i = 0; i < 5; i++)
        y *= 2 - a * y;
    return y;
}

static int64_t key_with_hash(uint64_t h)
{
    h ^= h >> 33;
    h *= inv_odd(0xc4ceb9fe1a85ec53ULL);
    h ^= h >> 33;
    h *= inv_odd(0xff51afd7ed558ccdULL);
    h ^= h >> 33;
    return (int64_t)(h ^ 0x9e3779b97f4a7c15ULL);
}

/* same tag and (below 2^20 slots) the same home slot for every j */
static int64_t colliding_key(uint32_t j)
{
    return key_with_hash(0xdeadbeef00000000ULL | (uint64_t)j << 20 | 0x12345);
}

Test(hashtable, tag_collisions)
{
    enum { NK = 8, N = 400 };
    int64_t keys[N];
    uint32_t gids[N], first[N];
    for (uint32_t j = 0; j < NK; j++)
        for (uint32_t i = 0; i < j; i++)
            cr_assert_neq(colliding_key(i), colliding_key(j));
    rng r = { 51 };
    for (uint32_t i = 0; i < N; i++)
        keys[i] = i % 3 ? colliding_key((uint32_t)(rnd(&r) % NK)) : big_key(i);
    vm_vec k = { TIR_I64, keys, NULL };

    vm_ht *g = vm_ht_new(1, (tir_type[]){ TIR_I64 }, 0, NULL, true);
    cr_assert(vm_ht_find_or_insert(g, &k, NULL, N, gids));
    uint32_t ngroups = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t j = 0;
        while (j < i && keys[j] != keys[i])
            j++;
        if (j == i)
            ngroups++;
        else
            cr_assert_eq(gids[i], gids[j], "rows %u and %u", j, i);
        cr_assert_eq(((int64_t *)vm_ht_key(g, 0)->data)[gids[i]], keys[i]);
    }
    cr_assert_eq(vm_ht_count(g), ngroups);
    vm_ht_probe(g, &k, NULL, N, first);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(first[i], gids[i]);
    vm_ht_free(g);

    vm_ht *jt = vm_ht_new(1, (tir_type[]){ TIR_I64 }, 0, NULL, false);
    cr_assert(vm_ht_insert(jt, &k, NULL, NULL, N));
    int64_t probe[NK + 1];
    for (uint32_t j = 0; j <= NK; j++)
        probe[j] = colliding_key(j); /* the last one is absent */
    vm_vec pk = { TIR_I64, probe, NULL };
    vm_ht_probe(jt, &pk, NULL, NK + 1, first);
    const int64_t *sk = vm_ht_key(jt, 0)->data;
    for (uint32_t j = 0; j <= NK; j++) {
        uint32_t want = 0, got = 0;
        for (uint32_t i = 0; i < N; i++)
            want += keys[i] == probe[j];
        for (uint32_t e = first[j]; e != VM_HT_NONE; e = vm_ht_next(jt, e), got++)
            cr_assert_eq(sk[e], probe[j]);
        cr_assert_eq(got, want, "key %u: %u matches, want %u", j, got, want);
    }
    cr_assert_eq(first[NK], VM_HT_NONE);
    vm_ht_free(jt);
}

/* ---- growth and memory ------------------------------------------------------- */

Test(hashtable, growth_1m_distinct_i64)
{
    int64_t *keys = malloc(BIG * sizeof *keys);
    uint32_t *gid = malloc(BIG * sizeof *gid), *first = malloc(BIG * sizeof *first);
    uint8_t *seen = calloc(BIG, 1);
    for (uint32_t i = 0; i < BIG; i++)
        keys[i] = big_key(i);
    vm_ht *g = vm_ht_new(1, (tir_type[]){ TIR_I64 }, 0, NULL, true);
    for (uint32_t off = 0; off < BIG; off += 2048) {
        uint32_t bn = BIG - off < 2048 ? BIG - off : 2048;
        vm_vec k = { TIR_I64, keys + off, NULL };
        cr_assert(vm_ht_find_or_insert(g, &k, NULL, bn, gid + off));
    }
    cr_assert_eq(vm_ht_count(g), BIG);
    const int64_t *stored = vm_ht_key(g, 0)->data;
    for (uint32_t i = 0; i < BIG; i++) {
        cr_assert_lt(gid[i], BIG);
        cr_assert_not(seen[gid[i]], "group %u given twice", gid[i]);
        seen[gid[i]] = 1;
        cr_assert_eq(stored[gid[i]], keys[i]);
    }
    /* one probe call over all rows, then keys that are absent */
    vm_vec all = { TIR_I64, keys, NULL };
    vm_ht_probe(g, &all, NULL, BIG, first);
    for (uint32_t i = 0; i < BIG; i++)
        cr_assert_eq(first[i], gid[i]);
    for (uint32_t i = 0; i < 10000; i++)
        keys[i] = big_key(BIG + i);
    vm_ht_probe(g, &all, NULL, 10000, first);
    for (uint32_t i = 0; i < 10000; i++)
        cr_assert_eq(first[i], VM_HT_NONE);

    /* formula of docs/HASHTABLE.md: hash + key per entry, 8-byte slots,
    ** within a small fixed overhead */
    size_t cap = 1u << 20, slots = 1u << 21, formula = cap * (8 + 8) + slots * 8;
    size_t bytes = vm_ht_bytes(g);
    cr_log_info("group i64, %u groups: %zu bytes = %.1f per group", BIG, bytes, (double)bytes / BIG);
    cr_assert(bytes >= formula && bytes < formula + 1024, "bytes %zu, formula %zu", bytes, formula);
    vm_ht_free(g);
    free(keys);
    free(gid);
    free(first);
    free(seen);
}

/* A join build of 1M rows with an i32 key and a string value, chains walked
** by a probe of every distinct key. */
Test(hashtable, join_1m_i32_string)
{
    int32_t *keys = malloc(BIG * sizeof *keys);
    tir_str *vals = calloc(BIG, sizeof *vals);
    rng r = { 41 };
    for (uint32_t i = 0; i < BIG; i++) {
        keys[i] = (int32_t)(rnd(&r) % 250000);
        vals[i].len = 8; /* inline: no string heap */
        memcpy(vals[i].prefix, "valu", 4);
        memcpy(vals[i].u.inl, "e123", 4);
    }
    vm_ht *j = vm_ht_new(1, (tir_type[]){ TIR_I32 }, 1, (tir_type[]){ TIR_STRING }, false);
    for (uint32_t off = 0; off < BIG; off += 2048) {
        uint32_t bn = BIG - off < 2048 ? BIG - off : 2048;
        vm_vec k = { TIR_I32, keys + off, NULL }, v = { TIR_STRING, vals + off, NULL };
        cr_assert(vm_ht_insert(j, &k, &v, NULL, bn));
    }
    cr_assert_eq(vm_ht_count(j), BIG);

    /* count per key by the reference, then by chain walks */
    uint32_t *cnt = calloc(250000, sizeof *cnt), *first = malloc(250000 * sizeof *first);
    int32_t *probe = malloc(250000 * sizeof *probe);
    for (uint32_t i = 0; i < BIG; i++)
        cnt[keys[i]]++;
    for (uint32_t i = 0; i < 250000; i++)
        probe[i] = (int32_t)i;
    vm_vec pk = { TIR_I32, probe, NULL };
    vm_ht_probe(j, &pk, NULL, 250000, first);
    const int32_t *sk = vm_ht_key(j, 0)->data;
    uint64_t total = 0;
    for (uint32_t i = 0; i < 250000; i++) {
        uint32_t c = 0;
        for (uint32_t e = first[i]; e != VM_HT_NONE; e = vm_ht_next(j, e), c++)
            cr_assert_eq(sk[e], (int32_t)i);
        cr_assert_eq(c, cnt[i], "key %u: chain of %u, want %u", i, c, cnt[i]);
        total += c;
    }
    cr_assert_eq(total, BIG);

    /* entries: hash 8 + next 4 + key 4 + value 16, capacity 2^20; the
    ** directory holds only the distinct keys (< 250000 + chunk: 2^19 slots) */
    size_t cap = 1u << 20, slots = 1u << 19, formula = cap * (8 + 4 + 4 + 16) + slots * 8;
    size_t bytes = vm_ht_bytes(j);
    cr_log_info("join i32 -> string, %u entries (250000 keys): %zu bytes = %.1f per entry", BIG, bytes,
                (double)bytes / BIG);
    cr_assert(bytes >= formula && bytes < formula + 1024, "bytes %zu, formula %zu", bytes, formula);
    vm_ht_free(j);
    free(keys);
    free(vals);
    free(cnt);
    free(first);
    free(probe);
}

Test(hashtable, reserve_avoids_growth)
{
    enum { N = 100000 };
    int64_t *keys = malloc(N * sizeof *keys);
    for (uint32_t i = 0; i < N; i++)
        keys[i] = big_key(i);
    vm_ht *j = vm_ht_new(1, (tir_type[]){ TIR_I64 }, 1, (tir_type[]){ TIR_I64 }, false);
    cr_assert(vm_ht_reserve(j, N));
    size_t b = vm_ht_bytes(j);
    for (uint32_t off = 0; off < N; off += 2048) {
        uint32_t bn = N - off < 2048 ? N - off : 2048;
        vm_vec k = { TIR_I64, keys + off, NULL };
        cr_assert(vm_ht_insert(j, &k, &k, NULL, bn));
        cr_assert_eq(vm_ht_bytes(j), b, "grew after reserve at row %u", off);
    }
    cr_assert_eq(vm_ht_count(j), N);
    vm_ht_free(j);
    free(keys);
}
