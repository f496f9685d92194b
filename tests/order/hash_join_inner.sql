select t3.id, t3.x, t4.k, t4.v, t4.w from t3 join t4 on t3.x = t4.k order by t3.x;
