with p as (select count(distinct d) as nd, count(*) as n, count(c) as nc, sum(c) as sc,
                  count(distinct d) * 1.0 / count(d) as ratio from t1)
select count(*), count(distinct a), (select n from p), (select ratio from p), (select nc from p), (select sc from p)
from t1 where id <= (select nd from p);
