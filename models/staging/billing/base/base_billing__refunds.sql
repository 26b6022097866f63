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

-- each foreign key's staged parent (null: an orphan)
with_parents as (
    {{ join_parents('with_currency', {'invoice_id': 'invoices'}) }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('billing', 'refunds') }}
            -- a refund without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('amount') }} < 0 then 'negative_amount'
            -- a missing invoice_id is an orphan too: every refund refunds an invoice
            when _parent_invoice_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('billing', 'refunds') }} as _row_key,
        {{ row_hash(contract_column_names('billing', 'refunds', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('billing', 'refunds')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
