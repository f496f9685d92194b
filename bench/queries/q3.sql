-- TPC-H Q3 as bench/queries/q3.tir computes it: every group, no ORDER BY ... LIMIT 10
-- (tir has no sort yet; the rows are compared as a multiset).
select l_orderkey, o_orderdate, o_shippriority,
       sum(l_extendedprice * (1 - l_discount)) as revenue
from customer, orders, lineitem
where c_mktsegment = 'BUILDING' and c_custkey = o_custkey
  and l_orderkey = o_orderkey and o_orderdate < date '1995-03-15'
  and l_shipdate > date '1995-03-15'
group by l_orderkey, o_orderdate, o_shippriority
