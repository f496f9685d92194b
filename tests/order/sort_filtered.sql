select id, x, s, d from t3 where x > 0 or s like 'k%' order by d nulls last, x desc nulls last;
