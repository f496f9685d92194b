#!/usr/bin/env bash
# order.sh — sort, top-N, merge_join and window against sqlite3, in order.
#
# Usage: order.sh [--spill] TIRRUN TESTSDIR [SIZES]
# For each size (rows of t3; default "0 1 2049 100000"), sqlite3 generates
# t3 (NULLs, duplicates, every type, strings sharing 12+ byte prefixes) and
# t4 (a join partner: duplicate and NULL keys), as CSV and as native tables
# (t4 imported sorted by k, t3 by x). Each tests/order/NAME.tir runs at 1
# and at 2 threads; both outputs must be the same bytes (order and ties
# alike), and equal NAME.sql run by sqlite3 compared in order: the rows are
# cut into groups of equal sort keys (the fields NAME.keys lists, 1-based),
# the sequence of groups must match and each group is compared as a
# multiset, since rows with equal keys may come in any order. Without
# NAME.keys the whole output is one multiset. Prints TAP.
#
# --spill: only the programs with a full sort (no :limit) or a window, with
# t3 read as a native table in its CSV order (t3.tirt: loading the CSV
# would be most of the memory), sizes "1 2049 100000" by default. At 1 and
# 2 threads each runs in memory as above (its peak measured), then with
# --force-spill (every batch becomes a sorted run, merged at most 4 at a
# time: several passes) and, at the largest size when its peak is 4 MiB or
# more and it has no join, under a memory limit of 3/5 of that peak. Every
# spilling run must say in its profile that it spilled and print the same
# bytes as the in-memory run: the merge keeps the in-memory order, ties
# included. (A program whose output is empty need not spill.)
set -u
spill=0
if [ "${1-}" = "--spill" ]; then spill=1; shift; fi
tirrun=$1
here=$2
dir=$2/order
sizes=${3:-"0 1 2049 100000"}
[ $spill -eq 1 ] && sizes=${3:-"1 2049 100000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Rows in canonical form (normalize.awk), each prefixed by the number of its
# group of equal keys, sorted: equal files <=> same groups in the same order
# with the same rows.
canon() { # file keys
    tail -n +2 "$1" | awk -f "$here/normalize.awk" |
        awk -v keys="$2" 'BEGIN { FS = ","; nk = split(keys, K, ","); g = 0; prev = "\001" }
            { k = ""; for (i = 1; i <= nk; i++) k = k SUBSEP $(K[i]); if (k != prev) { g++; prev = k }
              printf "%09d\t%s\n", g, $0 }' | LC_ALL=C sort
}

gen() { # rows outdir
    local rows=$1 out=$2 t4rows=$(( $1 / 3 > 3000 ? 3000 : $1 / 3 > 10 ? $1 / 3 : 10 ))
    sqlite3 "$out/gen.db" <<SQL
create table t3 as
with recursive r(i) as (select 1 union all select i + 1 from r where i < $rows),
     h(i, x) as (select i, ((i * 2654435761 + 40503) % 4294967291) from r where $rows > 0)
select
  i as id,
  case when x % 13 = 0 then null else (x / 7) % 20 end as g,
  case when x % 11 = 0 then null else (x / 3) % 1000 - 500 end as x,
  case when x % 17 = 0 then null else (x / 5) % 100000 * 1000003 - 50000000000 end as y,
  case when x % 7 = 0 then null when x % 23 = 0 then 0.0 else ((x / 11) % 4000) / 8.0 - 250 end as f,
  case when x % 9 = 0 then null when x % 4 = 0 then 'a_shared_prefix_' || ((x / 13) % 50)
       when x % 4 = 1 then 'a_shared_prefix_' || ((x / 13) % 50) || '_and_more' else 'k' || ((x / 13) % 30) end as s,
  case when x % 19 = 0 then null else date('1995-01-01', '+' || ((x / 17) % 900) || ' days') end as d,
  case when x % 29 = 0 then null else (x / 19) % 2 end as b
from h;
create table t4 as
with recursive r(i) as (select 1 union all select i + 1 from r where i < $t4rows),
     h(i, x) as (select i, ((i * 2246822519 + 9176) % 4294967291) from r)
select
  case when x % 19 = 0 then null else (x / 5) % 1200 - 600 end as k,
  case when x % 23 = 0 then null else (x / 7) % 20 end as k2,
  'v' || (x % 1000) as v,
  case when x % 6 = 0 then null when x % 2 = 0 then 'a_shared_prefix_' || ((x / 13) % 50) else 'k' || ((x / 11) % 30) end as sv,
  case when x % 5 = 0 then null else (x / 3) % 1000 end as w
from h;
-- the oracle's joins and EXISTS run in time only with indexes
create index t4_k on t4(k);
create index t4_sv on t4(sv);
create index t4_k2_k on t4(k2, k);
.headers on
.mode csv
.output $out/t3.csv
select * from t3;
.output $out/t4.csv
select * from t4;
SQL
    # sqlite3 writes no header for an empty result
    [ -s "$out/t3.csv" ] || echo "id,g,x,y,f,s,d,b" > "$out/t3.csv"
}

# spill_runs BASE TH: BASE.tir (whose in-memory output and --timer output
# are BASE.tTH.out and BASE.tTH.err) spilling; sets bad on a failure.
spill_runs() {
    local b=$1 th=$2 peak opt opts
    peak=$(sed -n 's/.*peak memory \([0-9.]*\) MiB.*/\1/p' "$b.t$th.err" | tail -n 1)
    opts=("--force-spill")
    # a join's output is a relation held in memory (relations do not spill
    # yet): under a limit only the programs without one
    if [ "$size" = "${sizes##* }" ] && awk -v p="$peak" 'BEGIN { exit !(p >= 4) }' && ! grep -q "_join :input" "$b.tir"; then
        opts+=("--memory-limit $(awk -v p="$peak" 'BEGIN { printf "%d", p * 1048576 * 3 / 5 }')")
    fi
    for opt in "${opts[@]}"; do
        # shellcheck disable=SC2086
        if ! "$tirrun" --threads $th --format csv --profile $opt "$b.tir" > "$b.spill.out" 2> "$b.spill.err"; then
            bad="tirrun --threads $th $opt (peak $peak MiB) failed: $(head -c 600 "$b.spill.err")"; return
        fi
        # (a sort given no row has nothing to spill)
        if [ "$(wc -l < "$b.t$th.out")" -gt 1 ] && ! grep -q "spilled:" "$b.spill.err"; then
            bad="not spilled with --threads $th $opt (peak $peak MiB): $(head -c 900 "$b.spill.err")"; return
        fi
        if ! cmp -s "$b.t$th.out" "$b.spill.out"; then
            bad="--threads $th $opt differs from the run in memory: $(diff "$b.t$th.out" "$b.spill.out" | head -10)"
            return
        fi
    done
}

tests=()
for f in "$dir"/*.tir; do
    # --spill: a window, or a sort without :limit
    [ $spill -eq 1 ] && ! grep -q "= window :input" "$f" && ! grep "= sort :input" "$f" | grep -qv ":limit" && continue
    tests+=("$(basename "$f" .tir)")
done
total=$(( ${#tests[@]} * $(echo $sizes | wc -w) ))
echo "1..$total"
n=0; fail=0
for size in $sizes; do
    d="$work/rows$size"; mkdir -p "$d/data"
    gen "$size" "$d/data"
    t3schema="id: i64 unique, g: i32 nullable, x: i32 nullable, y: i64 nullable, f: f64 nullable, s: string nullable, d: date nullable, b: bool nullable"
    t4schema="k: i32 nullable, k2: i32 nullable, v: string, sv: string nullable, w: i64 nullable"
    "$tirrun" import --sort-by x --block-rows 1024 --schema "$t3schema" "$d/data/t3.csv" "$d/data/t3_by_x.tirt" 2> "$d/import.err" &&
    "$tirrun" import --sort-by k --block-rows 256 --schema "$t4schema" "$d/data/t4.csv" "$d/data/t4_by_k.tirt" 2>> "$d/import.err" &&
    "$tirrun" import --block-rows 1024 --schema "$t3schema" "$d/data/t3.csv" "$d/data/t3.tirt" 2>> "$d/import.err" ||
        { echo "Bail out! import failed"; cat "$d/import.err"; exit 1; }
    for t in "${tests[@]}"; do
        n=$((n + 1))
        if [ $spill -eq 1 ]; then
            sed 's/read_csv("data\/t3\.csv")/read_table("data\/t3.tirt")/' "$dir/$t.tir" > "$d/$t.tir"
        else
            cp "$dir/$t.tir" "$d/$t.tir"
        fi
        keys=""; [ -f "$dir/$t.keys" ] && keys=$(cat "$dir/$t.keys")
        sqlite3 -csv -header "$d/data/gen.db" < "$dir/$t.sql" > "$d/$t.sql.out" 2>&1
        bad=""
        for th in 1 2; do
            if ! "$tirrun" --threads $th --format csv --timer "$d/$t.tir" > "$d/$t.t$th.out" 2> "$d/$t.t$th.err"; then
                bad="tirrun --threads $th failed: $(head -c 600 "$d/$t.t$th.err")"; break
            fi
            [ $spill -eq 1 ] && spill_runs "$d/$t" $th
            [ -n "$bad" ] && break
        done
        if [ -z "$bad" ] && ! cmp -s "$d/$t.t1.out" "$d/$t.t2.out"; then
            bad="1 and 2 threads differ: $(diff "$d/$t.t1.out" "$d/$t.t2.out" | head -10)"
        fi
        if [ -z "$bad" ] && ! diff <(canon "$d/$t.t1.out" "$keys") <(canon "$d/$t.sql.out" "$keys") > "$d/$t.diff"; then
            bad="differs from sqlite3 (keys $keys): $(head -20 "$d/$t.diff")"
        fi
        if [ -z "$bad" ]; then
            echo "ok $n - $t rows $size"
        else
            echo "not ok $n - $t rows $size"; echo "$bad" | sed 's/^/# /'
            fail=$((fail + 1))
        fi
    done
done
[ "$fail" -eq 0 ]
