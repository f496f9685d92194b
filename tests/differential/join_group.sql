select t2.v, count(*), sum(t1.b), max(t2.w) from t1 join t2 on t1.a = t2.k where t1.c > -30.0 group by t2.v;
