-- an indexed copy, or sqlite3 compares every pair of rows
create temp table h as select * from t1;
create index temp.hi on h(a, s);
select t1.a, h.a, count(*), count(h.c), sum(t1.c), sum(h.c) from t1 full join h
  on t1.a = h.a and t1.s = h.s and t1.c < h.c and t1.id <> h.id group by t1.a, h.a;
