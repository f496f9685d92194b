select id, case when a is null then -1 when a > 20 then 1 else 0 end as cls, (s is not null) as has_s, case when c < 0.0 then c end as neg from t1;
