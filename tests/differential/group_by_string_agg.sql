select a, group_concat(s, '|'), coalesce(group_concat(case when b % 5 = 0 then '' else s end, '|'), 'NULL'), count(s),
       length(group_concat(s, '|'))
from t1 group by a;
