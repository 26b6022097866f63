-- grain: one row per landed row of billing.invoices (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'invoices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- the currency's minor-unit exponent and USD rate (rate_currency null: unknown currency)
with_currency as (
    {{ join_currency_rates('landed', 'currencies') }}
),

-- each foreign key's staged parent (null: an orphan); soft-deleted customers count as existing
with_parents as (
    {{ join_parents('with_currency', {'customer_id': 'customers', 'subscription_id': 'subscriptions'}) }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('billing', 'invoices') }}
            -- an invoice without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            -- subtotal and total may be negative (credit); these four may not
            when {{ parse_int('discount_total') }} < 0 then 'negative_amount'
            when {{ parse_int('tax') }} < 0 then 'negative_amount'
            when {{ parse_int('amount_paid') }} < 0 then 'negative_amount'
            when {{ parse_int('amount_due') }} < 0 then 'negative_amount'
            -- a missing customer_id is an orphan too; subscription_id is null for one-off invoices
            when _parent_customer_id is null then 'orphan_foreign_key'
            when subscription_id is not null and _parent_subscription_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('billing', 'invoices') }} as _row_key,
        {{ row_hash(contract_column_names('billing', 'invoices', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('billing', 'invoices')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
