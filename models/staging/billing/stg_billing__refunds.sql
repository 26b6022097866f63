-- grain: one row per refund (latest version), amount in minor units and USD (unrounded)
with

base as (
    select * from {{ ref('base_billing__refunds') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        refund_id,
        invoice_id,
        amount_minor,
        amount_usd,
        currency,
        minor_unit_exponent,
        reason,
        status,
        created_at,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
