-- an indexed copy, or sqlite3 compares every pair of rows (an index on t1
-- itself would change the order other programs read t1 in)
create temp table h as select * from t1;
create index temp.hi on h(a, s);
select t1.a, count(*), count(h.c), sum(h.c) from t1 left join h on t1.a = h.a and t1.s = h.s group by t1.a;
