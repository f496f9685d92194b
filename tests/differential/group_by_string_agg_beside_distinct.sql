select a, group_concat(s, '|') as j, count(distinct d) as nd, count(distinct b) as nb, count(*) as n
from t1 group by a;
