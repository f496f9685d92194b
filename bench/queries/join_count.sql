select count(*) as count from lineitem, orders
where l_orderkey = o_orderkey and o_orderdate < date '1995-03-15'
