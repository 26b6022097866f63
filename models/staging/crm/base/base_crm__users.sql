-- grain: one row per landed row of crm.users (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('crm', 'users') }}
),

-- the contract's rules: key, types, load time. Each row is classified as staged, duplicate,
-- superseded or quarantined
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
        {{ classified_row_columns() }}
    from classified
)

select * from final
