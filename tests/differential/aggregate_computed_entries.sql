with p as (select sum(a) * 1.0 / count(a) as mean, max(b) - min(b) as spread, count(*) / 2 as half from t1)
select count(*), (select mean from p) + 0 * count(*), (select spread from p)
from t1 where id <= (select half from p) and a > (select mean from p);
