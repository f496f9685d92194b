select b, count(*), count(c), sum(a), sum(id), avg(c), avg(a), min(s), max(s), min(d), max(c), min(a) from t1 group by b;
