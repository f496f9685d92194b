select t2.v, count(*), sum(t1.id), count(t1.a), sum(t2.k) from t1 full join (select * from t2 where w < 60 or w is null) t2 on t1.a > t2.k + 35 and t1.b < t2.w * 1000 - 30000 group by t2.v;
