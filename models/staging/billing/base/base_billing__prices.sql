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

-- the currency's minor-unit exponent and USD rate (rate_currency null: unknown currency)
with_currency as (
    {{ join_currency_rates('source', 'currencies') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        with_currency.*,
        case
            -- staged as an integer: a count beyond its range cannot be used
            when {{ is_unparseable(
                'recurring_interval_count', try_cast(parse_int('recurring_interval_count'), 'integer')
            ) }} then 'unparseable_number'
            -- a price without a known currency cannot be valued (never guessed)
            when rate_currency is null then 'unknown_currency'
            when {{ parse_int('unit_amount') }} < 0 then 'negative_amount'
            -- a missing product_id is an orphan too: every price belongs to a product
            when products.product_id is null then 'orphan_foreign_key'
        end as _table_rule
    from with_currency
    left join products
        on with_currency.product_id = products.product_id
),

classified as (
    {{ classify_contract_rows('checked', 'billing', 'prices', table_rule='_table_rule') }}
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
