#!/bin/bash
# import_kill.sh — crash safety of `tirrun import`: an import killed with
# SIGKILL at any moment must leave the table it was replacing intact.
#
#   import_kill.sh TIRRUN [KILLS]
#
# Generates two different CSV files big enough that an import takes a
# noticeable time, imports one as table T, then KILLS times (default 10)
# starts an import of the other CSV file (alternating) onto T, kills it with
# kill -9 after a delay between 0.01 s and a little more than an import
# takes (at least 0.5 s), and checks that T still
# opens, every checksum verifies (`tirrun describe --verify`), and T is
# exactly the table before the attempt or exactly the table being imported:
# byte for byte when imports are deterministic, else by its description
# and, when read_table works, by a query over it.
# Environment: IMPORT_KILL_ROWS rows per CSV file (default 2000000).
# Prints "import_kill: N kills, all OK" and exits 0, or exits 1 on the first
# failure.

set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 TIRRUN [KILLS]" >&2
    exit 2
fi
tirrun=$1
kills=${2:-10}
rows=${IMPORT_KILL_ROWS:-2000000}
case $tirrun in
    */*) tirrun=$(cd "$(dirname "$tirrun")" && pwd)/$(basename "$tirrun") ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/tir_import_kill.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() {
    echo "import_kill: FAIL: $*" >&2
    exit 1
}

# Two tables that differ in row count, values and strings.
gen() {   # gen ROWS SEED > file
    awk -v n="$1" -v seed="$2" 'BEGIN {
        print "id,grp,val,name,day"
        x = seed
        for (i = 1; i <= n; i++) {
            x = (x * 1103515245 + 12345) % 2147483648
            g = x % 1000
            printf "%d,%d,%.2f,%s%d,%04d-%02d-%02d\n", i * 3 + seed, g, (x % 100000) / 100, \
                   (g % 3 ? "name" : ""), g, 1990 + g % 30, 1 + g % 12, 1 + g % 28
        }
    }'
}
gen "$rows" 1 > a.csv || fail "cannot write a.csv"
gen $((rows + rows / 7 + 1)) 2 > b.csv || fail "cannot write b.csv"

# describe without its first line ("table: PATH"), so copies compare equal
state() {
    "$tirrun" describe --verify "$1" > "$1.desc" 2> "$1.err" || return 1
    sed 1d "$1.desc"
}

"$tirrun" import --block-rows 8192 a.csv ra.tirt 2> import.err || { cat import.err >&2; fail "importing a.csv"; }
t0=$(date +%s.%N)
"$tirrun" import --block-rows 8192 b.csv rb.tirt 2> import.err || { cat import.err >&2; fail "importing b.csv"; }
t1=$(date +%s.%N)
"$tirrun" import --block-rows 8192 a.csv ra2.tirt 2> import.err || { cat import.err >&2; fail "importing a.csv again"; }
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
echo "# importing b.csv ($(wc -l < b.csv) lines) takes ${secs} s"
if awk -v s="$secs" 'BEGIN { exit !(s < 0.3) }'; then
    echo "# warning: imports are faster than the kill delays; raise IMPORT_KILL_ROWS" >&2
fi
# Kill delays run from 0.01 s to past the end of an import (at least 0.5 s),
# so some kills land while the file is written or renamed, some after.
maxdelay=$(awk -v s="$secs" 'BEGIN { m = 1.5 * s; printf "%.3f", m < 0.5 ? 0.5 : m }')
bytewise=0
cmp -s ra.tirt ra2.tirt && bytewise=1
desc_a=$(state ra.tirt) || fail "describe --verify ra.tirt: $(cat ra.tirt.err)"
desc_b=$(state rb.tirt) || fail "describe --verify rb.tirt: $(cat rb.tirt.err)"
[ "$desc_a" != "$desc_b" ] || fail "the two tables describe the same"

# The query check needs read_table; without it, the checks above must do.
# Integer sums only: a sum of doubles depends on how threads split the rows.
query() {   # query TABLE > result
    printf '%s\n' "t: Table = read_table(\"$1\")" \
        'p: Pipeline = {' \
        '    v = table_scan :table = t :columns = ["id", "grp", "val", "name"]' \
        '    a = aggregate :input = v :aggregates = { "n": count(*), "names": count($in.name), "s": sum($in.grp),' \
        '        "lo": min($in.id), "hi": max($in.id), "vlo": min($in.val), "vhi": max($in.val) }' \
        '}' \
        'output p.a' > q.tir
    "$tirrun" --format csv q.tir
}
use_query=1
if ! query_a=$(query ra.tirt 2> q.err) || ! query_b=$(query rb.tirt 2>> q.err); then
    fail "read_table query: $(head -n 3 q.err)"
fi
[ "$query_a" != "$query_b" ] || fail "the two tables query the same"
echo "# tables compared $([ $bytewise = 1 ] && echo "byte for byte" || echo "by describe --verify")$([ $use_query = 1 ] && echo " and a read_table query")"

cp ra.tirt t.tirt || fail "cannot copy the table"
cur=a
n_old=0
n_new=0
for ((k = 1; k <= kills; k++)); do
    if [ $cur = a ]; then next=b; else next=a; fi
    # 0.01 s .. maxdelay, spread over the attempts
    delay=$(awk -v k="$k" -v n="$kills" -v m="$maxdelay" \
        'BEGIN { printf "%.3f", 0.01 + (m - 0.01) * ((k * 7) % n) / (n > 1 ? n - 1 : 1) }')
    "$tirrun" import --block-rows 8192 $next.csv t.tirt 2> kill.err &
    pid=$!
    sleep "$delay"
    kill -9 $pid 2> /dev/null
    wait $pid 2> /dev/null
    status=$?

    got=$(state t.tirt) || fail "attempt $k (kill after ${delay}s): describe --verify failed: $(cat t.tirt.err)"
    if [ $bytewise = 1 ]; then
        if cmp -s t.tirt r$cur.tirt; then now=$cur
        elif cmp -s t.tirt r$next.tirt; then now=$next
        else fail "attempt $k (kill after ${delay}s): the table is neither the old nor the new one byte for byte"
        fi
    else
        v=desc_$cur w=desc_$next
        if [ "$got" = "${!v}" ]; then now=$cur
        elif [ "$got" = "${!w}" ]; then now=$next
        else fail "attempt $k (kill after ${delay}s): the table describes as neither the old nor the new one"
        fi
    fi
    v=desc_$now
    [ "$got" = "${!v}" ] || fail "attempt $k: same bytes as table $now but a different description"
    if [ $use_query = 1 ]; then
        q=$(query t.tirt 2> q.err) || fail "attempt $k: query failed: $(cat q.err)"
        v=query_$now
        [ "$q" = "${!v}" ] || fail "attempt $k: query result is not that of table $now"
    fi
    if [ $status = 0 ] && [ $now != $next ]; then
        fail "attempt $k: the import finished but the table is still the old one"
    fi
    if [ $now = $cur ]; then n_old=$((n_old + 1)); else n_new=$((n_new + 1)); fi
    echo "# attempt $k: killed after ${delay}s (exit $status): table is the $([ $now = $cur ] && echo old || echo new) one"
    cur=$now
done
left=$(ls -A | grep -v -E '^(a|b)\.csv$|^(ra|ra2|rb|t)\.tirt(\.desc|\.err)?$|^(import|kill|q)\.err$|^q\.tir$' | tr '\n' ' ')
[ -z "$left" ] || echo "# files left behind by killed imports: $left"
echo "import_kill: $kills kills, all OK ($n_old left the old table, $n_new the new one)"
