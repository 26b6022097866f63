-- grain: one row per landed row of fivetran_salesforce.account, in the shape of crm.accounts
with

account as (
    select * from {{ source('fivetran_salesforce', 'account') }}
),

final as (
    select
        id,
        name,
        industry,
        billing_country,
        number_of_employees as employee_count,
        owner_id as owner_user_id,
        -- custom fields, named by LIFECYCLE_SALESFORCE_*_FIELD (the loader lands them by that name)
        {{ adapter.quote(var('salesforce_csm_field')) }} as csm_user_id,
        {{ adapter.quote(var('salesforce_stripe_customer_field')) }} as billing_customer_id,
        {{ adapter.quote(var('salesforce_workspace_field')) }} as workspace_id,
        created_date as created_at,
        coalesce(last_modified_date, created_date) as updated_at,
        coalesce(is_deleted, 'false') as is_deleted,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from account
)

select * from final
