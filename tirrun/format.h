/*
** format.h — renders the outputs of a tir_result as a box table, CSV or
** JSON. Only the public API (tir.h) is used, so anything printed here is
** exactly what an embedding program would see.
*/
#ifndef TIRRUN_FORMAT_H
#define TIRRUN_FORMAT_H

#include <stdio.h>
#include "tir.h"

typedef enum fmt_kind { FMT_TABLE, FMT_CSV, FMT_JSON } fmt_kind;

/* Maps "table", "csv" or "json" to *out; false for anything else. */
bool fmt_parse_kind(const char *name, fmt_kind *out);

/* Writes every output of r to f. Returns false when writing to f failed
** (errno says why); the caller reports it. */
bool fmt_result(FILE *f, const tir_result *r, fmt_kind kind);

#endif
