-- grain: one row per landed row of fivetran_hubspot.ticket, in the shape of crm.cases
with

ticket as (
    select * from {{ source('fivetran_hubspot', 'ticket') }}
),

ticket_company as (
    select * from {{ source('fivetran_hubspot', 'ticket_company') }}
),

ticket_contact as (
    select * from {{ source('fivetran_hubspot', 'ticket_contact') }}
),

ticket_pipeline_stage as (
    select * from {{ source('fivetran_hubspot', 'ticket_pipeline_stage') }}
),

-- a ticket's company and contact: their latest associations
ticket_companies as (
    {{ latest_sync('ticket_company', key='ticket_id') }}
),

ticket_contacts as (
    {{ latest_sync('ticket_contact', key='ticket_id') }}
),

stages as (
    {{ latest_sync('ticket_pipeline_stage', key='stage_id') }}
),

final as (
    select
        ticket.id,
        ticket_companies.company_id as account_id,
        ticket_contacts.contact_id,
        case lower(trim(ticket.property_hs_ticket_priority))
            when 'medium' then 'normal'
            else lower(trim(ticket.property_hs_ticket_priority))
        end as priority,
        -- HubSpot's default stages: waiting on us is open, waiting on contact pending
        case lower(trim(stages.label))
            when 'waiting on us' then 'open'
            when 'waiting on contact' then 'pending'
            else {{ snake_case_label('stages.label') }}
        end as status,
        ticket.property_subject as subject,
        ticket.property_createdate as created_at,
        ticket.property_closed_date as solved_at,
        ticket.property_csat as csat,
        ticket._fivetran_synced as _loaded_at,
        ticket._batch_file,
        ticket._row_number
    from ticket
    left join ticket_companies
        on ticket.id = ticket_companies.ticket_id
    left join ticket_contacts
        on ticket.id = ticket_contacts.ticket_id
    left join stages
        on ticket.property_hs_pipeline_stage = stages.stage_id
)

select * from final
