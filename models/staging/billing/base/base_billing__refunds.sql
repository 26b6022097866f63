-- grain: one row per landed row of billing.refunds (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'refunds') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

base_invoices as (
    select * from {{ ref('base_billing__invoices') }}
),

-- the seed's columns renamed so they cannot clash with the source's `currency`
currency_rates as (
    select
        currency as rate_currency,
        minor_unit_exponent,
        usd_per_unit
    from currencies
),

-- invoices that exist in staging: the parents of invoice_id
known_invoices as (
    select distinct invoice_id as known_invoice_id
    from base_invoices
    where _row_status = 'staged'
),

joined as (
    select
        source.*,
        currency_rates.rate_currency,
        currency_rates.minor_unit_exponent,
        currency_rates.usd_per_unit,
        known_invoices.known_invoice_id
    from source
    left join currency_rates
        on lower(trim(source.currency)) = currency_rates.rate_currency
    left join known_invoices
        on source.invoice_id = known_invoices.known_invoice_id
),

typed as (
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
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('amount', parse_int('amount')) }} then 'unparseable_number'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- a refund without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('amount') }} < 0 then 'negative_amount'
            -- a missing invoice_id is an orphan too: every refund refunds an invoice
            when known_invoice_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash(['id', 'invoice_id', 'amount', 'currency', 'reason', 'status', 'created_at']) }} as _payload_hash,
        {{ json_object_of([
            'id', 'invoice_id', 'amount', 'currency', 'reason', 'status', 'created_at', '_loaded_at',
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
        refund_id,
        invoice_id,
        amount_minor,
        amount_usd,
        currency,
        minor_unit_exponent,
        reason,
        status,
        created_at,
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
