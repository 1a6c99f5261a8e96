{{ config(materialized='table', dist='customer_id', sort='customer_id') }}
select c.customer_id, c.name, c.region, count(o.order_id) as orders, sum(o.amount) as total
from {{ ref('stg_customers') }} c
left join {{ ref('raw_orders') }} o on o.customer_id = c.customer_id
group by 1, 2, 3
