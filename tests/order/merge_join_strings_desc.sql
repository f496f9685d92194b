select t3.id, t3.s from t3 where exists (select 1 from t4 where t4.sv = t3.s) order by t3.s desc;
