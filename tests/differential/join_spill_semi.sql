-- an indexed copy, or sqlite3 compares every pair of rows (an index on t1
-- itself would change the order other programs read t1 in)
create temp table h as select * from t1;
create index temp.hi on h(s);
select id, s from t1 where exists (select 1 from h where h.s = t1.s and h.c < -45.0);
