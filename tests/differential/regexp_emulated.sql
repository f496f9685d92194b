PRAGMA case_sensitive_like = ON;
-- what each regular expression of the tir program computes, in sqlite3's own terms
select id,
  case when s is null then null when s glob 'k[12]*' then 'true' else 'false' end as m1,
  case when s is null then null when instr(s, '_long') > 0 then 'true' else 'false' end as m2,
  replace(s, '_long_string_value', '') as r1,
  replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(s,
    '0', '<0>'), '1', '<1>'), '2', '<2>'), '3', '<3>'), '4', '<4>'), '5', '<5>'), '6', '<6>'), '7', '<7>'), '8', '<8>'), '9', '<9>') as r2,
  cast(cast(substr(s, 2) as integer) as text) as e1,
  case when s is null then null
       when s = 'k' || coalesce(cast(a % 20 as text), '') or s like 'k' || coalesce(cast(a % 20 as text), '') || '!_%' escape '!' then 'true'
       else 'false' end as row
from t1;
