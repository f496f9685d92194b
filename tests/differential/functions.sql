select id, substr(s, 2, 3), substr(s, 3), length(s), abs(b), cast(strftime('%Y', d) as integer), cast(strftime('%m', d) as integer), b / a, b % a from t1;
