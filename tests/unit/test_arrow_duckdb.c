/*
** test_arrow_duckdb.c — tir's Arrow interfaces against a second
** implementation: DuckDB's libduckdb.so (from the npm package
** @duckdb/node-bindings-linux-x64, installed by `npm ci` in bench/),
** loaded with dlopen from $TIR_LIBDUCKDB or the path meson configured. A
** missing library fails the suite: CI installs it.
**
** Both directions, on i32/i64/f64/bool/date/string and decimal(p, s) (as
** decimal128) with NULLs and negative values, inline and long strings,
** 150k rows over many batches, and empty results: DuckDB's
** query result registered in tir and aggregated by a tir program equals
** DuckDB's own aggregate; a tir result streamed into DuckDB (arrow scan),
** materialized or live (pulled while the program runs), and aggregated
** there equals tir's own aggregate.
*/
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tir_arrow.h"

#ifndef LIBDUCKDB_PATH
#define LIBDUCKDB_PATH "libduckdb.so"
#endif

/* ------------------------------------------------------------------------
** The few declarations of DuckDB's C API used here (duckdb.h is not
** shipped with the npm package), as DuckDB documents them. */
typedef uint64_t idx_t;
typedef struct _duckdb_database { void *internal_ptr; } *duckdb_database;
typedef struct _duckdb_connection { void *internal_ptr; } *duckdb_connection;
typedef struct _duckdb_arrow { void *internal_ptr; } *duckdb_arrow;
typedef struct _duckdb_arrow_stream { void *internal_ptr; } *duckdb_arrow_stream;
typedef struct _duckdb_arrow_schema { void *internal_ptr; } *duckdb_arrow_schema;
typedef struct _duckdb_arrow_array { void *internal_ptr; } *duckdb_arrow_array;
typedef enum { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;
typedef struct {
    idx_t deprecated_column_count;
    idx_t deprecated_row_count;
    idx_t deprecated_rows_changed;
    void *deprecated_columns;
    char *deprecated_error_message;
    void *internal_data;
} duckdb_result;

static struct {
    void *lib;
    duckdb_state (*open)(const char *, duckdb_database *);
    void (*close)(duckdb_database *);
    duckdb_state (*connect)(duckdb_database, duckdb_connection *);
    void (*disconnect)(duckdb_connection *);
    duckdb_state (*query)(duckdb_connection, const char *, duckdb_result *);
    void (*destroy_result)(duckdb_result *);
    const char *(*result_error)(duckdb_result *);
    idx_t (*row_count)(duckdb_result *);
    int64_t (*value_int64)(duckdb_result *, idx_t, idx_t);
    double (*value_double)(duckdb_result *, idx_t, idx_t);
    bool (*value_is_null)(duckdb_result *, idx_t, idx_t);
    char *(*value_varchar)(duckdb_result *, idx_t, idx_t);
    void (*free)(void *);
    duckdb_state (*query_arrow)(duckdb_connection, const char *, duckdb_arrow *);
    duckdb_state (*query_arrow_schema)(duckdb_arrow, duckdb_arrow_schema *);
    duckdb_state (*query_arrow_array)(duckdb_arrow, duckdb_arrow_array *);
    const char *(*query_arrow_error)(duckdb_arrow);
    void (*destroy_arrow)(duckdb_arrow *);
    duckdb_state (*arrow_scan)(duckdb_connection, const char *, duckdb_arrow_stream);
} dk;

/* DuckDB's duckdb_arrow_scan takes an ArrowSchema from the stream's
** get_schema (directly and through its scan factory) and never calls its
** release, so those schemas leak inside DuckDB, not in tir. LeakSanitizer
** reads this when the test runs under it; every other leak still fails. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:duckdb_arrow_scan\nleak:FactoryGetSchema\n";
}

static duckdb_database db;
static duckdb_connection con;
static tir_engine *e;
#include "apitest.h"

static void *sym(const char *name)
{
    void *p = dlsym(dk.lib, name);
    cr_assert_not_null(p, "libduckdb.so lacks %s", name);
    return p;
}

static void setup(void)
{
    const char *path = getenv("TIR_LIBDUCKDB");
    if (!path || !*path)
        path = LIBDUCKDB_PATH;
    dk.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(dk.lib,
                       "cannot load DuckDB from %s (%s): run `npm ci` in bench/ or set TIR_LIBDUCKDB", path,
                       dlerror());
    *(void **)&dk.open = sym("duckdb_open");
    *(void **)&dk.close = sym("duckdb_close");
    *(void **)&dk.connect = sym("duckdb_connect");
    *(void **)&dk.disconnect = sym("duckdb_disconnect");
    *(void **)&dk.query = sym("duckdb_query");
    *(void **)&dk.destroy_result = sym("duckdb_destroy_result");
    *(void **)&dk.result_error = sym("duckdb_result_error");
    *(void **)&dk.row_count = sym("duckdb_row_count");
    *(void **)&dk.value_int64 = sym("duckdb_value_int64");
    *(void **)&dk.value_double = sym("duckdb_value_double");
    *(void **)&dk.value_is_null = sym("duckdb_value_is_null");
    *(void **)&dk.value_varchar = sym("duckdb_value_varchar");
    *(void **)&dk.free = sym("duckdb_free");
    *(void **)&dk.query_arrow = sym("duckdb_query_arrow");
    *(void **)&dk.query_arrow_schema = sym("duckdb_query_arrow_schema");
    *(void **)&dk.query_arrow_array = sym("duckdb_query_arrow_array");
    *(void **)&dk.query_arrow_error = sym("duckdb_query_arrow_error");
    *(void **)&dk.destroy_arrow = sym("duckdb_destroy_arrow");
    *(void **)&dk.arrow_scan = sym("duckdb_arrow_scan");
    cr_assert_eq(dk.open(NULL, &db), DuckDBSuccess);
    cr_assert_eq(dk.connect(db, &con), DuckDBSuccess);
    tir_config cfg = {.threads = 2};
    e = tir_engine_new(&cfg);
    cr_assert_not_null(e);
}

static void teardown(void)
{
    tir_engine_free(e);
    if (con)
        dk.disconnect(&con);
    if (db)
        dk.close(&db);
    /* libduckdb stays loaded: its threads and atexit handlers may still run */
}

TestSuite(arrow_duckdb, .init = setup, .fini = teardown);

/* -------------------------------------- DuckDB's result as an Arrow stream */

/* duckdb_query_arrow's result read through the C Stream Interface. */
typedef struct dstream {
    duckdb_arrow res;
} dstream;

static int ds_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    dstream *d = s->private_data;
    memset(out, 0, sizeof *out);
    duckdb_arrow_schema p = (duckdb_arrow_schema)out;
    return dk.query_arrow_schema(d->res, &p) == DuckDBSuccess ? 0 : 5;
}

static int ds_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    dstream *d = s->private_data;
    memset(out, 0, sizeof *out);   /* left as is (release NULL) at the end */
    duckdb_arrow_array p = (duckdb_arrow_array)out;
    return dk.query_arrow_array(d->res, &p) == DuckDBSuccess ? 0 : 5;
}

static const char *ds_error(struct ArrowArrayStream *s)
{
    dstream *d = s->private_data;
    return dk.query_arrow_error(d->res);
}

static void ds_release(struct ArrowArrayStream *s)
{
    dstream *d = s->private_data;
    dk.destroy_arrow(&d->res);
    free(d);
    s->release = NULL;
}

static struct ArrowArrayStream duck_stream(const char *sql)
{
    dstream *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    cr_assert_eq(dk.query_arrow(con, sql, &d->res), DuckDBSuccess, "%s: %s", sql, dk.query_arrow_error(d->res));
    return (struct ArrowArrayStream){.get_schema = ds_schema, .get_next = ds_next, .get_last_error = ds_error,
                                     .release = ds_release, .private_data = d};
}

/* ------------------------------------------------------------- helpers */


static duckdb_result duck_query(const char *sql)
{
    duckdb_result r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(dk.query(con, sql, &r), DuckDBSuccess, "%s: %s", sql, dk.result_error(&r));
    return r;
}

/* v (times 10^scale) as text with scale digits after the point. */
static void dec_text(int64_t v, int scale, char *buf)
{
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, p = 1;
    for (int i = 0; i < scale; i++)
        p *= 10;
    if (scale)
        sprintf(buf, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(m / p), scale,
                (unsigned long long)(m % p));
    else
        sprintf(buf, "%s%llu", v < 0 ? "-" : "", (unsigned long long)m);
}

/* DuckDB's text of column c equals got. */
static void expect_text(duckdb_result *d, size_t c, const char *got, const char *name)
{
    char *want = dk.value_varchar(d, c, 0);
    cr_assert_str_eq(got, want, "%s", name);
    dk.free(want);
}

/* Each field of tir's one-row output `out` equals DuckDB's column of the
** same position in its one-row result (dates as days since 1970). */
static void expect_same(const tir_result *r, size_t out, duckdb_result *d)
{
    cr_assert_eq(dk.row_count(d), 1);
    cr_assert_eq(tir_result_nrows(r, out), 1);
    for (size_t c = 0; c < tir_result_ncols(r, out); c++) {
        const char *name = tir_result_col_name(r, out, c);
        const uint64_t *v = tir_result_batch_validity(r, out, 0, c);
        bool null = v && !(v[0] & 1);
        cr_assert_eq(null, dk.value_is_null(d, c, 0), "%s: NULL in one only", name);
        if (null)
            continue;
        const void *x = tir_result_batch_data(r, out, 0, c);
        switch (tir_result_col_type(r, out, c)) {
        case TIR_I64:
            cr_assert_eq(*(const int64_t *)x, dk.value_int64(d, c, 0), "%s: tir %lld, duckdb %lld", name,
                         (long long)*(const int64_t *)x, (long long)dk.value_int64(d, c, 0));
            break;
        case TIR_I32:
        case TIR_DATE:
            cr_assert_eq(*(const int32_t *)x, dk.value_int64(d, c, 0), "%s", name);
            break;
        case TIR_F64:
            cr_assert_float_eq(*(const double *)x, dk.value_double(d, c, 0), 1e-9 * (1 + *(const double *)x),
                               "%s", name);
            break;
        case TIR_BOOL:
            cr_assert_eq(*(const uint8_t *)x, dk.value_int64(d, c, 0), "%s", name);
            break;
        case TIR_DECIMAL: {   /* DuckDB prints a decimal with its scale's digits, as tir does */
            int prec, scale;
            cr_assert(tir_result_col_decimal(r, out, c, &prec, &scale));
            char got[48];
            dec_text(*(const int64_t *)x, scale, got);
            expect_text(d, c, got, name);
            break;
        }
        case TIR_DECIMAL128: {
            int prec, scale;
            cr_assert(tir_result_col_decimal(r, out, c, &prec, &scale));
            char got[48];
            tir_decimal128_format(*(const tir_dec128 *)x, scale, got);
            expect_text(d, c, got, name);
            break;
        }
        case TIR_TIMESTAMP: {   /* DuckDB's TIMESTAMP::VARCHAR: the fraction without trailing zeros, as tir's */
            char got[TIR_TIMESTAMP_TEXT_SIZE];
            tir_timestamp_text(*(const int64_t *)x, got);
            expect_text(d, c, got, name);
            break;
        }
        case TIR_STRING: {
            const tir_str *s = x;
            char *want = dk.value_varchar(d, c, 0);
            cr_assert(strlen(want) == s->len && !memcmp(want, tir_str_ptr(s), s->len), "%s: tir '%.*s', duckdb '%s'",
                      name, (int)s->len, tir_str_ptr(s), want);
            dk.free(want);
            break;
        }
        default:
            cr_assert_fail("%s: unexpected type", name);
        }
    }
}

/* Every type with NULLs (a different pattern per column), inline and long strings. */
#define DATA_SQL                                                                                            \
    "SELECT CASE WHEN i %% 7 = 0 THEN NULL ELSE i::INTEGER END AS a,"                                      \
    " CASE WHEN i %% 11 = 0 THEN NULL ELSE i * 1000003 END AS b,"                                          \
    " CASE WHEN i %% 13 = 0 THEN NULL ELSE i::DOUBLE / 8 END AS f,"                                        \
    " CASE WHEN i %% 17 = 0 THEN NULL ELSE i %% 3 = 0 END AS flag,"                                         \
    " CASE WHEN i %% 19 = 0 THEN NULL ELSE DATE '2000-01-01' + (i %% 5000)::INTEGER END AS d,"              \
    " CASE WHEN i %% 23 = 0 THEN NULL WHEN i %% 2 = 0 THEN 's' || (i %% 1000)"                               \
    "      ELSE 'a long string, number ' || i END AS s"                                                    \
    " FROM range(%d) t(i)"

/* The same aggregates in both: positions line up with expect_same. */
#define TIR_AGGS                                                                                            \
    "{ \"ca\": count($in.a), \"sa\": sum($in.a), \"cb\": count($in.b), \"sb\": sum($in.b),"                \
    " \"cf\": count($in.f), \"sf\": sum($in.f), \"cflag\": count($in.flag),"                              \
    " \"tflag\": sum(case when $in.flag then 1 else 0 end), \"cd\": count($in.d), \"mind\": min($in.d),"   \
    " \"maxd\": max($in.d), \"cs\": count($in.s), \"ls\": sum(length($in.s)), \"mins\": min($in.s),"      \
    " \"maxs\": max($in.s), \"n\": count(*) }"
#define DUCK_AGGS                                                                                           \
    "SELECT count(a), sum(a), count(b), sum(b), count(f), sum(f), count(flag),"                           \
    " sum(CASE WHEN flag THEN 1 ELSE 0 END), count(d), min(d) - DATE '1970-01-01',"                       \
    " max(d) - DATE '1970-01-01', count(s), sum(length(s)), min(s), max(s), count(*) FROM "

/* --------------------------------------------------------- DuckDB -> tir */

static void duck_to_tir(int rows)
{
    char sql[1024];
    snprintf(sql, sizeof sql, DATA_SQL, rows);
    struct ArrowArrayStream s = duck_stream(sql);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "duck", &s), TIR_OK, "%s", tir_engine_errmsg(e));
    cr_assert_null(s.release);
    tir_program *p = compile_ok("duck: Table = registered(\"duck\")\n"
                                "p: Pipeline = {\n"
                                "    s = table_scan :table = duck\n"
                                "    g = aggregate :input = s :aggregates = " TIR_AGGS "\n"
                                "}\noutput p.g\n");
    tir_result *r = run_ok(p);
    char q[2048];
    snprintf(q, sizeof q, DUCK_AGGS "(" DATA_SQL ")", rows);
    duckdb_result d = duck_query(q);
    expect_same(r, 0, &d);
    dk.destroy_result(&d);
    tir_result_free(r);
    tir_program_free(p);
}

Test(arrow_duckdb, duckdb_result_into_tir_many_batches)
{
    duck_to_tir(150000);
}

Test(arrow_duckdb, duckdb_empty_result_into_tir)
{
    duck_to_tir(0);
}

Test(arrow_duckdb, duckdb_types_are_mapped)
{
    char sql[1024];
    snprintf(sql, sizeof sql, DATA_SQL, 10);
    struct ArrowArrayStream s = duck_stream(sql);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "duck", &s), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("duck: Table = registered(\"duck\") { a: i32 nullable, b: i64 nullable,\n"
                                "    f: f64 nullable, flag: bool nullable, d: date nullable, s: string nullable }\n"
                                "p: Pipeline = { s = table_scan :table = duck }\noutput p.s\n");
    tir_program_free(p);
    /* DuckDB's TIMESTAMP (tsu:) is tir's timestamp, to the microsecond */
    s = duck_stream("SELECT TIMESTAMP '2024-02-29 23:59:59.123456' AS ts UNION ALL SELECT NULL");
    cr_assert_eq(tir_engine_register_arrow_stream(e, "ts", &s), TIR_OK, "%s", tir_engine_errmsg(e));
    p = compile_ok("ts: Table = registered(\"ts\") { ts: timestamp nullable }\n"
                   "p: Pipeline = { s = table_scan :table = ts\n"
                   "  a = aggregate :input = s :aggregates = { \"m\": max($in.ts + interval \"1 year\"), \"n\": count($in.ts) } }\n"
                   "output p.a\n");
    tir_result *r = run_ok(p);
    char buf[32];
    tir_timestamp_format(*(const int64_t *)tir_result_batch_data(r, 0, 0, 0), buf);
    cr_expect_str_eq(buf, "2025-02-28 23:59:59.123456");
    cr_expect_eq(*(const int64_t *)tir_result_batch_data(r, 0, 0, 1), 1);
    tir_result_free(r);
    tir_program_free(p);
    /* DuckDB's TIMESTAMP_S, _MS and _NS (tss:, tsm:, tsn:) are converted to microseconds */
    s = duck_stream("SELECT TIMESTAMP_S '1960-01-01 10:00:01' AS s, TIMESTAMP_MS '2020-01-01 10:00:00.123' AS m,"
                    " TIMESTAMP_NS '1969-12-31 23:59:59.999999999' AS n");
    cr_assert_eq(tir_engine_register_arrow_stream(e, "units", &s), TIR_OK, "%s", tir_engine_errmsg(e));
    p = compile_ok("u: Table = registered(\"units\") { s: timestamp, m: timestamp, n: timestamp }\n"
                   "p: Pipeline = { s = table_scan :table = u }\noutput p.s\n");
    r = run_ok(p);
    static const char *const want[] = {"1960-01-01 10:00:01", "2020-01-01 10:00:00.123", "1969-12-31 23:59:59.999999"};
    for (size_t c = 0; c < 3; c++) {
        tir_timestamp_format(*(const int64_t *)tir_result_batch_data(r, 0, 0, c), buf);
        cr_expect_str_eq(buf, want[c]);
    }
    tir_result_free(r);
    tir_program_free(p);
    /* DuckDB's INTERVAL (tin: month_day_nano) is tir's interval, printed alike */
    s = duck_stream("SELECT INTERVAL '1 year 2 months -3 days 04:05:06.5' AS iv UNION ALL SELECT "
                    "TIMESTAMP '2024-01-01' - TIMESTAMP '2024-03-01 12:00'");
    cr_assert_eq(tir_engine_register_arrow_stream(e, "iv", &s), TIR_OK, "%s", tir_engine_errmsg(e));
    p = compile_ok("iv: Table = registered(\"iv\") { iv: interval }\n"
                   "p: Pipeline = { s = table_scan :table = iv }\noutput p.s\n");
    r = run_ok(p);
    char ib[80];
    static const char *const ivs[] = {"1 year 2 months -3 days 04:05:06.5", "-60 days -12:00:00"};
    for (uint32_t i = 0; i < 2; i++) {
        tir_interval_format(((const tir_interval *)tir_result_batch_data(r, 0, 0, 0))[i], ib);
        cr_expect_str_eq(ib, ivs[i]);
    }
    tir_result_free(r);
    tir_program_free(p);
    /* a type tir has no storage for is an error naming the column and the format */
    s = duck_stream("SELECT 1 AS ok, 1::UBIGINT AS u");
    cr_assert_eq(tir_engine_register_arrow_stream(e, "bad", &s), TIR_ERR_DATA);
    cr_assert(strstr(tir_engine_errmsg(e), "column 'u' has Arrow type 'L'"), "%s", tir_engine_errmsg(e));
}

/* --------------------------------------------------------- tir -> DuckDB */

/* Output 0 of p streamed into DuckDB as the view `view` (live: DuckDB
** pulls the rows while the program makes them), then DuckDB's answer to
** sql; *r is a result of p for tir's own answer (from a second run when
** live). The scan reads the stream once: one query per stream. */
static duckdb_result stream_to_duck(tir_program *p, bool live, tir_result **r, const char *view, const char *sql)
{
    struct ArrowArrayStream out;
    *r = NULL;
    if (live) {
        cr_assert_eq(tir_run_arrow_stream(p, 0, &out), TIR_OK);
    } else {
        *r = run_ok(p);
        cr_assert_eq(tir_result_arrow_stream(*r, 0, &out), TIR_OK);
    }
    cr_assert_eq(dk.arrow_scan(con, view, (duckdb_arrow_stream)&out), DuckDBSuccess);
    duckdb_result d = duck_query(sql);
    if (out.release)
        out.release(&out);
    if (live)
        *r = run_ok(p);
    return d;
}

/* tir's projection of DuckDB's data (new values in every column) streamed
** into DuckDB; tir's own aggregate of it is the second output. */
static void tir_to_duck(int rows, const char *keep, bool live)
{
    char sql[1024];
    snprintf(sql, sizeof sql, DATA_SQL, rows);
    struct ArrowArrayStream in = duck_stream(sql);
    cr_assert_eq(tir_engine_register_arrow_stream(e, "duck", &in), TIR_OK, "%s", tir_engine_errmsg(e));
    char src[4096];
    snprintf(src, sizeof src,
             "duck: Table = registered(\"duck\")\n"
             "p: Pipeline = {\n"
             "    s = table_scan :table = duck\n"
             "    f = filter :input = s :expr = %s\n"
             "    v = project :input = f :columns = { \"a\": $in.a * 2, \"b\": $in.b - 1, \"f\": $in.f * 2.0,\n"
             "        \"flag\": !$in.flag, \"d\": $in.d + 1, \"s\": concat($in.s, \"!\") }\n"
             "}\n"
             "q: Pipeline = {\n"
             "    s = table_scan :table = p.v\n"
             "    g = aggregate :input = s :aggregates = " TIR_AGGS "\n"
             "}\n"
             "output p.v\noutput q.g\n",
             keep);
    tir_program *p = compile_ok(src);
    struct ArrowSchema sch;
    cr_assert_eq(tir_program_output_arrow_schema(p, 0, &sch), TIR_OK);
    cr_assert_eq(sch.n_children, 6);
    cr_assert_str_eq(sch.children[5]->format, "u");
    sch.release(&sch);
    tir_result *r;
    duckdb_result d = stream_to_duck(p, live, &r, "tirout", DUCK_AGGS "tirout");
    expect_same(r, 1, &d);
    dk.destroy_result(&d);
    tir_result_free(r);
    tir_program_free(p);
}

/* Intervals leave as month_day_nano and DuckDB reads them as its
** INTERVAL: its text of each is tir's (months, days and the microseconds
** as nanoseconds), materialized and live. */
static void intervals_to_duck(bool live)
{
    struct ArrowArrayStream in = duck_stream("SELECT i, TIMESTAMP '2024-03-01' + i * INTERVAL '1 hour 7 seconds' AS a, "
                                             "TIMESTAMP '2020-01-31 00:00:00.5' AS b FROM range(3000) t(i)");
    cr_assert_eq(tir_engine_register_arrow_stream(e, "ivs", &in), TIR_OK, "%s", tir_engine_errmsg(e));
    tir_program *p = compile_ok("ivs: Table = registered(\"ivs\")\n"
                                "p: Pipeline = { s = table_scan :table = ivs\n"
                                "  v = project :input = s :columns = { \"i\": $in.i,\n"
                                "      \"iv\": ($in.b - $in.a) * ($in.i % 5 - 2) + interval \"1 month\" * $in.i } }\n"
                                "output p.v\n");
    tir_result *r;
    duckdb_result d = stream_to_duck(p, live, &r, "tiriv", "SELECT string_agg(iv::VARCHAR, ';' ORDER BY i) FROM tiriv");
    tir_result_free(r);   /* its rows may have left for DuckDB: tir's own answer from another run */
    r = run_ok(p);
    char *duck = dk.value_varchar(&d, 0, 0), buf[80];
    size_t cap = 3000 * 80, at = 0;
    char *mine = malloc(cap);
    cr_assert(mine && duck);
    mine[0] = 0;
    for (size_t b = 0; b < tir_result_nbatches(r, 0); b++) {
        const tir_interval *v = tir_result_batch_data(r, 0, b, 1);
        for (uint32_t i = 0; i < tir_result_batch_rows(r, 0, b); i++) {
            tir_interval_format(v[i], buf);
            at += (size_t)snprintf(mine + at, cap - at, "%s%s", at ? ";" : "", buf);
        }
    }
    cr_expect_str_eq(mine, duck);
    free(mine);
    dk.free(duck);
    dk.destroy_result(&d);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_unregister(e, "ivs");
}

Test(arrow_duckdb, tir_intervals_into_duckdb)
{
    intervals_to_duck(false);
    intervals_to_duck(true);
}

Test(arrow_duckdb, tir_result_into_duckdb_many_batches)
{
    tir_to_duck(150000, "$in.a is null || $in.a % 3 != 1", false);
}

Test(arrow_duckdb, tir_empty_result_into_duckdb)
{
    tir_to_duck(1000, "$in.a > 1000000", false);
}

Test(arrow_duckdb, tir_live_stream_into_duckdb)
{
    tir_to_duck(150000, "$in.a is null || $in.a % 3 != 1", true);
    tir_to_duck(1000, "$in.a > 1000000", true);
}


/* ------------------------------------------------------------ decimals */

/* Decimals of two scales with NULLs and negative values, made by DuckDB. */
#define DEC_SQL                                                                                             \
    "SELECT i AS i, CASE WHEN i %% 7 = 0 THEN NULL"                                                        \
    "      ELSE (((i - %d) * 37)::VARCHAR || '.' || lpad((i %% 100)::VARCHAR, 2, '0'))::DECIMAL(15,2) END AS d," \
    " CASE WHEN i %% 5 = 0 THEN NULL ELSE ((i %% 2001) - 1000)::DECIMAL(9,3) * 0.125 END AS e"                \
    " FROM range(%d) t(i)"
#define DEC_TIR_AGGS                                                                                        \
    "{ \"cd\": count($in.d), \"sd\": sum($in.d), \"mind\": min($in.d), \"maxd\": max($in.d),"             \
    " \"ce\": count($in.e), \"se\": sum($in.e), \"mine\": min($in.e), \"maxe\": max($in.e), \"n\": count(*) }"
#define DEC_DUCK_AGGS                                                                                       \
    "SELECT count(d), sum(d), min(d), max(d), count(e), sum(e), min(e), max(e), count(*) FROM "
#define DEC_DUCK_AGGS_TYPES                                                                                 \
    "SELECT count(d), sum(d), min(d), max(d), count(e), sum(e), min(e), max(e), count(*),"                \
    " any_value(typeof(d)), any_value(typeof(e)) FROM "

/* tir's aggregates (aggs) of the registered table `table` equal DuckDB's
** one-row answer to duck_sql. */
static void same_aggregates(const char *table, const char *aggs, const char *duck_sql)
{
    char src[2048];
    snprintf(src, sizeof src,
             "%s: Table = registered(\"%s\")\n"
             "p: Pipeline = { s = table_scan :table = %s\n"
             "    g = aggregate :input = s :aggregates = %s }\noutput p.g\n",
             table, table, table, aggs);
    tir_program *p = compile_ok(src);
    tir_result *r = run_ok(p);
    duckdb_result d = duck_query(duck_sql);
    expect_same(r, 0, &d);
    dk.destroy_result(&d);
    tir_result_free(r);
    tir_program_free(p);
}

/* DuckDB's rows of sql registered in tir as table. */
static void register_duck(const char *table, const char *sql)
{
    struct ArrowArrayStream in = duck_stream(sql);
    cr_assert_eq(tir_engine_register_arrow_stream(e, table, &in), TIR_OK, "%s", tir_engine_errmsg(e));
}

/* A program over the registered table: output 0 the rows it keeps (the
** filter keep) projected to cols, output 1 aggs of those. */
static tir_program *project_and_aggregate(const char *table, const char *keep, const char *cols, const char *aggs)
{
    char src[4096];
    snprintf(src, sizeof src,
             "%s: Table = registered(\"%s\")\n"
             "p: Pipeline = {\n"
             "    s = table_scan :table = %s\n"
             "    f = filter :input = s :expr = %s\n"
             "    v = project :input = f :columns = %s\n"
             "}\n"
             "q: Pipeline = {\n"
             "    s = table_scan :table = p.v\n"
             "    g = aggregate :input = s :aggregates = %s\n"
             "}\n"
             "output p.v\noutput q.g\n",
             table, table, table, keep, cols, aggs);
    return compile_ok(src);
}

/* One data set made by DuckDB, both ways (below). */
typedef struct both_ways {
    const char *table, *sql;  /* sql: printf format of (rows / 2, rows) */
    const char *aggs;         /* tir's aggregates, in expect_same's order */
    const char *duck_aggs;    /* DuckDB's: "SELECT ... FROM " */
    const char *keep, *cols;  /* tir's filter and projection of the table */
    const char *view_sql;     /* DuckDB's query of the projection streamed to it as "view" */
    const char *types[2];     /* DuckDB's types of the view's first two columns after the aggregates */
} both_ways;

/* c's data registered in tir, whose aggregates equal DuckDB's; a tir
** projection of it (new values) streamed back to DuckDB, materialized or
** live, whose aggregates of what it received equal tir's own. */
static void run_both_ways(const both_ways *c, int rows, bool live)
{
    char sql[1024], q[2048];
    snprintf(sql, sizeof sql, c->sql, rows / 2, rows);
    register_duck(c->table, sql);
    /* tir's aggregate of DuckDB's data equals DuckDB's */
    snprintf(q, sizeof q, "%s(%s)", c->duck_aggs, sql);
    same_aggregates(c->table, c->aggs, q);
    /* and the other way */
    tir_program *p = project_and_aggregate(c->table, c->keep, c->cols, c->aggs);
    tir_result *r;
    duckdb_result d = stream_to_duck(p, live, &r, "view", c->view_sql);
    for (int k = 0; rows > 0 && k < 2 && c->types[k]; k++) {
        char *t = dk.value_varchar(&d, tir_result_ncols(r, 1) + (size_t)k, 0);
        cr_expect_str_eq(t, c->types[k]);
        dk.free(t);
    }
    expect_same(r, 1, &d);
    dk.destroy_result(&d);
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_unregister(e, c->table);
}

/* DuckDB's decimals registered in tir (decimal128 in), a tir projection of
** them (new values, both signs) streamed back to DuckDB (decimal128 out),
** many batches: sums, counts, minima and maxima equal digit for digit. */
static void decimals_both_ways(int rows, bool live)
{
    static const both_ways c = {"duckdec", DEC_SQL, DEC_TIR_AGGS, DEC_DUCK_AGGS, "$in.i % 3 != 1",
                                "{ \"d\": $in.d * 2 - 0.05, \"e\": -$in.e }", DEC_DUCK_AGGS_TYPES "view",
                                /* decimal(15,2) * 2 is (16,2), then - 0.05 (17,2); -e keeps DuckDB's type */
                                {"DECIMAL(17,2)", "DECIMAL(13,6)"}};
    run_both_ways(&c, rows, live);
}

Test(arrow_duckdb, decimals_both_ways_many_batches)
{
    decimals_both_ways(150000, false);
}

Test(arrow_duckdb, decimals_live_stream_into_duckdb)
{
    decimals_both_ways(150000, true);
    decimals_both_ways(0, true);
}


/* ------------------------------------ timestamps, wide decimals, intervals */

/* Timestamps (with fractions), decimals of 38 digits and intervals, each
** with NULLs in its own pattern, made by DuckDB. */
#define WIDE_SQL                                                                                            \
    "SELECT i AS i, CASE WHEN i %% 7 = 0 THEN NULL"                                                        \
    "      ELSE TIMESTAMP '1990-01-01' + i * INTERVAL '37 minutes 1.5 seconds' END AS ts,"                 \
    " CASE WHEN i %% 5 = 0 THEN NULL ELSE (i - %d)::DECIMAL(38,4) * 123456789012345678.1234 END AS w,"     \
    " CASE WHEN i %% 3 = 0 THEN NULL ELSE INTERVAL 1 DAY * (i %% 40) + INTERVAL 1 MONTH * (i %% 7) END AS iv" \
    " FROM range(%d) t(i)"
#define WIDE_TIR_AGGS                                                                                       \
    "{ \"cts\": count($in.ts), \"mints\": min($in.ts), \"maxts\": max($in.ts), \"cw\": count($in.w),"     \
    " \"sw\": sum($in.w), \"minw\": min($in.w), \"maxw\": max($in.w), \"civ\": count(day($in.iv)),"             \
    " \"div\": sum(day($in.iv)), \"miv\": sum(month($in.iv)), \"n\": count(*) }"
#define WIDE_DUCK_AGGS                                                                                      \
    "SELECT count(ts), min(ts), max(ts), count(w), sum(w), min(w), max(w), count(iv),"                    \
    " sum(extract(day from iv)), sum(extract(month from iv)), count(*) FROM "

/* Issue 11, the auditor's probes as a test: DuckDB's timestamps, 38-digit
** decimals and intervals registered in tir over many batches give tir's
** aggregates DuckDB's answer; a tir projection of them (new values)
** streamed to DuckDB, materialized or live, gives DuckDB tir's answer. */
static void wide_types_both_ways(int rows, bool live)
{
    static const both_ways c = {"duckwide", WIDE_SQL, WIDE_TIR_AGGS, WIDE_DUCK_AGGS, "$in.i % 4 != 1",
                                "{ \"ts\": $in.ts + interval \"1 day 00:00:00.25\", \"w\": -$in.w, \"iv\": $in.iv }",
                                WIDE_DUCK_AGGS "view", {NULL, NULL}};
    run_both_ways(&c, rows, live);
}

Test(arrow_duckdb, wide_types_both_ways_many_batches)
{
    wide_types_both_ways(130000, false);
}

Test(arrow_duckdb, wide_types_live_stream_into_duckdb)
{
    wide_types_both_ways(130000, true);
    wide_types_both_ways(0, true);
}
