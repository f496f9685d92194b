select t2.v, count(*), sum(u.c), sum(t2.w), max(u.d), sum(u.id) from (
    select * from t1 union all select * from t1
) u join t2 on u.a = t2.k
where u.b > 0 and u.a < 20
group by t2.v;
