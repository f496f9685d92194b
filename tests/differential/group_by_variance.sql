-- the textbook formula over the CSV's values (cc, as tir reads them); any_value is tir's min
select a, count(cc),
  case when count(cc) > 1 then (sum(cc * cc) - sum(cc) * sum(cc) / count(cc)) / (count(cc) - 1) end,
  case when count(cc) > 0 then (sum(cc * cc) - sum(cc) * sum(cc) / count(cc)) / count(cc) end,
  case when count(cc) > 1 then sqrt(max(0, (sum(cc * cc) - sum(cc) * sum(cc) / count(cc)) / (count(cc) - 1))) end,
  case when count(cc) > 0 then sqrt(max(0, (sum(cc * cc) - sum(cc) * sum(cc) / count(cc)) / count(cc))) end,
  case when count(b) > 1 then (sum(1.0 * b * b) - 1.0 * sum(b) * sum(b) / count(b)) / (count(b) - 1) end,
  case when count(id) > 1 then sqrt((sum(1.0 * id * id) - 1.0 * sum(id) * sum(id) / count(id)) / (count(id) - 1)) end,
  min(s)
from (select *, cast(cast(c as text) as real) as cc from t1) group by a;
