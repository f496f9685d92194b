select id, b * 2 + a as x, c + 1.5 as y, c * a - b as z from t1 where a > 5 and c < 20.5;
