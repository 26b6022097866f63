-- grain: one row per landed row of crm.nps_responses (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'nps_responses') }}
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
            -- an NPS score is 0-10
            when {{ parse_int('score') }} not between 0 and 10 then 'invalid_value'
        end as _table_rule
    from source
    left join accounts
        on source.account_id = accounts.account_id
),

classified as (
    {{ classify_contract_rows('checked', 'crm', 'nps_responses', table_rule='_table_rule') }}
),

final as (
    select
        id as nps_response_id,
        account_id,
        contact_id,
        {{ parse_int('score') }} as score,
        comment,
        {{ parse_timestamp('responded_at') }} as responded_at,
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
