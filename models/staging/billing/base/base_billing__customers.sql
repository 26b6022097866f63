-- grain: one row per landed row of billing.customers (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'customers') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

-- the currency as the seed knows it (rate_currency null: unknown)
with_currency as (
    {{ join_currency_rates('source', 'currencies') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        with_currency.*,
        case
            -- currency is nullable on customers (a customer may have no currency until billed)
            when currency is not null and rate_currency is null then 'unknown_currency'
        end as _table_rule
    from with_currency
),

classified as (
    {{ classify_contract_rows('checked', 'billing', 'customers', table_rule='_table_rule') }}
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
