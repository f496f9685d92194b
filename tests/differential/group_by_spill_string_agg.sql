select b % 20000 as m, group_concat(coalesce(s, '') || '-' || id, '|'), count(*) from t1 group by m;
