select count(*) from t1 where c < 10.0 and a >= (select min(k) from t2 where w > 5000) and id > 3;
