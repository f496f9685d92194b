select t1.id, t1.b, t2.k, t2.v, t2.w from (select * from t1 where b > 1000000) t1 full join t2 on t1.a = t2.k;
