select l_returnflag, l_linestatus, count(distinct l_partkey) as parts, count(*) as lines, sum(l_quantity) as qty
from lineitem group by l_returnflag, l_linestatus
