select id, upper(s), lower(upper(s)), trim('  ' || coalesce(s, '') || ' '),
  ltrim(s, 'k1'), rtrim(s, 'eulav'), trim(s, 'k_e'),
  case when s is null then null when substr(s, 1, 2) = 'k1' then 'true' else 'false' end,
  case when s is null then null when substr(s, -5) = 'value' then 'true' else 'false' end,
  case when s is null then null when instr(s, '_long') > 0 then 'true' else 'false' end,
  instr(s, '_'), replace(s, '_', '--'), replace(s, 'long_', ''),
  length(s), length(cast(s as blob)), coalesce(s, '') || '/' || coalesce(cast(a as text), '') || '/' || coalesce(d, '')
from t1;
