# compare.sh — sourced by bench/run and bench/spill: do two CSV results
# (tir's and DuckDB's, each with a header line) hold the same rows?

# The rows of a CSV result in a form both engines agree on: numbers with a
# fraction to 12 significant digits, and, when keys (1-based fields the
# query orders by) are given, each row prefixed by the number of its group
# of equal keys; then sorted. Equal forms = the same rows (in order, where
# keys are given: the same groups in the same order, each the same
# multiset, since rows with equal keys may come in any order). Fields are
# split at every comma (the generated data holds none) and double quotes
# are dropped: the engines quote differently (DuckDB's COPY quotes
# "Supplier#000000001", tir does not).
canon_rows() { # file [keys]
    tail -n +2 "$1" | awk -F, -v OFS=, -v keys="${2-}" '
        BEGIN { nk = keys == "" ? 0 : split(keys, K, ","); g = 0; prev = "\001" }
        {
            sub(/\r$/, ""); gsub(/"/, "")
            for (i = 1; i <= NF; i++)
                if ($i ~ /^-?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?$/ || $i ~ /^-?[0-9]+[eE][-+]?[0-9]+$/) {
                    v = sprintf("%.12g", $i + 0); if (v == "-0") v = "0"; $i = v
                }
            if (nk) {
                k = ""; for (i = 1; i <= nk; i++) k = k SUBSEP $(K[i])
                if (k != prev) { g++; prev = k }
                printf "%012d,%s\n", g, $0
            } else print
        }' | LC_ALL=C sort
}

# yes when the two CSV files hold the same rows (canon_rows), fields compared
# as strings and numbers within a relative tolerance (f64 sums depend on the
# order of additions); streamed, so results of millions of rows compare too.
same_rows() { # tir duckdb [keys]
    [ -s "$1" ] && [ -s "$2" ] || { echo no; return; }
    paste -d $'\001' <(canon_rows "$1" "${3-}") <(canon_rows "$2" "${3-}") | awk -v tol=1e-9 '
        function isnum(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
        function abs(x) { return x < 0 ? -x : x }
        function same(x, y) {
            if (x "" == y "") return 1
            if (!isnum(x) || !isnum(y)) return 0
            return abs(x - y) <= tol * (abs(x) > abs(y) ? abs(x) : abs(y))
        }
        bad { next }  # read on to the end: the writers must not die of a closed pipe
        {
            split($0, ab, "\001")
            n = split(ab[1], fa, ","); m = split(ab[2], fb, ",")
            if (n != m) { bad = "line " NR; next }
            for (j = 1; j <= n; j++)
                if (!same(fa[j], fb[j])) { bad = "line " NR; next }
        }
        END { print bad ? "no (" bad ")" : "yes" }'
}
