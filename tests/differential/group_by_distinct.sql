select a, count(distinct s), count(*), count(b), sum(b), avg(c), min(d), max(id), count(distinct s) * 100 / count(*)
from t1 group by a;
