select count(*), sum(b), max(c) from t1 where 0 < b and c != 3.5 and d <= '1996-06-30' and (id % 3 = 1 or c is null);
