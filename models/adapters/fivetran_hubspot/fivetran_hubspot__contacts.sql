-- grain: one row per landed row of fivetran_hubspot.contact, in the shape of crm.contacts
with

contact as (
    select * from {{ source('fivetran_hubspot', 'contact') }}
),

final as (
    select
        id,
        property_associatedcompanyid as account_id,
        property_email as email,
        property_firstname as first_name,
        property_lastname as last_name,
        property_jobtitle as title,
        -- HubSpot's persona property holds the buying role (its internal value, e.g. champion)
        property_hs_persona as persona,
        property_createdate as created_at,
        property_left_company_date as left_company_at,
        coalesce(property_lastmodifieddate, property_createdate) as updated_at,
        coalesce(_fivetran_deleted, 'false') as is_deleted,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from contact
)

select * from final
