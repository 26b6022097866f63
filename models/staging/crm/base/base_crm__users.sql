-- grain: one row per landed row of crm.users (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'users') }}
),

classified as (
    {{ classify_contract_rows('source', 'crm', 'users') }}
),

final as (
    select
        id as user_id,
        full_name,
        email,
        role,
        {{ parse_bool('is_active') }} as is_active,
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
