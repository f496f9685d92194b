select t3.id, t3.x, t4.k, t4.v, t4.w from t3 join t4 on t3.x = t4.k where t3.id % 3 <> 0 and t4.w is not null order by t3.x;
