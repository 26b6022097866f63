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

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- each foreign key's staged parent (null: an orphan); soft-deleted customers count as existing
with_parents as (
    {{ join_parents('landed', {'customer_id': 'customers'}) }}
),

-- the first contract rule the row breaks (null: none), its version key and its payload
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('billing', 'subscriptions') }}
            -- staged as decimal(9, 4): a percentage beyond that cannot be used
            when {{ is_unparseable('discount_percent_off', parse_decimal('discount_percent_off', 9, 4)) }}
                then 'unparseable_number'
            -- a missing customer_id is an orphan too: every subscription belongs to a customer
            when _parent_customer_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('billing', 'subscriptions') }} as _row_key,
        {{ row_hash(contract_column_names('billing', 'subscriptions', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('billing', 'subscriptions')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
