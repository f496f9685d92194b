select t3.x, count(*) as n, sum(t4.w) as sw, max(t3.f) as mf from t3 join t4 on t3.x = t4.k group by t3.x order by sum(t4.w) desc nulls first, t3.x;
