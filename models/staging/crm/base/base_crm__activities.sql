-- grain: one row per landed row of crm.activities (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'activities') }}
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
    {{ classify_contract_rows('checked', 'crm', 'activities', table_rule='_table_rule') }}
),

final as (
    select
        id as activity_id,
        account_id,
        user_id,
        contact_id,
        type as activity_type,
        {{ parse_timestamp('occurred_at') }} as occurred_at,
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
