-- grain: one row per landed row of crm.accounts (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'accounts') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        source.*,
        case
            -- a company cannot have fewer than zero employees
            when {{ parse_int('employee_count') }} < 0 then 'invalid_value'
        end as _table_rule
    from source
),

classified as (
    {{ classify_contract_rows('checked', 'crm', 'accounts', table_rule='_table_rule') }}
),

final as (
    select
        id as account_id,
        name as account_name,
        industry,
        upper(billing_country) as billing_country,
        {{ parse_int('employee_count') }} as employee_count,
        owner_user_id,
        csm_user_id,
        billing_customer_id,
        workspace_id,
        {{ parse_timestamp('created_at') }} as created_at,
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
