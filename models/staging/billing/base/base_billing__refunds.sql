-- grain: one row per landed row of billing.refunds (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'refunds') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

-- the currency's minor-unit exponent and USD rate (rate_currency null: unknown currency)
with_currency as (
    {{ join_currency_rates('source', 'currencies') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        with_currency.*,
        case
            -- a refund without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('amount') }} < 0 then 'negative_amount'
            -- a missing invoice_id is an orphan too: every refund refunds an invoice
            when invoices.invoice_id is null then 'orphan_foreign_key'
        end as _table_rule
    from with_currency
    left join invoices
        on with_currency.invoice_id = invoices.invoice_id
),

classified as (
    {{ classify_contract_rows('checked', 'billing', 'refunds', table_rule='_table_rule') }}
),

final as (
    select
        id as refund_id,
        invoice_id,
        {{ parse_int('amount') }} as amount_minor,
        {{ minor_to_usd(parse_int('amount'), 'minor_unit_exponent', 'usd_per_unit') }} as amount_usd,
        lower(trim(currency)) as currency,
        minor_unit_exponent,
        reason,
        status,
        {{ parse_timestamp('created_at') }} as created_at,
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
