-- grain: one row per landed row of billing.products (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('billing', 'products') }}
),

-- the contract's rules: key, types, load time. Each row is classified as staged, duplicate,
-- superseded or quarantined
classified as (
    {{ classify_contract_rows('source', 'billing', 'products') }}
),

final as (
    select
        id as product_id,
        name as product_name,
        category as product_category,
        {{ parse_bool('active') }} as is_active,
        {{ classified_row_columns() }}
    from classified
)

select * from final
