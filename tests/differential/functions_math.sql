-- on what tir reads: the CSV's 15 significant digits (cc), not the double
-- sqlite3 made (-1.549999999999997 is written as -1.55)
-- (ln to 6 digits: 9 significant digits can fall on a half that the last bit decides)
select id, sign(cc), sign(a), floor(cc), ceil(cc), trunc(cc), round(cc), round(cc, 1), round(cc / 7, 3), a,
  sqrt(cc), round(ln(cc), 6), exp(cc / 10), power(cc, 2), power(a, 0.5), a
from (select *, cast(cast(c as text) as real) as cc from t1);
