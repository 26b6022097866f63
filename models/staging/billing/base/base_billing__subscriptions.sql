-- grain: one row per landed row of billing.subscriptions (every batch, every version), typed and
-- classified. A version is (id, updated_at): the latest load of a version is staged, earlier loads
-- of it are superseded (or duplicate when identical); every version stays (history).
with

source as (
    select * from {{ source('billing', 'subscriptions') }}
),

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        source.*,
        case
            -- staged as decimal(9, 4): a percentage beyond that cannot be used
            when {{ is_unparseable('discount_percent_off', parse_decimal('discount_percent_off', 9, 4)) }}
                then 'unparseable_number'
            -- a missing customer_id is an orphan too: every subscription belongs to a customer
            when customers.customer_id is null then 'orphan_foreign_key'
        end as _table_rule
    from source
    left join customers
        on source.customer_id = customers.customer_id
),

classified as (
    {{ classify_contract_rows('checked', 'billing', 'subscriptions', table_rule='_table_rule') }}
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
