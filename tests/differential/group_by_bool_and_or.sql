select s,
  case when min(a > 0) is null then null when min(a > 0) = 1 then 'true' else 'false' end,
  case when max(a > 0) is null then null when max(a > 0) = 1 then 'true' else 'false' end,
  case when max(b > 40000) is null then null when max(b > 40000) = 1 then 'true' else 'false' end,
  count(a > 0)
from t1 group by s;
