-- grain: one row per landed row of crm.accounts (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'accounts') }}
),

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        landed.*,
        case
            {{ contract_rules('crm', 'accounts') }}
            -- a company cannot have fewer than zero employees
            when {{ parse_int('employee_count') }} < 0 then 'invalid_value'
        end as _quarantine_rule,
        {{ contract_row_key('crm', 'accounts') }} as _row_key,
        {{ row_hash(contract_column_names('crm', 'accounts', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('crm', 'accounts')) }} as _raw_values
    from landed
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
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
