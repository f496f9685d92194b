select l_orderkey, l_partkey, l_extendedprice from lineitem order by l_extendedprice desc, l_orderkey
