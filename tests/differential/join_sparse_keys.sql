select x.id, x.b, y.id from t1 x join t1 y on x.b = y.b where y.a = 3;
