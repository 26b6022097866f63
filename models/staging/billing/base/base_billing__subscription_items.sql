-- grain: one row per landed row of billing.subscription_items (every batch, every version), typed and
-- classified. A version is (id, updated_at): the latest load of a version is staged, earlier loads
-- of it are superseded (or duplicate when identical); every version stays (history).
with

source as (
    select * from {{ source('billing', 'subscription_items') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        source.*,
        case
            when {{ parse_int('quantity') }} < 0 then 'negative_quantity'
            -- missing subscription_id / price_id are orphans too: an item needs both to be valued
            when subscriptions.subscription_id is null then 'orphan_foreign_key'
            when prices.price_id is null then 'orphan_foreign_key'
        end as _table_rule
    from source
    left join subscriptions
        on source.subscription_id = subscriptions.subscription_id
        and subscriptions.is_current_version
    left join prices
        on source.price_id = prices.price_id
),

classified as (
    {{ classify_contract_rows('checked', 'billing', 'subscription_items', table_rule='_table_rule') }}
),

final as (
    select
        id as subscription_item_id,
        subscription_id,
        price_id,
        {{ parse_int('quantity') }} as quantity,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('deleted_at') }} as deleted_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        loaded_at,
        _row_key,
        _row_status,
        _final_quarantine_rule as _quarantine_rule,
        _raw_values,
        _batch_file,
        _row_number
    from classified
)

select * from final
