select a * 1000 + id % 1000 as g, count(*), sum(c), min(id) from t1 group by g;
