select s, a, count(*), sum(a), min(d) from t1 where b > -20000 group by s, a;
