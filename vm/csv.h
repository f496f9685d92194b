/*
** csv.h — loading a CSV file into an in-memory vm_table with a declared
** schema. Bad data stops the load with "path:line:col: message".
*/
#ifndef VM_CSV_H
#define VM_CSV_H

#include "column.h"

typedef struct vm_csv_opts {
    char delimiter;           /* ',' */
    bool header;              /* first line names the columns */
    const char *null_string;  /* a field equal to this (after unquoting is not applied: only unquoted fields) is NULL; "" by default */
} vm_csv_opts;

typedef struct vm_csv_col {
    const char *name;
    tir_type type;
    bool nullable;            /* a NULL in a non-nullable column is a data error */
    int order;                /* 0 none, 1 asc, 2 desc: checked while loading */
    bool unique;              /* checked while loading */
} vm_csv_col;

/* With a header, declared columns are matched to header fields by name
** (extra header fields are skipped; a missing one is an error); without
** one, by position. On failure returns TIR_ERR_IO or TIR_ERR_DATA with the
** message in err. */
tir_status vm_csv_load(const char *path, const vm_csv_opts *o, int ncols, const vm_csv_col *cols,
                       vm_table **out, char *err, size_t errlen);

/* Value parsers shared with literal handling; return false when s does
** not hold a valid value of the type (whole string must be consumed). */
bool vm_parse_i64(const char *s, size_t len, int64_t *out);
bool vm_parse_f64(const char *s, size_t len, double *out);
bool vm_parse_date(const char *s, size_t len, int32_t *days);   /* YYYY-MM-DD */
bool vm_parse_bool(const char *s, size_t len, bool *out);       /* true/false/1/0 */

/* Infers a schema from the whole file (infer.c): per column the narrowest
** of bool (true/false, not 1/0), i32, i64, f64, date (YYYY-MM-DD) that
** every non-NULL field parses as, else string (also when every field is
** NULL); nullable when some field is NULL. Names come from the header
** (an empty or repeated name is an error) or are c1..cN without one.
** Order and unique are left unset. *cols and its names are malloc'd: free
** them with vm_csv_cols_free. A row with a different field count is a
** data error naming path:line. */
tir_status vm_csv_infer(const char *path, const vm_csv_opts *o, int *ncols, vm_csv_col **cols,
                        char *err, size_t errlen);
void vm_csv_cols_free(int ncols, vm_csv_col *cols);

#endif
