/*
** test_import.c — CSV import into native tables: schema inference
** (vm_csv_infer), declared schemas, sorting, bloom columns, errors, and
** the rows read back through the store reader against the CSV loader.
** Each test works in a private temporary directory.
*/
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tir.h"
#include "csv.h"
#include "store.h"
#include "decimal.h"

static char tmpdir[64];
static char err[2048];
static tir_engine *eng;

static void setup(void)
{
    strcpy(tmpdir, "/tmp/tir_import_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    eng = tir_engine_new(NULL);
    cr_assert_not_null(eng);
}

static void teardown(void)
{
    tir_engine_free(eng);
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(tmpdir);
}

TestSuite(import, .init = setup, .fini = teardown);

/* A path in the temporary directory (one of a few rotating static buffers). */
static const char *tpath(const char *name)
{
    static char bufs[64][256];
    static int k;
    char *p = bufs[k++ % 64];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static const char *write_bytes(const char *name, const char *content, size_t len)
{
    const char *p = tpath(name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(content, 1, len, f), len);
    fclose(f);
    return p;
}

static const char *write_csv(const char *name, const char *content)
{
    return write_bytes(name, content, strlen(content));
}

static tir_status infer(const char *content, bool header, int *n, vm_csv_col **cols)
{
    vm_csv_opts o = {',', header, "", 0};
    return vm_csv_infer(write_csv("in.csv", content), &o, n, cols, err, sizeof err);
}

static int col_index(int n, const vm_csv_col *cols, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(cols[i].name, name))
            return i;
    cr_assert_fail("no column %s", name);
    return -1;
}

static void expect_col(int n, const vm_csv_col *cols, const char *name, tir_type t, bool nullable)
{
    int c = col_index(n, cols, name);
    cr_assert_eq(cols[c].type, t, "column %s: %s, want %s", name, tir_type_name(cols[c].type), tir_type_name(t));
    cr_assert_eq(cols[c].nullable, nullable, "column %s: nullable %d", name, cols[c].nullable);
}

/* ---------------------------------------------------------------- inference */

Test(import, infer_each_type)
{
    int n;
    vm_csv_col *cols;
    tir_status st = infer("b,i,big,f,d,s,e,bits,neg\n"
                          "true,1,1,1.5,2024-01-31,x,,1,-2147483648\n"
                          "false,-7,3000000000,2,1999-12-31,2024-01-01,,0,2147483647\n"
                          "TRUE,2147483647,-5,1e3,2000-02-29,,,1,0\n",
                          true, &n, &cols);
    cr_assert_eq(st, TIR_OK, "%s", err);
    cr_assert_eq(n, 9);
    expect_col(n, cols, "b", TIR_BOOL, false);
    expect_col(n, cols, "i", TIR_I32, false);
    expect_col(n, cols, "big", TIR_I64, false);          /* 3000000000 overflows i32 */
    expect_col(n, cols, "f", TIR_F64, false);            /* "1.5" among integers */
    expect_col(n, cols, "d", TIR_DATE, false);
    expect_col(n, cols, "s", TIR_STRING, true);          /* x, a date, and an empty field */
    expect_col(n, cols, "e", TIR_STRING, true);          /* nothing but NULLs */
    expect_col(n, cols, "bits", TIR_I32, false);         /* 1/0 are numbers, not bools */
    expect_col(n, cols, "neg", TIR_I32, false);          /* both i32 limits */
    for (int i = 0; i < n; i++)
        cr_assert(cols[i].order == 0 && !cols[i].unique);
    vm_csv_cols_free(n, cols);
}

Test(import, infer_ambiguous_columns)
{
    int n;
    vm_csv_col *cols;
    cr_assert_eq(infer("a,b,c,d,e,f,g\n"
                       "2024-01-01,1,1,true,1,9223372036854775807,2024-02-30\n"
                       "garbage,,2.5,yes,1.0e400,9223372036854775808,2024-02-28\n",
                       true, &n, &cols), TIR_OK, "%s", err);
    expect_col(n, cols, "a", TIR_STRING, false);         /* a date, then garbage */
    expect_col(n, cols, "b", TIR_I32, true);             /* an empty field is NULL */
    expect_col(n, cols, "c", TIR_F64, false);
    expect_col(n, cols, "d", TIR_STRING, false);         /* "yes" is not a bool */
    expect_col(n, cols, "e", TIR_STRING, false);         /* 1e400 does not fit an f64 */
    expect_col(n, cols, "f", TIR_F64, false);            /* beyond i64, still a number */
    expect_col(n, cols, "g", TIR_STRING, false);         /* February 30th is no date */
    vm_csv_cols_free(n, cols);
}

Test(import, infer_quotes_nulls_and_headerless)
{
    int n;
    vm_csv_col *cols;
    /* quoted numbers are numbers (as the loader reads them); a quoted empty
    ** field is an empty string, not NULL; quotes may hold delimiters and
    ** line breaks; CR LF line ends */
    cr_assert_eq(infer("\"12\",\"\",\"a,b\"\r\n"
                       "13,x,\"two\nlines \"\"q\"\"\"\r\n",
                       false, &n, &cols), TIR_OK, "%s", err);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(cols[0].name, "c1");
    cr_assert_str_eq(cols[2].name, "c3");
    expect_col(n, cols, "c1", TIR_I32, false);
    expect_col(n, cols, "c2", TIR_STRING, false);
    expect_col(n, cols, "c3", TIR_STRING, false);
    vm_csv_cols_free(n, cols);

    vm_csv_opts o = {';', true, "NA", 0};
    cr_assert_eq(vm_csv_infer(write_csv("na.csv", "x;\"y \"\"z\"\"\"\nNA;\n5;\n"), &o, &n, &cols, err, sizeof err),
                 TIR_OK, "%s", err);
    cr_assert_str_eq(cols[1].name, "y \"z\"");
    expect_col(n, cols, "x", TIR_I32, true);
    expect_col(n, cols, "y \"z\"", TIR_STRING, false);   /* "" is a value when NULL is NA */
    vm_csv_cols_free(n, cols);
}

Test(import, infer_errors_name_the_line)
{
    int n = 7;
    vm_csv_col *cols = (vm_csv_col *)&n;
    char want[512];
    cr_assert_eq(infer("a,b\n1,2\n3\n", true, &n, &cols), TIR_ERR_DATA);
    snprintf(want, sizeof want, "%s:3:1: error: expected 2 fields, found 1", tpath("in.csv"));
    cr_assert_str_eq(err, want);
    cr_assert_null(cols);
    cr_assert_eq(n, 0);

    cr_assert_eq(infer("a,b\n1,\"2\n3,4\n", true, &n, &cols), TIR_ERR_DATA);
    cr_assert(strstr(err, "in.csv:2:3: error: unterminated quoted field"), "%s", err);
    cr_assert_eq(infer("a,b,a\n1,2,3\n", true, &n, &cols), TIR_ERR_DATA);
    cr_assert(strstr(err, "in.csv:1:5: error: duplicate column name 'a'"), "%s", err);
    cr_assert_eq(infer("a,,c\n1,2,3\n", true, &n, &cols), TIR_ERR_DATA);
    cr_assert(strstr(err, "column 2 of the header has an empty name"), "%s", err);
    cr_assert_eq(infer("", true, &n, &cols), TIR_ERR_DATA);
    cr_assert(strstr(err, "the file is empty"), "%s", err);
    vm_csv_opts o = {',', true, "", 0};
    cr_assert_eq(vm_csv_infer(tpath("missing.csv"), &o, &n, &cols, err, sizeof err), TIR_ERR_IO);
    cr_assert(strstr(err, "missing.csv"), "%s", err);
}

/* ------------------------------------------------------------------ reading back */

typedef struct colvals {
    tir_type type;
    uint64_t n;
    bool *valid;
    int64_t *i;               /* bool, i32, i64, date */
    double *f;
    char **s;
} colvals;

/* Every row of column c of a table file, in file order, across blocks. */
static colvals read_col(vm_store *s, int c)
{
    colvals v = {vm_store_col(s, c)->type, vm_store_nrows(s), NULL, NULL, NULL, NULL};
    uint64_t n = v.n ? v.n : 1;
    v.valid = calloc(n, sizeof *v.valid);
    v.i = calloc(n, sizeof *v.i);
    v.f = calloc(n, sizeof *v.f);
    v.s = calloc(n, sizeof *v.s);
    uint64_t r = 0;
    for (uint32_t b = 0; b < vm_store_nblocks(s); b++) {
        vm_store_chunk ch;
        cr_assert_eq(vm_store_chunk_get(s, b, c, &ch, err, sizeof err), TIR_OK, "%s", err);
        cr_assert_eq(ch.rows, vm_store_block_len(s, b));
        cr_assert_eq(vm_store_block_first(s, b), r);
        tir_str *strs = v.type == TIR_STRING ? calloc(ch.rows ? ch.rows : 1, sizeof *strs) : NULL;
        if (strs)
            vm_store_strings(&ch, 0, ch.rows, strs);
        for (uint32_t k = 0; k < ch.rows; k++, r++) {
            v.valid[r] = vm_bit_get(ch.validity, k);
            switch (v.type) {
            case TIR_BOOL: v.i[r] = ((const uint8_t *)ch.data)[k]; break;
            case TIR_I32: case TIR_DATE: v.i[r] = ((const int32_t *)ch.data)[k]; break;
            case TIR_I64: case TIR_DECIMAL: case TIR_TIMESTAMP: v.i[r] = ((const int64_t *)ch.data)[k]; break;
            case TIR_F64: v.f[r] = ((const double *)ch.data)[k]; break;
            case TIR_STRING:
                v.s[r] = strndup(tir_str_ptr(&strs[k]), strs[k].len);
                break;
            default: break;
            }
        }
        free(strs);
    }
    cr_assert_eq(r, v.n);
    return v;
}

static void free_col(colvals *v)
{
    for (uint64_t r = 0; v->s && r < v->n; r++)
        free(v->s[r]);
    free(v->valid);
    free(v->i);
    free(v->f);
    free(v->s);
}

static vm_store *open_table(const char *path)
{
    vm_store *s = NULL;
    cr_assert_eq(vm_store_open(path, &s, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(vm_store_verify(s, err, sizeof err), TIR_OK, "%s", err);
    return s;
}

static int store_col(vm_store *s, const char *name)
{
    for (int c = 0; c < vm_store_ncols(s); c++)
        if (!strcmp(vm_store_col(s, c)->name, name))
            return c;
    cr_assert_fail("no column %s in the table", name);
    return -1;
}

/* ------------------------------------------------------------------ import */

Test(import, declared_schema)
{
    const char *csv = write_csv("d.csv", "id,name,extra,price\n3,ann,z,1.5\n1,,z,2\n2,bob,z,\n");
    const char *tab = tpath("d.tirt");
    tir_import_opts o = {.schema = "id: i64 unique,\n  \"name\": string nullable, price: f64 nullable"};
    uint64_t rows = 0;
    cr_assert_eq(tir_import_csv(eng, csv, tab, &o, &rows), TIR_OK, "%s", tir_engine_errmsg(eng));
    cr_assert_eq(rows, 3);
    vm_store *s = open_table(tab);
    cr_assert_eq(vm_store_ncols(s), 3);                  /* the undeclared column is left out */
    const vm_store_colspec *id = vm_store_col(s, 0), *name = vm_store_col(s, 1), *price = vm_store_col(s, 2);
    cr_assert_str_eq(id->name, "id");
    cr_assert(id->type == TIR_I64 && id->unique && !id->nullable && id->order == 0);
    cr_assert(name->type == TIR_STRING && name->nullable && !name->unique);
    cr_assert(price->type == TIR_F64 && price->nullable);
    colvals v = read_col(s, 0);
    cr_assert(v.i[0] == 3 && v.i[1] == 1 && v.i[2] == 2);
    free_col(&v);
    v = read_col(s, 1);
    cr_assert(v.valid[0] && !v.valid[1] && v.valid[2]);
    cr_assert_str_eq(v.s[2], "bob");
    free_col(&v);
    vm_store_close(s);

    /* the declaration is checked by the data: a duplicate in a unique column */
    csv = write_csv("dup.csv", "id\n1\n1\n");
    o = (tir_import_opts){.schema = "id: i32 unique"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("dup.tirt"), &o, NULL), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(eng), "dup.csv:3:1: error: duplicate value '1'"), "%s",
              tir_engine_errmsg(eng));
    cr_assert_neq(access(tpath("dup.tirt"), F_OK), 0);
}

Test(import, bad_schema_reported_with_position)
{
    const char *csv = write_csv("s.csv", "a,b\n1,2\n");
    tir_import_opts o = {.schema = "a: i32, b: i33"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("s.tirt"), &o, NULL), TIR_ERR_COMPILE);
    const char *m = tir_engine_errmsg(eng);
    cr_assert(!strncmp(m, "schema:1:12: error: ", 20), "%s", m);
    cr_assert(strstr(m, "i33"), "%s", m);

    o.schema = "a: i32,\nb: i32 sorted";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("s.tirt"), &o, NULL), TIR_ERR_COMPILE);
    m = tir_engine_errmsg(eng);
    cr_assert(!strncmp(m, "schema:2:8: error: ", 19), "%s", m);

    o.schema = "a: i32, a: i64";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("s.tirt"), &o, NULL), TIR_ERR_COMPILE);
    cr_assert(strstr(tir_engine_errmsg(eng), "schema:1:9: error: duplicate column 'a'"), "%s",
              tir_engine_errmsg(eng));

    /* a '}' cannot smuggle in more declarations */
    o.schema = "a: i32 } p: Pipeline = { v = table_scan :table = t";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("s.tirt"), &o, NULL), TIR_ERR_COMPILE);
    cr_assert(!strncmp(tir_engine_errmsg(eng), "schema:", 7), "%s", tir_engine_errmsg(eng));

    o.schema = "  ";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("s.tirt"), &o, NULL), TIR_ERR_COMPILE);
    cr_assert(strstr(tir_engine_errmsg(eng), "no columns"), "%s", tir_engine_errmsg(eng));
    cr_assert_neq(access(tpath("s.tirt"), F_OK), 0);
}

Test(import, sort_by_sorts_stably_nulls_last)
{
    const char *csv = write_csv("u.csv", "k,seq,s\n5,0,pear\n,1,apple\n-3,2,applesauce!\n5,3,applesauce\n"
                                         "0,4,\n-3,5,apple\n,6,pearl\n7,7,apples\n");
    tir_import_opts o = {.sort_by = "k", .block_rows = 64};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("k.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("k.tirt"));
    int kc = store_col(s, "k");
    cr_assert_eq(vm_store_col(s, kc)->order, 1);         /* its values ascend; the NULLs are at the end */
    colvals k = read_col(s, kc), seq = read_col(s, store_col(s, "seq"));
    static const int64_t want_seq[] = {2, 5, 4, 0, 3, 7, 1, 6};
    for (int r = 0; r < 8; r++)
        cr_assert_eq(seq.i[r], want_seq[r], "row %d: seq %lld", r, (long long)seq.i[r]);
    cr_assert(k.valid[5] && !k.valid[6] && !k.valid[7]);
    free_col(&k);
    free_col(&seq);
    vm_store_close(s);

    /* strings: bytewise, whole strings past a shared prefix; the empty field is NULL, last */
    o.sort_by = "s";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("s.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    s = open_table(tpath("s.tirt"));
    int sc = store_col(s, "s");
    cr_assert_eq(vm_store_col(s, sc)->order, 1);
    colvals sv = read_col(s, sc);
    static const char *const want_s[] = {"apple", "apple", "apples", "applesauce", "applesauce!", "pear", "pearl", NULL};
    cr_assert(!sv.valid[7]);
    for (int r = 0; r < 7; r++)
        cr_assert_str_eq(sv.s[r], want_s[r]);
    free_col(&sv);
    seq = read_col(s, store_col(s, "seq"));
    cr_assert(seq.i[0] == 1 && seq.i[1] == 5);           /* equal strings keep file order */
    free_col(&seq);
    vm_store_close(s);
}

/* Several keys, each with its direction and NULL placement; the first
** key's column records its direction. */
/* Every string longer than 12 bytes and tied on its first 12: the full
** strings decide before the next key (they were skipped, as the length
** byte is the same saturated value everywhere, found by tests/fuzzprog). */
Test(import, sort_by_long_strings_then_another_key)
{
    const char *csv = write_csv("l.csv", "a,b,seq\nxxxxxxxxxxxxxxxxxxxxC,0,0\nxxxxxxxxxxxxB,1,1\nxxxxxxxxxxxxA,2,2\n");
    tir_import_opts o = {.sort_by = "a, b", .block_rows = 64};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("l.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("l.tirt"));
    colvals seq = read_col(s, store_col(s, "seq"));
    static const int64_t want[] = {2, 1, 0};
    for (int r = 0; r < 3; r++)
        cr_assert_eq(seq.i[r], want[r], "row %d: seq %lld", r, (long long)seq.i[r]);
    free_col(&seq);
    vm_store_close(s);
}

Test(import, sort_by_several_keys)
{
    const char *csv = write_csv("m.csv", "a,b,seq\n1,x,0\n2,y,1\n1,,2\n,z,3\n2,x,4\n1,y,5\n,x,6\n2,,7\n");
    tir_import_opts o = {.sort_by = " a desc nulls first , b nulls first", .block_rows = 64};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("m.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("m.tirt"));
    cr_assert_eq(vm_store_col(s, store_col(s, "a"))->order, 2);
    cr_assert_eq(vm_store_col(s, store_col(s, "b"))->order, 0);
    colvals seq = read_col(s, store_col(s, "seq"));
    static const int64_t want[] = {6, 3, 7, 4, 1, 2, 0, 5};
    for (int r = 0; r < 8; r++)
        cr_assert_eq(seq.i[r], want[r], "row %d: seq %lld", r, (long long)seq.i[r]);
    free_col(&seq);
    vm_store_close(s);
    /* malformed keys are errors that say what they expected */
    o.sort_by = "a sideways";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("m2.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert(strstr(tir_engine_errmsg(eng), "expected: column [asc|desc] [nulls first|last]"), "%s",
              tir_engine_errmsg(eng));
    o.sort_by = "a nulls middle";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("m2.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert(strstr(tir_engine_errmsg(eng), "nulls first' or 'nulls last"), "%s", tir_engine_errmsg(eng));
    o.sort_by = "a,";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("m2.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert(strstr(tir_engine_errmsg(eng), "empty column name"), "%s", tir_engine_errmsg(eng));
    cr_assert_neq(access(tpath("m2.tirt"), F_OK), 0);
}

/* Long shared prefixes take the deeper radix passes (runs of 64 rows and
** more) and, past 64 bytes, whole-string compares; strings that are
** prefixes of others sort first. */
Test(import, sort_by_long_shared_prefixes)
{
    enum { N = 3000 };
    static const char *const stems[] = {
        "customer#", "customer", "customer#00", "customer#0000000",
        "a-prefix-of-seventy-bytes-shared-by-every-row-of-this-kind-xxxxxxxxxxx:",
    };
    char *buf = malloc(N * 128), *p = buf;
    p += sprintf(p, "s,seq\n");
    uint64_t x = 99;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(x >> 33);
        const char *stem = stems[r % 5];
        if (r % 3 == 0)
            p += sprintf(p, "%s,%d\n", stem, i);                      /* many exact ties */
        else
            p += sprintf(p, "%s%u,%d\n", stem, (r >> 8) % (r % 2 ? 1000u : 1000000000u), i);
    }
    const char *csv = write_csv("long.csv", buf);
    free(buf);
    tir_import_opts o = {.sort_by = "s", .block_rows = 512};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("long.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("long.tirt"));
    cr_assert_eq(vm_store_col(s, 0)->order, 1);
    colvals sv = read_col(s, 0), seq = read_col(s, 1);
    bool *seen = calloc(N, sizeof *seen);
    int ties = 0;
    for (uint64_t r = 0; r < N; r++) {
        cr_assert(seq.i[r] >= 0 && seq.i[r] < N && !seen[seq.i[r]]);
        seen[seq.i[r]] = true;
        if (r == 0)
            continue;
        size_t la = strlen(sv.s[r - 1]), lb = strlen(sv.s[r]);
        int c = memcmp(sv.s[r - 1], sv.s[r], la < lb ? la : lb);
        if (c == 0)
            c = (la > lb) - (la < lb);
        cr_assert_leq(c, 0, "row %llu: '%s' after '%s'", (unsigned long long)r, sv.s[r], sv.s[r - 1]);
        if (c == 0) {
            ties++;
            cr_assert_lt(seq.i[r - 1], seq.i[r], "tie at row %llu not stable", (unsigned long long)r);
        }
    }
    cr_assert_gt(ties, 900);
    free(seen);
    free_col(&sv);
    free_col(&seq);
    vm_store_close(s);
}

/* A NUL byte is data: "customer9" sorts before "customer9\0", which
** agree on every byte the radix passes see (they pad with zeros). */
Test(import, sort_by_strings_with_nul_bytes)
{
    char buf[4096];
    size_t n = (size_t)sprintf(buf, "s,seq\n");
    for (int i = 0; i < 200; i++) {
        memcpy(buf + n, "customer9", 9);
        n += 9;
        if (i % 2 == 0)
            buf[n++] = '\0';
        n += (size_t)sprintf(buf + n, ",%d\n", i);
    }
    const char *csv = write_bytes("nul.csv", buf, n);
    tir_import_opts o = {.sort_by = "s"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("nul.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("nul.tirt"));
    colvals seq = read_col(s, 1);
    for (int r = 0; r < 200; r++)
        cr_assert_eq(seq.i[r], r < 100 ? 2 * r + 1 : 2 * (r - 100), "row %d: seq %lld", r, (long long)seq.i[r]);
    free_col(&seq);
    vm_store_close(s);
}

Test(import, sort_by_marks_the_order_and_spans_blocks)
{
    /* 1000 rows over 16 blocks of 64; f64 keys, 0.0 before -0.0 in the file: they tie */
    char *buf = malloc(64 * 1024), *p = buf;
    p += sprintf(p, "x,id\n");
    for (int i = 0; i < 1000; i++) {
        double x = (double)((i * 7919) % 1000) - 500.0;
        if (i == 10)
            p += sprintf(p, "0,%d\n", i);
        else if (i == 20)
            p += sprintf(p, "-0.0,%d\n", i);
        else
            p += sprintf(p, "%.1f,%d\n", x / 4, i);
    }
    const char *csv = write_csv("f.csv", buf);
    free(buf);
    tir_import_opts o = {.sort_by = "x", .block_rows = 64};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("f.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("f.tirt"));
    cr_assert_eq(vm_store_nblocks(s), 16);
    cr_assert_eq(vm_store_block_rows(s), 64);
    int xc = store_col(s, "x");
    cr_assert_eq(vm_store_col(s, xc)->type, TIR_F64);
    cr_assert_eq(vm_store_col(s, xc)->order, 1);         /* no NULLs: ascending */
    colvals x = read_col(s, xc), id = read_col(s, store_col(s, "id"));
    int zeros = 0;
    for (uint64_t r = 1; r < x.n; r++) {
        cr_assert_leq(x.f[r - 1], x.f[r], "row %llu", (unsigned long long)r);
        if (x.f[r - 1] == x.f[r])
            cr_assert_lt(id.i[r - 1], id.i[r], "tie at row %llu not stable", (unsigned long long)r);
    }
    for (uint64_t r = 0; r < x.n; r++)
        if (id.i[r] == 10 || id.i[r] == 20)
            zeros++;
    cr_assert_eq(zeros, 2);
    /* block statistics agree with the sorted values */
    const vm_store_stat *st = vm_store_block_stat(s, 0, xc);
    cr_assert(st->has_min && st->min.f == x.f[0] && st->max.f == x.f[63]);
    free_col(&x);
    free_col(&id);
    vm_store_close(s);
}

Test(import, sort_by_checks_declared_orders)
{
    const char *csv = write_csv("o.csv", "a,b\n1,3\n2,2\n3,1\n");
    tir_import_opts o = {.schema = "a: i32 asc, b: i32", .sort_by = "b"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("o.tirt"), &o, NULL), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(eng), "column a is declared asc but is not in that order once the rows "
                                             "are sorted by b"), "%s", tir_engine_errmsg(eng));
    o = (tir_import_opts){.schema = "a: i32 asc, b: i32 desc", .sort_by = "a"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("o.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("o.tirt"));
    cr_assert_eq(vm_store_col(s, 0)->order, 1);
    cr_assert_eq(vm_store_col(s, 1)->order, 2);
    vm_store_close(s);
}

Test(import, unknown_sort_column_and_bad_options)
{
    const char *csv = write_csv("x.csv", "a,b\n1,2\n");
    tir_import_opts o = {.sort_by = "c"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("x.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert_str_eq(tir_engine_errmsg(eng), "sort_by: no column 'c' in the table (columns: a, b)");
    o = (tir_import_opts){.bloom = "a,zz"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("x.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert_str_eq(tir_engine_errmsg(eng), "bloom: no column 'zz' in the table (columns: a, b)");
    o = (tir_import_opts){.bloom = "a,,b"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("x.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert(strstr(tir_engine_errmsg(eng), "empty column name"), "%s", tir_engine_errmsg(eng));
    o = (tir_import_opts){.block_rows = 100};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("x.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert(strstr(tir_engine_errmsg(eng), "multiple of 64"), "%s", tir_engine_errmsg(eng));
    o = (tir_import_opts){.delimiter = '"'};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("x.tirt"), &o, NULL), TIR_ERR_ARG);
    cr_assert_eq(tir_import_csv(eng, NULL, tpath("x.tirt"), NULL, NULL), TIR_ERR_ARG);
    cr_assert_eq(tir_import_csv(NULL, csv, tpath("x.tirt"), NULL, NULL), TIR_ERR_ARG);
    cr_assert_neq(access(tpath("x.tirt"), F_OK), 0);
    /* a later success clears the message */
    cr_assert_eq(tir_import_csv(eng, csv, tpath("x.tirt"), NULL, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    cr_assert_str_eq(tir_engine_errmsg(eng), "");
}

Test(import, bloom_columns_in_the_file)
{
    const char *csv = write_csv("b.csv", "a,b,c\n1,x,2024-01-01\n2,y,2024-01-02\n");
    tir_import_opts o = {.bloom = " c ,a"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("b.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    vm_store *s = open_table(tpath("b.tirt"));
    cr_assert(vm_store_col(s, store_col(s, "a"))->bloom);
    cr_assert_not(vm_store_col(s, store_col(s, "b"))->bloom);
    cr_assert(vm_store_col(s, store_col(s, "c"))->bloom);
    vm_store_close(s);
    char *text = NULL;
    cr_assert_eq(tir_table_describe(eng, tpath("b.tirt"), true, &text), TIR_OK, "%s", tir_engine_errmsg(eng));
    cr_assert(strstr(text, "\n  a: i32  (bloom filter)\n  b: string\n  c: date  (bloom filter)\n"), "%s", text);
    free(text);
}

Test(import, ragged_csv_names_the_line_and_keeps_the_old_table)
{
    const char *good = write_csv("g.csv", "a\n1\n2\n");
    const char *tab = tpath("t.tirt");
    cr_assert_eq(tir_import_csv(eng, good, tab, NULL, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    const char *bad = write_csv("r.csv", "a,b\n1,2\n3,4\n5\n");
    char want[512];
    snprintf(want, sizeof want, "%s:4:1: error: expected 2 fields, found 1", bad);
    cr_assert_eq(tir_import_csv(eng, bad, tab, NULL, NULL), TIR_ERR_DATA);
    cr_assert_str_eq(tir_engine_errmsg(eng), want);
    /* with a declared schema the loader finds it */
    tir_import_opts o = {.schema = "a: i32, b: i32"};
    cr_assert_eq(tir_import_csv(eng, bad, tab, &o, NULL), TIR_ERR_DATA);
    cr_assert_str_eq(tir_engine_errmsg(eng), want);
    vm_store *s = open_table(tab);
    cr_assert_eq(vm_store_nrows(s), 2);
    cr_assert_eq(vm_store_ncols(s), 1);
    vm_store_close(s);
}

/* Every value and NULL of an imported table equals what the CSV loader
** reads with the inferred schema. */
Test(import, round_trip_against_the_csv_loader)
{
    enum { N = 2000 };
    char *buf = malloc(N * 128), *p = buf;
    p += sprintf(p, "flag,small,big,real,day,text\n");
    uint64_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(x >> 33);
        if (r % 7 == 0) p += sprintf(p, ",");
        else p += sprintf(p, "%s,", r & 1 ? "true" : "false");
        if (r % 5 == 0) p += sprintf(p, ",");
        else p += sprintf(p, "%d,", (int)(r % 100000) - 50000);
        p += sprintf(p, "%lld,", (long long)(x >> 1) * (r & 2 ? -1 : 1));
        if (r % 11 == 0) p += sprintf(p, ",");
        else p += sprintf(p, "%.6g,", (double)(int)(r % 1000000) / 977.0);
        p += sprintf(p, "%04d-%02d-%02d,", 1900 + (int)(r % 200), 1 + (int)(r % 12), 1 + (int)(r % 28));
        switch (r % 6) {
        case 0: p += sprintf(p, "\n"); break;
        case 1: p += sprintf(p, "\"quoted, with \"\"quotes\"\" %u\"\n", r); break;
        case 2: p += sprintf(p, "short%u\n", r % 10); break;
        case 3: p += sprintf(p, "a rather longer string value number %u\n", r); break;
        case 4: p += sprintf(p, "\"\"\n"); break;
        default: p += sprintf(p, "\"multi\nline %u\"\n", r); break;
        }
    }
    const char *csv = write_csv("rt.csv", buf);
    free(buf);
    tir_import_opts o = {.block_rows = 128, .bloom = "small,text"};
    uint64_t rows = 0;
    cr_assert_eq(tir_import_csv(eng, csv, tpath("rt.tirt"), &o, &rows), TIR_OK, "%s", tir_engine_errmsg(eng));
    cr_assert_eq(rows, N);

    int nc;
    vm_csv_col *cols;
    vm_csv_opts co = {',', true, "", 0};
    cr_assert_eq(vm_csv_infer(csv, &co, &nc, &cols, err, sizeof err), TIR_OK, "%s", err);
    static const tir_type want[] = {TIR_BOOL, TIR_I32, TIR_I64, TIR_F64, TIR_DATE, TIR_STRING};
    for (int c = 0; c < 6; c++)
        cr_assert_eq(cols[c].type, want[c], "column %s", cols[c].name);
    vm_table *t = NULL;
    cr_assert_eq(vm_csv_load(csv, &co, nc, cols, &t, err, sizeof err), TIR_OK, "%s", err);

    vm_store *s = open_table(tpath("rt.tirt"));
    cr_assert_eq(vm_store_nrows(s), N);
    cr_assert_eq(vm_store_nblocks(s), (N + 127) / 128);
    cr_assert_eq(vm_store_ncols(s), nc);
    int nulls_seen = 0;
    for (int c = 0; c < nc; c++) {
        const vm_store_colspec *cs = vm_store_col(s, c);
        cr_assert_str_eq(cs->name, cols[c].name);
        cr_assert_eq(cs->type, cols[c].type);
        cr_assert_eq(cs->nullable, cols[c].nullable);
        colvals v = read_col(s, c);
        const vm_column *lc = &t->cols[c];
        for (uint64_t r = 0; r < N; r++) {
            bool valid = vm_bit_get(lc->validity, r);
            cr_assert_eq(v.valid[r], valid, "column %s row %llu", cs->name, (unsigned long long)r);
            if (!valid) {
                nulls_seen++;
                continue;
            }
            switch (cs->type) {
            case TIR_BOOL: cr_assert_eq(v.i[r], ((uint8_t *)lc->data)[r]); break;
            case TIR_I32: case TIR_DATE: cr_assert_eq(v.i[r], ((int32_t *)lc->data)[r]); break;
            case TIR_I64: cr_assert_eq(v.i[r], ((int64_t *)lc->data)[r]); break;
            case TIR_F64: cr_assert_eq(v.f[r], ((double *)lc->data)[r]); break;
            case TIR_STRING: {
                const tir_str *ls = &((tir_str *)lc->data)[r];
                cr_assert_eq(strlen(v.s[r]), ls->len, "row %llu", (unsigned long long)r);
                cr_assert_eq(memcmp(v.s[r], tir_str_ptr(ls), ls->len), 0, "row %llu", (unsigned long long)r);
                break;
            }
            default: cr_assert_fail("type");
            }
        }
        free_col(&v);
    }
    cr_assert_gt(nulls_seen, 500);
    vm_store_close(s);
    vm_table_free(t);
    vm_csv_cols_free(nc, cols);
}

Test(import, describe_lists_schema_and_blocks)
{
    char *buf = malloc(64 * 1024), *p = buf;
    p += sprintf(p, "n,name\n");
    for (int i = 0; i < 1600; i++)
        p += sprintf(p, "%d,%s\n", i, i % 3 ? "x" : "");
    const char *csv = write_csv("m.csv", buf);
    free(buf);
    tir_import_opts o = {.block_rows = 64, .sort_by = "n"};
    cr_assert_eq(tir_import_csv(eng, csv, tpath("m.tirt"), &o, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    char *text = NULL;
    cr_assert_eq(tir_table_describe(eng, tpath("m.tirt"), false, &text), TIR_OK, "%s", tir_engine_errmsg(eng));
    cr_assert(strstr(text, "rows: 1600 (0 deleted)\n"), "%s", text);
    cr_assert(strstr(text, "columns: 2\n"), "%s", text);
    cr_assert(strstr(text, "blocks: 25 of up to 64 rows\n"), "%s", text);
    cr_assert(strstr(text, "schema:\n  n: i32 asc\n  name: string nullable\n"), "%s", text);
    cr_assert(strstr(text, "  ... 5 more blocks\n"), "%s", text);
    cr_assert_null(strstr(text, "checksums"));
    /* block 19 is the last shown: rows 1216..1279, 21 of them with an empty name (NULL) */
    cr_assert(strstr(text, "\nblock statistics:\n  block  first row  rows  n nulls  n min  n max  name nulls  name min  name max\n"),
              "%s", text);
    cr_assert(strstr(text, "\n     19       1216    64        0   1216   1279          21  \"x\"       \"x\"\n  ... 5 more blocks\n"),
              "%s", text);
    free(text);

    cr_assert_eq(tir_table_describe(eng, tpath("nope.tirt"), true, &text), TIR_ERR_IO);
    cr_assert_null(text);
    cr_assert(strstr(tir_engine_errmsg(eng), "nope.tirt"), "%s", tir_engine_errmsg(eng));
    /* not a table */
    cr_assert_eq(tir_table_describe(eng, csv, false, &text), TIR_ERR_DATA);
    cr_assert_null(text);
}

/* Wide decimals and intervals import (before, a wide decimal was refused):
** the values, NULLs included, are in the file at the declared precision and
** scale; describe shows the schema and a wide column's bounds as scaled
** integers, an interval's as the normalized intervals they stand for; a
** wide column declared unique is checked (a repeat fails, naming both
** rows); both may be sort keys (recorded as sorted: a wide decimal by value,
** an interval in the normalized order) and have bloom filters. */
Test(import, wide_decimal_and_interval)
{
    const char *csv = write_csv("w.csv", "a,z,iv\n"
                                         "1,12345678901234567890.5,1 month 2 days 03:00:00\n"
                                         "2,,\n"
                                         "3,-99999999999999999999999999999999999.99,-1 day\n"
                                         "4,0.01,1 year\n");
    tir_import_opts o = {.schema = "a: i32, z: decimal(37,2) nullable unique, iv: interval nullable"};
    uint64_t rows = 0;
    cr_assert_eq(tir_import_csv(eng, csv, tpath("w.tirt"), &o, &rows), TIR_OK, "%s", tir_engine_errmsg(eng));
    cr_assert_eq(rows, 4);
    vm_store *s = open_table(tpath("w.tirt"));
    const vm_store_colspec *z = vm_store_col(s, store_col(s, "z"));
    cr_assert(z->type == TIR_DECIMAL128 && z->prec == 37 && z->scale == 2 && z->nullable && z->unique);
    vm_store_chunk ch;
    cr_assert_eq(vm_store_chunk_get(s, 0, 1, &ch, err, sizeof err), TIR_OK, "%s", err);
    const __int128 *zv = ch.data;
    char buf[48];
    vm_dec128_format(zv[0], 2, buf);
    cr_expect_str_eq(buf, "12345678901234567890.50");
    vm_dec128_format(zv[2], 2, buf);
    cr_expect_str_eq(buf, "-99999999999999999999999999999999999.99");
    cr_expect(!vm_bit_get(ch.validity, 1) && vm_bit_get(ch.validity, 3) && zv[3] == 1);
    cr_assert_eq(vm_store_chunk_get(s, 0, 2, &ch, err, sizeof err), TIR_OK, "%s", err);
    const tir_interval *iv = ch.data;
    cr_expect(iv[0].months == 1 && iv[0].days == 2 && iv[0].micros == INT64_C(10800000000));
    cr_expect(iv[2].days == -1 && iv[3].months == 12 && !vm_bit_get(ch.validity, 1));
    vm_store_close(s);

    char *text = NULL;
    cr_assert_eq(tir_table_describe(eng, tpath("w.tirt"), true, &text), TIR_OK, "%s", tir_engine_errmsg(eng));
    cr_assert(strstr(text, "schema:\n  a: i32\n  z: decimal(37,2) nullable unique\n  iv: interval nullable\n"),
              "%s", text);
    /* bounds as scaled integers; an interval's as intervals */
    cr_assert(strstr(text, "  -9999999999999999999999999999999999999  1234567890123456789050         1  -1 day  1 year\n"),
              "%s", text);
    free(text);

    const char *dup = write_csv("wd.csv", "z\n1.5\n12345678901234567890\n1.50\n");
    tir_import_opts od = {.schema = "z: decimal(30,2) unique"};
    cr_assert_eq(tir_import_csv(eng, dup, tpath("wd.tirt"), &od, NULL), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(eng), "duplicate value '150' in unique column z (also in data row 1)"), "%s",
              tir_engine_errmsg(eng));
    const char *idup = write_csv("wi.csv", "iv\n1 month\n1 day\n30 days\n");
    tir_import_opts oi = {.schema = "iv: interval unique"};
    cr_assert_eq(tir_import_csv(eng, idup, tpath("wi.tirt"), &oi, NULL), TIR_ERR_DATA, "1 month = 30 days");
    cr_assert(strstr(tir_engine_errmsg(eng), "in unique column iv (also in data row 1)"), "%s", tir_engine_errmsg(eng));

    /* sorted by the wide decimal (NULL last), then by the interval
    ** descending: "1 year" above "1 month 2 days 03:00", above "-1 day" */
    tir_import_opts so = o;
    so.sort_by = "z";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("w2.tirt"), &so, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    s = open_table(tpath("w2.tirt"));
    cr_assert_eq(vm_store_col(s, store_col(s, "z"))->order, 1);
    cr_assert_eq(vm_store_chunk_get(s, 0, 0, &ch, err, sizeof err), TIR_OK, "%s", err);
    const int32_t *av = ch.data;
    cr_expect(av[0] == 3 && av[1] == 4 && av[2] == 1 && av[3] == 2, "%d %d %d %d", av[0], av[1], av[2], av[3]);
    vm_store_close(s);
    so.sort_by = "iv desc";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("w2.tirt"), &so, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
    s = open_table(tpath("w2.tirt"));
    cr_assert_eq(vm_store_col(s, store_col(s, "iv"))->order, 2);
    cr_assert_eq(vm_store_chunk_get(s, 0, 0, &ch, err, sizeof err), TIR_OK, "%s", err);
    av = ch.data;
    cr_expect(av[0] == 4 && av[1] == 1 && av[2] == 3 && av[3] == 2, "%d %d %d %d", av[0], av[1], av[2], av[3]);
    vm_store_close(s);
    tir_import_opts bl = o;
    bl.bloom = "iv,z";
    cr_assert_eq(tir_import_csv(eng, csv, tpath("w3.tirt"), &bl, NULL), TIR_OK, "%s", tir_engine_errmsg(eng));
}
