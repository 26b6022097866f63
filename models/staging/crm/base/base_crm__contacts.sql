-- grain: one row per landed row of crm.contacts (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('crm', 'contacts') }}
),

-- the contract's rules: key, types, load time, parents (stg_crm__accounts). Each row is classified
-- as staged, duplicate, superseded or quarantined
classified as (
    {{ classify_contract_rows('source', 'crm', 'contacts') }}
),

final as (
    select
        id as contact_id,
        account_id,
        email,
        first_name,
        last_name,
        title,
        persona,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('left_company_at') }} as left_company_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_bool('is_deleted') }} as is_deleted,
        {{ classified_row_columns() }}
    from classified
)

select * from final
