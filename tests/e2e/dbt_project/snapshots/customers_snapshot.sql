{% snapshot customers_snapshot %}
{{ config(target_schema='snapshots', unique_key='customer_id', strategy='check',
          check_cols=['name', 'region']) }}
select customer_id, name, region from {{ ref('stg_customers') }}
{% endsnapshot %}
