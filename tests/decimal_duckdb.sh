#!/bin/sh
# decimal_duckdb.sh — runs tests/decimal_duckdb.mjs (decimal(p, s) against DuckDB) with node.
#   decimal_duckdb.sh TIRRUN SRCDIR
if ! command -v node >/dev/null 2>&1; then
    echo "Bail out! node is needed for the DuckDB differential test of decimals"
    exit 1
fi
exec node "$(dirname "$0")/decimal_duckdb.mjs" "$1" "$2"
