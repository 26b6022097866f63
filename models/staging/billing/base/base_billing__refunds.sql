-- grain: one row per landed row of billing.refunds (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('billing', 'refunds') }}
),

-- the contract's rules: key, types, load time, currency (seed currencies), parents
-- (stg_billing__invoices); then this table's own. Each row is classified as staged, duplicate,
-- superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'billing', 'refunds') -%}
        when {{ parse_int('amount') }} < 0 then 'negative_amount'
    {%- endcall %}
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
        {{ classified_row_columns() }}
    from classified
)

select * from final
