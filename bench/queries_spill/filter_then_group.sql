select l_shipmode, count(*) as n, sum(l_extendedprice) as sum_price, max(l_partkey) as max_part from lineitem where l_shipmode <> 'MAIL' group by l_shipmode
