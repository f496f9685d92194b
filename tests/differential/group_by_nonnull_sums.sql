select a, sum(id), sum(id % 7 - 3), sum(b), avg(id) from t1 group by a;
