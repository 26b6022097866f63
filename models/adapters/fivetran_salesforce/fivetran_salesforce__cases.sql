-- grain: one row per landed row of fivetran_salesforce.case, in the shape of crm.cases
with

sf_case as (
    select * from {{ source('fivetran_salesforce', 'case') }}
),

final as (
    select
        id,
        account_id,
        contact_id,
        -- Salesforce's default picklists onto the contract's: Medium is normal
        case lower(trim(priority))
            when 'medium' then 'normal'
            else lower(trim(priority))
        end as priority,
        -- Working and Escalated are open, On Hold is pending
        case lower(trim(status))
            when 'working' then 'open'
            when 'escalated' then 'open'
            when 'on hold' then 'pending'
            else lower(trim(status))
        end as status,
        subject,
        created_date as created_at,
        closed_date as solved_at,
        csat_c as csat,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from sf_case
)

select * from final
