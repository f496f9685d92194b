select id, s, a from t1 where s like 'k1%' or s in ('k5', 'k7_long_string_value') or s like '%9_long%' or a in (3, 4);
