select id, g, x, y, f, s, d, case b when 1 then 'true' when 0 then 'false' end as b from t3 order by s desc nulls last, x desc nulls first;
