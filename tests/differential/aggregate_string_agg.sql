select group_concat(coalesce(s, '') || '-' || id || '-' || coalesce(d, ''), '|'), group_concat(s, '|'), count(s) from t1;
