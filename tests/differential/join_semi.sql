select id, a from t1 where exists (select 1 from t2 where t2.k = t1.a);
