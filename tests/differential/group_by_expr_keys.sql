select a % 7, case when b is null then null when b > 0 then 'true' else 'false' end, substr(s, 1, 2),
  date(d, 'start of month'), count(*), sum(id)
from t1 group by 1, 2, 3, 4;
