/*
** test_csv.c — the CSV loader, the value parsers and the date helpers.
** Each test writes its input into a private temporary directory.
*/
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "dates.h"
#include "decimal.h"
#include "timestamp.h"

static char tmpdir[64];
static int nfiles;

static void setup(void)
{
    strcpy(tmpdir, "/tmp/tir_csv_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char p[128];
    for (int i = 0; i < nfiles; i++) {
        snprintf(p, sizeof p, "%s/f%d.csv", tmpdir, i);
        unlink(p);
    }
    rmdir(tmpdir);
}

TestSuite(csv, .init = setup, .fini = teardown);

/* Writes len bytes to a new file; returns its path (static storage per call slot). */
static const char *write_file(const char *data, size_t len)
{
    static char paths[64][128];
    cr_assert_lt(nfiles, 64);
    char *p = paths[nfiles];
    snprintf(p, 128, "%s/f%d.csv", tmpdir, nfiles++);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

static const char *write_str(const char *s)
{
    return write_file(s, strlen(s));
}

static char err[512];
static const char *last_path;

static tir_status load_opts(const char *content, const vm_csv_opts *o, int ncols, const vm_csv_col *cols, vm_table **t)
{
    last_path = write_str(content);
    return vm_csv_load(last_path, o, ncols, cols, t, err, sizeof err);
}

static tir_status load(const char *content, int ncols, const vm_csv_col *cols, vm_table **t)
{
    vm_csv_opts o = {',', true, "", 0};
    return load_opts(content, &o, ncols, cols, t);
}

/* Asserts that loading fails with status st and message "PATH:line:col: error: msg". */
static void expect_error(const char *content, bool header, int ncols, const vm_csv_col *cols,
                         tir_status st, int line, int col, const char *msg)
{
    vm_csv_opts o = {',', header, "", 0};
    vm_table *t = (vm_table *)&t;   /* must be reset to NULL */
    tir_status got = load_opts(content, &o, ncols, cols, &t);
    char want[512];
    snprintf(want, sizeof want, "%s:%d:%d: error: %s", last_path, line, col, msg);
    cr_assert_eq(got, st, "status %d, message: %s", (int)got, err);
    cr_assert_null(t);
    cr_assert_str_eq(err, want);
}

static int32_t i32_at(const vm_table *t, int c, uint64_t r) { return ((int32_t *)t->cols[c].data)[r]; }
static int64_t i64_at(const vm_table *t, int c, uint64_t r) { return ((int64_t *)t->cols[c].data)[r]; }
static double f64_at(const vm_table *t, int c, uint64_t r) { return ((double *)t->cols[c].data)[r]; }
static bool bool_at(const vm_table *t, int c, uint64_t r) { return ((uint8_t *)t->cols[c].data)[r]; }
static bool valid_at(const vm_table *t, int c, uint64_t r) { return vm_bit_get(t->cols[c].validity, r); }

static void assert_str_at(const vm_table *t, int c, uint64_t r, const char *want)
{
    const tir_str *s = &((tir_str *)t->cols[c].data)[r];
    size_t n = strlen(want);
    cr_assert_eq(s->len, n, "row %llu: length %u, want %zu", (unsigned long long)r, s->len, n);
    cr_assert_eq(memcmp(tir_str_ptr(s), want, n), 0, "row %llu: want '%s'", (unsigned long long)r, want);
}

/* ------------------------------------------------------------------ parsers */

Test(csv, parse_i64_edges)
{
    int64_t v;
    cr_assert(vm_parse_i64("0", 1, &v) && v == 0);
    cr_assert(vm_parse_i64("-0", 2, &v) && v == 0);
    cr_assert(vm_parse_i64("+7", 2, &v) && v == 7);
    cr_assert(vm_parse_i64("00012", 5, &v) && v == 12);
    cr_assert(vm_parse_i64("9223372036854775807", 19, &v) && v == INT64_MAX);
    cr_assert(vm_parse_i64("-9223372036854775808", 20, &v) && v == INT64_MIN);
    cr_assert_not(vm_parse_i64("9223372036854775808", 19, &v));
    cr_assert_not(vm_parse_i64("-9223372036854775809", 20, &v));
    cr_assert_not(vm_parse_i64("99999999999999999999999", 23, &v));
    const char *bad[] = { "", "-", "+", " 1", "1 ", "1a", "1.0", "0x10", "--1", "1e3" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(vm_parse_i64(bad[i], strlen(bad[i]), &v), "accepted '%s'", bad[i]);
    /* the length bounds the parse: no NUL needed */
    cr_assert(vm_parse_i64("123abc", 3, &v) && v == 123);
}

Test(csv, parse_f64_values)
{
    struct { const char *s; double v; } ok[] = {
        { "1.5", 1.5 }, { "0", 0 }, { "42", 42 }, { "1e3", 1000 }, { "1E-3", 0.001 },
        { "2.5e+10", 2.5e10 }, { ".5", 0.5 }, { "5.", 5 }, { "0.1", 0.1 }, { "-12.25", -12.25 },
        { "+3", 3 }, { "99.99", 99.99 }, { "1e22", 1e22 }, { "1e23", 1e23 },
        { "123456789012345678901234567890", 123456789012345678901234567890.0 },
        { "9007199254740993", 9007199254740992.0 },        /* rounds to even above 2^53 */
        { "0.30000000000000004", 0.30000000000000004 },
        { "1.7976931348623157e308", 1.7976931348623157e308 },
        { "4.9e-324", 4.9e-324 }, { "1e-400", 0 },
        { "0.000000000000000000000000000001", 1e-30 },
        { "0e999999999999", 0 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = -1;
        cr_assert(vm_parse_f64(ok[i].s, strlen(ok[i].s), &v), "rejected '%s'", ok[i].s);
        cr_assert_eq(v, ok[i].v, "'%s' gave %.17g", ok[i].s, v);
    }
    double v;
    cr_assert(vm_parse_f64("-0.0", 4, &v) && v == 0 && signbit(v));
    cr_assert(vm_parse_f64("-0", 2, &v) && v == 0 && signbit(v));
    cr_assert(vm_parse_f64("0.0", 3, &v) && v == 0 && !signbit(v));
    const char *bad[] = { "", ".", "-", "e5", "1e", "1e+", "1.2.3", " 1", "1 ", "inf", "-inf",
                          "nan", "NaN", "infinity", "0x10", "1e400", "-1e400", "1,5", "1..", "1e5.0" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(vm_parse_f64(bad[i], strlen(bad[i]), &v), "accepted '%s'", bad[i]);
}

Test(csv, parse_f64_matches_strtod)
{
    /* decimal strings of many shapes, fast path and slow path alike */
    uint64_t s = 12345;
    char buf[64];
    for (int i = 0; i < 100000; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        int digits = 1 + (int)(s >> 60) % 20, point = (int)((s >> 50) % (uint64_t)(digits + 1));
        int exp = (int)((s >> 40) % 61) - 30;
        int n = 0;
        uint64_t x = s;
        for (int d = 0; d < digits; d++) {
            if (d == point && d)
                buf[n++] = '.';
            buf[n++] = (char)('0' + x % 10);
            x = x / 10 ^ (x << 7);
        }
        if (i & 1)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "e%d", exp);
        buf[n] = '\0';
        double v;
        cr_assert(vm_parse_f64(buf, (size_t)n, &v), "rejected '%s'", buf);
        cr_assert_eq(v, strtod(buf, NULL), "'%s' gave %.17g", buf, v);
    }
}

Test(csv, parse_date_values)
{
    int32_t d;
    cr_assert(vm_parse_date("1970-01-01", 10, &d) && d == 0);
    cr_assert(vm_parse_date("1969-12-31", 10, &d) && d == -1);
    cr_assert(vm_parse_date("2000-02-29", 10, &d) && d == 11016);
    cr_assert(vm_parse_date("2000-03-01", 10, &d) && d == 11017);
    cr_assert(vm_parse_date("2024-02-29", 10, &d));
    cr_assert(vm_parse_date("0000-01-01", 10, &d) && d == -719528);
    cr_assert(vm_parse_date("9999-12-31", 10, &d) && d == 2932896);
    const char *bad[] = { "1900-02-29", "2023-02-29", "2100-02-29", "2023-13-01", "2023-00-10",
                          "2023-04-31", "2023-01-00", "2023-01-32", "2023-4-01", "2023-04-1",
                          "20230401", "2023/04/01", "2023-04-01 ", " 2023-04-01", "", "abcd-ef-gh",
                          "-023-04-01", "2023-04-0a" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(vm_parse_date(bad[i], strlen(bad[i]), &d), "accepted '%s'", bad[i]);
}

Test(csv, parse_bool_values)
{
    bool b;
    const char *yes[] = { "true", "TRUE", "True", "tRuE", "1" };
    const char *no[] = { "false", "FALSE", "FaLsE", "0" };
    for (size_t i = 0; i < 5; i++)
        cr_assert(vm_parse_bool(yes[i], strlen(yes[i]), &b) && b, "'%s'", yes[i]);
    for (size_t i = 0; i < 4; i++)
        cr_assert(vm_parse_bool(no[i], strlen(no[i]), &b) && !b, "'%s'", no[i]);
    const char *bad[] = { "", "yes", "t", "f", "2", "truee", "tru", " true", "01", "true\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(vm_parse_bool(bad[i], strlen(bad[i]), &b), "accepted '%s'", bad[i]);
}

/* ------------------------------------------------------------------ dates */

Test(csv, dates_every_day_1900_to_2100)
{
    int32_t days = vm_days_from_civil(1900, 1, 1);
    cr_assert_eq(days, -25567);
    char buf[16], want[32];
    for (int32_t y = 1900; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= vm_days_in_month(y, m); d++, days++) {
                cr_assert_eq(vm_days_from_civil(y, m, d), days, "%d-%d-%d", y, m, d);
                int32_t yy;
                int mm, dd;
                vm_civil_from_days(days, &yy, &mm, &dd);
                cr_assert(yy == y && mm == m && dd == d, "%d -> %d-%d-%d", days, yy, mm, dd);
                tir_date_format(days, buf);
                snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
                cr_assert_str_eq(buf, want);
                int32_t back;
                cr_assert(vm_parse_date(buf, 10, &back) && back == days);
            }
        }
    }
    cr_assert_eq(days, vm_days_from_civil(2101, 1, 1));
    cr_assert_eq(vm_days_in_month(1900, 2), 28);
    cr_assert_eq(vm_days_in_month(2000, 2), 29);
}

Test(csv, dates_round_trip_wide_range)
{
    /* the whole int32 range, sampled, including both ends */
    for (int64_t d = INT32_MIN; d <= INT32_MAX; d += 9973) {
        int32_t y;
        int m, dd;
        vm_civil_from_days((int32_t)d, &y, &m, &dd);
        cr_assert(m >= 1 && m <= 12 && dd >= 1 && dd <= vm_days_in_month(y, m));
        cr_assert_eq(vm_days_from_civil(y, m, dd), (int32_t)d);
    }
    int32_t y;
    int m, d;
    vm_civil_from_days(INT32_MAX, &y, &m, &d);
    cr_assert_eq(vm_days_from_civil(y, m, d), INT32_MAX);
    vm_civil_from_days(INT32_MIN, &y, &m, &d);
    cr_assert_eq(vm_days_from_civil(y, m, d), INT32_MIN);
    char buf[11];
    tir_date_format(vm_days_from_civil(10000, 1, 1), buf);
    cr_assert_str_eq(buf, "##########");
    tir_date_format(vm_days_from_civil(-1, 12, 31), buf);
    cr_assert_str_eq(buf, "##########");
    tir_date_format(vm_days_from_civil(9999, 12, 31), buf);
    cr_assert_str_eq(buf, "9999-12-31");
    tir_date_format(vm_days_from_civil(0, 12, 31), buf);
    cr_assert_str_eq(buf, "##########");
    tir_date_format(vm_days_from_civil(1, 1, 1), buf);
    cr_assert_str_eq(buf, "0001-01-01");
}

/* Every date in DuckDB's text (its values checked by hand in DuckDB 1.5:
** DATE '0001-01-01' - 1 is 0001-12-31 (BC), + 2147483000 days 5881578-10-03),
** within TIR_DATE_TEXT_SIZE at both ends of int32 and timestamps within
** TIR_TIMESTAMP_TEXT_SIZE at both ends of int64. */
Test(csv, dates_and_timestamps_of_every_year_print_as_duckdb)
{
    static const struct { int32_t days; const char *want; } dates[] = {
        {-719163, "0001-12-31 (BC)"}, {-719162, "0001-01-01"}, {-719962, "0003-10-24 (BC)"},
        {2932896, "9999-12-31"}, {2932897, "10000-01-01"}, {2933896, "10002-09-26"},
        {2147483000, "5881578-10-03"}, {-2147483000, "5877640-04-01 (BC)"},
    };
    char buf[TIR_DATE_TEXT_SIZE + 8];
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        memset(buf, 'x', sizeof buf);
        int n = tir_date_text(dates[i].days, buf);
        cr_assert_str_eq(buf, dates[i].want, "day %d", (int)dates[i].days);
        cr_assert_eq(n, (int)strlen(dates[i].want));
    }
    cr_assert_lt(tir_date_text(INT32_MIN, buf), TIR_DATE_TEXT_SIZE);
    cr_assert_lt(tir_date_text(INT32_MAX, buf), TIR_DATE_TEXT_SIZE);
    char ts[TIR_TIMESTAMP_TEXT_SIZE + 8];
    tir_timestamp_text(-62135596800000000LL - 1, ts);   /* a microsecond before 0001-01-01 */
    cr_assert_str_eq(ts, "0001-12-31 (BC) 23:59:59.999999");
    tir_timestamp_text(253402300800000000LL, ts);        /* 10000-01-01 */
    cr_assert_str_eq(ts, "10000-01-01 00:00:00");
    cr_assert_lt(tir_timestamp_text(INT64_MIN, ts), TIR_TIMESTAMP_TEXT_SIZE);
    cr_assert_lt(tir_timestamp_text(INT64_MAX, ts), TIR_TIMESTAMP_TEXT_SIZE);
    char old[27];
    tir_timestamp_format(253402300800000000LL, old);
    cr_assert_str_eq(old, "########## 00:00:00");
}

/* ------------------------------------------------------------------ loading */

Test(csv, every_type)
{
    vm_csv_col cols[] = {
        { "b", TIR_BOOL, false, 0, false, 0, 0 }, { "i", TIR_I32, false, 0, false, 0, 0 },
        { "l", TIR_I64, false, 0, false, 0, 0 },  { "f", TIR_F64, false, 0, false, 0, 0 },
        { "s", TIR_STRING, false, 0, false, 0, 0 }, { "d", TIR_DATE, false, 0, false, 0, 0 },
    };
    vm_table *t;
    cr_assert_eq(load("b,i,l,f,s,d\n"
                      "true,2147483647,9223372036854775807,1.5,hello,2000-02-29\n"
                      "FALSE,-2147483648,-9223372036854775808,-0.0,x,1970-01-01\n"
                      "1,0,0,1e-3,\"\",1969-12-31\n"
                      "0,-0,-0,2.5E+2,a b c,9999-12-31\n",
                      6, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 4);
    cr_assert_eq(t->ncols, 6);
    for (int c = 0; c < 6; c++) {
        cr_assert_eq(t->cols[c].len, 4);
        cr_assert_eq(t->types[c], cols[c].type);
        cr_assert_str_eq(t->names[c], cols[c].name);
    }
    cr_assert(bool_at(t, 0, 0) && !bool_at(t, 0, 1) && bool_at(t, 0, 2) && !bool_at(t, 0, 3));
    cr_assert_eq(i32_at(t, 1, 0), INT32_MAX);
    cr_assert_eq(i32_at(t, 1, 1), INT32_MIN);
    cr_assert_eq(i32_at(t, 1, 3), 0);
    cr_assert_eq(i64_at(t, 2, 0), INT64_MAX);
    cr_assert_eq(i64_at(t, 2, 1), INT64_MIN);
    cr_assert_eq(f64_at(t, 3, 0), 1.5);
    cr_assert(f64_at(t, 3, 1) == 0 && signbit(f64_at(t, 3, 1)));
    cr_assert_eq(f64_at(t, 3, 2), 0.001);
    cr_assert_eq(f64_at(t, 3, 3), 250);
    assert_str_at(t, 4, 0, "hello");
    assert_str_at(t, 4, 1, "x");
    assert_str_at(t, 4, 2, "");
    assert_str_at(t, 4, 3, "a b c");
    cr_assert_eq(i32_at(t, 5, 0), 11016);
    cr_assert_eq(i32_at(t, 5, 1), 0);
    cr_assert_eq(i32_at(t, 5, 2), -1);
    cr_assert_eq(i32_at(t, 5, 3), 2932896);
    vm_table_free(t);
}

Test(csv, nulls_and_quoted_empty_strings)
{
    vm_csv_col cols[] = {
        { "s", TIR_STRING, true, 0, false, 0, 0 }, { "i", TIR_I32, true, 0, false, 0, 0 },
        { "d", TIR_DATE, true, 0, false, 0, 0 },
    };
    vm_table *t;
    cr_assert_eq(load("s,i,d\n"
                      ",,\n"
                      "\"\",1,2020-01-01\n"
                      "a,,\n"
                      "b,2,2020-01-02\n",
                      3, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 4);
    cr_assert_not(valid_at(t, 0, 0));
    cr_assert(valid_at(t, 0, 1));
    assert_str_at(t, 0, 1, "");
    cr_assert(valid_at(t, 0, 2) && valid_at(t, 0, 3));
    cr_assert(!valid_at(t, 1, 0) && valid_at(t, 1, 1) && !valid_at(t, 1, 2) && valid_at(t, 1, 3));
    cr_assert(!valid_at(t, 2, 0) && valid_at(t, 2, 1) && !valid_at(t, 2, 2) && valid_at(t, 2, 3));
    cr_assert_eq(i32_at(t, 1, 3), 2);
    cr_assert_eq(i32_at(t, 2, 3), vm_days_from_civil(2020, 1, 2));
    vm_table_free(t);

    /* no NULLs at all: no validity bitmap */
    cr_assert_eq(load("s,i,d\na,1,2020-01-01\n", 3, cols, &t), TIR_OK, "%s", err);
    cr_assert_null(t->cols[0].validity);
    cr_assert_null(t->cols[1].validity);
    vm_table_free(t);
}

Test(csv, custom_null_string)
{
    vm_csv_col cols[] = { { "s", TIR_STRING, true, 0, false, 0, 0 }, { "f", TIR_F64, true, 0, false, 0, 0 } };
    vm_csv_opts o = {';', true, "NA", 0};
    vm_table *t;
    cr_assert_eq(load_opts("s;f\nNA;NA\n\"NA\";1,5\n;2\n", &o, 2, cols, &t), TIR_ERR_DATA);
    cr_assert(strstr(err, "'1,5' is not a valid f64 (column f)"), "%s", err);
    cr_assert_eq(load_opts("s;f\nNA;NA\n\"NA\";1.5\n;2\n", &o, 2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 3);
    cr_assert(!valid_at(t, 0, 0) && !valid_at(t, 1, 0));
    cr_assert(valid_at(t, 0, 1));
    assert_str_at(t, 0, 1, "NA");          /* quoted: a string, not NULL */
    cr_assert(valid_at(t, 0, 2));
    assert_str_at(t, 0, 2, "");            /* empty is not NULL when the null string is NA */
    cr_assert_eq(f64_at(t, 1, 1), 1.5);
    vm_table_free(t);
}

Test(csv, quoted_fields)
{
    vm_csv_col cols[] = { { "a", TIR_STRING, false, 0, false, 0, 0 }, { "b", TIR_I32, false, 0, false, 0, 0 } };
    vm_table *t;
    cr_assert_eq(load("a,b\n"
                      "\"x,y\",1\n"
                      "\"line1\nline2\",2\n"
                      "\"say \"\"hi\"\"\",3\n"
                      "\"\"\"\",\"4\"\n"
                      "\"a\r\nb\",5\n"
                      "plain\"quote,6\n",
                      2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 6);
    assert_str_at(t, 0, 0, "x,y");
    assert_str_at(t, 0, 1, "line1\nline2");
    assert_str_at(t, 0, 2, "say \"hi\"");
    assert_str_at(t, 0, 3, "\"");
    assert_str_at(t, 0, 4, "a\r\nb");
    assert_str_at(t, 0, 5, "plain\"quote");
    for (int i = 0; i < 6; i++)
        cr_assert_eq(i32_at(t, 1, i), i + 1);
    vm_table_free(t);
}

Test(csv, line_endings)
{
    vm_csv_col cols[] = { { "a", TIR_I32, false, 0, false, 0, 0 }, { "b", TIR_STRING, false, 0, false, 0, 0 } };
    const char *inputs[] = {
        "a,b\r\n1,x\r\n2,y\r\n", "a,b\r\n1,x\r\n2,y", "a,b\n1,x\n2,y", "a,b\n1,x\r\n2,y\n",
        "a,b\r\n1,\"x\"\r\n2,\"y\"",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        vm_table *t;
        cr_assert_eq(load(inputs[i], 2, cols, &t), TIR_OK, "input %zu: %s", i, err);
        cr_assert_eq(t->nrows, 2, "input %zu", i);
        cr_assert_eq(i32_at(t, 0, 0), 1);
        cr_assert_eq(i32_at(t, 0, 1), 2);
        assert_str_at(t, 1, 0, "x");
        assert_str_at(t, 1, 1, "y");
        vm_table_free(t);
    }
    /* a lone CR is data, not a line end */
    vm_table *t;
    cr_assert_eq(load("a,b\n1,x\ry\n", 2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 1);
    assert_str_at(t, 1, 0, "x\ry");
    vm_table_free(t);
}

Test(csv, header_maps_by_name)
{
    vm_csv_col cols[] = {
        { "id", TIR_I64, false, 0, false, 0, 0 }, { "name", TIR_STRING, false, 0, false, 0, 0 },
    };
    vm_table *t;
    cr_assert_eq(load("extra,\"name\",junk,id\n"
                      "zz,alice,1.5,7\n"
                      "yy,bob,,8\n",
                      2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 2);
    cr_assert_eq(i64_at(t, 0, 0), 7);
    cr_assert_eq(i64_at(t, 0, 1), 8);
    assert_str_at(t, 1, 0, "alice");
    assert_str_at(t, 1, 1, "bob");
    cr_assert_str_eq(t->names[0], "id");
    vm_table_free(t);
    /* a header with a BOM and a tab delimiter */
    vm_csv_opts o = {'\t', true, "", 0};
    cr_assert_eq(load_opts("\xEF\xBB\xBFid\tname\n3\tc d\n", &o, 2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(i64_at(t, 0, 0), 3);
    assert_str_at(t, 1, 0, "c d");
    vm_table_free(t);
}

Test(csv, other_delimiters)
{
    vm_csv_col cols[] = { { "a", TIR_STRING, false, 0, false, 0, 0 }, { "b", TIR_I32, false, 0, false, 0, 0 } };
    const char delims[] = { '|', '\t', ';', '\xa6', ' ' };
    for (size_t i = 0; i < sizeof delims; i++) {
        char buf[128];
        char d = delims[i];
        snprintf(buf, sizeof buf, "a%cb\nx,y%c1\n\"p%cq\"%c-2\n", d, d, d, d);
        vm_csv_opts o = {d, true, "", 0};
        vm_table *t;
        cr_assert_eq(load_opts(buf, &o, 2, cols, &t), TIR_OK, "delimiter %zu: %s", i, err);
        cr_assert_eq(t->nrows, 2);
        assert_str_at(t, 0, 0, "x,y");
        char want[4] = { 'p', d, 'q', 0 };
        assert_str_at(t, 0, 1, want);
        cr_assert_eq(i32_at(t, 1, 1), -2);
        vm_table_free(t);
    }
}

Test(csv, no_header_by_position)
{
    vm_csv_col cols[] = { { "x", TIR_I32, false, 0, false, 0, 0 }, { "y", TIR_F64, false, 0, false, 0, 0 } };
    vm_csv_opts o = {',', false, "", 0};
    vm_table *t;
    cr_assert_eq(load_opts("1,2.5\n3,4\n", &o, 2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 2);
    cr_assert_eq(i32_at(t, 0, 1), 3);
    cr_assert_eq(f64_at(t, 1, 0), 2.5);
    vm_table_free(t);
    expect_error("1,2.5\n3,4,5\n", false, 2, cols, TIR_ERR_DATA, 2, 1, "expected 2 fields, found 3");
}

Test(csv, error_bad_i32_position)
{
    vm_csv_col cols[] = {
        { "name", TIR_STRING, false, 0, false, 0, 0 }, { "customer_id", TIR_I32, false, 0, false, 0, 0 },
        { "g", TIR_STRING, false, 0, false, 0, 0 },
    };
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "name,customer_id,g\n");
    for (int i = 2; i < 12; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "abc,%d,M\n", i);
    snprintf(buf + n, sizeof buf - (size_t)n, "abc,abc,M\n");
    expect_error(buf, true, 3, cols, TIR_ERR_DATA, 12, 5, "'abc' is not a valid i32 (column customer_id)");
}

Test(csv, error_messages)
{
    vm_csv_col i3[] = {
        { "a", TIR_I32, false, 0, false, 0, 0 }, { "b", TIR_I32, false, 0, false, 0, 0 }, { "c", TIR_I32, false, 0, false, 0, 0 },
    };
    expect_error("a,b,c\n1,2,3\n4,5\n", true, 3, i3, TIR_ERR_DATA, 3, 1, "expected 3 fields, found 2");
    expect_error("a,b,c\n1,2,3,4\n", true, 3, i3, TIR_ERR_DATA, 2, 1, "expected 3 fields, found 4");
    expect_error("a,b,c\n1,2,3\n\n", true, 3, i3, TIR_ERR_DATA, 3, 1, "expected 3 fields, found 1");
    expect_error("a,b,c\n1,2147483648,3\n", true, 3, i3, TIR_ERR_DATA, 2, 3,
                 "'2147483648' is out of range for i32 (column b)");
    expect_error("a,b,c\n1,2,-2147483649\n", true, 3, i3, TIR_ERR_DATA, 2, 5,
                 "'-2147483649' is out of range for i32 (column c)");
    expect_error("a,b,c\n1, 2,3\n", true, 3, i3, TIR_ERR_DATA, 2, 3, "' 2' is not a valid i32 (column b)");
    expect_error("a,b,c\n1,2,3 \n", true, 3, i3, TIR_ERR_DATA, 2, 5, "'3 ' is not a valid i32 (column c)");
    expect_error("a,b,c\n1,\"\",3\n", true, 3, i3, TIR_ERR_DATA, 2, 3, "'' is not a valid i32 (column b)");
    expect_error("a,b,c\n1,,3\n", true, 3, i3, TIR_ERR_DATA, 2, 3, "NULL in non-nullable column b");
    expect_error("a,b,c\n1,2,\"3\n4,5,6\n", true, 3, i3, TIR_ERR_DATA, 2, 5, "unterminated quoted field");
    expect_error("a,b,c\n1,\"2\"x,3\n", true, 3, i3, TIR_ERR_DATA, 2, 6,
                 "unexpected 'x' after the closing quote of a field");
    expect_error("a,c\n1,2\n", true, 3, i3, TIR_ERR_DATA, 1, 1, "column 'b' not found in header");
    expect_error("", true, 3, i3, TIR_ERR_DATA, 1, 1, "the file is empty: expected a header line");
    /* positions after a quoted field spanning lines count physical lines */
    vm_csv_col sd[] = { { "s", TIR_STRING, false, 0, false, 0, 0 }, { "d", TIR_DATE, false, 0, false, 0, 0 } };
    expect_error("s,d\n\"a\nb\nc\",2000-02-29\n\"x\ny\",1900-02-29\n", true, 2, sd, TIR_ERR_DATA, 6, 4,
                 "'1900-02-29' is not a valid date (column d)");
    expect_error("s,d\r\nab,2000-02-30\r\n", true, 2, sd, TIR_ERR_DATA, 2, 4,
                 "'2000-02-30' is not a valid date (column d)");
    vm_csv_col fb[] = { { "f", TIR_F64, false, 0, false, 0, 0 }, { "b", TIR_BOOL, false, 0, false, 0, 0 } };
    expect_error("f,b\n1e999,true\n", true, 2, fb, TIR_ERR_DATA, 2, 1, "'1e999' is out of range for f64 (column f)");
    expect_error("f,b\nnan,true\n", true, 2, fb, TIR_ERR_DATA, 2, 1, "'nan' is not a valid f64 (column f)");
    expect_error("f,b\n1,yes\n", true, 2, fb, TIR_ERR_DATA, 2, 3, "'yes' is not a valid bool (column b)");
    vm_csv_col l1[] = { { "l", TIR_I64, false, 0, false, 0, 0 } };
    expect_error("l\n9223372036854775808\n", true, 1, l1, TIR_ERR_DATA, 2, 1,
                 "'9223372036854775808' is out of range for i64 (column l)");
    /* binary bytes are shown escaped, long fields cut */
    expect_error("l\n\x01\xff\n", true, 1, l1, TIR_ERR_DATA, 2, 1, "'\\x01\\xff' is not a valid i64 (column l)");
    expect_error("l\n1234567890123456789012345678901234567890123456789\n", true, 1, l1, TIR_ERR_DATA, 2, 1,
                 "'1234567890123456789012345678901234567890...' is out of range for i64 (column l)");
}

Test(csv, error_io)
{
    vm_csv_col cols[] = { { "a", TIR_I32, false, 0, false, 0, 0 } };
    vm_table *t = (vm_table *)&t;
    char path[128];
    snprintf(path, sizeof path, "%s/missing.csv", tmpdir);
    cr_assert_eq(vm_csv_load(path, NULL, 1, cols, &t, err, sizeof err), TIR_ERR_IO);
    cr_assert_null(t);
    char want[256];
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", path);
    cr_assert_str_eq(err, want);
    cr_assert_eq(vm_csv_load(tmpdir, NULL, 1, cols, &t, err, sizeof err), TIR_ERR_IO);
    snprintf(want, sizeof want, "cannot read '%s': Is a directory", tmpdir);
    cr_assert_str_eq(err, want);
    /* a tiny error buffer is cut, not overrun */
    char small[8];
    memset(small, 'z', sizeof small);
    cr_assert_eq(vm_csv_load(path, NULL, 1, cols, &t, small, 6), TIR_ERR_IO);
    cr_assert_str_eq(small, "canno");
    cr_assert_eq(small[6], 'z');
}

Test(csv, order_and_unique)
{
    vm_csv_col asc[] = { { "id", TIR_I64, false, 1, true, 0, 0 } };
    vm_table *t;
    cr_assert_eq(load("id\n1\n2\n10\n", 1, asc, &t), TIR_OK, "%s", err);
    vm_table_free(t);
    expect_error("id\n1\n5\n3\n", true, 1, asc, TIR_ERR_DATA, 4, 1,
                 "'3' breaks the ascending order of column id (previous row has '5')");
    expect_error("id\n1\n5\n5\n", true, 1, asc, TIR_ERR_DATA, 4, 1,
                 "duplicate value '5' in unique column id (also in data row 2)");

    /* ordered without unique allows ties; descending order */
    vm_csv_col desc[] = { { "s", TIR_STRING, false, 2, false, 0, 0 } };
    cr_assert_eq(load("s\nzz\nza\nza\nz\n\"\"\n", 1, desc, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 5);
    vm_table_free(t);
    expect_error("s\nb\na\nab\n", true, 1, desc, TIR_ERR_DATA, 4, 1,
                 "'ab' breaks the descending order of column s (previous row has 'a')");

    vm_csv_col date_asc[] = { { "d", TIR_DATE, false, 1, false, 0, 0 } };
    expect_error("d\n2020-01-02\n2020-01-01\n", true, 1, date_asc, TIR_ERR_DATA, 3, 1,
                 "'2020-01-01' breaks the ascending order of column d (previous row has '2020-01-02')");

    /* ordered columns hold no NULLs, even when nullable */
    vm_csv_col nasc[] = { { "x", TIR_I32, true, 1, false, 0, 0 } };
    expect_error("x\n1\n\n2\n", true, 1, nasc, TIR_ERR_DATA, 3, 1, "NULL in ordered column x");

    /* unique without order: hashed */
    vm_csv_col uq[] = { { "k", TIR_I32, true, 0, true, 0, 0 }, { "s", TIR_STRING, true, 0, true, 0, 0 } };
    cr_assert_eq(load("k,s\n3,a\n1,b\n,\n,\n2,a-much-longer-string\n", 2, uq, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 5);
    vm_table_free(t);
    expect_error("k,s\n3,a\n1,b\n2,c\n1,d\n", true, 2, uq, TIR_ERR_DATA, 5, 1,
                 "duplicate value '1' in unique column k (also in data row 2)");
    expect_error("k,s\n3,a-much-longer-string\n1,b\n2,a-much-longer-string\n", true, 2, uq, TIR_ERR_DATA, 4, 3,
                 "duplicate value 'a-much-longer-string' in unique column s (also in data row 1)");
    vm_csv_col uf[] = { { "f", TIR_F64, false, 0, true, 0, 0 } };
    expect_error("f\n0.0\n1\n-0\n", true, 1, uf, TIR_ERR_DATA, 4, 1,
                 "duplicate value '-0' in unique column f (also in data row 1)");
}

Test(csv, unique_many_rows)
{
    /* enough rows to make the set grow several times; one duplicate at the end */
    size_t cap = 50000 * 12 + 64, n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, "k\n");
    for (int i = 0; i < 50000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%d\n", (i * 7919) % 50000);
    vm_csv_col uq[] = { { "k", TIR_I32, false, 0, true, 0, 0 } };
    vm_table *t;
    cr_assert_eq(load(buf, 1, uq, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 50000);
    vm_table_free(t);
    n += (size_t)snprintf(buf + n, cap - n, "%d\n", 7919 % 50000);
    expect_error(buf, true, 1, uq, TIR_ERR_DATA, 50002, 1,
                 "duplicate value '7919' in unique column k (also in data row 2)");
    free(buf);
}

Test(csv, empty_and_header_only)
{
    vm_csv_col cols[] = { { "a", TIR_I32, false, 0, false, 0, 0 }, { "b", TIR_STRING, false, 0, false, 0, 0 } };
    vm_csv_opts nh = {',', false, "", 0};
    vm_table *t;
    cr_assert_eq(load_opts("", &nh, 2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 0);
    cr_assert_eq(t->cols[0].len, 0);
    vm_table_free(t);
    const char *header_only[] = { "a,b\n", "a,b", "a,b\r\n" };
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(load(header_only[i], 2, cols, &t), TIR_OK, "%s", err);
        cr_assert_eq(t->nrows, 0);
        cr_assert_eq(t->ncols, 2);
        vm_table_free(t);
    }
    /* one column, a 0-byte field is NULL; quoted it is an empty string */
    vm_csv_col one[] = { { "s", TIR_STRING, true, 0, false, 0, 0 } };
    cr_assert_eq(load("s\n\n\"\"\n", 1, one, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 2);
    cr_assert_not(valid_at(t, 0, 0));
    cr_assert(valid_at(t, 0, 1));
    vm_table_free(t);
}

Test(csv, long_strings_live_in_heap)
{
    vm_csv_col cols[] = { { "s", TIR_STRING, false, 0, false, 0, 0 } };
    size_t big = 1 << 20;
    char *buf = malloc(big + 64);
    strcpy(buf, "s\nexactly12byt\nthirteen byte\n\"");
    size_t n = strlen(buf);
    for (size_t i = 0; i < big; i++)
        buf[n++] = (char)('a' + i % 26);
    memcpy(buf + n, "\"\n", 3);
    vm_table *t;
    cr_assert_eq(load(buf, 1, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 3);
    const tir_str *s = t->cols[0].data;
    assert_str_at(t, 0, 0, "exactly12byt");
    cr_assert_eq(tir_str_ptr(&s[0]), s[0].prefix);
    assert_str_at(t, 0, 1, "thirteen byte");
    cr_assert_neq(tir_str_ptr(&s[1]), s[1].prefix);
    cr_assert_eq(memcmp(s[1].prefix, "thir", 4), 0);
    cr_assert_eq(s[2].len, big);
    for (size_t i = 0; i < big; i += 4099)
        cr_assert_eq(tir_str_ptr(&s[2])[i], 'a' + i % 26);
    free(buf);
    vm_table_free(t);
}

Test(csv, round_trip_100k_rows)
{
    enum { N = 100000 };
    size_t cap = (size_t)N * 96, n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, "id,k,f,s,d,b\n");
    char name[64];
    for (int i = 0; i < N; i++) {
        int len = i % 23;
        for (int j = 0; j < len; j++)
            name[j] = (char)('a' + (i + j) % 26);
        name[len] = '\0';
        char d[11];
        tir_date_format(i - N / 2, d);
        const char *q = i % 5 == 0 ? "\"" : "";
        n += (size_t)snprintf(buf + n, cap - n, "%lld,%d,%d.%02d,%s%s%s%s,%s,%s\n",
                              (long long)i * 1000000007LL, (i * 37) % 1000 - 500, i % 1000, i % 100,
                              q, name, i % 35 == 0 ? "\"\"x" : "", q, d, i % 3 ? "true" : "0");
    }
    vm_csv_col cols[] = {
        { "id", TIR_I64, false, 1, true, 0, 0 }, { "k", TIR_I32, false, 0, false, 0, 0 },
        { "f", TIR_F64, false, 0, false, 0, 0 }, { "s", TIR_STRING, true, 0, false, 0, 0 },
        { "d", TIR_DATE, false, 1, true, 0, 0 }, { "b", TIR_BOOL, false, 0, false, 0, 0 },
    };
    vm_table *t;
    cr_assert_eq(load(buf, 6, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(i64_at(t, 0, i), (long long)i * 1000000007LL);
        cr_assert_eq(i32_at(t, 1, i), (i * 37) % 1000 - 500);
        char fs[32];
        snprintf(fs, sizeof fs, "%d.%02d", i % 1000, i % 100);
        cr_assert_eq(f64_at(t, 2, i), strtod(fs, NULL));
        int len = i % 23;
        for (int j = 0; j < len; j++)
            name[j] = (char)('a' + (i + j) % 26);
        name[len] = '\0';
        if (i % 35 == 0)
            strcat(name, "\"x");
        if (len == 0 && i % 5) {
            cr_assert_not(valid_at(t, 3, i));
        } else {
            cr_assert(valid_at(t, 3, i));
            assert_str_at(t, 3, i, name);
        }
        cr_assert_eq(i32_at(t, 4, i), i - N / 2);
        cr_assert_eq(bool_at(t, 5, i), i % 3 != 0);
    }
    free(buf);
    vm_table_free(t);
}

Test(csv, garbage_never_crashes)
{
    vm_csv_col cols[] = {
        { "a", TIR_STRING, true, 0, true, 0, 0 }, { "b", TIR_I32, true, 0, false, 0, 0 }, { "c", TIR_F64, true, 0, false, 0, 0 },
    };
    static const char alphabet[] = { ',', '"', '\n', '\r', '1', '2', '.', 'e', '-', 'a', '\0', '\xff', ' ' };
    uint64_t s = 99;
    char buf[300];
    int ok = 0, data = 0;
    for (int iter = 0; iter < 3000; iter++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = (size_t)(s >> 33) % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = (s >> 40) % 4 ? alphabet[(s >> 20) % sizeof alphabet] : (char)(s >> 50);
        }
        vm_csv_opts o = {',', iter % 2 == 0, "", 0};
        last_path = write_file(buf, len);
        nfiles--;               /* reuse the slot: the file name is rewritten each time */
        vm_table *t = (vm_table *)&t;
        tir_status st = vm_csv_load(last_path, &o, 3, cols, &t, err, sizeof err);
        cr_assert(st == TIR_OK || st == TIR_ERR_DATA, "status %d: %s", (int)st, err);
        if (st == TIR_OK) {
            ok++;
            cr_assert_not_null(t);
            vm_table_free(t);
        } else {
            data++;
            cr_assert_null(t);
            cr_assert(strncmp(err, last_path, strlen(last_path)) == 0 && strstr(err, ": error: "), "%s", err);
        }
    }
    nfiles++;
    cr_assert_gt(ok, 0);
    cr_assert_gt(data, 0);
}

Test(csv, bad_arguments)
{
    vm_csv_col cols[] = { { "a", TIR_I32, false, 0, false, 0, 0 } };
    vm_table *t;
    vm_csv_opts o = {'"', true, "", 0};
    cr_assert_eq(load_opts("a\n1\n", &o, 1, cols, &t), TIR_ERR_ARG);
    cr_assert_null(t);
    cr_assert_eq(vm_csv_load(last_path, NULL, 0, cols, &t, err, sizeof err), TIR_ERR_ARG);
    /* NULL options mean comma, header, empty null string */
    cr_assert_eq(vm_csv_load(last_path, NULL, 1, cols, &t, err, sizeof err), TIR_OK, "%s", err);
    cr_assert_eq(t->nrows, 1);
    vm_table_free(t);
}

/* decimal(p, s) is read digit by digit: 0.1 is exactly 1 at scale 1, extra
** fraction digits round half away from zero, too many integer digits fail
** with the line and column, and nothing is loaded. */
Test(csv, decimal_exact)
{
    vm_csv_col cols[] = {
        { "a", TIR_DECIMAL, true, 0, false, 5, 2 }, { "b", TIR_DECIMAL, false, 0, false, 18, 1 },
    };
    vm_table *t;
    cr_assert_eq(load("a,b\n"
                      "0.1,0.1\n"
                      "-1.005,99999999999999999.9\n"
                      ",-.5\n"
                      "  12 ,+7.\n"
                      "999.994,0.05\n",
                      2, cols, &t), TIR_OK, "%s", err);
    cr_assert_eq(t->types[0], TIR_I64, "held as the scaled i64");
    cr_expect_eq(i64_at(t, 0, 0), 10);
    cr_expect_eq(i64_at(t, 0, 1), -101);
    cr_expect(!valid_at(t, 0, 2));
    cr_expect_eq(i64_at(t, 0, 3), 1200);
    cr_expect_eq(i64_at(t, 0, 4), 99999);
    cr_expect_eq(i64_at(t, 1, 0), 1);
    cr_expect_eq(i64_at(t, 1, 1), 999999999999999999LL);
    cr_expect_eq(i64_at(t, 1, 2), -5);
    cr_expect_eq(i64_at(t, 1, 3), 70);
    cr_expect_eq(i64_at(t, 1, 4), 1, "0.05 rounds to 0.1");
    vm_table_free(t);

    expect_error("a,b\n1,1\n1000.00,2\n", true, 2, cols, TIR_ERR_DATA, 3, 1,
                 "'1000.00' has too many digits for decimal(5,2) (column a)");
    expect_error("a,b\n999.995,1\n", true, 2, cols, TIR_ERR_DATA, 2, 1,
                 "'999.995' has too many digits for decimal(5,2) (column a)");   /* rounds up past 999.99 */
    expect_error("a,b\n1e3,1\n", true, 2, cols, TIR_ERR_DATA, 2, 1, "'1e3' is not a valid decimal(5,2) (column a)");
    expect_error("a,b\n1,.\n", true, 2, cols, TIR_ERR_DATA, 2, 3, "'.' is not a valid decimal(18,1) (column b)");
}

/* Timestamps as text: what parses (a 'T' or a space, minutes without
** seconds, 1 to 6 fraction digits, a date alone) and what does not, and
** printing with the fraction's trailing zeros left out, before 1970 too. */
Test(csv, timestamp_text)
{
    int64_t us;
    cr_assert(vm_parse_timestamp("1970-01-01 00:00:00", 19, &us) && us == 0);
    cr_assert(vm_parse_timestamp("1969-12-31T23:59:59.999999", 26, &us) && us == -1);
    cr_assert(vm_parse_timestamp("2024-02-29 12:30", 16, &us) && us == (INT64_C(19782) * 86400 + 45000) * 1000000);
    cr_assert(vm_parse_timestamp("2024-02-29", 10, &us) && us == INT64_C(19782) * 86400 * 1000000);
    cr_assert(vm_parse_timestamp("2024-02-29 12:30:00.5", 21, &us) && us % 1000000 == 500000);
    const char *bad[] = {"2023-02-29 00:00:00", "2024-01-01 24:00:00", "2024-01-01 10:60", "2024-01-01 10:00:60",
                         "2024-01-01 10:00:00.1234567", "2024-01-01 10:00:00.", "0000-06-01 00:00:00",
                         "2024-01-01 10", "2024-01-01X10:00:00", "2024-01-01 10:00:00Z", "2024-01-01 1:02:03", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(vm_parse_timestamp(bad[i], strlen(bad[i]), &us), "accepted '%s'", bad[i]);
    char buf[32];
    const struct { int64_t us; const char *text; } out[] = {
        {0, "1970-01-01 00:00:00"}, {-1, "1969-12-31 23:59:59.999999"}, {-500000, "1969-12-31 23:59:59.5"},
        {120000, "1970-01-01 00:00:00.12"}, {INT64_C(253402300799999999), "9999-12-31 23:59:59.999999"},
        {INT64_C(-62135596800000000), "0001-01-01 00:00:00"}};
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        vm_timestamp_format(out[i].us, buf);
        cr_expect_str_eq(buf, out[i].text);
        cr_expect(vm_parse_timestamp(buf, strlen(buf), &us) && us == out[i].us, "%s reads back", buf);
    }
}

/* Intervals: DuckDB's months, days and microseconds; adding clamps a day
** past the month's end, then adds days, then microseconds. */
Test(csv, interval_text_and_arithmetic)
{
    vm_interval v;
    cr_assert(vm_parse_interval("1 year 2 months -3 days 04:05:06.5", 34, &v));
    cr_expect(v.months == 14 && v.days == -3 && v.micros == INT64_C(14706500000));
    cr_assert(vm_parse_interval("2 weeks 1 microsecond", 21, &v) && v.days == 14 && v.micros == 1);
    cr_assert(vm_parse_interval("-36:00:00", 9, &v) && v.micros == INT64_C(-129600000000));
    const char *bad[] = {"", "1", "month", "1 fortnight", "1.5 days", "1 day 25:61", "99999999999 months"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(vm_parse_interval(bad[i], strlen(bad[i]), &v), "accepted '%s'", bad[i]);
    char buf[80];
    vm_interval_format(&(vm_interval){14, -3, 1}, buf);
    cr_expect_str_eq(buf, "14 months -3 days 1 microsecond");
    cr_assert(vm_parse_interval(buf, strlen(buf), &v) && v.months == 14 && v.days == -3 && v.micros == 1);
    const struct { const char *from, *iv, *to; } add[] = {
        {"2024-01-31 10:00:00", "1 month", "2024-02-29 10:00:00"},
        {"2023-01-31 00:00:00", "1 month", "2023-02-28 00:00:00"},
        {"2024-02-29 00:00:00", "-1 year", "2023-02-28 00:00:00"},
        {"2024-03-31 00:00:00", "-1 month 1 day", "2024-03-01 00:00:00"},
        {"1969-12-31 23:59:59.5", "00:00:00.5", "1970-01-01 00:00:00"},
        {"1900-02-28 12:00:00", "1 day 12:00:00", "1900-03-02 00:00:00"},
    };
    for (size_t i = 0; i < sizeof add / sizeof add[0]; i++) {
        int64_t a, r;
        cr_assert(vm_parse_timestamp(add[i].from, strlen(add[i].from), &a));
        cr_assert(vm_parse_interval(add[i].iv, strlen(add[i].iv), &v));
        cr_assert(vm_ts_add_interval(a, &v, &r));
        vm_timestamp_format(r, buf);
        cr_expect_str_eq(buf, add[i].to, "%s + %s", add[i].from, add[i].iv);
    }
    int64_t r;
    cr_expect_not(vm_ts_add_interval(INT64_MAX - 10, &(vm_interval){0, 0, 100}, &r), "overflow is refused");
}

/* An interval printed as DuckDB prints one (checked against DuckDB):
** years and months from the months, days, then [-]HH:MM:SS with the
** fraction without trailing zeros, hours past 99 as they are; zero is
** 00:00:00; the magnitude of INT64_MIN microseconds prints. Every text
** reads back to the same parts. */
Test(csv, interval_duckdb_text)
{
    const struct { vm_interval v; const char *text; } out[] = {
        {{14, 3, INT64_C(14706500000)}, "1 year 2 months 3 days 04:05:06.5"},
        {{-14, -3, INT64_C(-14706500000)}, "-1 year -2 months -3 days -04:05:06.5"},
        {{0, 0, 0}, "00:00:00"},
        {{0, 59, INT64_C(43200000000)}, "59 days 12:00:00"},
        {{0, -60, INT64_C(-43200000000)}, "-60 days -12:00:00"},
        {{0, 0, -500000}, "-00:00:00.5"},
        {{0, 0, 1}, "00:00:00.000001"},
        {{10, 0, 0}, "10 months"}, {{-1, 0, 0}, "-1 month"}, {{12, 1, 0}, "1 year 1 day"},
        {{0, -1, INT64_C(7200000000)}, "-1 day 02:00:00"},
        {{0, 0, INT64_C(360000000000)}, "100:00:00"},
        {{0, 3652058, 0}, "3652058 days"},
        {{INT32_MIN, INT32_MIN, INT64_MIN}, "-178956970 years -8 months -2147483648 days -2562047788:00:54.775808"},
        {{INT32_MAX, INT32_MAX, INT64_MAX}, "178956970 years 7 months 2147483647 days 2562047788:00:54.775807"},
    };
    char buf[80];
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        int n = tir_interval_format(out[i].v, buf);
        cr_expect_str_eq(buf, out[i].text);
        cr_expect_eq(n, (int)strlen(out[i].text));
        vm_interval v;
        cr_expect(vm_parse_interval(buf, strlen(buf), &v) && v.months == out[i].v.months && v.days == out[i].v.days &&
                      v.micros == out[i].v.micros, "%s reads back", buf);
    }
}

/* Timestamp differences (whole days toward zero, then the rest), interval
** arithmetic part by part with overflow refused, and DuckDB's order. */
Test(csv, interval_values)
{
    vm_interval v;
    cr_assert(vm_ts_sub(INT64_C(5) * VM_US_PER_DAY + 7, 0, &v));
    cr_expect(v.months == 0 && v.days == 5 && v.micros == 7);
    cr_assert(vm_ts_sub(0, INT64_C(5) * VM_US_PER_DAY + 7, &v));
    cr_expect(v.months == 0 && v.days == -5 && v.micros == -7);
    cr_expect_not(vm_ts_sub(INT64_MAX, -1, &v), "a difference past i64 is refused");
    cr_expect_not(vm_iv_add((vm_interval){INT32_MAX, 0, 0}, (vm_interval){1, 0, 0}, &v));
    cr_expect_not(vm_iv_sub((vm_interval){0, 0, INT64_MIN}, (vm_interval){0, 0, 1}, &v));
    cr_expect_not(vm_iv_neg((vm_interval){0, INT32_MIN, 0}, &v));
    cr_expect_not(vm_iv_mul((vm_interval){0, 0, INT64_MAX / 2 + 1}, 2, &v), "micros overflow");
    cr_expect_not(vm_iv_mul((vm_interval){0, 0, 0}, INT64_C(1) << 31, &v), "a factor past i32, as DuckDB");
    cr_assert(vm_iv_mul((vm_interval){1, -2, 3}, -3, &v));
    cr_expect(v.months == -3 && v.days == 6 && v.micros == -9);
    const struct { vm_interval a, b; int cmp; } ord[] = {
        {{1, 0, 0}, {0, 30, 0}, 0},                       /* 1 month = 30 days */
        {{0, 1, 0}, {0, 0, VM_US_PER_DAY}, 0},            /* 1 day = 24 hours */
        {{1, -1, 0}, {0, 29, 0}, 1},                      /* stays 1 month -1 day */
        {{-1, 0, 0}, {0, -29, 0}, -1},
        {{0, 1, -3600 * VM_US_PER_SEC}, {0, 0, 23 * 3600 * VM_US_PER_SEC}, 1},
        {{0, 31, 0}, {1, 0, 0}, 1}, {{0, 0, 1}, {0, 0, 0}, 1},
    };
    for (size_t i = 0; i < sizeof ord / sizeof ord[0]; i++) {
        cr_expect_eq(vm_iv_cmp(ord[i].a, ord[i].b), ord[i].cmp, "case %zu", i);
        cr_expect_eq(vm_iv_cmp(ord[i].b, ord[i].a), -ord[i].cmp, "case %zu flipped", i);
    }
}

/* The wide parser at its edges: 38 digits fit decimal(38,0) and 39 do not
** (asked before the 128-bit value could wrap); with no integer digits
** allowed (decimal(20,20)) only zeros go before the point; leading zeros
** do not count; the first dropped digit rounds half away from zero, and a
** carry past the precision is an overflow. */
Test(csv, wide_decimal_parse_edges)
{
    __int128 v, top = 1;
    for (int k = 0; k < 38; k++)
        top *= 10;
    const char *nines = "99999999999999999999999999999999999999";
    cr_assert_eq(vm_dec128_parse(nines, 38, 38, 0, &v), VM_DEC_OK);
    cr_expect(v == top - 1);
    cr_assert_eq(vm_dec128_parse("-99999999999999999999999999999999999999", 39, 38, 0, &v), VM_DEC_OK);
    cr_expect(v == 1 - top);
    cr_expect_eq(vm_dec128_parse("100000000000000000000000000000000000000", 39, 38, 0, &v), VM_DEC_OVERFLOW);
    cr_expect_eq(vm_dec128_parse("999999999999999999999999999999999999999", 39, 38, 0, &v), VM_DEC_OVERFLOW);
    cr_assert_eq(vm_dec128_parse("000.5", 5, 20, 20, &v), VM_DEC_OK);
    cr_expect(v == top / 1000000000000000000 / 2);   /* 0.5 times 10^20 */
    cr_expect_eq(vm_dec128_parse("1.5", 3, 20, 20, &v), VM_DEC_OVERFLOW);
    cr_assert_eq(vm_dec128_parse(" -0.000005 ", 11, 30, 5, &v), VM_DEC_OK);
    cr_expect(v == -1, "-0.000005 rounds to -0.00001");
    cr_expect_eq(vm_dec128_parse("9999999999999999999999999.999995", 32, 30, 5, &v), VM_DEC_OVERFLOW);
    cr_expect_eq(vm_dec128_parse("1e5", 3, 30, 5, &v), VM_DEC_SYNTAX);
    char buf[48];
    cr_expect_eq(vm_dec128_format(-1, 5, buf), 8);
    cr_expect_str_eq(buf, "-0.00001");
    int64_t n;   /* the narrow parser, generated by the same macro */
    cr_assert_eq(vm_dec_parse("0.5", 3, 18, 18, &n), VM_DEC_OK);
    cr_expect_eq(n, 500000000000000000);
    cr_expect_eq(vm_dec_parse("1", 1, 18, 18, &n), VM_DEC_OVERFLOW);
}
