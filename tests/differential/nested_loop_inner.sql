select t2.v, count(*), sum(t1.id), min(t1.b), count(t2.k) from t1 join t2 on t1.b >= t2.w * 400 and t1.b < t2.w * 400 + 3000 where t2.w < 100 group by t2.v;
