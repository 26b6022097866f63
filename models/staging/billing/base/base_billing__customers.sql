-- grain: one row per landed row of billing.customers (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'customers') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- the currency as the seed knows it (rate_currency null: unknown)
with_currency as (
    {{ join_currency_rates('landed', 'currencies') }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_currency.*,
        case
            {{ contract_rules('billing', 'customers') }}
            -- currency is nullable on customers (a customer may have no currency until billed)
            when currency is not null and rate_currency is null then 'unknown_currency'
        end as _quarantine_rule,
        {{ contract_row_key('billing', 'customers') }} as _row_key,
        {{ row_hash(contract_column_names('billing', 'customers', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('billing', 'customers')) }} as _raw_values
    from with_currency
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
