select count(*), sum(t1.id), count(t2.k) from t1 left join (select * from t2 where w < -1) t2 on 1;
