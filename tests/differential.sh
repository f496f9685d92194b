#!/usr/bin/env bash
# differential.sh — checks tir against sqlite3 on generated tables with NULLs.
#
# Usage: differential.sh [--native] TIRRUN TESTSDIR [SEEDS]
# For each seed, sqlite3 generates two tables (deterministic pseudo-random
# values with NULLs, duplicate and dangling join keys) and writes them as CSV;
# each tests/differential/NAME.tir runs under tir and NAME.sql under sqlite3,
# and the outputs are compared as multisets of rows (sorted lines; numbers
# normalized to 9 significant digits since sums of doubles depend on order).
# Programs named *string_agg* join strings with '|': their string_agg and
# sqlite3's group_concat fields are compared as multisets of tokens, since
# neither engine promises an order across workers.
#
# --native: the tables are imported as native tables (t1 sorted by a, small
# blocks, bloom filters on a and s) and every program reads them with
# read_table; each runs with pruning and with --no-prune, and both must
# equal sqlite3 (pruning never changes results). Programs whose answer
# depends on row order (limit) read t1 in its generated order instead.
# --spill: as --native, for the programs with a hash_group_by or a
# build_hash only, at 1 and 2 threads: each runs in memory (its peak memory
# measured), then with --force-spill (every batch spills, the read-back
# takes two passes), and the group_by_spill_* and join_spill_big_*
# programs, on the last seed's tables, also under memory
# limits of 4/5 and 3/5 of their peak; the profile must show that each of
# these spilled (but *_empty_build programs, which have nothing to spill),
# and every run must equal sqlite3.
# Prints TAP.
set -u
native=0 spill=0
if [ "${1-}" = "--native" ]; then native=1; shift; fi
if [ "${1-}" = "--spill" ]; then native=1; spill=1; shift; fi
tirrun=$1
here=$2
dir=$2/differential
seeds=${3:-"1 2 3"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

toksep=""
normalize() { awk -v toksep="$toksep" -f "$here/normalize.awk" | LC_ALL=C sort; }

gen() { # seed rows outdir
    local seed=$1 rows=$2 out=$3
    sqlite3 "$out/gen.db" <<SQL
create table t1 as
with recursive r(i) as (select 1 union all select i + 1 from r where i < $rows),
     h(i, x) as (select i, ((i * 2654435761 + $seed * 40503) % 4294967291) from r)
select
  i as id,
  case when x % 11 = 0 then null else (x / 7) % 50 - 10 end as a,
  case when x % 13 = 0 then null else (x / 3) % 100000 - 50000 end as b,
  case when x % 7 = 0 then null else ((x / 5) % 20000) / 100.0 - 50 end as c,
  case when x % 9 = 0 then null else 'k' || ((x / 11) % 40) || case when x % 3 = 0 then '_long_string_value' else '' end end as s,
  case when x % 17 = 0 then null else date('1995-01-01', '+' || ((x / 13) % 1500) || ' days') end as d
from h;
create table t2 as
with recursive r(i) as (select 1 union all select i + 1 from r where i < 750),
     h(i, x) as (select i, ((i * 2246822519 + $seed * 9176) % 4294967291) from r)
select
  case when x % 19 = 0 then null else (x / 5) % 60 - 10 end as k,
  'v' || (x % 1000) as v,
  case when x % 5 = 0 then null else (x / 3) % 1000 end as w
from h;
.headers on
.mode csv
.output $out/t1.csv
select * from t1;
.output $out/t2.csv
select * from t2;
SQL
}

# spill_runs BASE: BASE.tir at 1 and 2 threads, in memory then under two
# limits that make it spill; true when every run equals BASE.sql.out.
spill_runs() {
    local b=$1 th peak opt opts
    spill_bad=""
    for th in 1 2; do
        if ! "$tirrun" --format csv --threads $th --timer "$b.tir" > "$b.tir.out" 2> "$b.tir.err"; then
            spill_bad="tirrun --threads $th failed: $(head -c 600 "$b.tir.err")"; return 1
        fi
        same_as_sqlite "$b" "in memory, $th threads" || return 1
        peak=$(sed -n 's/.*peak memory \([0-9.]*\) MiB.*/\1/p' "$b.tir.err" | tail -n 1)
        opts=("--force-spill")
        # on the small tables fixed costs (a 256 KiB string heap, a batch of
        # registers) are most of the peak: limits only on the 70,000 rows
        case $b in
            */seed"${seeds##* }"/group_by_spill_*|*/seed"${seeds##* }"/join_spill_big_*)
                for div in 1.25 1.67; do
                    opts+=("--memory-limit $(awk -v p="$peak" -v d=$div 'BEGIN { printf "%d", p * 1048576 / d }')")
                done ;;
        esac
        for opt in "${opts[@]}"; do
            # shellcheck disable=SC2086
            if ! "$tirrun" --format csv --threads $th $opt --profile "$b.tir" > "$b.tir.out" 2> "$b.tir.err"; then
                spill_bad="tirrun --threads $th $opt (peak $peak MiB) failed: $(head -c 600 "$b.tir.err")"
                return 1
            fi
            if [[ $b != *_empty_build ]] && { ! grep -q "spilled:" "$b.tir.err" ||
               { [ "$opt" = --force-spill ] && ! grep -q "spilled:.* 2 passes" "$b.tir.err"; }; }; then
                spill_bad="not spilled as expected with --threads $th $opt (peak $peak MiB): $(head -c 900 "$b.tir.err")"
                return 1
            fi
            same_as_sqlite "$b" "with $opt, $th threads" || return 1
        done
    done
}

same_as_sqlite() { # BASE WHAT
    if ! diff <(tail -n +2 "$1.tir.out" | normalize) <(tail -n +2 "$1.sql.out" | normalize) > "$1.diff"; then
        spill_bad="differs from sqlite3 $2: $(head -30 "$1.diff")"
        return 1
    fi
}

tests=()
for f in "$dir"/*.tir; do
    [ $spill -eq 1 ] && ! grep -qE "hash_group_by|build_hash" "$f" && continue
    tests+=("$(basename "$f" .tir)")
done
total=$(( ${#tests[@]} * $(echo $seeds | wc -w) ))
echo "1..$total"
n=0; fail=0
for seed in $seeds; do
    d="$work/seed$seed"; mkdir -p "$d/data"
    # the last seed's tables span several morsels, so pipelines run on all workers
    rows=3000; [ "$seed" = "${seeds##* }" ] && rows=70000
    gen "$seed" "$rows" "$d/data"
    runs=("")
    if [ $native -eq 1 ]; then
        runs=("" "--no-prune")
        t1schema="id: i64 unique, a: i32 nullable, b: i64 nullable, c: f64 nullable, s: string nullable, d: date nullable"
        "$tirrun" import --sort-by a --bloom a,s --block-rows 128 --schema "$t1schema" \
            "$d/data/t1.csv" "$d/data/t1.tirt" 2> "$d/import.err" &&
        "$tirrun" import --bloom a --block-rows 128 --schema "$t1schema" \
            "$d/data/t1.csv" "$d/data/t1_ordered.tirt" 2>> "$d/import.err" &&
        "$tirrun" import --bloom k --block-rows 64 --schema "k: i32 nullable, v: string, w: i64 nullable" \
            "$d/data/t2.csv" "$d/data/t2.tirt" 2>> "$d/import.err" || { echo "Bail out! import failed"; cat "$d/import.err"; exit 1; }
    fi
    for t in "${tests[@]}"; do
        n=$((n + 1))
        toksep=""; case $t in *string_agg*) toksep="|" ;; esac
        if [ $native -eq 1 ]; then
            t1=t1; case $t in limit_*) t1=t1_ordered ;; esac
            sed -e "s/read_csv(\"data\/t1\.csv\")/read_table(\"data\/$t1.tirt\")/" \
                -e 's/read_csv("data\/t2\.csv")/read_table("data\/t2.tirt")/' -e 's/unique asc/unique/' \
                "$dir/$t.tir" > "$d/$t.tir"
        else
            cp "$dir/$t.tir" "$d/$t.tir"
        fi
        sqlite3 -csv -header "$d/data/gen.db" < "$dir/$t.sql" > "$d/$t.sql.out" 2>&1
        bad=""
        if [ $spill -eq 1 ]; then
            runs=()   # spill_runs does them
            spill_runs "$d/$t" || bad=$spill_bad
        fi
        for opt in "${runs[@]}"; do
            if ! "$tirrun" --format csv $opt "$d/$t.tir" > "$d/$t.tir.out" 2> "$d/$t.tir.err"; then
                bad="tirrun $opt failed: $(head -c 600 "$d/$t.tir.err")"; break
            fi
            # rows only: the engines name computed columns differently
            if ! diff <(tail -n +2 "$d/$t.tir.out" | normalize) <(tail -n +2 "$d/$t.sql.out" | normalize) > "$d/$t.diff"; then
                bad="differs from sqlite3 ${opt:-with pruning}: $(head -30 "$d/$t.diff")"; break
            fi
        done
        if [ -z "$bad" ]; then
            echo "ok $n - $t seed $seed"
        else
            echo "not ok $n - $t seed $seed"; echo "$bad" | sed 's/^/# /'
            fail=$((fail + 1))
        fi
    done
done
[ "$fail" -eq 0 ]
