select o_orderkey, o_orderdate, sum(l_extendedprice) as sum_price, count(*) as count
from lineitem, orders
where l_orderkey = o_orderkey
group by o_orderkey, o_orderdate
