select a, count(distinct s), sum(distinct b % 100), count(distinct d), count(*), count(b), avg(c), max(id),
       avg(distinct b % 100), count(distinct s) * 100 / count(*), count(distinct s) + count(distinct d)
from t1 group by a;
