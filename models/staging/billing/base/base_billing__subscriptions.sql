-- grain: one row per landed row of billing.subscriptions (every batch, every version), typed and
-- classified. A version is (id, updated_at): the latest load of a version is staged, earlier loads
-- of it are superseded (or duplicate when identical); every version stays (history).
with

source as (
    select * from {{ source('billing', 'subscriptions') }}
),

base_customers as (
    select * from {{ ref('base_billing__customers') }}
),

-- customers that exist in staging (soft-deleted ones too): the parents of customer_id
known_customers as (
    select distinct customer_id as known_customer_id
    from base_customers
    where _row_status = 'staged'
),

joined as (
    select
        source.*,
        known_customers.known_customer_id
    from source
    left join known_customers
        on source.customer_id = known_customers.known_customer_id
),

typed as (
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
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            -- updated_at is part of the version key: a version without it cannot be placed in history
            when id is null or updated_at is null then 'null_primary_key'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('start_date', parse_timestamp('start_date')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('trial_start', parse_timestamp('trial_start')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('trial_end', parse_timestamp('trial_end')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('current_period_start', parse_timestamp('current_period_start')) }}
                then 'unparseable_timestamp'
            when {{ is_unparseable('current_period_end', parse_timestamp('current_period_end')) }}
                then 'unparseable_timestamp'
            when {{ is_unparseable('cancel_at_period_end', parse_bool('cancel_at_period_end')) }} then 'unparseable_bool'
            when {{ is_unparseable('canceled_at', parse_timestamp('canceled_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('ended_at', parse_timestamp('ended_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('discount_percent_off', parse_decimal('discount_percent_off', 9, 4)) }}
                then 'unparseable_number'
            when {{ is_unparseable('updated_at', parse_timestamp('updated_at')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- a missing customer_id is an orphan too: every subscription belongs to a customer
            when known_customer_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        -- the version key: id @ the canonical text of the parsed updated_at, so that the same instant
        -- written two ways ('...T00:00:00Z', '... 00:00:00+00:00') is one version
        id || '@' || coalesce(
            cast({{ parse_timestamp('updated_at') }} as {{ dbt.type_string() }}), updated_at, ''
        ) as _row_key,
        {{ row_hash([
            'id', 'customer_id', 'status', 'created_at', 'start_date', 'trial_start', 'trial_end',
            'current_period_start', 'current_period_end', 'cancel_at_period_end', 'canceled_at', 'ended_at',
            'discount_percent_off', 'updated_at',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'customer_id', 'status', 'created_at', 'start_date', 'trial_start', 'trial_end',
            'current_period_start', 'current_period_end', 'cancel_at_period_end', 'canceled_at', 'ended_at',
            'discount_percent_off', 'updated_at', '_loaded_at',
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
        subscription_id,
        customer_id,
        status,
        created_at,
        started_at,
        trial_start_at,
        trial_end_at,
        current_period_start_at,
        current_period_end_at,
        is_cancel_at_period_end,
        canceled_at,
        ended_at,
        discount_percent_off,
        updated_at,
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
