select id, a, c from t1
where a between (select min(k) from t2 where w > 500) and (select max(k) from t2 where w > 500)
  and c > 2.5;
