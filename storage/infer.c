/*
** infer.c — guesses the schema of a CSV file: per column the narrowest
** type that every non-NULL field parses as, and whether any field is NULL.
**
** One pass over the file. Each column keeps the set of candidate types
** still possible; a field removes those it does not parse as, and a
** column left with none is a string (the parsing stops for it). The file
** is read and split by the loader's own code (vm_csv_read and the
** vm_csv_split_ functions) and the same values parse the same way, so a
** file whose schema was inferred always loads with that schema.
*/
#include "csv.h"
#include "timestamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Candidate types, narrowest first. */
enum { C_BOOL = 1, C_I32 = 2, C_I64 = 4, C_F64 = 8, C_DATE = 16, C_TIMESTAMP = 32, C_ALL = 63 };

typedef struct infer_col {
    unsigned alive;           /* C_* still possible */
    bool has_value, has_null;
} infer_col;

/* Narrows c by one field. */
static void observe(const vm_csv_reader *R, infer_col *c, const vm_csv_field *f)
{
    if (vm_csv_is_null(R, f)) {
        c->has_null = true;
        return;
    }
    c->has_value = true;
    unsigned m = c->alive;
    if (!m)
        return;
    const char *s = f->p;
    size_t len = f->len;
    bool b;
    /* 1 and 0 also read as bool, but a column of them is numbers */
    if ((m & C_BOOL) && (len == 1 || !vm_parse_bool(s, len, &b)))
        m &= ~C_BOOL;
    bool is_int = false;
    if (m & (C_I32 | C_I64)) {
        int64_t v;
        if (vm_parse_i64(s, len, &v)) {
            is_int = true;
            if (v < INT32_MIN || v > INT32_MAX)
                m &= ~C_I32;
        } else {
            m &= ~(C_I32 | C_I64);
        }
    }
    double d;
    if ((m & C_F64) && !is_int && !vm_parse_f64(s, len, &d))   /* every i64 is a valid f64 */
        m &= ~C_F64;
    int32_t days;
    if ((m & C_DATE) && !vm_parse_date(s, len, &days))
        m &= ~C_DATE;
    int64_t us;   /* a column of dates and timestamps is of timestamps */
    if ((m & C_TIMESTAMP) && !vm_parse_timestamp(s, len, &us))
        m &= ~C_TIMESTAMP;
    c->alive = m;
}

static tir_type pick(const infer_col *c)
{
    if (!c->has_value)
        return TIR_STRING;    /* nothing to go by: the type that holds anything */
    if (c->alive & C_BOOL) return TIR_BOOL;
    if (c->alive & C_I32) return TIR_I32;
    if (c->alive & C_I64) return TIR_I64;
    if (c->alive & C_F64) return TIR_F64;
    if (c->alive & C_DATE) return TIR_DATE;
    if (c->alive & C_TIMESTAMP) return TIR_TIMESTAMP;
    return TIR_STRING;
}

void vm_csv_cols_free(int ncols, vm_csv_col *cols)
{
    for (int i = 0; cols && i < ncols; i++)
        free((char *)cols[i].name);
    free(cols);
}

/* Column names from the header (quotes removed, "" collapsed). Empty and
** duplicate names are errors: the loader finds a table's columns in the
** header by name. */
static tir_status header_names(vm_csv_reader *R, const char **pp, int *ncols, vm_csv_col **out)
{
    tir_status st = TIR_OK;
    const char *line = *pp;
    int nf = vm_csv_split_row(R, pp, &st);
    if (nf < 0)
        return st;
    if (nf > TIR_MAX_COLUMNS)
        return vm_csv_fail_at(R, TIR_ERR_DATA, line, "the header has %d columns; at most %d are supported", nf,
                              TIR_MAX_COLUMNS);
    int n = 0;
    vm_csv_col *cols = calloc((size_t)nf, sizeof *cols);
    if (!cols)
        return vm_csv_fail_nomem(R);
    for (; n < nf; n++) {
        const vm_csv_field *f = &R->fields[n];
        const char *s = f->p;
        size_t k = f->len;
        char *name = NULL;
        if ((f->escaped && !vm_csv_unescape(R, f, &s, &k)) || !(name = malloc(k + 1))) {
            st = vm_csv_fail_nomem(R);
            goto fail;
        }
        memcpy(name, s, k);
        name[k] = '\0';
        cols[n].name = name;
        if (k == 0) {
            st = vm_csv_fail_at(R, TIR_ERR_DATA, f->start, "column %d of the header has an empty name", n + 1);
            goto fail;
        }
        if (memchr(name, '\0', k)) {
            st = vm_csv_fail_at(R, TIR_ERR_DATA, f->start, "column %d of the header has a NUL byte in its name", n + 1);
            goto fail;
        }
        for (int j = 0; j < n; j++)
            if (!strcmp(cols[j].name, name)) {
                st = vm_csv_fail_at(R, TIR_ERR_DATA, f->start,
                                    "duplicate column name '%s' in the header (columns %d and %d)", name, j + 1, n + 1);
                goto fail;
            }
    }
    *ncols = n;
    *out = cols;
    return TIR_OK;
fail:
    vm_csv_cols_free(n + 1, cols);
    return st;
}

static tir_status infer(vm_csv_reader *R, const vm_csv_opts *o, int *ncols_out, vm_csv_col **cols_out)
{
    tir_status st = TIR_OK;
    const char *p = R->data;
    if (p >= R->end)
        return vm_csv_fail_at(R, TIR_ERR_DATA, p, o->header ? "the file is empty: expected a header line"
                                                            : "the file is empty: no columns to infer");
    int ncols = 0;
    vm_csv_col *cols = NULL;
    if (o->header) {
        if ((st = header_names(R, &p, &ncols, &cols)) != TIR_OK)
            return st;
    } else {
        const char *q = p;        /* count the first row's fields */
        if ((ncols = vm_csv_split_row(R, &q, &st)) < 0)
            return st;
        if (ncols > TIR_MAX_COLUMNS)
            return vm_csv_fail_at(R, TIR_ERR_DATA, p, "the first row has %d fields; at most %d columns are supported",
                                  ncols, TIR_MAX_COLUMNS);
        cols = calloc((size_t)ncols, sizeof *cols);
        if (!cols)
            return vm_csv_fail_nomem(R);
        for (int c = 0; c < ncols; c++) {
            char *name = malloc(16);
            if (!name) {
                vm_csv_cols_free(c, cols);
                return vm_csv_fail_nomem(R);
            }
            sprintf(name, "c%d", c + 1);
            cols[c].name = name;
        }
    }

    infer_col *ic = malloc(sizeof *ic * (size_t)ncols);
    if (!ic) {
        vm_csv_cols_free(ncols, cols);
        return vm_csv_fail_nomem(R);
    }
    for (int c = 0; c < ncols; c++)
        ic[c] = (infer_col){C_ALL, false, false};
    while (p < R->end) {
        if ((st = vm_csv_split_data_row(R, &p, ncols)) != TIR_OK)
            goto fail;
        for (int c = 0; c < ncols; c++)
            observe(R, &ic[c], &R->fields[c]);
    }
    for (int c = 0; c < ncols; c++) {
        cols[c].type = pick(&ic[c]);
        cols[c].nullable = ic[c].has_null;
        cols[c].order = 0;
        cols[c].unique = false;
    }
    free(ic);
    *ncols_out = ncols;
    *cols_out = cols;
    return TIR_OK;
fail:
    free(ic);
    vm_csv_cols_free(ncols, cols);
    return st;
}

tir_status vm_csv_infer(const char *path, const vm_csv_opts *o, int *ncols, vm_csv_col **cols,
                        char *err, size_t errlen)
{
    static const vm_csv_opts defaults = {',', true, "", 0};
    if (!o)
        o = &defaults;
    if (err && errlen)
        err[0] = '\0';
    if (ncols)
        *ncols = 0;
    if (cols)
        *cols = NULL;
    char delim = o->delimiter ? o->delimiter : ',';
    if (!path || !ncols || !cols || delim == '"' || delim == '\n' || delim == '\r') {
        if (err && errlen)
            snprintf(err, errlen, "bad CSV inference arguments");
        return TIR_ERR_ARG;
    }
    vm_csv_reader R;
    tir_status st = vm_csv_read(&R, path, o, "inferring the schema", err, errlen);
    if (st == TIR_OK)
        st = infer(&R, o, ncols, cols);
    vm_csv_reader_free(&R);
    return st;
}
