select l_orderkey, l_partkey, l_quantity, l_extendedprice, l_shipdate
from lineitem order by l_shipdate, l_extendedprice desc
