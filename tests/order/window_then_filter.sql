select * from (select id, x, g, row_number() over (partition by g order by x nulls last, id) as rn from t3) where rn <= 3 order by g nulls last, rn;
