/*
** format.h — renders the outputs of a tir_result as a box table, CSV or
** JSON (and Markdown, for pasting). Only the public API (tir.h) is used, so anything printed here is
** exactly what an embedding program would see. The Python module (python/)
** compiles this same source, so that a Result prints as tirrun prints it.
*/
#ifndef TIRRUN_FORMAT_H
#define TIRRUN_FORMAT_H

#include <stdio.h>
#include "tir.h"

typedef enum fmt_kind { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_MARKDOWN } fmt_kind;

/* How to print, beyond the format. The zero value prints everything
** plainly, as fmt_result() does. */
typedef struct fmt_opts {
    fmt_kind kind;
    uint64_t maxrows;   /* table, markdown: above this many rows show the first
                        ** and last ones, maxrows in all, and "N rows (M shown)";
                        ** 0 = every row */
    bool colour;        /* table: ANSI bold header, dim types and NULLs */
    unsigned width;     /* table: terminal columns; a wider box has its widest
                        ** columns cut, ending in "…"; 0 = no limit */
    bool one_output;    /* print output number `output` alone, as if the result
                        ** had no other (the Python module prints one at a time) */
    size_t output;
    /* csv and json, for an output printed while the run makes it (tirrun):
    ** headless: the first output's header and first rows went out before
    ** (its rows continue; then the others as usual); open_end: print the
    ** first output alone and leave it open (its rows continue later) */
    bool headless;
    bool open_end;
} fmt_opts;

/* Maps "table", "csv", "json" or "markdown" to *out; false for anything else. */
bool fmt_parse_kind(const char *name, fmt_kind *out);

/* Writes every output of r to f. Returns false when writing to f failed
** (errno says why); the caller reports it. */
bool fmt_result(FILE *f, const tir_result *r, fmt_kind kind);
bool fmt_result_opts(FILE *f, const tir_result *r, const fmt_opts *opts);

#endif
