-- grain: one row per landed row of billing.invoice_line_items (every batch, every version), typed and
-- classified
with

source as (
    select * from {{ source('billing', 'invoice_line_items') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

base_invoices as (
    select * from {{ ref('base_billing__invoices') }}
),

base_prices as (
    select * from {{ ref('base_billing__prices') }}
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

-- prices that exist in staging (inactive ones too): the parents of price_id
known_prices as (
    select distinct price_id as known_price_id
    from base_prices
    where _row_status = 'staged'
),

joined as (
    select
        source.*,
        currency_rates.rate_currency,
        currency_rates.minor_unit_exponent,
        currency_rates.usd_per_unit,
        known_invoices.known_invoice_id,
        known_prices.known_price_id
    from source
    left join currency_rates
        on lower(trim(source.currency)) = currency_rates.rate_currency
    left join known_invoices
        on source.invoice_id = known_invoices.known_invoice_id
    left join known_prices
        on source.price_id = known_prices.known_price_id
),

typed as (
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
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('quantity', parse_int('quantity')) }} then 'unparseable_number'
            when {{ is_unparseable('amount', parse_int('amount')) }} then 'unparseable_number'
            when {{ is_unparseable('discount_amount', parse_int('discount_amount')) }} then 'unparseable_number'
            when {{ is_unparseable('proration', parse_bool('proration')) }} then 'unparseable_bool'
            when {{ is_unparseable('period_start', parse_timestamp('period_start')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('period_end', parse_timestamp('period_end')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- a line without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('quantity') }} < 0 then 'negative_quantity'
            -- `amount` may be negative (proration credits); the discount may not
            when {{ parse_int('discount_amount') }} < 0 then 'negative_amount'
            -- missing invoice_id / price_id are orphans too (both required by the contract)
            when known_invoice_id is null then 'orphan_foreign_key'
            when known_price_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash([
            'id', 'invoice_id', 'subscription_id', 'subscription_item_id', 'price_id', 'type', 'description',
            'quantity', 'amount', 'discount_amount', 'proration', 'period_start', 'period_end', 'currency',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'invoice_id', 'subscription_id', 'subscription_item_id', 'price_id', 'type', 'description',
            'quantity', 'amount', 'discount_amount', 'proration', 'period_start', 'period_end', 'currency',
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
        invoice_line_item_id,
        invoice_id,
        subscription_id,
        subscription_item_id,
        price_id,
        line_type,
        description,
        quantity,
        amount_minor,
        discount_amount_minor,
        amount_usd,
        discount_amount_usd,
        is_proration,
        period_start_at,
        period_end_at,
        currency,
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
