-- grain: one row per landed row of fivetran_salesforce.contact, in the shape of crm.contacts
with

contact as (
    select * from {{ source('fivetran_salesforce', 'contact') }}
),

final as (
    select
        id,
        account_id,
        email,
        first_name,
        last_name,
        title,
        -- Salesforce has no buying role or leaving date: custom fields (null when absent)
        persona_c as persona,
        created_date as created_at,
        left_company_date_c as left_company_at,
        coalesce(last_modified_date, created_date) as updated_at,
        coalesce(is_deleted, 'false') as is_deleted,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from contact
)

select * from final
