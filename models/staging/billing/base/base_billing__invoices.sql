-- grain: one row per landed row of billing.invoices (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'invoices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

base_customers as (
    select * from {{ ref('base_billing__customers') }}
),

base_subscriptions as (
    select * from {{ ref('base_billing__subscriptions') }}
),

-- the seed's columns renamed so they cannot clash with the source's `currency`
currency_rates as (
    select
        currency as rate_currency,
        minor_unit_exponent,
        usd_per_unit
    from currencies
),

-- customers that exist in staging (soft-deleted ones too): the parents of customer_id
known_customers as (
    select distinct customer_id as known_customer_id
    from base_customers
    where _row_status = 'staged'
),

-- subscriptions with at least one staged version: the parents of subscription_id
known_subscriptions as (
    select distinct subscription_id as known_subscription_id
    from base_subscriptions
    where _row_status = 'staged'
),

joined as (
    select
        source.*,
        currency_rates.rate_currency,
        currency_rates.minor_unit_exponent,
        currency_rates.usd_per_unit,
        known_customers.known_customer_id,
        known_subscriptions.known_subscription_id
    from source
    left join currency_rates
        on lower(trim(source.currency)) = currency_rates.rate_currency
    left join known_customers
        on source.customer_id = known_customers.known_customer_id
    left join known_subscriptions
        on source.subscription_id = known_subscriptions.known_subscription_id
),

typed as (
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
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('subtotal', parse_int('subtotal')) }} then 'unparseable_number'
            when {{ is_unparseable('discount_total', parse_int('discount_total')) }} then 'unparseable_number'
            when {{ is_unparseable('tax', parse_int('tax')) }} then 'unparseable_number'
            when {{ is_unparseable('total', parse_int('total')) }} then 'unparseable_number'
            when {{ is_unparseable('amount_paid', parse_int('amount_paid')) }} then 'unparseable_number'
            when {{ is_unparseable('amount_due', parse_int('amount_due')) }} then 'unparseable_number'
            when {{ is_unparseable('period_start', parse_timestamp('period_start')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('period_end', parse_timestamp('period_end')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('due_date', parse_timestamp('due_date')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('paid_at', parse_timestamp('paid_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('attempt_count', parse_int('attempt_count')) }} then 'unparseable_number'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- an invoice without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            -- subtotal and total may be negative (credit); these four may not
            when {{ parse_int('discount_total') }} < 0 then 'negative_amount'
            when {{ parse_int('tax') }} < 0 then 'negative_amount'
            when {{ parse_int('amount_paid') }} < 0 then 'negative_amount'
            when {{ parse_int('amount_due') }} < 0 then 'negative_amount'
            -- a missing customer_id is an orphan too; subscription_id is null for one-off invoices
            when known_customer_id is null then 'orphan_foreign_key'
            when subscription_id is not null and known_subscription_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash([
            'id', 'customer_id', 'subscription_id', 'number', 'status', 'billing_reason', 'currency',
            'subtotal', 'discount_total', 'tax', 'total', 'amount_paid', 'amount_due', 'period_start',
            'period_end', 'created_at', 'due_date', 'paid_at', 'attempt_count',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'customer_id', 'subscription_id', 'number', 'status', 'billing_reason', 'currency',
            'subtotal', 'discount_total', 'tax', 'total', 'amount_paid', 'amount_due', 'period_start',
            'period_end', 'created_at', 'due_date', 'paid_at', 'attempt_count', '_loaded_at',
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
        invoice_id,
        customer_id,
        subscription_id,
        invoice_number,
        status,
        billing_reason,
        currency,
        minor_unit_exponent,
        subtotal_amount_minor,
        discount_total_amount_minor,
        tax_amount_minor,
        total_amount_minor,
        amount_paid_minor,
        amount_due_minor,
        subtotal_usd,
        discount_total_usd,
        tax_usd,
        total_usd,
        amount_paid_usd,
        amount_due_usd,
        period_start_at,
        period_end_at,
        created_at,
        due_at,
        paid_at,
        attempt_count,
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
