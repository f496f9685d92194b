select id,
       case when s between 'k1' and 'k25' then 'true' when not (s between 'k1' and 'k25') then 'false' end,
       case when c between -10 and null then 'true' when not (c between -10 and null) then 'false' end,
       case when b % 7 between a and 3 then 'true' when not (b % 7 between a and 3) then 'false' end,
       case when b % 7 not between a and 3 then 'true' when not (b % 7 not between a and 3) then 'false' end
from t1
where (a between -5 and 20 or b not between -40000 and 45000)
  and d between '1995-03-01' and '1998-06-30'
  and a * 3 + 1 not between c and c + 40;
