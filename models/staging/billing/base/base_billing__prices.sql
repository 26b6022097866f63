-- grain: one row per landed row of billing.prices (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'prices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

base_products as (
    select * from {{ ref('base_billing__products') }}
),

-- the seed's columns renamed so they cannot clash with the source's `currency`
currency_rates as (
    select
        currency as rate_currency,
        minor_unit_exponent,
        usd_per_unit
    from currencies
),

-- products that exist in staging (soft-deleted or inactive ones too): the parents of product_id
known_products as (
    select distinct product_id as known_product_id
    from base_products
    where _row_status = 'staged'
),

joined as (
    select
        source.*,
        currency_rates.rate_currency,
        currency_rates.minor_unit_exponent,
        currency_rates.usd_per_unit,
        known_products.known_product_id
    from source
    left join currency_rates
        on lower(trim(source.currency)) = currency_rates.rate_currency
    left join known_products
        on source.product_id = known_products.known_product_id
),

typed as (
    select
        id as price_id,
        product_id,
        nickname,
        lower(trim(currency)) as currency,
        minor_unit_exponent,
        {{ parse_int('unit_amount') }} as unit_amount_minor,
        {{ minor_to_usd(parse_int('unit_amount'), 'minor_unit_exponent', 'usd_per_unit') }} as unit_amount_usd,
        type as price_type,
        recurring_interval,
        {{ try_cast(parse_int('recurring_interval_count'), 'integer') }} as recurring_interval_count,
        {{ parse_bool('active') }} as is_active,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('unit_amount', parse_int('unit_amount')) }} then 'unparseable_number'
            when {{ is_unparseable(
                'recurring_interval_count', try_cast(parse_int('recurring_interval_count'), 'integer')
            ) }} then 'unparseable_number'
            when {{ is_unparseable('active', parse_bool('active')) }} then 'unparseable_bool'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- a price without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('unit_amount') }} < 0 then 'negative_amount'
            -- a missing product_id is an orphan too: every price belongs to a product
            when known_product_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash([
            'id', 'product_id', 'nickname', 'currency', 'unit_amount', 'type', 'recurring_interval',
            'recurring_interval_count', 'active', 'created_at',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'product_id', 'nickname', 'currency', 'unit_amount', 'type', 'recurring_interval',
            'recurring_interval_count', 'active', 'created_at', '_loaded_at',
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
        price_id,
        product_id,
        nickname,
        currency,
        minor_unit_exponent,
        unit_amount_minor,
        unit_amount_usd,
        price_type,
        recurring_interval,
        recurring_interval_count,
        is_active,
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
