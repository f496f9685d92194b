select count(distinct a), count(distinct s), sum(distinct a), count(*), sum(c),
       (select count(distinct a) from t1 where id < 0), (select count(distinct s) from t1 where id < 0),
       (select sum(distinct a) from t1 where id < 0), (select count(*) from t1 where id < 0),
       (select sum(c) from t1 where id < 0)
from t1;
