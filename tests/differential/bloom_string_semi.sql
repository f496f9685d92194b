select id, s, c from t1 where s in (select s from t1 where b > 45000);
