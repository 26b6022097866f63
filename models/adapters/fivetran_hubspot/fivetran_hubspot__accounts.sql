-- grain: one row per landed row of fivetran_hubspot.company, in the shape of crm.accounts
with

company as (
    select * from {{ source('fivetran_hubspot', 'company') }}
),

final as (
    select
        id,
        property_name as name,
        property_industry as industry,
        property_country as billing_country,
        property_numberofemployees as employee_count,
        property_hubspot_owner_id as owner_user_id,
        -- custom properties, named by LIFECYCLE_HUBSPOT_*_PROPERTY (the loader lands them by that name)
        {{ adapter.quote(var('hubspot_csm_property')) }} as csm_user_id,
        {{ adapter.quote(var('hubspot_stripe_customer_property')) }} as billing_customer_id,
        {{ adapter.quote(var('hubspot_workspace_property')) }} as workspace_id,
        property_createdate as created_at,
        coalesce(property_hs_lastmodifieddate, property_createdate) as updated_at,
        coalesce(is_deleted, 'false') as is_deleted,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from company
)

select * from final
