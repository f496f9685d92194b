select l_suppkey, l_shipdate, l_quantity,
       sum(l_quantity) over (partition by l_suppkey order by l_shipdate) as running
from lineitem
