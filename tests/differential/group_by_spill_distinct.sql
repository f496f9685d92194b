select b % 5000, count(distinct s), count(distinct d), count(*), sum(distinct id % 7) from t1 group by b % 5000;
