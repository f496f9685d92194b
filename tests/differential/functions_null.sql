select id, coalesce(a, b, 0), coalesce(s, 'none'), coalesce(c, a),
  nullif(a, 0), nullif(s, 'k1'),
  case when a is null then b when b is null then a else max(a, b) end,
  case when c is null then a when a is null then c else min(c, a) end,
  case when s is null then 'k2' else max(s, 'k2') end,
  case when d is null then '1996-01-01' else min(d, '1996-01-01') end,
  case when a is null and b is null then 5 when a is null then max(5, b) when b is null then max(a, 5) else max(a, 5, b) end,
  coalesce(b / a, -1)
from t1;
