select a, count(*), count(s), sum(c), max(s), min(c) from (
    select a, s, c from t1 where c > 0.0
    union all select a, s, c from t1 where a > 1000
    union all select k, v, w from t2 where w > 100 or w is null
    union all select a, s, c from t1 where c > 0.0
) group by a;
