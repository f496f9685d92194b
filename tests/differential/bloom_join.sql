select t1.id, t1.a, t1.s, t2.v from t1 join t2 on t1.a = t2.k where t2.w > 900;
