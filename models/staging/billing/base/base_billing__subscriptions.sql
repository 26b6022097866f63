-- grain: one row per landed row of billing.subscriptions (every batch, every version), typed and
-- classified. A version is (id, updated_at): the latest load of a version is staged, earlier loads
-- of it are superseded (or duplicate when identical); every version stays (history).
with

source as (
    select * from {{ landed('billing', 'subscriptions') }}
),

-- the contract's rules: key, types, load time, parents (stg_billing__customers); then this table's
-- own. Each row is classified as staged, duplicate, superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'billing', 'subscriptions') -%}
        -- staged as decimal(9, 4): a percentage beyond that cannot be used
        when {{ is_unparseable('discount_percent_off', parse_decimal('discount_percent_off', 9, 4)) }}
            then 'unparseable_number'
    {%- endcall %}
),

final as (
    select
        id as subscription_id,
        customer_id,
        status,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('start_date') }} as started_at,
        {{ parse_timestamp('trial_start') }} as trial_start_at,
        {{ parse_timestamp('trial_end') }} as trial_end_at,
        {{ parse_timestamp('current_period_start') }} as current_period_start_at,
        {{ parse_timestamp('current_period_end') }} as current_period_end_at,
        {{ parse_bool('cancel_at_period_end') }} as is_cancel_at_period_end,
        {{ parse_timestamp('canceled_at') }} as canceled_at,
        {{ parse_timestamp('ended_at') }} as ended_at,
        {{ parse_decimal('discount_percent_off', 9, 4) }} as discount_percent_off,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ classified_row_columns() }}
    from classified
)

select * from final
