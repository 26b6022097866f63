-- grain: one row per landed row of crm.accounts (every batch, every version), typed and classified
with

source as (
    select * from {{ source('crm', 'accounts') }}
),

typed as (
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
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when id is null then 'null_primary_key'
            when {{ is_unparseable('employee_count', parse_int('employee_count')) }} then 'unparseable_number'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('updated_at', parse_timestamp('updated_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('is_deleted', parse_bool('is_deleted')) }} then 'unparseable_bool'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            -- a company cannot have fewer than zero employees
            when {{ parse_int('employee_count') }} < 0 then 'invalid_value'
        end as _quarantine_rule,
        id as _row_key,
        {{ row_hash([
            'id', 'name', 'industry', 'billing_country', 'employee_count', 'owner_user_id', 'csm_user_id',
            'billing_customer_id', 'workspace_id', 'created_at', 'updated_at', 'is_deleted',
        ]) }} as _payload_hash,
        {{ json_object_of([
            'id', 'name', 'industry', 'billing_country', 'employee_count', 'owner_user_id', 'csm_user_id',
            'billing_customer_id', 'workspace_id', 'created_at', 'updated_at', 'is_deleted', '_loaded_at',
        ]) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from source
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        account_id,
        account_name,
        industry,
        billing_country,
        employee_count,
        owner_user_id,
        csm_user_id,
        billing_customer_id,
        workspace_id,
        created_at,
        updated_at,
        is_deleted,
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
