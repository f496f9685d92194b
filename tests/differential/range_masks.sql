select id, a, b, c, d from t1
where a >= -3 and c > -20.5 and b > -30000 and a < 25 and d >= '1996-01-01'
  and c <= 30.25 and b < 20000 and d <= '1998-06-30' and id > 5;
