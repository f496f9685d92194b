select id % 2 as h, group_concat(coalesce(s, '') || '-' || id || '-' || coalesce(d, ''), '|'), count(*),
       length(group_concat(coalesce(s, '') || '-' || id || '-' || coalesce(d, ''), '|'))
from t1 group by h;
