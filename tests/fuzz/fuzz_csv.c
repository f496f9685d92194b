/*
** fuzz_csv.c — libFuzzer harness for the CSV loader: schema inference,
** import to a native table, and read_csv.
**
** Input: one options byte, then the CSV file. Options (bits): 0 no header
** (columns c1, c2, ...), 1-2 delimiter , | ; TAB, 3 null_string "NULL",
** 4 blocks of 64 rows, 5 sort by c1 and 6 bloom filter on c1 (both only
** without a header), 7 batches of 64 rows.
**
** The file is imported with an inferred schema (tir_import_csv); when that
** succeeds the table must verify (tir_table_describe), and two programs
** must return the same rows: a scan of the table (read_table) and a scan
** of the CSV file declared with the inferred schema (read_csv) — storage/infer.c
** promises that an inferred schema always loads. Anything else is a
** contract broken, and aborts so that libFuzzer keeps the input.
*/
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEMORY_LIMIT (256u << 20)

static bool bit_set(const uint64_t *validity, uint32_t i)
{
    return !validity || (validity[i / 64] >> (i % 64)) & 1;
}

static bool same_value(tir_type t, const void *a, uint32_t i, const void *b, uint32_t j)
{
    switch (t) {
    case TIR_BOOL: return ((const uint8_t *)a)[i] == ((const uint8_t *)b)[j];
    case TIR_I32:
    case TIR_DATE: return ((const int32_t *)a)[i] == ((const int32_t *)b)[j];
    case TIR_I64:
    case TIR_DECIMAL:
    case TIR_TIMESTAMP: return ((const int64_t *)a)[i] == ((const int64_t *)b)[j];
    case TIR_F64: return memcmp((const double *)a + i, (const double *)b + j, sizeof(double)) == 0;
    case TIR_DECIMAL128: return memcmp((const tir_dec128 *)a + i, (const tir_dec128 *)b + j, sizeof(tir_dec128)) == 0;
    case TIR_STRING: {
        const tir_str *x = (const tir_str *)a + i, *y = (const tir_str *)b + j;
        return x->len == y->len && memcmp(tir_str_ptr(x), tir_str_ptr(y), x->len) == 0;
    }
    default: return false;
    }
}

/* Walks the rows of output 0 of a result across its batches. */
typedef struct cursor {
    const tir_result *r;
    size_t b, nb;
    uint32_t i, n;
} cursor;

static bool cursor_next(cursor *c)
{
    if (++c->i < c->n)
        return true;
    while (c->b < c->nb) {
        c->n = tir_result_batch_rows(c->r, 0, c->b++);
        if (c->n) {
            c->i = 0;
            return true;
        }
    }
    return false;
}

/* The two results hold the same columns and the same rows in the same
** order (ordered = false: only the row counts are compared). */
static void compare(const tir_result *x, const tir_result *y, bool ordered)
{
    if (tir_result_noutputs(x) != 1 || tir_result_noutputs(y) != 1)
        fuzz_fail("expected one output each");
    size_t nc = tir_result_ncols(x, 0);
    if (nc != tir_result_ncols(y, 0))
        fuzz_fail("read_table gives %zu columns, read_csv %zu", nc, tir_result_ncols(y, 0));
    if (tir_result_nrows(x, 0) != tir_result_nrows(y, 0))
        fuzz_fail("read_table gives %llu rows, read_csv %llu", (unsigned long long)tir_result_nrows(x, 0),
                  (unsigned long long)tir_result_nrows(y, 0));
    for (size_t c = 0; c < nc; c++) {
        tir_type t = tir_result_col_type(x, 0, c);
        if (t != tir_result_col_type(y, 0, c))
            fuzz_fail("column %zu: read_table type %s, read_csv %s", c, tir_type_name(t),
                      tir_type_name(tir_result_col_type(y, 0, c)));
        if (!ordered)
            continue;
        cursor a = {x, 0, tir_result_nbatches(x, 0), 0, 0}, b = {y, 0, tir_result_nbatches(y, 0), 0, 0};
        for (uint64_t row = 0; cursor_next(&a); row++) {
            if (!cursor_next(&b))
                fuzz_fail("read_csv ran out of rows at row %llu", (unsigned long long)row);
            const uint64_t *va = tir_result_batch_validity(x, 0, a.b - 1, c);
            const uint64_t *vb = tir_result_batch_validity(y, 0, b.b - 1, c);
            bool na = !bit_set(va, a.i), nb = !bit_set(vb, b.i);
            if (na != nb || (!na && !same_value(t, tir_result_batch_data(x, 0, a.b - 1, c), a.i,
                                                tir_result_batch_data(y, 0, b.b - 1, c), b.i)))
                fuzz_fail("row %llu column '%s' differs between read_table and read_csv",
                          (unsigned long long)row, tir_result_col_name(x, 0, c));
        }
    }
}

/* Compiles and runs src; a compile error or a failed run (other than the
** memory limit) breaks the contract. Returns NULL when the limit was hit. */
static tir_result *run(tir_engine *e, const char *what, const fuzz_buf *src)
{
    tir_program *p = NULL;
    tir_result *r = NULL;
    tir_status st = tir_compile(e, fuzz_path(2, "prog.tir"), src->p, src->len, &p);
    if (st != TIR_OK)
        fuzz_fail("the %s program does not compile:\n%s\n%s", what, src->p, p ? tir_program_diag_text(p) : "");
    st = tir_run(p, &r);
    if (st != TIR_OK && st != TIR_ERR_NOMEM)
        fuzz_fail("the %s program failed (%s): %s\n%s", what, tir_status_name(st), tir_engine_errmsg(e), src->p);
    tir_program_free(p);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned opt = data[0];
    static const char delims[] = ",|;\t";
    bool header = !(opt & 1);
    tir_import_opts o = {
        .delimiter = delims[(opt >> 1) & 3],
        .no_header = !header,
        .null_string = opt & 8 ? "NULL" : NULL,
        .block_rows = opt & 16 ? 64 : 0,
        .sort_by = !header && (opt & 32) ? "c1" : NULL,
        .bloom = !header && (opt & 64) ? "c1" : NULL,
    };
    const char *csv = fuzz_path(0, "in.csv"), *table = fuzz_path(1, "in.tirt");
    if (!fuzz_write(csv, data + 1, size - 1))
        return 0;

    tir_engine *e = tir_engine_new(&(tir_config){
        .threads = 1, .memory_limit = MEMORY_LIMIT, .no_table_cache = true, .batch_size = opt & 128 ? 64 : 0});
    uint64_t rows = 0;
    char *text = NULL;
    fuzz_schema s = {0};
    fuzz_buf prog = {0};
    tir_result *ra = NULL, *rb = NULL;
    tir_status st = tir_import_csv(e, csv, table, &o, &rows);
    if (st != TIR_OK) {
        if (!*tir_engine_errmsg(e))
            fuzz_fail("import failed (%s) without a message", tir_status_name(st));
        goto done;
    }
    st = tir_table_describe(e, table, true, &text);
    if (st != TIR_OK)
        fuzz_fail("a table just imported does not verify: %s", tir_engine_errmsg(e));
    if (!fuzz_schema_parse(text, &s))
        goto done;    /* a column name with a newline */

    fuzz_buf_printf(&prog, "t: Table = read_table(");
    fuzz_buf_quote(&prog, table, strlen(table));
    fuzz_buf_printf(&prog, ")\n");
    fuzz_buf_scan_all(&prog, &s);
    if (!(ra = run(e, "read_table", &prog)))
        goto done;
    if (tir_result_nrows(ra, 0) != rows)
        fuzz_fail("imported %llu rows, read_table gives %llu", (unsigned long long)rows,
                  (unsigned long long)tir_result_nrows(ra, 0));

    prog.len = 0;
    fuzz_buf_printf(&prog, "t: Table = read_csv(");
    fuzz_buf_quote(&prog, csv, strlen(csv));
    fuzz_buf_printf(&prog, ", header = %s, delimiter = ", header ? "true" : "false");
    fuzz_buf_quote(&prog, &o.delimiter, 1);
    if (o.null_string) {
        fuzz_buf_printf(&prog, ", null_string = ");
        fuzz_buf_quote(&prog, o.null_string, strlen(o.null_string));
    }
    fuzz_buf_printf(&prog, ") {\n");
    for (int c = 0; c < s.ncols; c++) {
        fuzz_buf_printf(&prog, "    ");
        fuzz_buf_quote(&prog, s.names[c], s.lens[c]);
        fuzz_buf_printf(&prog, ": %s%s,\n", tir_type_name(s.types[c]), s.nullable[c] ? " nullable" : "");
    }
    fuzz_buf_printf(&prog, "}\n");
    fuzz_buf_scan_all(&prog, &s);
    if ((rb = run(e, "read_csv", &prog)) != NULL)
        compare(ra, rb, o.sort_by == NULL);

done:
    tir_result_free(ra);
    tir_result_free(rb);
    fuzz_buf_free(&prog);
    fuzz_schema_free(&s);
    free(text);
    tir_engine_free(e);
    return 0;
}
