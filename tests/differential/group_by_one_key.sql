select a, count(*), count(b), sum(b), min(c), max(c), avg(c), min(s), max(s), max(d), sum(c) from t1 group by a;
