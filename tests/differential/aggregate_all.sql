select count(*), count(a), sum(b), min(a), max(s), avg(c), min(d), max(b) from t1;
