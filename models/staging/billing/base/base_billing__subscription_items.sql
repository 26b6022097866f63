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

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- each foreign key's staged parent (null: an orphan); a subscription with any staged version
-- counts, and so do inactive prices
with_parents as (
    {{ join_parents('landed', {'subscription_id': 'subscriptions', 'price_id': 'prices'}) }}
),

-- the first contract rule the row breaks (null: none), its version key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('billing', 'subscription_items') }}
            when {{ parse_int('quantity') }} < 0 then 'negative_quantity'
            -- missing subscription_id / price_id are orphans too: an item needs both to be valued
            when _parent_subscription_id is null then 'orphan_foreign_key'
            when _parent_price_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('billing', 'subscription_items') }} as _row_key,
        {{ row_hash(contract_column_names('billing', 'subscription_items', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('billing', 'subscription_items')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
