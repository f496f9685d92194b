/*
** csv.h — loading a CSV file into an in-memory vm_table with a declared
** schema. Bad data stops the load with "path:line:col: message".
*/
#ifndef VM_CSV_H
#define VM_CSV_H

#include "column.h"

#include <string.h>

typedef struct vm_csv_opts {
    char delimiter;           /* ',' */
    bool header;              /* first line names the columns */
    const char *null_string;  /* a field equal to this (after unquoting is not applied: only unquoted fields) is NULL; "" by default */
    uint64_t mem_budget;      /* bytes the load may hold at once (file, columns, strings); 0 = no bound */
} vm_csv_opts;

typedef struct vm_csv_col {
    const char *name;
    tir_type type;
    bool nullable;            /* a NULL in a non-nullable column is a data error */
    int order;                /* 0 none, 1 asc, 2 desc: checked while loading */
    bool unique;              /* checked while loading */
    uint8_t prec, scale;      /* TIR_DECIMAL: parsed exactly, held as int64_t times 10^scale */
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

/* Splitting, shared by the loader and the inferrer so that a file whose
** schema was inferred splits exactly as it loads: RFC 4180 quotes ("" in
** a quoted field is one quote; a quoted field may span lines), LF or
** CR LF line ends (a lone CR is data), any delimiter but '"', LF and CR. */
typedef struct vm_csv_field {
    const char *start;        /* first byte of the field in the file (its quote, if quoted) */
    const char *p;            /* content (inside the quotes) */
    size_t len;
    bool quoted, escaped;     /* escaped: content still holds "" pairs */
} vm_csv_field;

typedef struct vm_csv_reader {
    const char *path;
    const char *job;          /* "loading", ...: ends the out-of-memory message */
    char *buf;                /* file bytes, '\n' sentinel, zero padding */
    const char *end;          /* buf + file size (the sentinel) */
    const char *data;         /* first row: buf after a UTF-8 byte order mark */
    char delim;
    const char *null_s;       /* an unquoted field equal to it is NULL */
    size_t null_len;
    vm_csv_field *fields;     /* spans of the last row split */
    int fcap;
    char *scratch;            /* unescaped copy of a field with "" pairs */
    size_t scratch_cap;
    char *err;
    size_t errlen;
    uint64_t budget;          /* vm_csv_opts.mem_budget */
} vm_csv_reader;

/* Reads path whole into R (delimiter and NULL string from o, which must
** be valid). Free R with vm_csv_reader_free, also after a failure. */
tir_status vm_csv_read(vm_csv_reader *R, const char *path, const vm_csv_opts *o, const char *job,
                       char *err, size_t errlen);
void vm_csv_reader_free(vm_csv_reader *R);

/* Splits the row at *pp into R->fields, growing the array as needed, and
** leaves *pp at the start of the next row. Returns the field count, or -1
** after reporting a malformed quote (*st set). */
int vm_csv_split_row(vm_csv_reader *R, const char **pp, tir_status *st);

/* The same for a data row, which must hold nf fields: a different count is
** reported as "expected nf fields, found n". */
tir_status vm_csv_split_data_row(vm_csv_reader *R, const char **pp, int nf);

/* The content of f with "" pairs collapsed, in R->scratch; false when out
** of memory. */
bool vm_csv_unescape(vm_csv_reader *R, const vm_csv_field *f, const char **s, size_t *len);

static inline bool vm_csv_is_null(const vm_csv_reader *R, const vm_csv_field *f)
{
    return !f->quoted && f->len == R->null_len && memcmp(f->p, R->null_s, f->len) == 0;
}

/* Writes "path:line:col: error: " and the message to R->err, the position
** being that of at in the file; returns st. */
tir_status vm_csv_fail_at(const vm_csv_reader *R, tir_status st, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
tir_status vm_csv_fail_nomem(const vm_csv_reader *R);

/* Bytes as text for messages: at most max of them (then "..."), printable
** ASCII other than the bytes in esc as itself, the rest as \xNN. Needs
** 4 * max + 4 bytes of out; returns out. */
const char *vm_csv_show(const char *s, size_t len, size_t max, const char *esc, char *out, size_t cap);

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
