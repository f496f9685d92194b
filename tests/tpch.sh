#!/usr/bin/env bash
# tpch.sh — the 22 TPC-H plans of bench/queries (q1.tir ... q22.tir) against
# sqlite3 running their SQL (qN.sql, the text DuckDB runs in bench/run), on
# gen_tpch data at a small scale factor (default 0.1).
#
# Usage: tpch.sh TIRRUN GEN_TPCH SRCDIR [SF]
# The SQL is DuckDB's; two rewrites make it sqlite3's: date literals
# (date '1995-03-15') become strings, and extract(year from x) becomes
# strftime. A query whose SQL sqlite3 cannot run even then would have a
# bench/queries/qN.sqlite.sql beside it (none needs one). Each plan runs at
# 2 threads; the rows are compared as bench/run compares them with DuckDB's
# (bench/compare.sh: numbers within a relative 1e-9, in order where qN.keys
# names the ORDER BY fields, ties as multisets). sqlite3 writes its rows as a
# list, fields joined by commas and not quoted, as tir's CSV (the data holds
# no commas or quotes). Prints TAP.
set -u
tirrun=$1 gen=$2 src=$3 sf=${4:-0.1}
queries=$src/bench/queries
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$src/bench/compare.sh"

echo "1..22"
if ! "$gen" --sf "$sf" "$work/tpch" 2> "$work/gen.err"; then
    echo "Bail out! gen_tpch failed: $(cat "$work/gen.err")"; exit 1
fi
# the columns typed as DuckDB's bench loads them; dates are text, which
# compares as dates do
sqlite3 "$work/tpch.db" <<SQL || { echo "Bail out! sqlite3 could not load the data"; exit 1; }
create table region(r_regionkey integer, r_name text, r_comment text);
create table nation(n_nationkey integer, n_name text, n_regionkey integer, n_comment text);
create table supplier(s_suppkey integer, s_name text, s_address text, s_nationkey integer,
    s_phone text, s_acctbal real, s_comment text);
create table part(p_partkey integer, p_name text, p_mfgr text, p_brand text, p_type text,
    p_size integer, p_container text, p_retailprice real, p_comment text);
create table partsupp(ps_partkey integer, ps_suppkey integer, ps_availqty integer,
    ps_supplycost real, ps_comment text);
create table customer(c_custkey integer, c_name text, c_address text, c_nationkey integer,
    c_phone text, c_acctbal real, c_mktsegment text, c_comment text);
create table orders(o_orderkey integer, o_custkey integer, o_orderstatus text, o_totalprice real,
    o_orderdate text, o_orderpriority text, o_clerk text, o_shippriority integer, o_comment text);
create table lineitem(l_orderkey integer, l_partkey integer, l_suppkey integer,
    l_linenumber integer, l_quantity integer, l_extendedprice real, l_discount real, l_tax real,
    l_returnflag text, l_linestatus text, l_shipdate text, l_commitdate text,
    l_receiptdate text, l_shipinstruct text, l_shipmode text, l_comment text);
.mode csv
.import --skip 1 $work/tpch/region.csv region
.import --skip 1 $work/tpch/nation.csv nation
.import --skip 1 $work/tpch/supplier.csv supplier
.import --skip 1 $work/tpch/part.csv part
.import --skip 1 $work/tpch/partsupp.csv partsupp
.import --skip 1 $work/tpch/customer.csv customer
.import --skip 1 $work/tpch/orders.csv orders
.import --skip 1 $work/tpch/lineitem.csv lineitem
-- keys for sqlite3's nested-loop joins and correlated subqueries (Q2, Q17, Q20, Q21, Q22);
-- without lineitem_supp sqlite3 drives Q5 and Q21 from the wrong end (10 s of the 20)
create unique index orders_key on orders(o_orderkey);
create index orders_cust on orders(o_custkey);
create index lineitem_order on lineitem(l_orderkey);
create index lineitem_part_supp on lineitem(l_partkey, l_suppkey);
create index lineitem_supp on lineitem(l_suppkey);
create unique index part_key on part(p_partkey);
create unique index supplier_key on supplier(s_suppkey);
create unique index customer_key on customer(c_custkey);
create index partsupp_key on partsupp(ps_partkey, ps_suppkey);
analyze;
SQL

fail=0
for i in $(seq 1 22); do
    q=q$i
    sed "s#\"\.\./data/tpch/#\"$work/tpch/#" "$queries/$q.tir" > "$work/$q.tir"
    if [ -f "$queries/$q.sqlite.sql" ]; then
        cp "$queries/$q.sqlite.sql" "$work/$q.sql"
    else
        sed -E -e "s/date '([0-9-]+)'/'\1'/g" \
            -e "s/extract\(year from ([a-z_]+)\)/cast(strftime('%Y', \1) as integer)/g" \
            "$queries/$q.sql" > "$work/$q.sql"
    fi
    keys=""; [ -f "$queries/$q.keys" ] && keys=$(cat "$queries/$q.keys")
    (echo "pragma case_sensitive_like = on;"; cat "$work/$q.sql") |
        sqlite3 -list -separator , -header "$work/tpch.db" > "$work/$q.sql.out" 2> "$work/$q.sql.err"
    if ! "$tirrun" --format csv --threads 2 "$work/$q.tir" > "$work/$q.tir.out" 2> "$work/$q.tir.err"; then
        echo "not ok $i - $q: tirrun failed"; sed 's/^/# /' "$work/$q.tir.err" | head -20
        fail=$((fail + 1)); continue
    fi
    if [ -s "$work/$q.sql.err" ]; then
        echo "not ok $i - $q: sqlite3 failed"; sed 's/^/# /' "$work/$q.sql.err" | head -20
        fail=$((fail + 1)); continue
    fi
    rows=$(($(wc -l < "$work/$q.tir.out") - 1))
    match=$(same_rows "$work/$q.tir.out" "$work/$q.sql.out" "$keys")
    if [ "$match" = yes ]; then
        echo "ok $i - $q: $rows rows as sqlite3's${keys:+, in order}"
    else
        echo "not ok $i - $q: $match"
        diff <(tail -n +2 "$work/$q.tir.out") <(tail -n +2 "$work/$q.sql.out") | head -20 | sed 's/^/# /'
        fail=$((fail + 1))
    fi
done
[ "$fail" -eq 0 ]
