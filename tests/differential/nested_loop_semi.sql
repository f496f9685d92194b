select count(*), sum(id) from t1 where exists (select 1 from t2 where t2.k > t1.a + 45 and t2.w < t1.a * 3);
