/*
** test_hashtable.c — vm_ht against naive references (nested loops over the
** rows) on random data: join builds with duplicates and NULL keys, probes
** and chain walks, group-by over 1..6 key columns of every key type, growth,
** f64 zero/NaN keys, selection vectors, empty tables and memory accounting.
** Group tables are also checked against a twin that cannot use the
** small-domain front (an extra constant f64 key), so both give the same ids.
** The sink part merges group-by sinks as parallel workers do (sinks.h).
** The last part covers direct mode (one integer key over a small range
** indexed by an array): join chains, group ids as the array grows, falls
** back to the directory or is sealed, against sort-based references; and
** the key-range bitmap or bloom filter in front of a join directory.
*/
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "hashtable.h"
#include "kernels.h"
#include "sinks.h"
#include "stragg.h"

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
enum { MAXC = 7, STRW = 32 };
typedef struct data {
    uint32_t n;
    int ncols;
    vm_vec v[MAXC];
    char *bytes[MAXC];
} data;

static void str_set(vm_vec *v, char *bytes, uint32_t i, const char *buf, uint32_t len, uint64_t salt);

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
        str_set(v, bytes, i, buf, (uint32_t)len, salt);
        break;
    }
    default: cr_assert_fail("bad type");
    }
}

/* Row i of string column v = buf[0..len), with garbage after inline bytes. */
static void str_set(vm_vec *v, char *bytes, uint32_t i, const char *buf, uint32_t len, uint64_t salt)
{
    tir_str *s = &((tir_str *)v->data)[i];
    memset(s, (int)(salt & 0xff), sizeof *s);
    s->len = len;
    if (len <= TIR_STR_INLINE) {
        memcpy(s->prefix, buf, len);
    } else {
        char *d = bytes + (size_t)i * STRW;
        memcpy(d, buf, len);
        memcpy(s->prefix, buf, 4);
        s->u.ptr = d;
    }
}

/* Rewrites string column c of d: value k of the domain has length
** k % (mod_lo + 1) before row `from` and k % (mod_hi + 1) from there on, so
** all strings may be short at first and long later. Values are drawn as in
** data_make (same NULL share). */
static void restring(data *d, int c, rng *r, uint32_t domain, unsigned null_pct, uint32_t from, uint32_t mod_lo,
                     uint32_t mod_hi)
{
    vm_vec *v = &d->v[c];
    cr_assert_eq(v->type, TIR_STRING);
    for (uint32_t i = 0; i < d->n; i++) {
        uint32_t k = (uint32_t)(rnd(r) % domain), len = k % ((i < from ? mod_lo : mod_hi) + 1);
        bool valid = !v->validity || rnd(r) % 100 >= null_pct;
        if (v->validity)
            vm_bit_set(v->validity, i, valid);
        char buf[STRW];
        for (uint32_t j = 0; j < len; j++)
            buf[j] = (char)('a' + (k / 8 + 5 * j) % 26);
        str_set(v, d->bytes[c], i, buf, valid ? len : 0, rnd(r));
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

/* Group-by over the rows of d in batches (whole batches and random
** subsets in turn), checked against the reference and against a twin table
** with one more key column, a constant f64 (which keeps the small-domain
** front off): the twin must give every row the same group id. */
static void check_group_on(data *d, uint32_t batch, uint64_t seed)
{
    rng r = { seed };
    uint32_t n = d->n;
    int ncols = d->ncols;
    tir_type types[MAXC];
    for (int c = 0; c < ncols; c++)
        types[c] = d->v[c].type;
    vm_ht *ht = vm_ht_new(ncols, types, 0, NULL, true);
    cr_assert_not_null(ht);
    vm_ht *twin = NULL;
    double *zero = calloc(n + 1, sizeof *zero);
    if (ncols < MAXC) {
        types[ncols] = TIR_F64;
        twin = vm_ht_new(ncols + 1, types, 0, NULL, true);
        cr_assert_not_null(twin);
    }
    uint32_t *tout = malloc(n * sizeof *tout);

    uint32_t *gid = malloc(n * sizeof *gid), *sel = malloc(n * sizeof *sel), *out = malloc(n * sizeof *out);
    uint8_t *fed = calloc(n, 1);
    for (uint32_t i = 0; i < n; i++)
        gid[i] = VM_HT_NONE;
    /* alternate whole batches (sel NULL) and random subsets */
    for (uint32_t off = 0, b = 0; off < n; off += batch, b++) {
        uint32_t bn = n - off < batch ? n - off : batch, m = bn;
        vm_vec v[MAXC];
        data_slice(d, off, v);
        if (twin)
            v[ncols] = (vm_vec){ TIR_F64, zero + off, NULL };
        const uint32_t *s = b % 2 == 0 ? NULL : sel;
        if (s)
            m = random_sel(&r, bn, sel);
        cr_assert(vm_ht_find_or_insert(ht, v, s, m, out));
        if (twin)
            cr_assert(vm_ht_find_or_insert(twin, v, s, m, tout));
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = s ? s[k] : k;
            gid[off + i] = out[k];
            fed[off + i] = 1;
            if (twin)
                cr_assert_eq(out[k], tout[k], "row %u: group %u, without the front %u", off + i, out[k], tout[k]);
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
        while (g < nrep && !ref_key_eq(d, rep[g], d, i))
            g++;
        if (g == nrep) {
            /* new groups are numbered in order of first appearance */
            cr_assert_eq(gid[i], nrep, "row %u opens group %u, want %u", i, gid[i], nrep);
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
        cr_assert(stored_key_eq(ht, rep_gid[g], d, rep[g]), "stored key of group %u", rep_gid[g]);
    for (int c = 0; c < ncols; c++)
        cr_assert_eq(vm_ht_key(ht, c)->len, nrep);

    /* again over all fed rows in one call: same groups, nothing new */
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (fed[i])
            sel[m++] = i;
    cr_assert(vm_ht_find_or_insert(ht, d->v, sel, m, out));
    for (uint32_t k = 0; k < m; k++)
        cr_assert_eq(out[k], gid[sel[k]]);
    cr_assert_eq(vm_ht_count(ht), nrep);
    /* vm_ht_find looks up without inserting; NULL keys find their group */
    vm_ht_find(ht, d->v, sel, m, out);
    for (uint32_t k = 0; k < m; k++)
        cr_assert_eq(out[k], gid[sel[k]]);

    /* probe every row: a key with a NULL never matches, others find their
    ** group if it was inserted */
    vm_ht_probe(ht, d->v, NULL, n, out);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t want = VM_HT_NONE;
        if (!ref_key_null(d, i))
            for (uint32_t g = 0; g < nrep; g++)
                if (ref_key_eq(d, rep[g], d, i)) {
                    want = rep_gid[g];
                    break;
                }
        cr_assert_eq(out[i], want, "probe row %u: %u, want %u", i, out[i], want);
        cr_assert_eq(vm_ht_next(ht, out[i]), VM_HT_NONE);
    }

    vm_ht_free(ht);
    vm_ht_free(twin);
    free(zero);
    free(tout);
    free(gid);
    free(sel);
    free(out);
    free(fed);
    free(rep);
    free(rep_gid);
    free(used);
}

static void check_group(const tir_type *types, int ncols, uint32_t n, uint32_t domain, unsigned null_pct,
                        uint32_t batch, uint64_t seed)
{
    rng r = { seed };
    data d;
    data_make(&d, &r, n, ncols, types, domain, null_pct);
    check_group_on(&d, batch, seed + 1000);
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

/* Mostly NULL keys that only the general path can take (f64; strings that
** outgrow the small-key front): once the NULL group exists, NULL rows go to
** it without being hashed, and the ids must be those of the reference and
** of the two-key twin, which takes no such shortcut. */
Test(hashtable, group_null_heavy_general_path)
{
    check_group((tir_type[]){ TIR_F64 }, 1, 8000, 500, 70, 640, 13);
    check_group((tir_type[]){ TIR_STRING }, 1, 20000, 3000, 80, 576, 14);
    check_group((tir_type[]){ TIR_I64 }, 1, 6000, 4000000, 60, 1024, 15);
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

/* ---- small key domains ------------------------------------------------------ */

/* Strings of 0..7 bytes and NULLs, in one and two key columns: keys fit a
** 64-bit code all along. */
Test(hashtable, small_domain_short_strings)
{
    rng r = { 51 };
    data d;
    tir_type two[] = { TIR_STRING, TIR_STRING };
    data_make(&d, &r, 6000, 2, two, 10, 10);
    restring(&d, 0, &r, 12, 10, 6000, 7, 7);
    restring(&d, 1, &r, 9, 10, 6000, 3, 3);
    check_group_on(&d, 640, 52);
    data_free(&d);
    data_make(&d, &r, 3000, 1, two, 10, 0);
    restring(&d, 0, &r, 40, 0, 3000, 7, 7);
    check_group_on(&d, 512, 53);
    data_free(&d);
}

/* Strings that fit at first and reach 8..20 bytes from row 3000 on (mid
** batch): the front turns off and the general path takes over. */
Test(hashtable, small_domain_strings_grow_long)
{
    rng r = { 54 };
    data d;
    tir_type t[] = { TIR_I32, TIR_STRING };
    data_make(&d, &r, 8000, 2, t, 20, 5);
    restring(&d, 1, &r, 60, 5, 3000, 5, 20);
    check_group_on(&d, 2048, 55);
    data_free(&d);
    /* exactly 12 bytes (inline) and 13 (the shortest long) after short ones */
    data_make(&d, &r, 4000, 1, (tir_type[]){ TIR_STRING }, 10, 5);
    restring(&d, 0, &r, 26, 5, 1000, 7, 12);
    check_group_on(&d, 1024, 56);
    restring(&d, 0, &r, 28, 5, 1000, 3, 13);
    check_group_on(&d, 1024, 57);
    data_free(&d);
}

/* Every key type the front codes, with NULLs, in one key. */
Test(hashtable, small_domain_mixed_types)
{
    rng r = { 58 };
    data d;
    tir_type t[] = { TIR_BOOL, TIR_I32, TIR_DATE, TIR_I64, TIR_STRING };
    data_make(&d, &r, 6000, 5, t, 3, 15);
    restring(&d, 4, &r, 7, 15, 6000, 2, 2);
    check_group_on(&d, 576, 59);
    data_free(&d);
}

/* Integer keys whose range moves every 700 rows. Moves of 2^22 fall out
** of the code layout and get a new one, which codes the groups so far;
** moves of 2^40 soon need more than 63 bits and turn the front off. */
Test(hashtable, small_domain_moving_ranges)
{
    for (int far = 0; far < 2; far++) {
        rng r = { 60 + (uint64_t)far };
        data d;
        tir_type t[] = { TIR_I64, TIR_I64, TIR_STRING };
        data_make(&d, &r, 12000, 3, t, 6, 5);
        restring(&d, 2, &r, 9, 5, 12000, 4, 4);
        int64_t *a = d.v[0].data, *b = d.v[1].data;
        for (uint32_t i = 0; i < d.n; i++) {
            int64_t step = (int64_t)(i / 700);
            a[i] = (int64_t)(rnd(&r) % 7) + step * (far ? 1LL << 40 : 1LL << 22);
            b[i] = (int64_t)(rnd(&r) % 5) - (far ? step * 1000003 : 0);
        }
        check_group_on(&d, 1024, 62);
        data_free(&d);
    }
}

/* 3000 distinct keys in batches of 2048: the group count passes the
** front's limit in the middle of a batch. */
Test(hashtable, small_domain_outgrown_mid_batch)
{
    rng r = { 63 };
    data d;
    tir_type t[] = { TIR_I32, TIR_STRING };
    data_make(&d, &r, 9000, 2, t, 1500, 2);
    restring(&d, 1, &r, 4, 2, 9000, 1, 1);
    check_group_on(&d, 2048, 64);
    data_free(&d);
}

/* vm_ht_find (no insert, NULL finds NULL), vm_ht_append_groups (no lookup,
** the table is sealed) and vm_ht_take_keys (columns and heap move out). */
Test(hashtable, find_append_take)
{
    tir_str s[6];
    const char *txt[6] = { "a", "a-string-longer-than-12", "b", "another-long-string-here", "a", "c" };
    vm_vec sv = { TIR_STRING, s, NULL };
    char bytes[6 * STRW];
    for (int i = 0; i < 6; i++)
        str_set(&sv, bytes, (uint32_t)i, txt[i], (uint32_t)strlen(txt[i]), (uint64_t)i);
    int32_t n[6] = { 1, 2, 0, 4, 1, 6 };
    uint64_t nv[1] = { 0x3b }; /* row 2 NULL */
    vm_vec k[2] = { { TIR_I32, n, nv }, { TIR_STRING, s, NULL } };
    vm_ht *g = vm_ht_new(2, (tir_type[]){ TIR_I32, TIR_STRING }, 0, NULL, true);
    uint32_t sel[3] = { 0, 1, 2 }, out[6];
    cr_assert(vm_ht_find_or_insert(g, k, sel, 3, out));
    cr_assert_eq(vm_ht_count(g), 3);

    vm_ht_find(g, k, NULL, 6, out);
    uint32_t want[6] = { 0, 1, 2, VM_HT_NONE, 0, VM_HT_NONE };
    for (int i = 0; i < 6; i++)
        cr_assert_eq(out[i], want[i], "row %d: %u, want %u", i, out[i], want[i]);
    cr_assert_eq(vm_ht_count(g), 3);

    uint32_t add[2] = { 3, 5 };
    cr_assert(vm_ht_append_groups(g, k, add, 1));
    cr_assert(vm_ht_append_groups(g, k, add + 1, 1), "appending again is allowed");
    cr_assert_eq(vm_ht_count(g), 5);
    cr_assert_not(vm_ht_find_or_insert(g, k, NULL, 6, out), "sealed: no more lookups");
    vm_ht_find(g, k, NULL, 6, out);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(out[i], VM_HT_NONE);

    vm_column cols[2];
    vm_strheap heap;
    vm_column_init(&cols[0], TIR_I32);
    vm_column_init(&cols[1], TIR_STRING);
    vm_strheap_init(&heap);
    vm_ht_take_keys(g, cols, &heap);
    cr_assert_gt(heap.bytes, 0, "the long strings' bytes moved along");
    vm_ht_free(g);
    cr_assert_eq(cols[0].len, 5);
    int order[5] = { 0, 1, 2, 3, 5 };
    for (int e = 0; e < 5; e++) {
        const tir_str *got = &((const tir_str *)cols[1].data)[e];
        cr_assert_eq(got->len, strlen(txt[order[e]]));
        cr_assert(memcmp(tir_str_ptr(got), txt[order[e]], got->len) == 0);
        cr_assert(got->len <= TIR_STR_INLINE || tir_str_ptr(got) != bytes + order[e] * STRW, "a copy");
        cr_assert_eq(vm_bit_get(cols[0].validity, e), order[e] != 2);
    }
    vm_column_free(&cols[0]);
    vm_column_free(&cols[1]);
    vm_strheap_free(&heap);
}

/* vm_ht_append_groups in two steps with string keys: room (and validity)
** first, then the keys filled by two parts, each copying long strings into
** a heap of its own that the table adopts; the source bytes can then go. */
Test(hashtable, append_groups_room_fills_string_keys)
{
    enum { N = 40 };
    tir_str s[N];
    char bytes[N * STRW], txt[N][STRW];
    int32_t n[N];
    uint64_t nv[1] = { 0 }, tv[1] = { 0 };
    vm_vec sv = { TIR_STRING, s, tv };
    for (int i = 0; i < N; i++) {
        int len = snprintf(txt[i], STRW, i % 3 ? "long-key-number-%02d" : "k%d", i); /* 19 bytes or short */
        str_set(&sv, bytes, (uint32_t)i, txt[i], (uint32_t)len, (uint64_t)i);
        n[i] = i;
        vm_bit_set(nv, (uint32_t)i, i % 7 != 3);
        vm_bit_set(tv, (uint32_t)i, i % 5 != 4);
    }
    vm_vec k[2] = { { TIR_I32, n, nv }, { TIR_STRING, s, tv } };
    vm_ht *g = vm_ht_new(2, (tir_type[]){ TIR_I32, TIR_STRING }, 0, NULL, true);
    uint32_t first[4] = { 0, 1, 2, 3 }, out[4], add[N - 4];
    cr_assert(vm_ht_find_or_insert(g, k, first, 4, out));
    for (uint32_t i = 0; i < N - 4; i++)
        add[i] = N - 1 - i; /* rows N-1 .. 4 */
    cr_assert(vm_ht_append_groups_room(g, k, add, N - 4));
    cr_assert_eq(vm_ht_count(g), N);
    vm_strheap heaps[2];
    for (int p = 0; p < 2; p++) {
        vm_strheap_init(&heaps[p]);
        uint32_t lo = p ? (N - 4) / 2 : 0, hi = p ? N - 4 : (N - 4) / 2;
        cr_assert(vm_ht_fill_groups(g, 4, k, add, lo, hi, &heaps[p]));
    }
    cr_assert_gt(heaps[0].bytes + heaps[1].bytes, 0, "long keys copied into the parts' heaps");
    for (int p = 0; p < 2; p++) {
        vm_ht_adopt_heap(g, &heaps[p]);
        cr_assert_eq(heaps[p].bytes, 0, "adopted by the table");
    }
    memset(bytes, '#', sizeof bytes); /* the source's long strings are gone */
    const vm_column *kc = vm_ht_key(g, 0), *sc = vm_ht_key(g, 1);
    for (uint32_t e = 0; e < N; e++) {
        uint32_t r = e < 4 ? e : add[e - 4];
        cr_assert_eq(vm_bit_get(kc->validity, e), r % 7 != 3, "group %u's key n", e);
        cr_assert_eq(vm_bit_get(sc->validity, e), r % 5 != 4, "group %u's string key validity", e);
        if (vm_bit_get(kc->validity, e))
            cr_assert_eq(((const int32_t *)kc->data)[e], (int32_t)r);
        if (!vm_bit_get(sc->validity, e))
            continue;
        const tir_str *got = &((const tir_str *)sc->data)[e];
        cr_assert_eq(got->len, strlen(txt[r]), "group %u", e);
        cr_assert(memcmp(tir_str_ptr(got), txt[r], got->len) == 0, "group %u: %.*s, want %s", e, (int)got->len,
                  tir_str_ptr(got), txt[r]);
    }
    vm_ht_free(g);
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
    /* the VM's way: append every batch, index once at the end; must be the same table */
    vm_ht *ht2 = vm_ht_new(ncols, types, 2, vt, false);
    cr_assert_not_null(ht);
    cr_assert_not_null(ht2);
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
        cr_assert(vm_ht_append(ht2, k, v, bi % 2 ? sel : NULL, m));
        for (uint32_t j = 0; j < m; j++) {
            fed[off + sel[j]] = 1;
            want_count += !ref_key_null(&b, off + sel[j]);
        }
    }
    cr_assert_eq(vm_ht_count(ht), want_count);
    cr_assert(vm_ht_index(ht2));
    cr_assert_eq(vm_ht_count(ht2), want_count);

    /* probe in batches, with and without sel */
    uint32_t *first = malloc(np * sizeof *first), *first2 = malloc(np * sizeof *first2);
    for (uint32_t i = 0; i < np; i++)
        first[i] = first2[i] = 12345;
    for (uint32_t off = 0, bi = 0; off < np; off += batch, bi++) {
        uint32_t bn = np - off < batch ? np - off : batch, out[4096];
        vm_vec k[MAXC];
        data_slice(&p, off, k);
        if (bi % 2) {
            vm_ht_probe(ht, k, NULL, bn, first + off);
            vm_ht_probe(ht2, k, NULL, bn, first2 + off);
        } else {
            uint32_t m = random_sel(&r, bn, sel);
            vm_ht_probe(ht, k, sel, m, out);
            for (uint32_t j = 0; j < m; j++)
                first[off + sel[j]] = out[j];
            vm_ht_probe(ht2, k, sel, m, out);
            for (uint32_t j = 0; j < m; j++)
                first2[off + sel[j]] = out[j];
        }
    }
    for (uint32_t i = 0; i < np; i++) {
        uint32_t e = first[i], e2 = first2[i];
        cr_assert_eq(e, e2, "probe row %u: appended+indexed table starts its chain at %u, inserted at %u", i, e2, e);
        while (e != 12345 && e != VM_HT_NONE) {
            e = vm_ht_next(ht, e), e2 = vm_ht_next(ht2, e2);
            cr_assert_eq(e, e2, "probe row %u: chains differ", i);
        }
    }
    free(first2);
    vm_ht_free(ht2);

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
** Distinct keys whose hashes share the 32-bit tag (and so the home slot, the
** tag's high bits) take the path where a candidate's key differs and the
** row walks on. Random data almost never gets there, so the keys are made
** by inverting the i64 hash of hashtable.c (murmur3's finalizer of
** x ^ 0x9e3779b97f4a7c15): keep this in step if the table switches to
** another hash.
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

/* the same tag, so the same home slot, for every j */
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
            cr_assert_eq(gids[i], ngroups++, "row %u: groups follow first appearance", i);
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

/* The same with a second key column, a string that is NULL in the
** colliding keys: hash(k, NULL) = mix(rotl(hash(k), 29) ^ hash(NULL)) is
** inverted too. Renumbering new groups in order of first appearance then
** moves strings and validity bits. */
Test(hashtable, tag_collisions_two_columns)
{
    enum { NK = 6, N = 600 };
    const uint64_t null_hash = 0x6e756c6c6b657973ULL, golden = 0x9e3779b97f4a7c15ULL;
    int64_t keys[N];
    tir_str strs[N];
    char bytes[N * STRW];
    uint64_t valid[N / 64 + 1];
    vm_vec sv = { TIR_STRING, strs, valid };
    rng r = { 52 };
    for (uint32_t i = 0; i < N; i++) {
        bool coll = i % 3 != 0;
        if (coll) {
            uint64_t pre = (uint64_t)key_with_hash(0xfeedf00d00000000ULL | (rnd(&r) % NK) << 24 | 0x777) ^ golden;
            pre ^= null_hash;
            keys[i] = key_with_hash(pre >> 29 | pre << 35);
        } else {
            keys[i] = big_key(i);
        }
        char buf[STRW];
        int len = snprintf(buf, sizeof buf, i % 2 ? "string-number-%u" : "s%u", i);
        str_set(&sv, bytes, i, buf, (uint32_t)len, i);
        vm_bit_set(valid, i, !coll && i % 4 != 0);
    }
    vm_vec k[2] = { { TIR_I64, keys, NULL }, sv };
    vm_ht *g = vm_ht_new(2, (tir_type[]){ TIR_I64, TIR_STRING }, 0, NULL, true);
    uint32_t gids[N];
    cr_assert(vm_ht_find_or_insert(g, k, NULL, N, gids));
    uint32_t ngroups = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t j = 0;
        while (j < i && !(keys[j] == keys[i] && ref_cell_eq(&sv, j, &sv, i)))
            j++;
        if (j == i)
            cr_assert_eq(gids[i], ngroups++, "row %u: groups follow first appearance", i);
        else
            cr_assert_eq(gids[i], gids[j], "rows %u and %u", j, i);
        vm_vec sk = col_vec(vm_ht_key(g, 1));
        cr_assert_eq(((int64_t *)vm_ht_key(g, 0)->data)[gids[i]], keys[i]);
        cr_assert(ref_cell_eq(&sk, gids[i], &sv, i), "row %u: stored string", i);
    }
    cr_assert_eq(vm_ht_count(g), ngroups);
    uint32_t again[N];
    vm_ht_find(g, k, NULL, N, again);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(again[i], gids[i]);
    vm_ht_free(g);
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

    /* formula of docs/HASHTABLE.md: the key per entry, 8-byte slots, within
    ** a small fixed overhead */
    size_t cap = 1u << 20, slots = 1u << 21, formula = cap * 8 + slots * 8;
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

    /* entries: next 4 + key 4 + value 16, capacity 2^20; the directory
    ** holds only the distinct keys (< 250000 + chunk: 2^19 slots) */
    size_t cap = 1u << 20, slots = 1u << 19, formula = cap * (4 + 4 + 16) + slots * 8;
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

/* ---- group-by sinks: runs, deferred f64 sums, merging workers ------------------ */

/* A hash_group_by by (k i32, t string) with every kind of aggregate, set up
** by hand as lowering would. The f64 column holds quarters, so sums are
** exact in any order and merged results can be compared bit for bit. */
enum { GS_KEYS = 2, GS_SLOTS = 9, GS_STRW = 40 };

typedef struct gsetup {
    ir_column cols[GS_KEYS + GS_SLOTS];
    ir_stmt stmt;
    vm_aggslot slots[GS_SLOTS];
    vm_group def;
} gsetup;

typedef struct gdata {
    uint32_t n;
    int32_t *k, *q;
    tir_str *t, *s;
    int64_t *v, *ti;          /* ti: t's number, the second key of gsetup_int_keys */
    double *x;
    uint64_t *kv, *tv, *vv, *sv; /* validity */
    char *sbytes;
} gdata;

static void gsetup_init(gsetup *g)
{
    static const char *names[GS_KEYS + GS_SLOTS] = { "k", "t", "n", "sv", "sx", "aq", "ms", "mv", "cs", "ax", "sq" };
    static const tir_type types[GS_KEYS + GS_SLOTS] = { TIR_I32, TIR_STRING, TIR_I64, TIR_I64, TIR_F64, TIR_F64,
                                                        TIR_STRING, TIR_I64, TIR_I64, TIR_F64, TIR_I64 };
    static const vm_aggslot slots[GS_SLOTS] = {
        { IR_AGG_COUNT_STAR, TIR_I64, 0, NULL, 0, false }, { IR_AGG_SUM, TIR_I64, 0, NULL, 0, false }, { IR_AGG_SUM, TIR_F64, 0, NULL, 0, false },
        { IR_AGG_AVG, TIR_I32, 0, NULL, 0, false },        { IR_AGG_MIN, TIR_STRING, 0, NULL, 0, false }, { IR_AGG_MAX, TIR_I64, 0, NULL, 0, false },
        { IR_AGG_COUNT, TIR_I64, 0, NULL, 0, false },      { IR_AGG_AVG, TIR_F64, 0, NULL, 0, false },  { IR_AGG_SUM, TIR_I32, 0, NULL, 0, false },
    };
    memset(g, 0, sizeof *g);
    for (int i = 0; i < GS_KEYS + GS_SLOTS; i++) {
        g->cols[i].name.s = names[i];
        g->cols[i].ty.type = types[i];
    }
    g->stmt.out = (ir_schema){.cols = g->cols, .n = GS_KEYS + GS_SLOTS};
    memcpy(g->slots, slots, sizeof slots);
    g->def = (vm_group){ .stmt = &g->stmt, .nkeys = GS_KEYS, .nslots = GS_SLOTS, .slots = g->slots };
}

/* Without a string aggregate (min of v instead of min of s): a last merge
** then fills in the aggregates of the groups it adds on several threads. */
static void gsetup_numeric(gsetup *g)
{
    g->slots[4].type = TIR_I64;
    g->cols[GS_KEYS + 4].ty.type = TIR_I64;
}

/* Keys k and t's number (an i64) instead of t: no string key, so that a
** last merge copies the keys of the groups it adds on several threads too. */
static void gsetup_int_keys(gsetup *g)
{
    g->cols[1].ty.type = TIR_I64;
}

static void gdata_make(gdata *d, uint32_t n, uint32_t kdom, uint32_t tdom, uint64_t seed)
{
    rng r = { seed };
    d->n = n;
    d->k = malloc(n * sizeof *d->k);
    d->q = malloc(n * sizeof *d->q);
    d->v = malloc(n * sizeof *d->v);
    d->ti = malloc(n * sizeof *d->ti);
    d->x = malloc(n * sizeof *d->x);
    d->t = calloc(n, sizeof *d->t);
    d->s = calloc(n, sizeof *d->s);
    d->sbytes = malloc((size_t)n * GS_STRW);
    uint64_t **vals[4] = { &d->kv, &d->tv, &d->vv, &d->sv };
    for (int c = 0; c < 4; c++)
        *vals[c] = calloc(n / 64 + 1, 8);
    vm_vec tvec = { TIR_STRING, d->t, NULL }, svec = { TIR_STRING, d->s, NULL };
    for (uint32_t i = 0; i < n; i++) {
        vm_bit_set(d->kv, i, rnd(&r) % 100 >= 3);
        vm_bit_set(d->tv, i, rnd(&r) % 100 >= 3);
        vm_bit_set(d->vv, i, rnd(&r) % 100 >= 20);
        vm_bit_set(d->sv, i, rnd(&r) % 100 >= 30);
        d->k[i] = (int32_t)(rnd(&r) % kdom) - 7;
        d->q[i] = (int32_t)(rnd(&r) % 2001) - 1000;
        d->v[i] = (int64_t)(rnd(&r) % 1000001) * 1000003 - 500000000000LL;
        d->x[i] = (double)(int64_t)(rnd(&r) % 4001 - 2000) * 0.25;
        char buf[GS_STRW];
        uint32_t tk = (uint32_t)(rnd(&r) % tdom), tl = tk % 6;
        d->ti[i] = (int64_t)tk * 1000003 - 5;
        for (uint32_t j = 0; j < tl; j++)
            buf[j] = (char)('a' + (tk + j) % 26);
        str_set(&tvec, d->sbytes, i, buf, tl, rnd(&r)); /* short: no bytes used */
        uint32_t sl = (uint32_t)(rnd(&r) % 30);
        for (uint32_t j = 0; j < sl; j++)
            buf[j] = (char)('a' + rnd(&r) % 3);
        str_set(&svec, d->sbytes, i, buf, sl, rnd(&r));
    }
}

static void gdata_free(gdata *d)
{
    free(d->k), free(d->q), free(d->v), free(d->ti), free(d->x), free(d->t), free(d->s), free(d->sbytes);
    free(d->kv), free(d->tv), free(d->vv), free(d->sv);
}

/* Feeds rows [lo, hi) (lo a multiple of 64) in batches, as the VM does: find
** the groups, then every aggregate in slot order with the same selection.
** Rows of some stretches are left out, the same ones whoever feeds them. */
static void gfeed(vm_sink_group *g, const gdata *d, uint32_t lo, uint32_t hi, uint32_t batch)
{
    uint32_t sel[4096], gids[4096];
    for (uint32_t off = lo; off < hi; off += batch) {
        uint32_t bn = hi - off < batch ? hi - off : batch, m = 0;
        for (uint32_t i = 0; i < bn; i++)
            if ((off + i) / 1000 % 3 != 1 || (off + i) * 2654435761u >> 30 != 0)
                sel[m++] = i;
        const uint32_t *s = m < bn ? sel : NULL;
        uint64_t *kv = d->kv + off / 64, *tv = d->tv + off / 64, *vv = d->vv + off / 64, *sv = d->sv + off / 64;
        vm_vec keys[2] = { { TIR_I32, d->k + off, kv }, { TIR_STRING, d->t + off, tv } };
        if (g->def->stmt->out.cols[1].ty.type == TIR_I64)
            keys[1] = (vm_vec){ TIR_I64, d->ti + off, tv };
        vm_vec v = { TIR_I64, d->v + off, vv }, x = { TIR_F64, d->x + off, NULL }, q = { TIR_I32, d->q + off, NULL },
               str = { TIR_STRING, d->s + off, sv };
        cr_assert(vm_sink_group_find(g, keys, s, m, gids));
        cr_assert(vm_gagg_GAGG_COUNT_STAR(g, 0, NULL, gids, s, m));
        cr_assert(vm_gagg_GAGG_SUM_I64(g, 1, &v, gids, s, m));
        cr_assert(vm_gagg_GAGG_SUM_F64(g, 2, &x, gids, s, m));
        cr_assert(vm_gagg_GAGG_AVG_I32(g, 3, &q, gids, s, m));
        if (g->def->slots[4].type == TIR_STRING)
            cr_assert(vm_gagg_GAGG_MIN_STR(g, 4, &str, gids, s, m));
        else
            cr_assert(vm_gagg_GAGG_MIN_I64(g, 4, &v, gids, s, m));
        cr_assert(vm_gagg_GAGG_MAX_I64(g, 5, &v, gids, s, m));
        cr_assert(vm_gagg_GAGG_COUNT(g, 6, &str, gids, s, m));
        cr_assert(vm_gagg_GAGG_SUM_F64(g, 7, &x, gids, s, m));
        cr_assert(vm_gagg_GAGG_SUM_I32(g, 8, &q, gids, s, m));
    }
}

/* The rows of t as text lines ("N" for NULL), in table order. */
static char **table_lines(const vm_table *t)
{
    char **lines = calloc(t->nrows + 1, sizeof *lines);
    for (uint64_t i = 0; i < t->nrows; i++) {
        char line[1024];
        size_t n = 0;
        for (int c = 0; c < t->ncols; c++) {
            const vm_column *col = &t->cols[c];
            if (!vm_bit_get(col->validity, i)) {
                n += (size_t)snprintf(line + n, sizeof line - n, "N|");
                continue;
            }
            switch (col->type) {
            case TIR_I32: n += (size_t)snprintf(line + n, sizeof line - n, "%d|", ((int32_t *)col->data)[i]); break;
            case TIR_I64:
                n += (size_t)snprintf(line + n, sizeof line - n, "%lld|", (long long)((int64_t *)col->data)[i]);
                break;
            case TIR_F64: n += (size_t)snprintf(line + n, sizeof line - n, "%.17g|", ((double *)col->data)[i]); break;
            case TIR_STRING: {
                const tir_str *x = &((tir_str *)col->data)[i];
                n += (size_t)snprintf(line + n, sizeof line - n, "'%.*s'|", (int)x->len, tir_str_ptr(x));
                break;
            }
            default: cr_assert_fail("type");
            }
        }
        lines[i] = strdup(line);
    }
    return lines;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_free(char **l)
{
    for (size_t i = 0; l[i]; i++)
        free(l[i]);
    free(l);
}

typedef struct gpart_arg {
    vm_gmerge *m;
    int part;
    tir_status st;
} gpart_arg;

static void *gpart_run(void *p)
{
    gpart_arg *a = p;
    a->st = vm_gmerge_part(a->m, a->part);
    return NULL;
}

static void *gadd_run(void *p)
{
    gpart_arg *a = p;
    a->st = vm_gmerge_add_part(a->m, a->part);
    return NULL;
}

static tir_status gmerge_phase(vm_gmerge *m, int nparts, void *(*fn)(void *))
{
    gpart_arg a[8];
    pthread_t tid[8];
    for (int p = 0; p < nparts; p++) {
        a[p] = (gpart_arg){ m, p, TIR_OK };
        cr_assert_eq(pthread_create(&tid[p], NULL, fn, &a[p]), 0);
    }
    tir_status st = TIR_OK;
    for (int p = 0; p < nparts; p++) {
        pthread_join(tid[p], NULL);
        if (!st)
            st = a[p].st;
    }
    return st;
}

/* Merges from into into with nparts threads, as vm_run_parallel does;
** returns how many threads added the groups into lacked (0: the end did). */
static int gmerge_threads(vm_sink_group *into, const vm_sink_group *from, int nparts, bool last)
{
    vm_gmerge *m = vm_gmerge_new(into, from, nparts, last);
    cr_assert_not_null(m);
    tir_status st = gmerge_phase(m, nparts, gpart_run);
    int nadd = st ? 0 : vm_gmerge_adds(m);
    cr_assert_geq(nadd, 0);
    if (nadd)
        st = gmerge_phase(m, nadd, gadd_run);
    cr_assert_eq(vm_gmerge_end(m, st), TIR_OK);
    return nadd;
}

/* nw workers take morsels of `morsel` rows in turn; their sinks are merged
** into worker 0's (nparts threads per merge) and must give the groups and
** aggregates of one sink fed every row. Worker 0's groups keep their ids. */
static void check_sink_merge_of(uint32_t n, uint32_t kdom, uint32_t tdom, int nw, uint32_t morsel, int nparts,
                                uint64_t seed, bool numeric, bool nonnull, bool int_keys)
{
    gsetup gs, gw;
    gsetup_init(&gs);
    if (numeric)
        gsetup_numeric(&gs);
    if (int_keys)
        gsetup_int_keys(&gs);
    /* the workers' sums of x and q, which hold no NULL, as lowering marks
    ** them when their columns' types are not nullable; the reference's not */
    gsetup_init(&gw);
    if (numeric)
        gsetup_numeric(&gw);
    if (int_keys)
        gsetup_int_keys(&gw);
    gw.slots[2].nonnull = gw.slots[8].nonnull = nonnull;
    gdata d;
    gdata_make(&d, n, kdom, tdom, seed);
    vm_sink_group one, w[4];
    cr_assert(vm_sink_group_init(&one, &gs.def));
    gfeed(&one, &d, 0, n, 1024);
    for (int i = 0; i < nw; i++)
        cr_assert(vm_sink_group_init(&w[i], &gw.def));
    for (uint32_t off = 0, m = 0; off < n; off += morsel, m++)
        gfeed(&w[m % (uint32_t)nw], &d, off, off + morsel < n ? off + morsel : n, 2048);
    for (int i = 0; i < nw; i++) {
        cr_assert_eq(w[i].slots[2].cnt == NULL, nonnull, "a nonnull sum keeps no counts");
        cr_assert_eq(w[i].slots[8].cnt == NULL, nonnull);
        cr_assert_not_null(w[i].slots[1].cnt, "a sum of a column with NULLs does");
    }
    uint32_t n0 = vm_ht_count(w[0].ht);
    int32_t *k0 = malloc((n0 + 1) * sizeof *k0);
    memcpy(k0, vm_ht_key(w[0].ht, 0)->data, n0 * sizeof *k0);
    int nadd = 0;
    for (int i = 1; i < nw; i++)
        nadd = gmerge_threads(&w[0], &w[i], nparts, i == nw - 1);
    /* the groups of the last merge were added in parallel: then only */
    cr_assert_eq(nadd > 0, numeric && nparts > 1 && kdom > 20000, "%d threads added groups", nadd);

    vm_table *want = vm_sink_group_finish(&one), *got = vm_sink_group_finish(&w[0]);
    cr_assert(want && got);
    cr_assert_eq(got->nrows, want->nrows, "groups: %llu, want %llu", (unsigned long long)got->nrows,
                 (unsigned long long)want->nrows);
    cr_log_info("merge of %d workers: %llu groups", nw, (unsigned long long)got->nrows);
    for (uint32_t e = 0; e < n0; e++)
        cr_assert_eq(((int32_t *)got->cols[0].data)[e], k0[e], "worker 0's group %u moved", e);
    char **a = table_lines(want), **b = table_lines(got);
    qsort(a, want->nrows, sizeof *a, cmp_str);
    qsort(b, got->nrows, sizeof *b, cmp_str);
    for (uint64_t i = 0; i < want->nrows; i++)
        cr_assert_str_eq(b[i], a[i]);
    lines_free(a);
    lines_free(b);
    vm_table_free(want);
    vm_table_free(got);
    vm_sink_group_free(&one);
    for (int i = 0; i < nw; i++)
        vm_sink_group_free(&w[i]);
    free(k0);
    gdata_free(&d);
}

static void check_sink_merge(uint32_t n, uint32_t kdom, uint32_t tdom, int nw, uint32_t morsel, int nparts,
                             uint64_t seed, bool numeric)
{
    check_sink_merge_of(n, kdom, tdom, nw, morsel, nparts, seed, numeric, false, false);
}

/* Few groups: batches are sorted into runs and f64 sums deferred. */
Test(hashtable, sink_merge_few_groups)
{
    check_sink_merge(40000, 12, 5, 2, 4096, 2, 71, false);
    check_sink_merge(30000, 9, 3, 3, 2048, 3, 72, false);
    check_sink_merge(30000, 9, 3, 3, 2048, 3, 72, true);
}

/* Many groups (no runs), most of them in one worker only, merged with
** three threads; then three workers, the middle merge indexing its groups. */
Test(hashtable, sink_merge_many_groups)
{
    check_sink_merge(60000, 40000, 2, 2, 4096, 3, 73, false);
    check_sink_merge(60000, 20000, 3, 3, 1024, 2, 74, false);
}

/* Without string aggregates, the last merge's new groups are filled in by
** several threads (vm_gmerge_adds), in from's order after into's. */
Test(hashtable, sink_merge_adds_in_parallel)
{
    check_sink_merge(60000, 40000, 2, 2, 4096, 3, 75, true);
    check_sink_merge(60000, 40000, 3, 3, 1024, 2, 76, true);
    check_sink_merge(60000, 40000, 2, 2, 4096, 1, 77, true);
    /* few groups lacking: the end adds them from the parts' lists */
    check_sink_merge(60000, 3000, 2, 2, 4096, 2, 84, true);
}

/* Without a string key, the threads that fill in those groups copy their
** keys too (vm_ht_fill_groups), NULL keys' validity set beforehand. */
Test(hashtable, sink_merge_adds_keys_in_parallel)
{
    check_sink_merge_of(60000, 40000, 2, 2, 4096, 3, 78, true, false, true);
    check_sink_merge_of(60000, 40000, 3, 3, 1024, 2, 79, true, false, true);
    check_sink_merge_of(60000, 40000, 2, 2, 4096, 1, 80, true, true, true);
}

/* Integer sums that fit in each worker's sink but not once merged fail the
** merge's parts (which combine the groups found a slot at a time). */
Test(hashtable, sink_merge_sum_overflow_fails)
{
    gsetup gw;
    gsetup_init(&gw);
    gsetup_numeric(&gw);
    gsetup_int_keys(&gw);
    enum { N = 5000 };
    int32_t k[N];
    int64_t t[N], v[N];
    uint32_t gids[N];
    vm_sink_group w[2];
    for (int i = 0; i < 2; i++) {
        cr_assert(vm_sink_group_init(&w[i], &gw.def));
        for (int j = 0; j < N; j++) {
            k[j] = (j * 7 + i) % N; /* both workers hold every group, in other orders */
            t[j] = 0;
            v[j] = k[j] == 4321 ? INT64_MAX / 2 + 1 : j;
        }
        vm_vec keys[2] = { { TIR_I32, k, NULL }, { TIR_I64, t, NULL } }, vv = { TIR_I64, v, NULL };
        cr_assert(vm_sink_group_find(&w[i], keys, NULL, N, gids));
        cr_assert(vm_gagg_GAGG_SUM_I64(&w[i], 1, &vv, gids, NULL, N));
    }
    vm_gmerge *m = vm_gmerge_new(&w[0], &w[1], 2, true);
    cr_assert_not_null(m);
    tir_status st = gmerge_phase(m, 2, gpart_run);
    cr_assert_eq(st, TIR_ERR_RUNTIME, "the merged sum of group 4321 overflows: %d", st);
    cr_assert_eq(vm_gmerge_end(m, st), TIR_ERR_RUNTIME);
    for (int i = 0; i < 2; i++)
        vm_sink_group_free(&w[i]);
}

/* Sums of columns without NULLs keep no counts (8 bytes a group less),
** with runs and deferred f64 sums, without runs, merged on several
** threads: the same groups and values as sums that count. */
Test(hashtable, sink_nonnull_sums_keep_no_counts)
{
    check_sink_merge_of(40000, 12, 5, 2, 4096, 2, 81, false, true, false);
    check_sink_merge_of(60000, 40000, 3, 3, 1024, 2, 82, false, true, false);
    check_sink_merge_of(60000, 40000, 2, 2, 4096, 3, 83, true, true, false);

    /* a NULL there (a type that lied) is refused, not summed as nothing */
    gsetup gw;
    gsetup_init(&gw);
    gw.slots[8].nonnull = true;
    vm_sink_group g;
    cr_assert(vm_sink_group_init(&g, &gw.def));
    int32_t k[3] = {1, 2, 1}, q[3] = {5, 6, 7};
    uint64_t valid = 0x5; /* row 1 NULL */
    vm_vec keys[2] = { { TIR_I32, k, NULL }, { TIR_STRING, (tir_str[3]){{0}}, NULL } };
    uint32_t gids[3];
    cr_assert(vm_sink_group_find(&g, keys, NULL, 3, gids));
    vm_vec ok = { TIR_I32, q, NULL }, bad = { TIR_I32, q, &valid };
    cr_assert(vm_gagg_GAGG_SUM_I32(&g, 8, &ok, gids, NULL, 3));
    cr_assert(!g.null_seen);
    cr_assert_not(vm_gagg_GAGG_SUM_I32(&g, 8, &bad, gids, NULL, 3));
    cr_assert(g.null_seen);
    vm_sink_group_free(&g);
}

/* ---- direct mode ----------------------------------------------------------------
** A table with one integer key column whose keys span a small range indexes
** an array by key - base instead of the directory: join tables when indexed
** in one go, group tables once the small-domain front is off. Keys are made
** as int64 (the reference) and stored in the column's type; the reference
** model sorts (key, entry) pairs.
*/

typedef struct ikeys {
    tir_type type;
    uint32_t n;
    int64_t *k;               /* reference values (NULL rows: garbage) */
    void *data;               /* as the column type stores them */
    uint64_t *valid;
} ikeys;

static void ik_init(ikeys *x, tir_type t, uint32_t n)
{
    x->type = t;
    x->n = n;
    x->k = calloc(n + 1, sizeof *x->k);
    x->data = calloc(n + 1, vm_type_width(t));
    x->valid = calloc(n / 64 + 1, 8);
}

static void ik_free(ikeys *x)
{
    free(x->k);
    free(x->data);
    free(x->valid);
}

static void ik_set(ikeys *x, uint32_t i, int64_t v, bool valid)
{
    x->k[i] = v;
    if (x->type == TIR_I64)
        ((int64_t *)x->data)[i] = v;
    else
        ((int32_t *)x->data)[i] = (int32_t)v;
    vm_bit_set(x->valid, i, valid);
}

/* A NULL row whose data is a key of the range or a far one: the table must
** look at neither. */
static void ik_set_null(ikeys *x, uint32_t i, rng *r, int64_t lo, uint64_t span)
{
    int64_t far = x->type == TIR_I64 ? INT64_MIN : INT32_MAX;
    ik_set(x, i, rnd(r) % 2 ? (int64_t)((uint64_t)lo + rnd(r) % span) : far, false);
}

static bool ik_null(const ikeys *x, uint32_t i)
{
    return !vm_bit_get(x->valid, i);
}

/* Rows from off (a multiple of 64) on. */
static vm_vec ik_vec(const ikeys *x, uint32_t off)
{
    cr_assert_eq(off % 64, 0);
    return (vm_vec){ x->type, (char *)x->data + (size_t)off * vm_type_width(x->type), x->valid + off / 64 };
}

static int64_t col_int(const vm_column *c, uint32_t e)
{
    return c->type == TIR_I64 ? ((const int64_t *)c->data)[e] : ((const int32_t *)c->data)[e];
}

/* Bytes of the table beyond an empty one of the same columns and beyond
** its columns: the directory, chains, filters and direct array. */
static size_t index_bytes(const vm_ht *ht, size_t empty, int nkeys, int nvals)
{
    size_t b = empty;
    for (int c = 0; c < nkeys; c++)
        b += vm_column_bytes(vm_ht_key(ht, c));
    for (int c = 0; c < nvals; c++)
        b += vm_column_bytes(vm_ht_val(ht, c));
    cr_assert_geq(vm_ht_bytes(ht), b);
    return vm_ht_bytes(ht) - b;
}

/* ---- direct join tables ---- */

/* An entry of the reference join table. */
typedef struct jref {
    int64_t key;
    uint32_t e, row;
} jref;

/* key ascending, then the latest entry first: the order of a chain */
static int cmp_jref(const void *a, const void *b)
{
    const jref *x = a, *y = b;
    if (x->key != y->key)
        return (x->key > y->key) - (x->key < y->key);
    return (x->e < y->e) - (x->e > y->e);
}

enum { J_APPEND, J_INSERT };

/* Feeds rows [from, to) of b (from a multiple of 64) to the join table in
** batches, every other one through a random sel, by vm_ht_append or
** vm_ht_insert; value 0 is the row number. The stored entries (rows with a
** key) are added to ref. */
static void join_feed(vm_ht *ht, const ikeys *b, const int64_t *rowno, uint32_t from, uint32_t to,
                      uint32_t batch, int how, rng *r, jref *ref, uint32_t *nref)
{
    uint32_t *sel = malloc(batch * sizeof *sel);
    for (uint32_t off = from, bi = 0; off < to; off += batch, bi++) {
        uint32_t bn = to - off < batch ? to - off : batch, m = bn;
        vm_vec k = ik_vec(b, off), v = { TIR_I64, (void *)(rowno + off), NULL };
        const uint32_t *s = bi % 2 ? sel : NULL;
        if (s)
            m = random_sel(r, bn, sel);
        uint32_t e = vm_ht_count(ht);
        if (how == J_APPEND)
            cr_assert(vm_ht_append(ht, &k, &v, s, m));
        else
            cr_assert(vm_ht_insert(ht, &k, &v, s, m));
        for (uint32_t j = 0; j < m; j++) {
            uint32_t i = off + (s ? s[j] : j);
            if (!ik_null(b, i))
                ref[(*nref)++] = (jref){ b->k[i], e++, i };
        }
        cr_assert_eq(vm_ht_count(ht), e);
    }
    free(sel);
}

/* Probes every row of p, in batches of 1000 with and without sel, and
** checks each chain against the reference: every entry with the probe's
** key, the latest first, with its key and value; nothing for a NULL. */
static void check_chains(const vm_ht *ht, const jref *ref, uint32_t nref, const ikeys *p)
{
    jref *s = malloc((nref + 1) * sizeof *s);
    memcpy(s, ref, nref * sizeof *s);
    qsort(s, nref, sizeof *s, cmp_jref);
    cr_assert_eq(vm_ht_count(ht), nref);
    uint32_t *first = malloc(p->n * sizeof *first), *sel = malloc(1024 * sizeof *sel), out[1024];
    rng r = { 99 };
    for (uint32_t i = 0; i < p->n; i++)
        first[i] = 12345;
    for (uint32_t off = 0, bi = 0; off < p->n; off += 1024, bi++) {
        uint32_t bn = p->n - off < 1024 ? p->n - off : 1024;
        vm_vec k = ik_vec(p, off);
        if (bi % 2 == 0) {
            vm_ht_probe(ht, &k, NULL, bn, first + off);
            continue;
        }
        uint32_t m = random_sel(&r, bn, sel);
        vm_ht_probe(ht, &k, sel, m, out);
        for (uint32_t j = 0; j < m; j++)
            first[off + sel[j]] = out[j];
    }
    const vm_column *kc = vm_ht_key(ht, 0), *vc = vm_ht_val(ht, 0);
    uint64_t hits = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        if (first[i] == 12345)
            continue; /* not in a sel */
        if (ik_null(p, i)) {
            cr_assert_eq(first[i], VM_HT_NONE, "probe row %u: a NULL key found entry %u", i, first[i]);
            continue;
        }
        int64_t key = p->k[i];
        uint32_t lo = 0, hi = nref; /* the first reference entry with key >= key */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (s[mid].key < key)
                lo = mid + 1;
            else
                hi = mid;
        }
        uint32_t e = first[i], j = lo;
        for (; j < nref && s[j].key == key; j++, e = vm_ht_next(ht, e)) {
            cr_assert_eq(e, s[j].e, "probe row %u (key %lld): chain step %u is entry %u, want %u", i,
                         (long long)key, j - lo, e, s[j].e);
            cr_assert_eq(col_int(kc, e), key, "entry %u: stored key", e);
            cr_assert_eq(((const int64_t *)vc->data)[e], (int64_t)s[j].row, "entry %u: value", e);
        }
        cr_assert_eq(e, VM_HT_NONE, "probe row %u (key %lld): chain goes on past its %u entries to %u", i,
                     (long long)key, j - lo, e);
        hits += j - lo;
    }
    cr_assert_gt(hits, 0, "the data should produce matches");
    free(s);
    free(first);
    free(sel);
}

/* Probe keys: every key of [lo - 3, lo + span + 3) that the type holds, the
** type's extremes, 0, keys whose distance from lo wraps around, NULLs. */
static void int_probes(ikeys *p, tir_type t, int64_t lo, uint64_t span, rng *r)
{
    int64_t tmin = t == TIR_I64 ? INT64_MIN : INT32_MIN, tmax = t == TIR_I64 ? INT64_MAX : INT32_MAX;
    uint32_t n = (uint32_t)span + 6 + 8 + 64;
    ik_init(p, t, n);
    uint32_t i = 0;
    for (uint64_t d = 0; d < span + 6; d++) {
        __int128 k = (__int128)lo - 3 + (__int128)d;
        if (k >= tmin && k <= tmax)
            ik_set(p, i++, (int64_t)k, true);
    }
    int64_t extra[8] = { tmin, tmax, tmin + 1, tmax - 1, 0,
                         (int64_t)((uint64_t)lo + span + (1ULL << 32)), (int64_t)((uint64_t)lo - (1ULL << 63)),
                         (int64_t)((uint64_t)lo + span - 1 + (1ULL << 63)) };
    for (int j = 0; j < 8; j++) {
        if (extra[j] >= tmin && extra[j] <= tmax)
            ik_set(p, i++, extra[j], true);
        else
            ik_set(p, i++, 0, true);
    }
    while (i < n)
        ik_set_null(p, i++, r, lo, span);
}

/* Build rows: keys lo + (0 .. span-1) at random with duplicates, lo and
** lo + span - 1 present, null_pct % NULL. */
static void join_rows(ikeys *b, tir_type t, uint32_t n, int64_t lo, uint64_t span, unsigned null_pct, rng *r)
{
    ik_init(b, t, n);
    for (uint32_t i = 0; i < n; i++) {
        if (rnd(r) % 100 < null_pct)
            ik_set_null(b, i, r, lo, span);
        else
            ik_set(b, i, (int64_t)((uint64_t)lo + rnd(r) % span), true);
    }
    ik_set(b, n / 3, lo, true);
    ik_set(b, n / 2, (int64_t)((uint64_t)lo + span - 1), true);
}

static int64_t *row_numbers(uint32_t n)
{
    int64_t *a = malloc((n + 1) * sizeof *a);
    for (uint32_t i = 0; i < n; i++)
        a[i] = i;
    return a;
}

/* Appended and indexed in one go, dense keys with duplicates and NULLs get
** a direct array of exactly their range (and chains of exactly the entries
** the table keeps); the same rows inserted batch by batch go through the
** directory. Both must give the reference's chains, latest entry first. */
static void check_join_direct(tir_type t, int64_t lo, uint64_t span, uint32_t n, uint64_t seed, int threads)
{
    rng r = { seed };
    ikeys b, p;
    join_rows(&b, t, n, lo, span, 10, &r);
    int_probes(&p, t, lo, span, &r);
    int64_t *rowno = row_numbers(n);
    jref *ref = malloc(n * sizeof *ref), *ref2 = malloc(n * sizeof *ref2);
    uint32_t nref = 0, nref2 = 0;
    tir_type vt = TIR_I64;
    vm_ht *d = vm_ht_new(1, &t, 1, &vt, false), *h = vm_ht_new(1, &t, 1, &vt, false);
    cr_assert(d && h);
    size_t empty = vm_ht_bytes(d);
    join_feed(d, &b, rowno, 0, n, 1024, J_APPEND, &r, ref, &nref);
    join_feed(h, &b, rowno, 0, n, 1024, J_INSERT, &r, ref2, &nref2);
    cr_assert(threads ? vm_ht_index_par(d, NULL, threads) : vm_ht_index(d));
    /* direct: chains (one per entry) and the array, no directory */
    size_t extra = index_bytes(d, empty, 1, 1);
    cr_assert_eq(extra, (size_t)nref * 4 + span * 4, "%s keys %lld + [0, %lu): %zu bytes of index, want %zu",
                 t == TIR_I64 ? "i64" : "i32", (long long)lo, (unsigned long)span, extra,
                 (size_t)nref * 4 + span * 4);
    check_chains(d, ref, nref, &p);
    check_chains(h, ref2, nref2, &p);
    cr_assert(vm_ht_index(d), "indexing again changes nothing");
    cr_assert_eq(index_bytes(d, empty, 1, 1), extra);
    check_chains(d, ref, nref, &p);
    vm_ht_free(d);
    vm_ht_free(h);
    free(ref);
    free(ref2);
    free(rowno);
    ik_free(&b);
    ik_free(&p);
}

Test(hashtable, join_direct_chains_match_directory)
{
    check_join_direct(TIR_I32, -1500, 3000, 9000, 81, 0);
    check_join_direct(TIR_I32, INT32_MAX - 2999, 3000, 9000, 82, 0);
    check_join_direct(TIR_I32, INT32_MIN, 2000, 5000, 83, 0);
    check_join_direct(TIR_DATE, 18000, 2500, 9000, 84, 0);
    check_join_direct(TIR_I64, INT64_MAX - 100, 101, 3000, 85, 0);
    check_join_direct(TIR_I64, INT64_MIN, 101, 3000, 86, 0);
    check_join_direct(TIR_I64, -(1LL << 40), 4000, 7000, 87, 0);
    /* one key, one long chain */
    check_join_direct(TIR_I64, 42, 1, 2000, 88, 0);
}

/* A big table's array is laid out by several threads, each a share of the
** key range: the same chains, latest entry first (keys at both ends of their
** type, duplicates, NULLs; shares of whole 2 MiB pages, the last partial). */
Test(hashtable, join_direct_laid_out_on_threads)
{
    /* about 0.68 n entries (odd batches through a random selection, 10 % NULL);
    ** rows n / 3 and n / 2, the range's ends, in even batches */
    check_join_direct(TIR_I32, -600000, 1200000, 132000, 121, 2);
    check_join_direct(TIR_I32, INT32_MIN, 1100000, 132000, 122, 3);
    check_join_direct(TIR_DATE, 0, 1048577, 132000, 123, 2);
    check_join_direct(TIR_I64, INT64_MAX - 1199999, 1200000, 132000, 124, 3);
}

/* Keys from lo spread over a range of `range` keys (both ends present),
** n rows, appended and indexed in one go; checked by probes of the keys and
** their neighbours. Returns the index bytes, *nent the entries. */
static size_t join_spread(tir_type t, int64_t lo, uint64_t range, uint32_t n, uint64_t seed, uint32_t *nent,
                          int threads, uint32_t values)
{
    rng r = { seed };
    ikeys b, p;
    ik_init(&b, t, n);
    ik_init(&p, t, 2 * n);
    values = values ? values : n / 2;
    uint64_t step = range / values;
    for (uint32_t i = 0; i < n; i++) {
        if (rnd(&r) % 20 == 0)
            ik_set_null(&b, i, &r, lo, range);
        else
            ik_set(&b, i, (int64_t)((uint64_t)lo + rnd(&r) % values * step), true);
    }
    ik_set(&b, 0, lo, true);
    ik_set(&b, n - 1, (int64_t)((uint64_t)lo + range - 1), true);
    for (uint32_t i = 0; i < n; i++) {
        ik_set(&p, 2 * i, b.k[i], !ik_null(&b, i));
        int64_t tmax = t == TIR_I64 ? INT64_MAX : INT32_MAX;
        ik_set(&p, 2 * i + 1, b.k[i] == tmax ? tmax - 1 : b.k[i] + 1, true);
    }
    int64_t *rowno = row_numbers(n);
    jref *ref = malloc(n * sizeof *ref);
    uint32_t nref = 0;
    tir_type vt = TIR_I64;
    vm_ht *ht = vm_ht_new(1, &t, 1, &vt, false);
    size_t empty = vm_ht_bytes(ht);
    join_feed(ht, &b, rowno, 0, n, 1024, J_APPEND, &r, ref, &nref);
    cr_assert(threads ? vm_ht_index_par(ht, NULL, threads) : vm_ht_index(ht));
    check_chains(ht, ref, nref, &p);
    size_t extra = index_bytes(ht, empty, 1, 1);
    *nent = nref;
    vm_ht_free(ht);
    free(ref);
    free(rowno);
    ik_free(&b);
    ik_free(&p);
    return extra;
}

/* A big table over keys too spread out for an array: its directory is
** laid out by several threads, each a range of slots (a walk that would
** leave its range is finished after the others, on one thread), and its
** bloom filter likewise, each thread the blocks of its range but one it may
** share: the chains one thread makes, latest entry first, no key lost to
** the filter, and no more bytes than one thread's index. */
Test(hashtable, join_directory_laid_out_on_threads)
{
    uint32_t ne, ne1;
    size_t one = join_spread(TIR_I64, -5000000000000LL, 4000000000000ULL, 140000, 97, &ne1, 0, 0);
    for (int threads = 2; threads <= 8; threads += 3) {
        size_t b = join_spread(TIR_I64, -5000000000000LL, 4000000000000ULL, 140000, 97, &ne, threads, 0);
        cr_assert_eq(ne, ne1);
        cr_assert_leq(b, one, "%d threads: %zu bytes of index, one thread %zu", threads, b, one);
    }
    join_spread(TIR_I32, INT32_MIN, 1ULL << 32, 70000, 98, &ne, 3, 0);
    /* mostly distinct keys filling the directory near half, 64 ranges:
    ** clusters run over some ranges' ends, so walks are finished after */
    join_spread(TIR_I64, -5000000000000LL, 4000000000000ULL, 156500, 99, &ne, 64, 1u << 22);
}

/* Keys too spread out for an array go to the directory: right chains, and
** the index costs what a directory does, not the range. At the limit: a
** table of n entries takes an array of up to 8 * 2^ceil(log2 2n) keys (at
** least 65536); one key more and it is the directory. */
Test(hashtable, join_direct_sparse_keys_use_directory)
{
    uint32_t ne;
    size_t b = join_spread(TIR_I64, -5000000000000LL, 4000000000000ULL, 8000, 91, &ne, 0, 0);
    cr_assert_lt(b, (size_t)1 << 20, "i64 keys 1e9 apart: %zu bytes of index", b);
    b = join_spread(TIR_I32, INT32_MIN, 1ULL << 32, 8000, 92, &ne, 0, 0);
    cr_assert_lt(b, (size_t)1 << 20, "i32 keys over the whole type: %zu bytes of index", b);

    /* about 3800 entries: the floor of 65536 keys */
    b = join_spread(TIR_I32, -7, 65536, 4000, 93, &ne, 0, 0);
    cr_assert_eq(b, (size_t)ne * 4 + 65536 * 4, "range 65536: %zu bytes of index, want an array", b);
    b = join_spread(TIR_I32, -7, 65537, 4000, 93, &ne, 0, 0);
    cr_assert_lt(b, (size_t)65537 * 4, "range 65537: %zu bytes of index, want a directory", b);
    /* about 19000 entries (a directory of 2^16 slots): 2^19 keys, a mapped array */
    b = join_spread(TIR_I64, INT64_MAX - 524287, 524288, 20000, 94, &ne, 0, 0);
    cr_assert_gt(ne, 16384);
    cr_assert_eq(b, (size_t)ne * 4 + 524288 * 4, "range 2^19: %zu bytes of index, want an array", b);
    b = join_spread(TIR_I64, INT64_MAX - 524288, 524289, 20000, 94, &ne, 0, 0);
    cr_assert_lt(b, (size_t)524289 * 4, "range 2^19 + 1: %zu bytes of index, want a directory", b);
}

/* A spilled join's partition table (vm_ht_one_part): its keys all have one
** vm_ht_ipart, so its direct array takes a slot per 16 keys of the range,
** and a range 16 times wider than a plain table's limit stays direct. Every
** key of the range is probed, most of them of other partitions: they must
** find nothing, not the entry sharing their slot. Keys of two partitions
** (odd: the other partition's key, 0 for none) in a table said to hold one
** make it keep the directory, right as well. Indexed on threads threads
** (0: vm_ht_index), and then probed at the keys and their neighbours only. */
static void check_one_part(tir_type t, int64_t lo, uint64_t span, uint32_t n, int64_t odd, uint64_t seed,
                           int threads)
{
    rng r = { seed };
    ikeys b, p;
    ik_init(&b, t, n);
    unsigned part = vm_ht_ipart(lo);
    for (uint32_t i = 0; i < n; i++) {
        int64_t k;
        do
            k = (int64_t)((uint64_t)lo + rnd(&r) % span);
        while (vm_ht_ipart(k) != part);
        if (rnd(&r) % 20 == 0)
            ik_set_null(&b, i, &r, lo, span);
        else
            ik_set(&b, i, k, true);
    }
    ik_set(&b, 0, lo, true);
    bool mixed = odd != 0;
    if (mixed)
        ik_set(&b, n / 2, odd, true);
    cr_assert(!mixed || vm_ht_ipart(odd) != part, "%lld is another partition's key", (long long)odd);
    if (!threads) {
        int_probes(&p, t, lo, span, &r);
    } else {
        ik_init(&p, t, 3 * n);
        for (uint32_t i = 0; i < n; i++) {
            int64_t k = ik_null(&b, i) ? lo : b.k[i]; /* a NULL row's value is garbage */
            ik_set(&p, 3 * i, k, !ik_null(&b, i));
            ik_set(&p, 3 * i + 1, k + 1, true);
            ik_set(&p, 3 * i + 2, k - 1, true);
        }
    }
    int64_t *rowno = row_numbers(n);
    jref *ref = malloc(n * sizeof *ref);
    uint32_t nref = 0;
    tir_type vt = TIR_I64;
    vm_ht *ht = vm_ht_new(1, &t, 1, &vt, false);
    vm_ht_one_part(ht);
    size_t empty = vm_ht_bytes(ht);
    cr_assert(vm_ht_reserve(ht, n));
    join_feed(ht, &b, rowno, 0, n, 1024, J_APPEND, &r, ref, &nref);
    cr_assert(threads ? vm_ht_index_par(ht, NULL, threads) : vm_ht_index(ht));
    size_t extra = index_bytes(ht, empty, 1, 1);
    uint64_t slots = ((uint64_t)lo + span - 1 - ((uint64_t)lo & ~15ull)) / 16 + 1;
    if (mixed)
        cr_assert(!vm_ht_is_direct(ht), "keys of two partitions: want the directory");
    else
        cr_assert(vm_ht_is_direct(ht) && extra <= (size_t)nref * 4 + slots * 4,
                  "%s keys of one partition over %llu: %zu bytes of index, want at most %zu (a slot per 16 keys)",
                  t == TIR_I64 ? "i64" : "i32", (unsigned long long)span, extra, (size_t)(nref * 4 + slots * 4));
    check_chains(ht, ref, nref, &p);
    vm_ht_free(ht);
    free(ref);
    free(rowno);
    ik_free(&b);
    ik_free(&p);
}

Test(hashtable, join_direct_one_partition)
{
    /* 4000 entries: a plain table's array may span 65536 keys; this 16 times that */
    check_one_part(TIR_I32, -7, 16 * 65536, 4000, 0, 101, 0);
    check_one_part(TIR_I32, INT32_MAX - 99999, 100000, 3000, 0, 102, 0);
    check_one_part(TIR_I32, INT32_MIN, 100000, 3000, 0, 103, 0);
    check_one_part(TIR_DATE, 18000, 40000, 3000, 0, 104, 0);
    check_one_part(TIR_I64, INT64_MIN + 5, 100000, 3000, 0, 105, 0);
    check_one_part(TIR_I64, INT64_MAX - 99999, 100000, 3000, 0, 106, 0);
    check_one_part(TIR_I64, -(1LL << 40), 16 * 65536, 4000, 0, 107, 0);
    /* a key of another partition: the neighbour of lo's */
    check_one_part(TIR_I32, 1000, 50000, 3000, 1001, 108, 0);
    check_one_part(TIR_I64, -(1LL << 40), 50000, 3000, -(1LL << 40) + 1, 109, 0);
}

/* The same laid out by two threads: a range of over 2^20 slots (16 times
** as many keys); a key of another partition found by either thread's share
** sends the table to the directory. */
Test(hashtable, join_direct_one_partition_on_threads)
{
    int64_t lo = 1000;
    check_one_part(TIR_I32, lo, 16 * 1200000, 100000, 0, 131, 2);
    check_one_part(TIR_I64, -(1LL << 40), 16 * 1100000, 90000, 0, 132, 2);
    /* the other partition's key near the top: the second share's */
    int64_t odd = lo + 16 * 1200000 - 40;
    while (vm_ht_ipart(odd) == vm_ht_ipart(lo))
        odd++;
    check_one_part(TIR_I32, lo, 16 * 1200000, 100000, odd, 133, 2);
}

/* vm_ht_insert after an index in direct mode drops the array and goes on
** in the directory; rows inserted then include keys new to the table, on
** both sides of the array's range and in its holes. */
Test(hashtable, join_direct_then_insert)
{
    rng r = { 95 };
    enum { N = 6400 };
    ikeys b, p;
    ik_init(&b, TIR_I32, N);
    for (uint32_t i = 0; i < N; i++) {
        if (rnd(&r) % 10 == 0)
            ik_set_null(&b, i, &r, 0, 1000);
        else if (i < 3200) /* even keys of [0, 1000) */
            ik_set(&b, i, (int64_t)(rnd(&r) % 500) * 2, true);
        else /* then any key of [-300, 1300) */
            ik_set(&b, i, (int64_t)(rnd(&r) % 1600) - 300, true);
    }
    int_probes(&p, TIR_I32, -300, 1600, &r);
    int64_t *rowno = row_numbers(N);
    jref *ref = malloc(N * sizeof *ref);
    uint32_t nref = 0;
    tir_type t = TIR_I32, vt = TIR_I64;
    vm_ht *ht = vm_ht_new(1, &t, 1, &vt, false);
    size_t empty = vm_ht_bytes(ht);
    join_feed(ht, &b, rowno, 0, 3200, 1024, J_APPEND, &r, ref, &nref);
    cr_assert(vm_ht_index(ht));
    cr_assert_eq(index_bytes(ht, empty, 1, 1), (size_t)nref * 4 + 999 * 4, "direct");
    check_chains(ht, ref, nref, &p);
    join_feed(ht, &b, rowno, 3200, 4800, 512, J_INSERT, &r, ref, &nref);
    check_chains(ht, ref, nref, &p);
    join_feed(ht, &b, rowno, 4800, N, 640, J_INSERT, &r, ref, &nref);
    check_chains(ht, ref, nref, &p);
    vm_ht_free(ht);
    free(ref);
    free(rowno);
    ik_free(&b);
    ik_free(&p);
}

/* vm_ht_append and vm_ht_index again after a direct index lay all entries
** out anew: in a wider array while the keys allow, in the directory when
** they no longer do (and incrementally in it from then on). */
Test(hashtable, join_direct_then_append_index)
{
    rng r = { 96 };
    enum { N = 9600 };
    ikeys b, p;
    ik_init(&b, TIR_I64, N);
    const int64_t lo = -(1LL << 50);
    for (uint32_t i = 0; i < N; i++) {
        int64_t k;
        if (i < 3200)
            k = lo + (int64_t)(rnd(&r) % 1000);
        else if (i < 4800) /* below and above the first range */
            k = lo - 500 + (int64_t)(rnd(&r) % 2000);
        else if (i < 6400) /* one far key in a batch of near ones */
            k = i == 5000 ? lo + (1LL << 40) : lo + (int64_t)(rnd(&r) % 1000);
        else
            k = lo + (int64_t)(rnd(&r) % 3000);
        if (rnd(&r) % 10 == 0)
            ik_set_null(&b, i, &r, lo, 1000);
        else
            ik_set(&b, i, k, true);
    }
    ik_set(&b, 0, lo, true);
    ik_set(&b, 1, lo + 999, true);
    ik_set(&b, 3200, lo - 500, true);
    ik_set(&b, 3201, lo + 1499, true);
    int_probes(&p, TIR_I64, lo - 500, 3000, &r);
    int64_t *rowno = row_numbers(N);
    jref *ref = malloc(N * sizeof *ref);
    uint32_t nref = 0;
    tir_type t = TIR_I64, vt = TIR_I64;
    vm_ht *ht = vm_ht_new(1, &t, 1, &vt, false);
    size_t empty = vm_ht_bytes(ht);
    join_feed(ht, &b, rowno, 0, 3200, 1024, J_APPEND, &r, ref, &nref);
    cr_assert(vm_ht_index(ht));
    cr_assert_eq(index_bytes(ht, empty, 1, 1), (size_t)nref * 4 + 1000 * 4, "direct over [lo, lo + 1000)");
    check_chains(ht, ref, nref, &p);

    join_feed(ht, &b, rowno, 3200, 4800, 1024, J_APPEND, &r, ref, &nref);
    cr_assert(vm_ht_index(ht));
    cr_assert_eq(index_bytes(ht, empty, 1, 1), (size_t)nref * 4 + 2000 * 4, "direct over [lo - 500, lo + 1500)");
    check_chains(ht, ref, nref, &p);

    join_feed(ht, &b, rowno, 4800, 6400, 1024, J_APPEND, &r, ref, &nref);
    cr_assert(vm_ht_index(ht));
    size_t dir = index_bytes(ht, empty, 1, 1);
    cr_assert_lt(dir, (size_t)1 << 20, "a directory: %zu bytes of index", dir);
    check_chains(ht, ref, nref, &p);

    join_feed(ht, &b, rowno, 6400, N, 1024, J_APPEND, &r, ref, &nref);
    cr_assert(vm_ht_index(ht));
    check_chains(ht, ref, nref, &p);
    vm_ht_free(ht);
    free(ref);
    free(rowno);
    ik_free(&b);
    ik_free(&p);
}

/* ---- direct group tables ---- */

/* A row of the reference group-by: its key and whether it is NULL. */
typedef struct grow {
    int64_t key;
    uint32_t row;
    bool null;
} grow;

/* NULL first, then by key, then by row */
static int cmp_grow(const void *a, const void *b)
{
    const grow *x = a, *y = b;
    if (x->null != y->null)
        return y->null - x->null;
    if (!x->null && x->key != y->key)
        return (x->key > y->key) - (x->key < y->key);
    return (x->row > y->row) - (x->row < y->row);
}

/* The reference group-by of the fed rows of x: groups numbered in order of
** first appearance, NULL a group of its own. */
typedef struct gref {
    uint32_t ngroups;
    uint32_t *want;           /* per fed row of x: its group */
    int64_t *gkey;            /* per group: its key */
    uint8_t *gnull;           /* per group: the NULL key */
    jref *keys;               /* the non-NULL keys ascending, e = their group */
    uint32_t nkeys;
    uint32_t null_gid;        /* or VM_HT_NONE */
} gref;

static void gref_make(gref *g, const ikeys *x, const uint8_t *fed)
{
    grow *s = malloc((x->n + 1) * sizeof *s);
    uint32_t n = 0, *lead = malloc((x->n + 1) * sizeof *lead);
    for (uint32_t i = 0; i < x->n; i++)
        if (fed[i])
            s[n++] = (grow){ ik_null(x, i) ? 0 : x->k[i], i, ik_null(x, i) };
    qsort(s, n, sizeof *s, cmp_grow);
    /* lead[row] = the first row of its key; a leader leads itself */
    for (uint32_t j = 0, l = 0; j < n; j++) {
        if (j == 0 || cmp_grow(&(grow){ s[j].key, 0, s[j].null }, &(grow){ s[j - 1].key, 0, s[j - 1].null }) != 0)
            l = s[j].row;
        lead[s[j].row] = l;
    }
    g->want = malloc((x->n + 1) * sizeof *g->want);
    g->gkey = malloc((n + 1) * sizeof *g->gkey);
    g->gnull = malloc(n + 1);
    g->keys = malloc((n + 1) * sizeof *g->keys);
    g->ngroups = g->nkeys = 0;
    g->null_gid = VM_HT_NONE;
    for (uint32_t i = 0; i < x->n; i++) {
        if (!fed[i])
            continue;
        if (lead[i] == i) {
            g->gkey[g->ngroups] = x->k[i];
            g->gnull[g->ngroups] = ik_null(x, i);
            if (ik_null(x, i))
                g->null_gid = g->ngroups;
            g->want[i] = g->ngroups++;
        } else {
            g->want[i] = g->want[lead[i]];
        }
    }
    for (uint32_t j = 0; j < n; j++)
        if (!s[j].null && lead[s[j].row] == s[j].row)
            g->keys[g->nkeys++] = (jref){ s[j].key, g->want[s[j].row], s[j].row };
    free(s);
    free(lead);
}

static void gref_free(gref *g)
{
    free(g->want);
    free(g->gkey);
    free(g->gnull);
    free(g->keys);
}

/* The reference's group of key (null: the NULL key), or VM_HT_NONE. */
static uint32_t gref_find(const gref *g, int64_t key, bool null)
{
    if (null)
        return g->null_gid;
    uint32_t lo = 0, hi = g->nkeys;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->keys[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->nkeys && g->keys[lo].key == key ? g->keys[lo].e : VM_HT_NONE;
}

/* Feeds rows [from, to) of x (from a multiple of 64) to a group table in
** batches of `batch` (a multiple of 64), every other one through a random
** sel; gid[row] = its group, fed[row] = 1. */
static void group_feed(vm_ht *ht, const ikeys *x, uint32_t from, uint32_t to, uint32_t batch, rng *r, uint32_t *gid,
                       uint8_t *fed)
{
    uint32_t *sel = malloc(batch * sizeof *sel), *out = malloc(batch * sizeof *out);
    for (uint32_t off = from, bi = 0; off < to; off += batch, bi++) {
        uint32_t bn = to - off < batch ? to - off : batch, m = bn;
        vm_vec k = ik_vec(x, off);
        const uint32_t *s = bi % 2 ? sel : NULL;
        if (s)
            m = random_sel(r, bn, sel);
        cr_assert(vm_ht_find_or_insert(ht, &k, s, m, out), "batch at row %u", off);
        for (uint32_t j = 0; j < m; j++) {
            uint32_t i = off + (s ? s[j] : j);
            gid[i] = out[j];
            fed[i] = 1;
        }
    }
    free(sel);
    free(out);
}

/* The groups of the fed rows of x are the reference's, in number, ids and
** keys; vm_ht_find gives every row of x and of p (more probe keys) the
** reference's group or VM_HT_NONE, NULL its group; vm_ht_probe the same
** without the NULL group. */
static void check_groups(const vm_ht *ht, const ikeys *x, const uint32_t *gid, const uint8_t *fed, const ikeys *p)
{
    gref g;
    gref_make(&g, x, fed);
    cr_assert_eq(vm_ht_count(ht), g.ngroups, "%u groups, want %u", vm_ht_count(ht), g.ngroups);
    for (uint32_t i = 0; i < x->n; i++)
        if (fed[i] && gid[i] != g.want[i])
            cr_assert_fail("row %u (key %lld%s): group %u, want %u", i, (long long)x->k[i],
                           ik_null(x, i) ? ", NULL" : "", gid[i], g.want[i]);
    const vm_column *kc = vm_ht_key(ht, 0);
    cr_assert_eq(kc->len, g.ngroups);
    for (uint32_t e = 0; e < g.ngroups; e++) {
        cr_assert_eq(!vm_bit_get(kc->validity, e), g.gnull[e], "group %u: NULL key", e);
        if (!g.gnull[e])
            cr_assert_eq(col_int(kc, e), g.gkey[e], "group %u: key %lld, want %lld", e, (long long)col_int(kc, e),
                         (long long)g.gkey[e]);
    }
    const ikeys *all[2] = { x, p };
    for (int a = 0; a < 2; a++) {
        const ikeys *y = all[a];
        if (!y)
            continue;
        uint32_t *out = malloc((y->n + 1) * sizeof *out), *pr = malloc((y->n + 1) * sizeof *pr);
        vm_vec k = ik_vec(y, 0);
        vm_ht_find(ht, &k, NULL, y->n, out);
        vm_ht_probe(ht, &k, NULL, y->n, pr);
        for (uint32_t i = 0; i < y->n; i++) {
            uint32_t w = gref_find(&g, y->k[i], ik_null(y, i));
            if (out[i] != w)
                cr_assert_fail("find, %s row %u (key %lld%s): %u, want %u", a ? "probe" : "input", i,
                               (long long)y->k[i], ik_null(y, i) ? ", NULL" : "", out[i], w);
            uint32_t wp = ik_null(y, i) ? VM_HT_NONE : w;
            if (pr[i] != wp)
                cr_assert_fail("probe, %s row %u (key %lld%s): %u, want %u", a ? "probe" : "input", i,
                               (long long)y->k[i], ik_null(y, i) ? ", NULL" : "", pr[i], wp);
        }
        free(out);
        free(pr);
    }
    gref_free(&g);
}

/* Past its columns a group table holds a directory of 2^k >= 2 * count
** slots of 8 bytes, or in direct mode only an array of 4 bytes per key of
** its span, which holds the keys seen (an array may have a directory's
** size, so the table says which it holds). */
static bool dir_size(size_t extra, uint32_t count)
{
    return extra % 8 == 0 && (extra / 8 & (extra / 8 - 1)) == 0 && extra / 8 >= 2 * (size_t)count;
}

/* Keys from the least to the greatest non-NULL fed row of x. */
static uint64_t fed_range(const ikeys *x, const uint8_t *fed)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (uint32_t i = 0; i < x->n; i++)
        if (fed[i] && !ik_null(x, i)) {
            lo = x->k[i] < lo ? x->k[i] : lo;
            hi = x->k[i] > hi ? x->k[i] : hi;
        }
    return lo <= hi ? (uint64_t)hi - (uint64_t)lo + 1 : 0;
}

static void assert_direct_group(const vm_ht *ht, size_t empty, const ikeys *x, const uint8_t *fed, const char *when)
{
    size_t extra = index_bytes(ht, empty, 1, 0);
    uint64_t keyrange = fed_range(x, fed);
    uint32_t n = vm_ht_count(ht);
    cr_assert(extra >= 4 * keyrange && vm_ht_is_direct(ht),
              "%s: %zu bytes of index for %u groups over %lu keys: want an array", when, extra, n,
              (unsigned long)keyrange);
}

static void assert_dir_group(const vm_ht *ht, size_t empty, const char *when)
{
    size_t extra = index_bytes(ht, empty, 1, 0);
    cr_assert(dir_size(extra, vm_ht_count(ht)) && !vm_ht_is_direct(ht), "%s: %zu bytes of index for %u groups: want a directory", when,
              extra, vm_ht_count(ht));
}

/* More than 5000 distinct keys in random order within a dense range, with
** NULLs, fed in batches with and without sel: once the small-domain front
** is off (1024 groups), an array numbers the groups as the directory would. */
static void check_group_direct(tir_type t, int64_t lo, uint64_t span, uint32_t n, uint64_t seed)
{
    rng r = { seed };
    ikeys x, p;
    ik_init(&x, t, n);
    for (uint32_t i = 0; i < n; i++) {
        if (rnd(&r) % 100 < 3)
            ik_set_null(&x, i, &r, lo, span);
        else
            ik_set(&x, i, (int64_t)((uint64_t)lo + rnd(&r) % span), true);
    }
    int_probes(&p, t, lo, span, &r);
    uint32_t *gid = malloc(n * sizeof *gid);
    uint8_t *fed = calloc(n, 1);
    vm_ht *ht = vm_ht_new(1, &t, 0, NULL, true);
    size_t empty = vm_ht_bytes(ht);
    uint32_t half = n / 2 / 64 * 64;
    group_feed(ht, &x, 0, half, 576, &r, gid, fed);
    assert_direct_group(ht, empty, &x, fed, "first half");
    check_groups(ht, &x, gid, fed, &p);
    group_feed(ht, &x, half, n, 1088, &r, gid, fed);
    assert_direct_group(ht, empty, &x, fed, "second half");
    cr_assert_gt(vm_ht_count(ht), 5000);
    check_groups(ht, &x, gid, fed, &p);
    vm_ht_free(ht);
    free(gid);
    free(fed);
    ik_free(&x);
    ik_free(&p);
}

Test(hashtable, group_direct_ids_in_order)
{
    check_group_direct(TIR_I32, -4000, 8000, 24000, 101);
    check_group_direct(TIR_DATE, 18000, 7000, 20000, 102);
    check_group_direct(TIR_I32, INT32_MAX - 6999, 7000, 20000, 103);
    check_group_direct(TIR_I64, INT64_MAX - 7999, 8000, 24000, 104);
    check_group_direct(TIR_I64, INT64_MIN, 8000, 24000, 105);
    /* keys at random over 100,000 values from the first batch on (like TPC-H Q13's
    ** customer keys): over the join floor (65,536 keys), under the group one */
    check_group_direct(TIR_I32, 1, 100000, 160000, 106);
}

/* A spilled group-by's partition table (vm_ht_one_part): keys of one
** vm_ht_ipart partition over a range 16 times what a plain table's array
** may span keep an array of a slot per 16 keys, first from the upper half
** of the range, then over all of it (the array grows down, copied); other
** partitions' keys find no group. With mixed, the second half brings a key
** of another partition: the table leaves the array for the directory, its
** groups unchanged. */
static void check_group_one_part(tir_type t, int64_t lo, uint64_t span, uint32_t n, bool mixed, uint64_t seed)
{
    rng r = { seed };
    ikeys x, p;
    ik_init(&x, t, n);
    unsigned part = vm_ht_ipart(lo);
    uint32_t half = n / 2 / 64 * 64;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t from = i < half ? span / 2 : 0;
        int64_t k;
        do
            k = (int64_t)((uint64_t)lo + from + rnd(&r) % (span - from));
        while (vm_ht_ipart(k) != part);
        if (rnd(&r) % 100 < 3)
            ik_set_null(&x, i, &r, lo, span);
        else
            ik_set(&x, i, k, true);
    }
    ik_set(&x, n - 1, lo, true);
    if (mixed) {
        cr_assert_neq(vm_ht_ipart(lo + 1), part);
        ik_set(&x, half + 100, lo + 1, true);
    }
    int_probes(&p, t, lo, span, &r);
    uint32_t *gid = malloc(n * sizeof *gid);
    uint8_t *fed = calloc(n, 1);
    vm_ht *ht = vm_ht_new(1, &t, 0, NULL, true);
    vm_ht_one_part(ht);
    size_t empty = vm_ht_bytes(ht);
    group_feed(ht, &x, 0, half, 576, &r, gid, fed);
    size_t extra = index_bytes(ht, empty, 1, 0);
    /* a plain array takes 4 bytes a key of the range; this one, with room to grow, at most half that */
    cr_assert(vm_ht_is_direct(ht) && extra < 2 * fed_range(&x, fed),
              "first half: %zu bytes of index over %llu keys: want an array of a slot per 16 keys", extra,
              (unsigned long long)fed_range(&x, fed));
    check_groups(ht, &x, gid, fed, &p);
    group_feed(ht, &x, half, n, 1088, &r, gid, fed);
    extra = index_bytes(ht, empty, 1, 0);
    if (mixed)
        assert_dir_group(ht, empty, "a key of another partition");
    else
        cr_assert(vm_ht_is_direct(ht) && extra < 2 * fed_range(&x, fed),
                  "second half: %zu bytes of index over %llu keys: want an array of a slot per 16 keys", extra,
                  (unsigned long long)fed_range(&x, fed));
    check_groups(ht, &x, gid, fed, &p);
    vm_ht_free(ht);
    free(gid);
    free(fed);
    ik_free(&x);
    ik_free(&p);
}

Test(hashtable, group_direct_one_partition)
{
    /* a plain table's array spans at most 262,144 keys for these groups */
    check_group_one_part(TIR_I32, -7, 16 * 200000, 40000, false, 131);
    check_group_one_part(TIR_DATE, 100, 16 * 100000, 30000, false, 132);
    check_group_one_part(TIR_I64, INT64_MIN + 3, 16 * 100000, 30000, false, 133);
    check_group_one_part(TIR_I64, INT64_MAX - 16 * 100000 + 1, 16 * 100000, 30000, false, 134);
    check_group_one_part(TIR_I32, INT32_MAX - 16 * 100000 + 1, 16 * 100000, 30000, false, 135);
    check_group_one_part(TIR_I32, 1000, 16 * 100000, 30000, true, 136);
}

/* Keys rising from start by step, then falling below it by 1: the array
** grows up (past 2 MiB, where it is mapped and may grow by mremap) and then
** down (copied). Each row is the next new key, a key of the range so far
** again, or NULL. */
static void check_group_up_down(tir_type t, int64_t start, int64_t step, uint32_t nup, uint32_t ndown, uint64_t seed)
{
    rng r = { seed };
    uint32_t n = nup + ndown;
    ikeys x;
    ik_init(&x, t, n);
    int64_t hi = start, lo = start;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t c = rnd(&r) % 64;
        if (c == 0)
            ik_set_null(&x, i, &r, lo, (uint64_t)hi - (uint64_t)lo + 1);
        else if (c < 8)
            ik_set(&x, i, lo + (int64_t)(rnd(&r) % ((uint64_t)hi - (uint64_t)lo + 1)), true);
        else if (i < nup)
            ik_set(&x, i, (hi += step) - step, true);
        else
            ik_set(&x, i, --lo, true);
    }
    ikeys p;
    int_probes(&p, t, lo, (uint64_t)hi - (uint64_t)lo, &r);
    uint32_t *gid = malloc(n * sizeof *gid);
    uint8_t *fed = calloc(n, 1);
    vm_ht *ht = vm_ht_new(1, &t, 0, NULL, true);
    size_t empty = vm_ht_bytes(ht);
    group_feed(ht, &x, 0, nup, 2048, &r, gid, fed);
    assert_direct_group(ht, empty, &x, fed, "up");
    cr_assert_geq(index_bytes(ht, empty, 1, 0), (size_t)2 << 20, "past 2 MiB");
    group_feed(ht, &x, nup, n, 2048, &r, gid, fed);
    assert_direct_group(ht, empty, &x, fed, "down");
    check_groups(ht, &x, gid, fed, &p);
    vm_ht_free(ht);
    free(gid);
    free(fed);
    ik_free(&x);
    ik_free(&p);
}

Test(hashtable, group_direct_grows_up_and_down)
{
    /* every other key on the way up: past 2^20 keys, grown from a mapped array */
    check_group_up_down(TIR_I32, 0, 2, 640000, 200000, 111);
    /* growth clamped at the ends of the types */
    check_group_up_down(TIR_I32, INT32_MAX - 1200000, 2, 640000, 64000, 112);
    check_group_up_down(TIR_I64, INT64_MIN + 300000, 1, 640000, 320000, 113);
}

/* About 3000 dense keys put the table in direct mode; then a batch brings a
** few far keys (mid batch, among near ones and NULLs), which would make
** the array too big: the table goes on in the directory for good, with the
** same ids, and later batches of near and far keys find and add groups
** there. */
static void check_group_fallback(tir_type t, int64_t lo, const int64_t *far, int nfar, uint64_t seed)
{
    enum { N1 = 6400, N = 16000 };
    rng r = { seed };
    ikeys x;
    ik_init(&x, t, N);
    for (uint32_t i = 0; i < N; i++) {
        uint64_t c = rnd(&r) % 100;
        if (c < 3)
            ik_set_null(&x, i, &r, lo, 3000);
        else if (i >= N1 + 700 && (c < 6 || i == N1 + 701))
            ik_set(&x, i, far[rnd(&r) % (uint64_t)nfar], true);
        else if (i >= N1 + 700 && c < 10) /* new keys next to the far ones */
            ik_set(&x, i, far[rnd(&r) % (uint64_t)nfar] + ((int64_t)(rnd(&r) % 100) - 50), true);
        else
            ik_set(&x, i, lo + (int64_t)(rnd(&r) % (i < N1 ? 3000 : 3500)), true);
    }
    ikeys p;
    int_probes(&p, t, lo, 3500, &r);
    for (int j = 0; j < nfar; j++) /* the far keys among the probes */
        ik_set(&p, p.n - 1 - (uint32_t)j, far[j], true);
    uint32_t *gid = malloc(N * sizeof *gid);
    uint8_t *fed = calloc(N, 1);
    vm_ht *ht = vm_ht_new(1, &t, 0, NULL, true);
    size_t empty = vm_ht_bytes(ht);
    group_feed(ht, &x, 0, N1, 1024, &r, gid, fed);
    assert_direct_group(ht, empty, &x, fed, "dense keys");
    check_groups(ht, &x, gid, fed, &p);
    group_feed(ht, &x, N1, N1 + 1024, 1024, &r, gid, fed); /* far keys from row 700 of the batch */
    assert_dir_group(ht, empty, "after far keys");
    check_groups(ht, &x, gid, fed, &p);
    group_feed(ht, &x, N1 + 1024, N, 1536, &r, gid, fed);
    assert_dir_group(ht, empty, "at the end");
    check_groups(ht, &x, gid, fed, &p);
    vm_ht_free(ht);
    free(gid);
    free(fed);
    ik_free(&x);
    ik_free(&p);
}

Test(hashtable, group_direct_falls_back)
{
    int64_t f64[3] = { 1000000000000LL, -1000000000000LL, INT64_MAX - 50 };
    check_group_fallback(TIR_I64, -1000, f64, 3, 121);
    int64_t f32[2] = { INT32_MAX - 50, INT32_MIN + 50 };
    check_group_fallback(TIR_I32, 5000, f32, 2, 122);
    check_group_fallback(TIR_DATE, 18000, f32, 1, 123);
}

/* vm_ht_append_groups on a table in direct mode: the new groups follow in
** order with their keys, the array is released and the table is sealed
** (lookups find nothing, inserts fail) but may append more. */
Test(hashtable, group_direct_append_groups_seals)
{
    enum { N = 9600, NA = 128 };
    rng r = { 131 };
    ikeys x, a;
    ik_init(&x, TIR_I64, N);
    ik_init(&a, TIR_I64, NA);
    for (uint32_t i = 0; i < N; i++) {
        if (rnd(&r) % 50 == 0)
            ik_set_null(&x, i, &r, 0, 3000);
        else
            ik_set(&x, i, (int64_t)(rnd(&r) % 3000) * 2, true); /* even keys */
    }
    for (uint32_t i = 0; i < NA; i++) /* odd keys in the range and far ones: all new */
        ik_set(&a, i, i % 4 ? (int64_t)i * 2 + 1 : 1000000000000LL + i, true);
    uint32_t *gid = malloc(N * sizeof *gid);
    uint8_t *fed = calloc(N, 1);
    vm_ht *ht = vm_ht_new(1, (tir_type[]){ TIR_I64 }, 0, NULL, true);
    size_t empty = vm_ht_bytes(ht);
    group_feed(ht, &x, 0, N, 1024, &r, gid, fed);
    assert_direct_group(ht, empty, &x, fed, "before");
    check_groups(ht, &x, gid, fed, NULL);
    uint32_t ng = vm_ht_count(ht);
    cr_assert_gt(ng, 2000);

    vm_vec ak = ik_vec(&a, 0);
    uint32_t sel[NA / 2];
    for (uint32_t j = 0; j < NA / 2; j++)
        sel[j] = 2 * j + 1;
    cr_assert(vm_ht_append_groups(ht, &ak, NULL, NA / 2));
    cr_assert_eq(index_bytes(ht, empty, 1, 0), 0, "the array is released");
    cr_assert(vm_ht_append_groups(ht, &ak, sel + NA / 4, NA / 4), "appending again is allowed");
    cr_assert_eq(vm_ht_count(ht), ng + NA / 2 + NA / 4);
    const vm_column *kc = vm_ht_key(ht, 0);
    for (uint32_t j = 0; j < NA / 2 + NA / 4; j++) {
        uint32_t row = j < NA / 2 ? j : sel[NA / 4 + j - NA / 2];
        cr_assert(vm_bit_get(kc->validity, ng + j));
        cr_assert_eq(col_int(kc, ng + j), a.k[row], "appended group %u", ng + j);
    }
    gref g;
    gref_make(&g, &x, fed);
    for (uint32_t e = 0; e < ng; e++) {
        cr_assert_eq(!vm_bit_get(kc->validity, e), g.gnull[e], "group %u: NULL key", e);
        if (!g.gnull[e])
            cr_assert_eq(col_int(kc, e), g.gkey[e], "group %u: key", e);
    }
    gref_free(&g);

    uint32_t *out = malloc(N * sizeof *out);
    vm_vec xk = ik_vec(&x, 0);
    vm_ht_find(ht, &xk, NULL, N, out);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(out[i], VM_HT_NONE, "sealed: find row %u gave %u", i, out[i]);
    vm_ht_find(ht, &ak, NULL, NA, out);
    for (uint32_t i = 0; i < NA; i++)
        cr_assert_eq(out[i], VM_HT_NONE, "sealed: find appended row %u gave %u", i, out[i]);
    vm_ht_probe(ht, &xk, NULL, N, out);
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(out[i], VM_HT_NONE, "sealed: probe row %u gave %u", i, out[i]);
    cr_assert_not(vm_ht_find_or_insert(ht, &xk, NULL, 100, out), "sealed: no more inserts");
    vm_ht_free(ht);
    free(gid);
    free(fed);
    free(out);
    ik_free(&x);
    ik_free(&a);
}

/* A join table with one integer key too spread out for an array gets a
** filter in front of its directory: a bitmap of the key range while that is
** at most 64 bits per directory slot, else a bloom filter. Probes (every key
** and its neighbour, mostly absent, and NULLs) give the right chains either
** way; the bytes show which filter was built. About 5,700 entries: 8,192
** chain slots and a directory of 16,384 slots. */
Test(hashtable, join_key_bitmap_or_bloom)
{
    uint32_t ne;
    size_t b = join_spread(TIR_I64, -1000000, 400000, 6000, 95, &ne, 0, 0);
    cr_assert(ne > 4096 && ne <= 8192, "%u entries", ne);
    size_t base = 8 * 16384 + 4 * 8192;
    /* a bit per key between the smallest and largest key stored (the feed may skip the ends) */
    cr_assert(b > base + 390000 / 8 && b <= base + (400000 / 64 + 1) * 8,
              "range 400,000: %zu bytes of index, want the key bitmap", b);
    b = join_spread(TIR_I32, -1000000, 2000000, 6000, 96, &ne, 0, 0);
    cr_assert(ne > 4096 && ne <= 8192, "%u entries", ne);
    cr_assert_eq(b, base + (size_t)k_bloom_nblocks(ne) * 32, "range 2,000,000: %zu bytes of index, want a bloom filter",
                 b);
}

/* A table kept for a right or full join stores its rows with a NULL key
** (counted, readable by entry id) but no probe finds them, with a filter
** in front (more than HT_BLOOM_MIN entries) and with a key range that
** would otherwise make it a direct array: every chain is that of a table
** without them. */
Test(hashtable, join_keeps_null_key_rows)
{
    enum { N = 300 };
    int32_t kd[N], vd[N];
    uint64_t kv[(N + 63) / 64] = {0};
    uint32_t nnull = 0;
    for (int i = 0; i < N; i++) {
        kd[i] = i % 10;
        vd[i] = i;
        bool null = i % 7 == 3;
        vm_bit_set(kv, (uint32_t)i, !null);
        nnull += null;
    }
    tir_type kt = TIR_I32, vt = TIR_I32;
    vm_vec key = {TIR_I32, kd, kv}, val = {TIR_I32, vd, NULL};
    vm_ht *kept = vm_ht_new(1, &kt, 1, &vt, false), *plain = vm_ht_new(1, &kt, 1, &vt, false);
    cr_assert(kept && plain);
    vm_ht_keep_null_keys(kept);
    uint32_t rest[N - 100];
    for (uint32_t i = 0; i < N - 100; i++)
        rest[i] = 100 + i;
    cr_assert(vm_ht_append(kept, &key, &val, NULL, 100) && vm_ht_append(kept, &key, &val, rest, N - 100));
    cr_assert(vm_ht_append(plain, &key, &val, NULL, N) && vm_ht_index(plain) && vm_ht_index(kept));
    cr_assert_eq(vm_ht_count(kept), N);
    cr_assert_eq(vm_ht_count(plain), N - nnull);
    /* entries keep insertion order: entry i is row i, its key NULL where the row's was */
    for (uint32_t e = 0; e < N; e++) {
        cr_assert_eq(((const int32_t *)vm_ht_val(kept, 0)->data)[e], (int32_t)e);
        cr_assert_eq(vm_bit_get(vm_ht_key(kept, 0)->validity, e), vm_bit_get(kv, e));
    }
    int32_t pd[12];
    uint64_t pv[1] = {0};
    for (int i = 0; i < 12; i++) {
        pd[i] = i - 1; /* -1 and 10 are absent */
        vm_bit_set(pv, (uint32_t)i, i != 11);
    }
    vm_vec probe = {TIR_I32, pd, pv};
    uint32_t fk[12], fp[12];
    vm_ht_probe(kept, &probe, NULL, 12, fk);
    vm_ht_probe(plain, &probe, NULL, 12, fp);
    for (int i = 0; i < 12; i++) {
        uint32_t a = fk[i], b = fp[i];
        while (a != VM_HT_NONE && b != VM_HT_NONE) {
            cr_assert_eq(((const int32_t *)vm_ht_val(kept, 0)->data)[a], ((const int32_t *)vm_ht_val(plain, 0)->data)[b],
                         "probe %d", pd[i]);
            a = vm_ht_next(kept, a);
            b = vm_ht_next(plain, b);
        }
        cr_assert(a == VM_HT_NONE && b == VM_HT_NONE, "probe %d: chains of different lengths", pd[i]);
    }
    vm_ht_free(kept);
    vm_ht_free(plain);
}

/* ---- string_agg's growing strings (stragg.h) ---------------------------------- */

/* Appends one byte at a time past the inline size and through several
** doublings: the string stays a valid tir_str (prefix, inline or pointer),
** and the counted bytes follow the buffer's capacity. */
Test(stragg, grows_from_inline_through_doublings)
{
    tir_str s = { 0 };
    size_t bytes = 0;
    char want[2000];
    uint32_t n = 0;
    cr_assert(vm_stragg_append(&s, true, "--", 2, "", 0, &bytes)); /* an empty first value */
    cr_expect_eq(s.len, 0);
    for (int i = 0; i < 600; i++) {
        char c = (char)('a' + i % 26);
        cr_assert(vm_stragg_append(&s, false, "--", 2, &c, 1, &bytes));
        want[n++] = '-', want[n++] = '-', want[n++] = c;
        cr_assert_eq(s.len, n);
        cr_assert(!memcmp(tir_str_ptr(&s), want, n), "after %d values", i + 1);
        cr_assert(!memcmp(s.prefix, want, n < 4 ? n : 4));
        cr_assert_eq(bytes, vm_stragg_cap(n));
        cr_assert(n <= TIR_STR_INLINE ? bytes == 0 : bytes >= n && bytes < 2 * n + 32);
    }
    vm_stragg_free(&s, 1);
}

/* Past the longest tir_str the append fails and leaves the string as it was. */
Test(stragg, refuses_past_4_gib)
{
    tir_str s = { 0 };
    size_t bytes = 0;
    cr_assert(vm_stragg_append(&s, true, ",", 1, "abc", 3, &bytes));
    s.len = UINT32_MAX - 2;   /* as if: only the length is read before the check */
    cr_expect_not(vm_stragg_append(&s, false, ",", 1, "abc", 3, &bytes));
    cr_expect_eq(s.len, UINT32_MAX - 2);
    cr_expect_eq(bytes, 0);
}

/* Another worker's build rows taken whole (vm_ht_take): the same entries,
** values and chains as appending them row by row, long strings still
** readable once the other table is freed (its heap came along), NULL
** values and keys (kept ones) in place, after a first table whose length
** is a multiple of 64 or not. Into a table indexed already, they are
** appended as vm_ht_append does. */
Test(hashtable, join_take_moves_another_workers_rows)
{
    tir_type kt[2] = {TIR_I64, TIR_STRING}, vt[2] = {TIR_STRING, TIR_F64};
    enum { NB = 2500 };
    static char text[NB][40];
    int64_t k[NB];
    tir_str s[NB];
    double f[NB];
    uint64_t kv[NB / 64 + 1], fv[NB / 64 + 1];
    memset(kv, 0, sizeof kv);
    memset(fv, 0, sizeof fv);
    for (uint32_t i = 0; i < NB; i++) {
        k[i] = (int64_t)(i % 700) - 350;
        snprintf(text[i], sizeof text[i], i % 3 ? "value number %u, long enough" : "v%u", i);
        s[i] = (tir_str){0};
        s[i].len = (uint32_t)strlen(text[i]);
        memcpy(s[i].prefix, text[i], s[i].len < 4 ? s[i].len : 4);
        if (s[i].len <= TIR_STR_INLINE)
            memcpy(s[i].prefix, text[i], s[i].len);
        else
            s[i].u.ptr = text[i];
        f[i] = i * 0.5;
        vm_bit_set(kv, i, i % 11 != 5);
        vm_bit_set(fv, i, i % 7 != 2);
    }
    for (int run = 0; run < 4; run++) {
        int keep = run % 2;
        uint32_t NA = run < 2 ? 1000 : 1024; /* the validity bits shifted, or copied by words */
        vm_ht *a = vm_ht_new(1, kt, 2, vt, false), *b = vm_ht_new(1, kt, 2, vt, false), *r = vm_ht_new(1, kt, 2, vt, false);
        if (keep) {
            vm_ht_keep_null_keys(a);
            vm_ht_keep_null_keys(b);
            vm_ht_keep_null_keys(r);
        }
        vm_vec key = {TIR_I64, k, kv}, vals[2] = {{TIR_STRING, s, NULL}, {TIR_F64, f, fv}};
        cr_assert(vm_ht_append(a, &key, vals, NULL, NA) && vm_ht_append(r, &key, vals, NULL, NA));
        vm_vec key2 = {TIR_I64, k + NA, NULL}, vals2[2] = {{TIR_STRING, s + NA, NULL}, {TIR_F64, f + NA, fv}};
        uint64_t kv2[NB / 64 + 1], fv2[NB / 64 + 1];
        memset(kv2, 0, sizeof kv2);
        memset(fv2, 0, sizeof fv2);
        for (uint32_t i = NA; i < NB; i++) {
            vm_bit_set(kv2, i - NA, vm_bit_get(kv, i));
            vm_bit_set(fv2, i - NA, vm_bit_get(fv, i));
        }
        key2.validity = kv2;
        vals2[1].validity = fv2;
        cr_assert(vm_ht_append(b, &key2, vals2, NULL, NB - NA) && vm_ht_append(r, &key2, vals2, NULL, NB - NA));
        cr_assert(vm_ht_take(a, b));
        vm_ht_free(b); /* a's long strings must not have been b's to free */
        cr_assert_eq(vm_ht_count(a), vm_ht_count(r));
        for (uint32_t e = 0; e < vm_ht_count(r); e++) {
            const vm_column *ka = vm_ht_key(a, 0), *kr = vm_ht_key(r, 0);
            cr_assert_eq(vm_bit_get(ka->validity, e), vm_bit_get(kr->validity, e), "entry %u key validity", e);
            if (vm_bit_get(kr->validity, e))
                cr_assert_eq(((int64_t *)ka->data)[e], ((int64_t *)kr->data)[e], "entry %u key", e);
            const tir_str *sa = (const tir_str *)vm_ht_val(a, 0)->data + e, *sr = (const tir_str *)vm_ht_val(r, 0)->data + e;
            cr_assert(sa->len == sr->len && memcmp(tir_str_ptr(sa), tir_str_ptr(sr), sr->len) == 0, "entry %u string", e);
            const vm_column *fa = vm_ht_val(a, 1), *fr = vm_ht_val(r, 1);
            cr_assert_eq(vm_bit_get(fa->validity, e), vm_bit_get(fr->validity, e), "entry %u value validity", e);
            if (vm_bit_get(fr->validity, e))
                cr_assert_eq(((double *)fa->data)[e], ((double *)fr->data)[e]);
        }
        cr_assert(vm_ht_index(a) && vm_ht_index(r));
        for (int64_t q = -352; q < 352; q++) {
            vm_vec pk = {TIR_I64, &q, NULL};
            uint32_t ea, er;
            vm_ht_probe(a, &pk, NULL, 1, &ea);
            vm_ht_probe(r, &pk, NULL, 1, &er);
            for (; er != VM_HT_NONE; er = vm_ht_next(r, er), ea = vm_ht_next(a, ea))
                cr_assert_eq(ea, er, "key %lld: chains differ", (long long)q);
            cr_assert_eq(ea, VM_HT_NONE);
        }
        /* into a table indexed already: appended (and laid out again by the next index) */
        tir_type k32 = TIR_I32;
        vm_ht *c = vm_ht_new(1, &k32, 0, NULL, false), *d = vm_ht_new(1, &k32, 0, NULL, false);
        int32_t one = 1, two = 2;
        vm_vec ck = {TIR_I32, &one, NULL}, dk = {TIR_I32, &two, NULL};
        cr_assert(vm_ht_append(c, &ck, NULL, NULL, 1) && vm_ht_append(d, &dk, NULL, NULL, 1) && vm_ht_index(d));
        cr_assert(vm_ht_take(d, c) && vm_ht_count(d) == 2 && vm_ht_index(d));
        uint32_t e1, e2;
        vm_ht_probe(d, &ck, NULL, 1, &e1);
        vm_ht_probe(d, &dk, NULL, 1, &e2);
        cr_assert(e1 == 1 && e2 == 0, "entries %u %u", e1, e2);
        vm_ht_free(c);
        vm_ht_free(d);
        vm_ht_free(a);
        vm_ht_free(r);
    }
}
