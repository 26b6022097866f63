-- grain: one row per landed row of crm.accounts (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('crm', 'accounts') }}
),

-- the contract's rules: key, types, load time; then this table's own. Each row is classified as
-- staged, duplicate, superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'crm', 'accounts') -%}
        -- a company cannot have fewer than zero employees
        when {{ parse_int('employee_count') }} < 0 then 'invalid_value'
    {%- endcall %}
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
        {{ classified_row_columns() }}
    from classified
)

select * from final
