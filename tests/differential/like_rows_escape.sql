PRAGMA case_sensitive_like = ON;
-- tir's concat takes NULL as '': coalesce(..., '') here
select id,
  case when s is null then null when s like 'k' || coalesce(cast(a % 10 as text), '') || '%' then 'true' else 'false' end,
  case when s is null then null when s not like '%' || coalesce(cast(a % 4 as text), '') || '!_long%' escape '!' then 'true' else 'false' end,
  case when s is null then null when s like 'k' || coalesce(cast(abs(a % 10) as text), '') || '_!_%' escape '!' then 'true' else 'false' end,
  case when s like 'k1!_%' escape '!' then 'true' when s is null then null else 'false' end,
  case when s not like '%!_l_ng!_%' escape '!' then 'true' when s is null then null else 'false' end,
  case when s like '%!%%' escape '!' then 'true' when s is null then null else 'false' end,
  case when coalesce(s, '') || '!' like '%_!!' escape '!' then 'true' else 'false' end,
  case when s like 'k#_%' escape '#' then 'true' when s is null then null else 'false' end
from t1;
