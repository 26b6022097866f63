-- grain: one row per landed row of billing.prices (every batch, every version), typed and classified
with

source as (
    select * from {{ source('billing', 'prices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

products as (
    select * from {{ ref('stg_billing__products') }}
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

-- each foreign key's staged parent (null: an orphan); inactive products count as existing
with_parents as (
    {{ join_parents('with_currency', {'product_id': 'products'}) }}
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('billing', 'prices') }}
            -- staged as an integer: a count beyond its range cannot be used
            when {{ is_unparseable(
                'recurring_interval_count', try_cast(parse_int('recurring_interval_count'), 'integer')
            ) }} then 'unparseable_number'
            -- a price without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('unit_amount') }} < 0 then 'negative_amount'
            -- a missing product_id is an orphan too: every price belongs to a product
            when _parent_product_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('billing', 'prices') }} as _row_key,
        {{ row_hash(contract_column_names('billing', 'prices', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('billing', 'prices')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
),

final as (
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
