-- grain: one row per subscription item version (subscription_item_id, updated_at): every version is
-- kept. State at instant T = the row with valid_from <= T < valid_to (metrics.md: the latest version
-- with updated_at <= T; if no version is that old, the earliest one, hence valid_from 1900 for version 1).
with

base as (
    select * from {{ ref('base_billing__subscription_items') }}
),

-- one row per version: base already keeps only the latest load of each (id, updated_at)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

versioned as (
    {{ version_validity('staged', key='subscription_item_id') }}
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
        version_number,
        valid_from,
        valid_to,
        is_current_version,
        _batch_file as batch_file
    from versioned
)

select * from final
