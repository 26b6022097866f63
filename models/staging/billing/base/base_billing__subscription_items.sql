-- grain: one row per landed row of billing.subscription_items (every batch, every version), typed and
-- classified. A version is (id, updated_at): the latest load of a version is staged, earlier loads
-- of it are superseded (or duplicate when identical); every version stays (history).
with

source as (
    select * from {{ source('billing', 'subscription_items') }}
),

base_subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
),

base_prices as (
    select * from {{ ref('base_billing__prices') }}
),

-- subscriptions with at least one staged version: the parents of subscription_id
known_subscriptions as (
    select distinct subscription_id as known_subscription_id
    from base_subscriptions
    where _row_status = 'staged'
),

-- prices that exist in staging (inactive ones too): the parents of price_id
known_prices as (
    select distinct price_id as known_price_id
    from base_prices
    where _row_status = 'staged'
),

joined as (
    select
        source.*,
        known_subscriptions.known_subscription_id,
        known_prices.known_price_id
    from source
    left join known_subscriptions
        on source.subscription_id = known_subscriptions.known_subscription_id
    left join known_prices
        on source.price_id = known_prices.known_price_id
),

typed as (
    select
        id as subscription_item_id,
        subscription_id,
        price_id,
        {{ parse_int('quantity') }} as quantity,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('deleted_at') }} as deleted_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            -- updated_at is part of the version key: a version without it cannot be placed in history
            when id is null or updated_at is null then 'null_primary_key'
            when {{ is_unparseable('quantity', parse_int('quantity')) }} then 'unparseable_number'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('deleted_at', parse_timestamp('deleted_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('updated_at', parse_timestamp('updated_at')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            when {{ parse_int('quantity') }} < 0 then 'negative_quantity'
            -- missing subscription_id / price_id are orphans too: an item needs both to be valued
            when known_subscription_id is null then 'orphan_foreign_key'
            when known_price_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        -- the version key: id @ the canonical text of the parsed updated_at (see base_billing__subscriptions)
        id || '@' || coalesce(
            cast({{ parse_timestamp('updated_at') }} as {{ dbt.type_string() }}), updated_at, ''
        ) as _row_key,
        {{ row_hash([
            'id', 'subscription_id', 'price_id', 'quantity', 'created_at', 'deleted_at', 'updated_at',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'subscription_id', 'price_id', 'quantity', 'created_at', 'deleted_at', 'updated_at', '_loaded_at',
        ]) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from joined
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        subscription_item_id,
        subscription_id,
        price_id,
        quantity,
        created_at,
        deleted_at,
        updated_at,
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
