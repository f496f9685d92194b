select count(*) as count, sum(o_totalprice) as price, sum(l_quantity) as quantity
from lineitem, orders where l_orderkey = o_orderkey
