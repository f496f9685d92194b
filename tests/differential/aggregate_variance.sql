select (sum(cc * cc) - sum(cc) * sum(cc) / count(cc)) / (count(cc) - 1),
  sqrt((sum(1.0 * a * a) - 1.0 * sum(a) * sum(a) / count(a)) / count(a)),
  (sum(1.0 * id * id) - 1.0 * sum(id) * sum(id) / count(id)) / (count(id) - 1)
from (select *, cast(cast(c as text) as real) as cc from t1);
