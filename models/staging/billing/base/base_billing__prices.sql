-- grain: one row per landed row of billing.prices (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('billing', 'prices') }}
),

-- the contract's rules: key, types, load time, currency (seed currencies), parents
-- (stg_billing__products); then this table's own. Each row is classified as staged, duplicate,
-- superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'billing', 'prices') -%}
        -- staged as an integer: a count beyond its range cannot be used
        when {{ is_unparseable(
            'recurring_interval_count', try_cast(parse_int('recurring_interval_count'), 'integer')
        ) }} then 'unparseable_number'
        when {{ parse_int('unit_amount') }} < 0 then 'negative_amount'
    {%- endcall %}
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
        {{ classified_row_columns() }}
    from classified
)

select * from final
