select l_suppkey, l_shipdate, l_orderkey, l_linenumber, l_quantity,
       avg(l_quantity) over (partition by l_suppkey order by l_shipdate, l_orderkey, l_linenumber
                             rows between 6 preceding and current row) as avg7
from lineitem
