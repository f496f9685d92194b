select g, count(*) as n, sum(x) as sx from t3 group by g order by count(*) desc, g nulls last;
