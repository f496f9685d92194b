select t3.id, t3.g, t3.x, t4.v from t3 left join t4 on t3.g = t4.k2 and t3.x = t4.k order by t3.g nulls last, t3.x desc nulls last;
