-- grain: one row per subscription item per month of its subscription's spine (see
-- int_subscription_states_monthly): the item's state at the month's snapshot instant and its MRR
-- in USD, unrounded (decimal with 12 places). MRR comes only from subscription items: invoices,
-- proration lines, one-off lines, services, tax and refunds never enter this model.
with

subscription_states as (
    select * from {{ ref('int_subscription_states_monthly') }}
),

subscription_items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

-- the item version valid at each month's snapshot, its price, whether it contributes and its
-- MRR: the contract's rules, shared with the daily billing spells (macros/item_mrr_at.sql)
normalised as (
    {{ item_mrr_at('subscription_states', 'subscription_items', 'prices', ['month']) }}
),

final as (
    select
        subscription_item_id,
        month,
        subscription_id,
        customer_id,
        price_id,
        product_id,
        currency,
        quantity,
        unit_amount_usd,
        discount_percent_off,
        price_type,
        recurring_interval,
        recurring_interval_count,
        version_number as item_version_number,
        contribution_status,
        contribution_status = 'contributing' as is_contributing,
        item_mrr_usd
    from normalised
)

select * from final
