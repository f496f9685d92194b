select t.a, j.j, t.nd, t.n
from (select a, count(distinct d) as nd, count(*) as n from t1 group by a) t
join (select a, group_concat(s, '|') as j from (select distinct a, s from t1) group by a) j on j.a is t.a;
