-- grain: one row per landed row of billing.invoices (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('billing', 'invoices') }}
),

-- the contract's rules: key, types, load time, currency (seed currencies), parents
-- (stg_billing__customers, stg_billing__subscriptions); then this table's own. Each row is
-- classified as staged, duplicate, superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'billing', 'invoices') -%}
        -- subtotal and total may be negative (credit); these four may not
        when {{ parse_int('discount_total') }} < 0 then 'negative_amount'
        when {{ parse_int('tax') }} < 0 then 'negative_amount'
        when {{ parse_int('amount_paid') }} < 0 then 'negative_amount'
        when {{ parse_int('amount_due') }} < 0 then 'negative_amount'
    {%- endcall %}
),

final as (
    select
        id as invoice_id,
        customer_id,
        subscription_id,
        number as invoice_number,
        status,
        billing_reason,
        lower(trim(currency)) as currency,
        minor_unit_exponent,
        {{ parse_int('subtotal') }} as subtotal_amount_minor,
        {{ parse_int('discount_total') }} as discount_total_amount_minor,
        {{ parse_int('tax') }} as tax_amount_minor,
        {{ parse_int('total') }} as total_amount_minor,
        {{ parse_int('amount_paid') }} as amount_paid_minor,
        {{ parse_int('amount_due') }} as amount_due_minor,
        {{ minor_to_usd(parse_int('subtotal'), 'minor_unit_exponent', 'usd_per_unit') }} as subtotal_usd,
        {{ minor_to_usd(parse_int('discount_total'), 'minor_unit_exponent', 'usd_per_unit') }} as discount_total_usd,
        {{ minor_to_usd(parse_int('tax'), 'minor_unit_exponent', 'usd_per_unit') }} as tax_usd,
        {{ minor_to_usd(parse_int('total'), 'minor_unit_exponent', 'usd_per_unit') }} as total_usd,
        {{ minor_to_usd(parse_int('amount_paid'), 'minor_unit_exponent', 'usd_per_unit') }} as amount_paid_usd,
        {{ minor_to_usd(parse_int('amount_due'), 'minor_unit_exponent', 'usd_per_unit') }} as amount_due_usd,
        {{ parse_timestamp('period_start') }} as period_start_at,
        {{ parse_timestamp('period_end') }} as period_end_at,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('due_date') }} as due_at,
        {{ parse_timestamp('paid_at') }} as paid_at,
        {{ parse_int('attempt_count') }} as attempt_count,
        {{ classified_row_columns() }}
    from classified
)

select * from final
