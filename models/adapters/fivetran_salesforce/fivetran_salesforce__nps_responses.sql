-- grain: one row per landed row of fivetran_salesforce.nps_response_c (a custom object), in the
-- shape of crm.nps_responses; none landed, none read
with

nps_response as (
    select * from {{ source('fivetran_salesforce', 'nps_response_c') }}
),

final as (
    select
        id,
        account_c as account_id,
        contact_c as contact_id,
        score_c as score,
        comment_c as comment,
        responded_at_c as responded_at,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from nps_response
)

select * from final
