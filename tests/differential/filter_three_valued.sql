select id, a from t1 where (a > 10 or b < 0) and not (c > 0.0);
