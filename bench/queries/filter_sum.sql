select sum(l_extendedprice) as sum from lineitem where l_quantity < 24
