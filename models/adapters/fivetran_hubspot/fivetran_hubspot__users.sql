-- grain: one row per landed row of fivetran_hubspot.owner, in the shape of crm.users
with

owner as (
    select * from {{ source('fivetran_hubspot', 'owner') }}
),

company as (
    select * from {{ source('fivetran_hubspot', 'company') }}
),

-- HubSpot owners have no role: an owner named as some company's CSM is a customer success
-- manager, one who owns a company an account executive, any other a manager
csm_owners as (
    select distinct {{ adapter.quote(var('hubspot_csm_property')) }} as owner_id
    from company
),

account_owners as (
    select distinct property_hubspot_owner_id as owner_id
    from company
),

final as (
    select
        owner.owner_id as id,
        trim(concat(coalesce(owner.first_name, ''), ' ', coalesce(owner.last_name, ''))) as full_name,
        owner.email,
        case
            when csm_owners.owner_id is not null then 'customer_success_manager'
            when account_owners.owner_id is not null then 'account_executive'
            else 'manager'
        end as role,
        coalesce(owner.is_active, 'true') as is_active,
        owner._fivetran_synced as _loaded_at,
        owner._batch_file,
        owner._row_number
    from owner
    left join csm_owners
        on owner.owner_id = csm_owners.owner_id
    left join account_owners
        on owner.owner_id = account_owners.owner_id
)

select * from final
