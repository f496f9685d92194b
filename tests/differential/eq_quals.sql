select id, a, s from t1 where a = 17 and s > 'k3';
