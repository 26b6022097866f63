-- grain: one row per landed row of billing.products (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'products') }}
),

classified as (
    {{ classify_contract_rows('source', 'billing', 'products') }}
),

final as (
    select
        id as product_id,
        name as product_name,
        category as product_category,
        {{ parse_bool('active') }} as is_active,
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
