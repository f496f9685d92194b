select l_partkey, count(*), sum(l_quantity), sum(l_extendedprice), avg(l_discount), min(l_shipdate), max(l_comment)
from lineitem group by l_partkey
