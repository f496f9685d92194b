select l_orderkey, l_linenumber,
       row_number() over (partition by l_orderkey order by l_linenumber) as rn
from lineitem
