-- grain: one row per landed row of crm.cases (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'cases') }}
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
            -- csat is a 1-5 rating
            when {{ parse_int('csat') }} not between 1 and 5 then 'invalid_value'
        end as _table_rule
    from source
    left join accounts
        on source.account_id = accounts.account_id
),

classified as (
    {{ classify_contract_rows('checked', 'crm', 'cases', table_rule='_table_rule') }}
),

final as (
    select
        id as case_id,
        account_id,
        contact_id,
        priority,
        status,
        subject,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('solved_at') }} as solved_at,
        {{ parse_int('csat') }} as csat,
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
