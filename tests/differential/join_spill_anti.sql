-- an indexed copy, or sqlite3 compares every pair of rows (an index on t1
-- itself would change the order other programs read t1 in)
create temp table h as select * from t1;
create index temp.hi on h(d);
select t1.id, t1.d, t2.v from t1 join t2 on t2.k = t1.a where not exists (select 1 from h where h.c > 148.0 and h.d = t1.d);
