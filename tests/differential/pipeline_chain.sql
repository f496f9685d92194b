select a, sb / n from (select a, count(*) as n, sum(b) as sb from t1 group by a) where n > 60 and a is not null;
