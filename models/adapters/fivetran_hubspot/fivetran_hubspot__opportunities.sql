-- grain: one row per landed row of fivetran_hubspot.deal, in the shape of crm.opportunities
with

deal as (
    select * from {{ source('fivetran_hubspot', 'deal') }}
),

deal_company as (
    select * from {{ source('fivetran_hubspot', 'deal_company') }}
),

deal_pipeline_stage as (
    select * from {{ source('fivetran_hubspot', 'deal_pipeline_stage') }}
),

-- a deal's company: its latest association
deal_companies as (
    {{ latest_sync('deal_company', key='deal_id') }}
),

stages as (
    {{ latest_sync('deal_pipeline_stage', key='stage_id') }}
),

final as (
    select
        deal.deal_id as id,
        deal_companies.company_id as account_id,
        deal.property_hubspot_owner_id as owner_user_id,
        -- HubSpot's default deal types, else the type in snake case
        case lower(trim(deal.property_dealtype))
            when 'newbusiness' then 'new_business'
            when 'existingbusiness' then 'expansion'
            else {{ snake_case_label('deal.property_dealtype') }}
        end as type,
        -- a won stage is closed_won, a stage of probability 0 closed_lost, else its label
        case
            when {{ parse_bool('stages.closed_won') }} then 'closed_won'
            when {{ try_cast('stages.probability', 'double') }} = 0 then 'closed_lost'
            else {{ snake_case_label('stages.label') }}
        end as stage,
        deal.property_amount as amount,
        coalesce(deal.property_deal_currency_code, '{{ var("hubspot_default_currency", "usd") }}') as currency,
        deal.property_createdate as created_at,
        deal.property_closedate as close_date,
        coalesce(deal.property_hs_lastmodifieddate, deal.property_createdate) as updated_at,
        coalesce(deal.is_deleted, 'false') as is_deleted,
        deal._fivetran_synced as _loaded_at,
        deal._batch_file,
        deal._row_number
    from deal
    left join deal_companies
        on deal.deal_id = deal_companies.deal_id
    left join stages
        on deal.property_dealstage = stages.stage_id
)

select * from final
