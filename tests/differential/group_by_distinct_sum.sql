select substr(s, 1, 2), id % 2, sum(distinct a * 2), avg(distinct a * 2), count(distinct a * 2), sum(a * 2), count(a),
  avg(case when a > 0 then a end)
from t1 where id % 3 != 0 group by 1, 2;
