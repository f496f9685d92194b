select count(*), sum(b), min(a), avg(c) from t1 where a > 1000;
