#!/bin/sh
# duckdb_diff.sh — runs a differential test against DuckDB (tests/NAME.mjs,
# e.g. decimal_duckdb, timestamp_duckdb) with node.
#   duckdb_diff.sh NAME TIRRUN SRCDIR
if ! command -v node >/dev/null 2>&1; then
    echo "Bail out! node is needed for the DuckDB differential test $1"
    exit 1
fi
exec node "$(dirname "$0")/$1.mjs" "$2" "$3"
