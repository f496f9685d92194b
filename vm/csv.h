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

#endif
