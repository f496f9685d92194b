select id, s, d from t1 where (s >= 'k2' and s < 'k3') or (d >= '1996-01-01' and d < '1996-03-01');
