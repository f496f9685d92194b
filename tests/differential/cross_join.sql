select t2.k, t2.w, count(*), sum(t1.id), sum(t1.a), count(t1.c) from t1 cross join t2 where t2.w < 8 group by t2.k, t2.w;
