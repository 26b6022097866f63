-- grain: one row per support case (latest version)
with

base as (
    select * from {{ ref('base_crm__cases') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        case_id,
        account_id,
        contact_id,
        priority,
        status,
        subject,
        created_at,
        solved_at,
        csat,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
