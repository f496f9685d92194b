select s, b % 1000 as m, d, count(*), sum(c), max(a) from t1 group by s, m, d;
