select l_orderkey, sum(l_quantity) as sum_qty, count(*) as count from lineitem group by l_orderkey
