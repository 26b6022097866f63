-- grain: one row per landed row of crm.users (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'users') }}
),

typed as (
    select
        id as user_id,
        full_name,
        email,
        role,
        {{ parse_bool('is_active') }} as is_active,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('is_active', parse_bool('is_active')) }} then 'unparseable_bool'
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash(['id', 'full_name', 'email', 'role', 'is_active']) }} as _payload_hash,
        {{ json_object_of(['id', 'full_name', 'email', 'role', 'is_active', '_loaded_at']) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from source
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        user_id,
        full_name,
        email,
        role,
        is_active,
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
