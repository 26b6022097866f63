-- grain: one row per landed row of fivetran_stripe.price, plus one per landed row of a legacy
-- fivetran_stripe.plan that no price row shares the id of, in the shape of billing.prices
with

price as (
    select * from {{ source('fivetran_stripe', 'price') }}
),

plan as (
    select * from {{ source('fivetran_stripe', 'plan') }}
),

-- Stripe gives every plan a price of the same id; a plan without one is a legacy price
price_ids as (
    select distinct id from price
),

legacy_plans as (
    select plan.*
    from plan
    left join price_ids
        on plan.id = price_ids.id
    where price_ids.id is null
),

final as (
    select
        id,
        product_id,
        nickname,
        currency,
        unit_amount,
        type,
        recurring_interval,
        recurring_interval_count,
        coalesce(active, 'true') as active,
        created as created_at,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from price

    union all

    select
        id,
        product_id,
        nickname,
        currency,
        amount as unit_amount,
        'recurring' as type,
        {{ adapter.quote('interval') }} as recurring_interval,
        interval_count as recurring_interval_count,
        coalesce(active, 'true') as active,
        created as created_at,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from legacy_plans
)

select * from final
