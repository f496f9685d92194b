select id,
       cast(julianday(d) - 2440587.5 as integer),
       cast(julianday(d) - 2440587.5 as integer) * 2,
       date(d, a || ' days'),
       date(b * 86400, 'unixepoch')
from t1
where cast(julianday(d) - 2440587.5 as integer) % 5 != 1;
