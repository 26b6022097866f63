-- grain: one row per landed row of fivetran_hubspot.engagement, in the shape of crm.activities
with

engagement as (
    select * from {{ source('fivetran_hubspot', 'engagement') }}
),

engagement_company as (
    select * from {{ source('fivetran_hubspot', 'engagement_company') }}
),

engagement_contact as (
    select * from {{ source('fivetran_hubspot', 'engagement_contact') }}
),

-- an engagement's company and contact: their latest associations
engagement_companies as (
    {{ latest_sync('engagement_company', key='engagement_id') }}
),

engagement_contacts as (
    {{ latest_sync('engagement_contact', key='engagement_id') }}
),

final as (
    select
        engagement.id,
        engagement_companies.company_id as account_id,
        engagement.owner_id as user_id,
        engagement_contacts.contact_id,
        -- the team's activity type (QBR, Onboarding Session) when set, else the engagement type
        {{ snake_case_label('coalesce(engagement.activity_type, engagement.type)') }} as type,
        engagement.{{ adapter.quote('timestamp') }} as occurred_at,
        engagement._fivetran_synced as _loaded_at,
        engagement._batch_file,
        engagement._row_number
    from engagement
    left join engagement_companies
        on engagement.id = engagement_companies.engagement_id
    left join engagement_contacts
        on engagement.id = engagement_contacts.engagement_id
)

select * from final
