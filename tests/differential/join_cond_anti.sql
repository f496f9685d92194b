select id, a, b from t1 where not exists (select 1 from t2 where t2.k = t1.a and t1.b > t2.w * 50);
