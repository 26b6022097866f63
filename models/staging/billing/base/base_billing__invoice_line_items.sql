-- grain: one row per landed row of billing.invoice_line_items (every batch, every version), typed and
-- classified
with

source as (
    select * from {{ landed('billing', 'invoice_line_items') }}
),

-- the contract's rules: key, types, load time, currency (seed currencies), parents
-- (stg_billing__invoices, stg_billing__prices); then this table's own. Each row is classified as
-- staged, duplicate, superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'billing', 'invoice_line_items') -%}
        when {{ parse_int('quantity') }} < 0 then 'negative_quantity'
        -- `amount` may be negative (proration credits); the discount may not
        when {{ parse_int('discount_amount') }} < 0 then 'negative_amount'
    {%- endcall %}
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
        {{ classified_row_columns() }}
    from classified
)

select * from final
