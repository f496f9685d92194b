-- The SQL bench/queries/seed.tir computes (see the comment in examples/seed001.tir):
-- customers filtered before the LEFT join, sale_orders pruned to the filtered
-- customers' key range.
with c as (
  select customer_id, name from customers
  where gender = 'M' and name >= 'abc' and name < 'abd'
)
select c.name, count(so.freight) as count, sum(so.freight) as sum
from sale_orders so left join c on c.customer_id = so.customer_id
where so.freight > 10 and so.freight < 50
  and so.customer_id between (select min(customer_id) from c) and (select max(customer_id) from c)
group by c.name
