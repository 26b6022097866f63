-- grain: one row per landed row of billing.invoice_line_items (every batch, every version), typed and
-- classified
with

source as (
    select * from {{ source('billing', 'invoice_line_items') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
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
            -- a line without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('quantity') }} < 0 then 'negative_quantity'
            -- `amount` may be negative (proration credits); the discount may not
            when {{ parse_int('discount_amount') }} < 0 then 'negative_amount'
            -- missing invoice_id / price_id are orphans too (both required by the contract)
            when invoices.invoice_id is null then 'orphan_foreign_key'
            when prices.price_id is null then 'orphan_foreign_key'
        end as _table_rule
    from with_currency
    left join invoices
        on with_currency.invoice_id = invoices.invoice_id
    left join prices
        on with_currency.price_id = prices.price_id
),

classified as (
    {{ classify_contract_rows('checked', 'billing', 'invoice_line_items', table_rule='_table_rule') }}
),

final as (
    select
        id as invoice_line_item_id,
        invoice_id,
        subscription_id,
        subscription_item_id,
        price_id,
        type as line_type,
        description,
        {{ parse_int('quantity') }} as quantity,
        {{ parse_int('amount') }} as amount_minor,
        {{ parse_int('discount_amount') }} as discount_amount_minor,
        {{ minor_to_usd(parse_int('amount'), 'minor_unit_exponent', 'usd_per_unit') }} as amount_usd,
        {{ minor_to_usd(parse_int('discount_amount'), 'minor_unit_exponent', 'usd_per_unit') }} as discount_amount_usd,
        {{ parse_bool('proration') }} as is_proration,
        {{ parse_timestamp('period_start') }} as period_start_at,
        {{ parse_timestamp('period_end') }} as period_end_at,
        lower(trim(currency)) as currency,
        minor_unit_exponent,
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
