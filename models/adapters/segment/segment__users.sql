-- grain: one row per landed row of segment.identifies (a version of a user's traits), in the shape
-- of usage.users
with

identifies as (
    select * from {{ source('segment', 'identifies') }}
),

groups as (
    select * from {{ source('segment', 'groups') }}
),

-- the group calls that link a user to a workspace
user_groups as (
    select
        user_id,
        group_id,
        received_at,
        _batch_file,
        _row_number
    from groups
    where user_id is not null
),

-- each user's latest link: the workspace of an identify call that names none
latest_user_groups as (
    {{ latest_sync('user_groups', key='user_id', synced='received_at') }}
),

final as (
    select
        identifies.user_id,
        coalesce(
            identifies.{{ adapter.quote(var('segment_workspace_column')) }},
            latest_user_groups.group_id
        ) as workspace_id,
        identifies.email,
        identifies.role,
        identifies.created_at,
        identifies.deactivated_at,
        identifies.loaded_at as _loaded_at,
        identifies._batch_file,
        identifies._row_number
    from identifies
    left join latest_user_groups
        on identifies.user_id = latest_user_groups.user_id
)

select * from final
