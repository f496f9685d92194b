select id, a from t1 where a > 0 limit 10 offset 5;
