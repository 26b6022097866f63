-- grain: one row per billing price (latest version), with its amount in USD (unrounded)
with

base as (
    select * from {{ ref('base_billing__prices') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        price_id,
        product_id,
        nickname,
        currency,
        minor_unit_exponent,
        unit_amount_minor,
        unit_amount_usd,
        price_type,
        recurring_interval,
        recurring_interval_count,
        is_active,
        created_at,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
