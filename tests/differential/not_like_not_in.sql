select id, s, a from t1 where s not like '%long%' and a not in (1, 2, 3);
