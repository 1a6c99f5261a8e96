{{ config(materialized='materialized_view') }}
select customer_id, count(*) as orders from {{ ref('raw_orders') }} group by 1
