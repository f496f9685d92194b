select count(distinct s), count(*), count(b), min(distinct s), avg(b), max(s) from t1 where id < 0;
