select id as customer_id, name, region, signed_up
from {{ ref('raw_customers') }}
