select s, count(*), max(a) - min(a), sum(b) + count(a) * 2, sum(b) * 1.0 / count(*),
  100 * sum(case when a > 0 then 1 else 0 end) / count(*),
  case when coalesce(s, 'none') = 'none' or count(*) > 10 then 'true' else 'false' end
from t1 group by s;
