#!/usr/bin/env bash
# seed001_oracle.sh — runs examples/seed001.tir on generated demo data and
# checks its rows against sqlite3 running the SQL that expresses the plan as
# written (customers filtered before the LEFT join; orders pruned to the
# filtered customers' key range). Then the same plan on native tables
# (examples/seed001_native.tir, tables imported sorted as run-demo does, in
# small blocks) with and without pruning: same rows, and the profile must
# show blocks skipped by the static and by the dynamic ranges. Last,
# examples/top_customers.tir (top-N, merge joins, a window) on the same
# native tables against sqlite3, in order. Prints TAP.
# Usage: seed001_oracle.sh TIRRUN GEN_DEMO SRCDIR
set -u
tirrun=$1 gen=$2 src=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..4"
mkdir -p "$work/data"
"$gen" --customers 20000 --orders 300000 --seed 7 "$work/data" 2> /dev/null
cp "$src/examples/seed001.tir" "$src/examples/seed001_native.tir" "$work/"
if ! "$tirrun" --format csv "$work/seed001.tir" > "$work/tir.out" 2> "$work/tir.err"; then
    echo "not ok 1 - seed001 (tirrun failed)"; sed 's/^/# /' "$work/tir.err"; exit 1
fi
sqlite3 "$work/gen.db" <<SQL
create table customers(customer_id integer, name text, gender text);
create table sale_orders(order_id integer, customer_id integer, freight real);
.mode csv
.import --skip 1 $work/data/customers.csv customers
.import --skip 1 $work/data/sale_orders.csv sale_orders
SQL
sqlite3 -csv -header "$work/gen.db" > "$work/sql.out" <<SQL
with c as (select customer_id, name from customers
           where gender = 'M' and name >= 'abc' and name < 'abd')
select c.name as name, count(so.freight) as count, sum(so.freight) as sum
from sale_orders so left join c on c.customer_id = so.customer_id
where so.freight > 10 and so.freight < 50
  and so.freight between 10 and 50
  and so.customer_id between (select min(customer_id) from c) and (select max(customer_id) from c)
group by c.name;
SQL
norm() { awk -f "$src/tests/normalize.awk" | LC_ALL=C sort; }
if diff <(norm < "$work/tir.out") <(norm < "$work/sql.out") > "$work/diff"; then
    echo "ok 1 - seed001 matches sqlite3 ($(($(wc -l < "$work/tir.out") - 1)) groups)"
else
    echo "not ok 1 - seed001 differs from sqlite3"; head -30 "$work/diff" | sed 's/^/# /'; exit 1
fi

"$tirrun" import --sort-by name --block-rows 1024 "$work/data/customers.csv" "$work/data/customers.tirt" 2> /dev/null &&
"$tirrun" import --sort-by customer_id --block-rows 4096 "$work/data/sale_orders.csv" "$work/data/sale_orders.tirt" 2> /dev/null ||
    { echo "Bail out! import failed"; exit 1; }
fail=0
for opt in "" "--no-prune"; do
    if ! "$tirrun" --format csv --profile $opt "$work/seed001_native.tir" > "$work/nat.out" 2> "$work/nat.err"; then
        echo "not ok 2 - seed001_native $opt (tirrun failed)"; sed 's/^/# /' "$work/nat.err"; exit 1
    fi
    if ! diff <(norm < "$work/nat.out") <(norm < "$work/sql.out") > "$work/diff"; then
        echo "not ok 2 - seed001_native ${opt:-with pruning} differs from sqlite3"; head -30 "$work/diff" | sed 's/^/# /'; exit 1
    fi
    [ -z "$opt" ] && cp "$work/nat.err" "$work/pruned.err"
done
echo "ok 2 - seed001_native matches sqlite3 with and without pruning"
# pipeline1: the name range skips customer blocks; pipeline2: the customer_id range skips order blocks
if grep -A1 "^pipeline1 " "$work/pruned.err" | grep -Eq "blocks, [1-9][0-9]* skipped by min-max" &&
   grep -A1 "^pipeline2 " "$work/pruned.err" | grep -Eq "blocks, [1-9][0-9]* skipped by min-max"; then
    echo "ok 3 - the profile shows blocks skipped by the static and the dynamic ranges"
else
    echo "not ok 3 - the profile shows blocks skipped by the static and the dynamic ranges"
    grep -A1 "^pipeline" "$work/pruned.err" | sed 's/^/# /'; exit 1
fi

cp "$src/examples/top_customers.tir" "$work/"
if ! "$tirrun" --format csv "$work/top_customers.tir" > "$work/top.out" 2> "$work/top.err"; then
    echo "not ok 4 - top_customers (tirrun failed)"; sed 's/^/# /' "$work/top.err"; exit 1
fi
sqlite3 -csv -header "$work/gen.db" > "$work/topsql.out" <<SQL
create table top as
    select so.customer_id as customer_id, c.name as name, count(*) as orders, sum(freight) as freight
    from sale_orders so join customers c on c.customer_id = so.customer_id
    group by so.customer_id, c.name order by freight desc, so.customer_id limit 10;
select * from top order by freight desc, customer_id;
select so.customer_id as customer_id, top.name as name, so.order_id as order_id, so.freight as freight,
       row_number() over w as nth, sum(so.freight) over (w rows between unbounded preceding and current row) as running
from sale_orders so join top on top.customer_id = so.customer_id
where so.freight > 90.0
window w as (partition by so.customer_id order by so.freight desc, so.order_id)
order by so.customer_id, so.freight desc, so.order_id;
SQL
# the rows of both outputs in order (no ties: every order ends in a unique key)
ordered() { awk -f "$src/tests/normalize.awk" | grep -v '^$' | grep -v '^customer_id,'; }
if diff <(ordered < "$work/top.out") <(ordered < "$work/topsql.out") > "$work/diff"; then
    echo "ok 4 - top_customers matches sqlite3 in order"
else
    echo "not ok 4 - top_customers differs from sqlite3"; head -30 "$work/diff" | sed 's/^/# /'; exit 1
fi
