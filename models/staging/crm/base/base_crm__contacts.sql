-- grain: one row per landed row of crm.contacts (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'contacts') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        source.*,
        case
            when accounts.account_id is null then 'orphan_foreign_key'
        end as _table_rule
    from source
    left join accounts
        on source.account_id = accounts.account_id
),

classified as (
    {{ classify_contract_rows('checked', 'crm', 'contacts', table_rule='_table_rule') }}
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
