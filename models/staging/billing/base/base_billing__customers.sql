-- grain: one row per landed row of billing.customers (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('billing', 'customers') }}
),

-- the contract's rules: key, types, load time, currency (seed currencies). Each row is classified
-- as staged, duplicate, superseded or quarantined
classified as (
    {{ classify_contract_rows('source', 'billing', 'customers') }}
),

final as (
    select
        id as customer_id,
        email,
        name as customer_name,
        lower(trim(currency)) as currency,
        crm_account_id,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_bool('delinquent') }} as is_delinquent,
        {{ parse_bool('is_deleted') }} as is_deleted,
        {{ classified_row_columns() }}
    from classified
)

select * from final
