select t1.id, t1.b, t2.k, t2.v, t2.w from t1 right join t2 on t1.a = t2.k and t1.b > 100000;
