select t3.id, t3.x from t3 where not exists (select 1 from t4 where t4.k = t3.x) order by t3.x nulls last;
