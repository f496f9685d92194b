select case when id <= 2000 then id else id * 100000 end as g, count(*), sum(b) from t1 group by g;
