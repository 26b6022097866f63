-- grain: one row per landed row of crm.activities (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('crm', 'activities') }}
),

-- the contract's rules: key, types, load time, parents (stg_crm__accounts). Each row is classified
-- as staged, duplicate, superseded or quarantined
classified as (
    {{ classify_contract_rows('source', 'crm', 'activities') }}
),

final as (
    select
        id as activity_id,
        account_id,
        user_id,
        contact_id,
        type as activity_type,
        {{ parse_timestamp('occurred_at') }} as occurred_at,
        {{ classified_row_columns() }}
    from classified
)

select * from final
