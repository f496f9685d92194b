select t3.id, t3.x, t4.w from t3 join t4 on t3.x = t4.k where t3.g < 10 or t3.g is null order by t3.x;
