-- grain: one row per landed row of billing.customers (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'customers') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

-- the seed's columns renamed so they cannot clash with the source's `currency`
currency_rates as (
    select
        currency as rate_currency,
        minor_unit_exponent,
        usd_per_unit
    from currencies
),

joined as (
    select
        source.*,
        currency_rates.rate_currency
    from source
    left join currency_rates
        on lower(trim(source.currency)) = currency_rates.rate_currency
),

typed as (
    select
        id as customer_id,
        email,
        name as customer_name,
        lower(trim(currency)) as currency,
        crm_account_id,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_bool('delinquent') }} as is_delinquent,
        {{ parse_bool('is_deleted') }} as is_deleted,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('delinquent', parse_bool('delinquent')) }} then 'unparseable_bool'
            when {{ is_unparseable('is_deleted', parse_bool('is_deleted')) }} then 'unparseable_bool'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- currency is nullable on customers (a customer may have no currency until billed)
            when currency is not null and rate_currency is null then 'unknown_currency'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash(['id', 'email', 'name', 'currency', 'crm_account_id', 'created_at', 'delinquent', 'is_deleted']) }} as _payload_hash,
        {{ json_object_of([
            'id', 'email', 'name', 'currency', 'crm_account_id', 'created_at', 'delinquent', 'is_deleted',
            '_loaded_at',
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
        customer_id,
        email,
        customer_name,
        currency,
        crm_account_id,
        created_at,
        is_delinquent,
        is_deleted,
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
