-- grain: one row per landed row of fivetran_hubspot.nps_response (a custom object), in the shape
-- of crm.nps_responses; none landed, none read
with

nps_response as (
    select * from {{ source('fivetran_hubspot', 'nps_response') }}
),

final as (
    select
        id,
        property_company_id as account_id,
        property_contact_id as contact_id,
        property_score as score,
        property_comment as comment,
        property_responded_at as responded_at,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from nps_response
)

select * from final
