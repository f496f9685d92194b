-- sqlite's like folds ASCII case: the ilike of tir on ASCII data; concat takes NULL as ''
select k, v, case when upper(v) like 'V' || coalesce(cast(k % 10 as text), '') || '%' then 'true' else 'false' end from t2;
