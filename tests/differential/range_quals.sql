select count(*), sum(c), min(id), max(d) from t1 where a >= 5 and a < 8 and d >= '1995-06-01' and 3 <= a;
