-- grain: one row per landed row of fivetran_salesforce.task and of fivetran_salesforce.event, in
-- the shape of crm.activities (calls and emails are tasks, meetings and sessions events)
with

task as (
    select * from {{ source('fivetran_salesforce', 'task') }}
),

sf_event as (
    select * from {{ source('fivetran_salesforce', 'event') }}
),

final as (
    select
        id,
        account_id,
        owner_id as user_id,
        who_id as contact_id,
        -- the type picklist (Call, Email), else the subtype, in snake case
        {{ snake_case_label('coalesce(type, task_subtype)') }} as type,
        coalesce(completed_date_time, activity_date) as occurred_at,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from task

    union all

    select
        id,
        account_id,
        owner_id as user_id,
        who_id as contact_id,
        {{ snake_case_label('type') }} as type,
        start_date_time as occurred_at,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from sf_event
)

select * from final
