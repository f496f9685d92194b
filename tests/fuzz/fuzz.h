/*
** fuzz.h — helpers shared by the libFuzzer harnesses of tests/fuzz: a
** private scratch directory per process, files written into it, and the
** quoting of text into a .tir string literal.
*/
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tir.h"

/* The absolute path of NAME inside this process's scratch directory
** (made on first use, removed at exit). The result lives until the next
** call with the same slot (0..3), so two paths can be held at once. */
const char *fuzz_path(int slot, const char *name);

/* Replaces the file at path with n bytes; false (and a message) on error. */
bool fuzz_write(const char *path, const void *data, size_t n);

/* Stops the process with a message: a harness found a broken contract. */
void fuzz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* An engine for compiling inputs: one thread, files only in the scratch
** directory, and a small memory limit (read_csv without columns reads its
** file when compiling: not /dev/zero until the machine's memory is gone).
** NULL when out of memory. */
tir_engine *fuzz_engine(void);

/* The contract of a compile's outcome: st is OK, COMPILE or NOMEM (p may
** be NULL then); every diagnostic is complete; errors and st agree; the
** diagnostics are rendered. */
void fuzz_check_compile(tir_program *p, tir_status st);

/* A growable text buffer for building programs. */
typedef struct fuzz_buf {
    char *p;
    size_t len, cap;
} fuzz_buf;

void fuzz_buf_printf(fuzz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a .tir string literal, quotes included. */
void fuzz_buf_quote(fuzz_buf *b, const char *s, size_t n);
void fuzz_buf_free(fuzz_buf *b);

/* Column names and types of a native table, parsed from the schema section
** of tir_table_describe's text. A name that spans lines cannot be told
** apart there; then this returns false and the caller skips the table. */
typedef struct fuzz_schema {
    int ncols;
    char **names;
    size_t *lens;
    tir_type *types;
    bool *nullable;
    bool *dup;          /* the name is an earlier column's (a damaged file may say so) */
} fuzz_schema;

bool fuzz_schema_parse(const char *describe_text, fuzz_schema *s);
void fuzz_schema_free(fuzz_schema *s);

/* Appends to b a program that scans every column of the table declared as
** `t` (the caller writes the declaration before) into pipeline p's v1,
** and outputs it. Of columns with the same name only the first can be
** named, so only it is scanned. */
void fuzz_buf_scan_all(fuzz_buf *b, const fuzz_schema *s);

#endif
