-- an indexed copy, or sqlite3 compares every pair of rows (an index on t1
-- itself would change the order other programs read t1 in)
create temp table h as select * from t1;
create index temp.hi on h(b);
select h.s, count(*), sum(t1.id), sum(h.id), min(h.d), max(t1.c) from t1 join h on t1.b = h.b where t1.c > -40.0 group by h.s;
