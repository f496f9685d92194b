-- sqlite's like folds ASCII case: the ilike of tir on ASCII data; concat takes NULL as ''
select id, s, a from t1 where upper(s) like 'K1%' or s like '%' || coalesce(cast(a % 7 as text), '') || '_LONG%' or s not like '%E';
