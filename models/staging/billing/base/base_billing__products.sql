-- grain: one row per landed row of billing.products (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'products') }}
),

typed as (
    select
        id as product_id,
        name as product_name,
        category as product_category,
        {{ parse_bool('active') }} as is_active,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('active', parse_bool('active')) }} then 'unparseable_bool'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash(['id', 'name', 'category', 'active']) }} as _payload_hash,
        {{ json_object_of(['id', 'name', 'category', 'active', '_loaded_at']) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from source
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        product_id,
        product_name,
        product_category,
        is_active,
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
