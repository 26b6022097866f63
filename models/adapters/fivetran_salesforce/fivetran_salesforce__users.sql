-- grain: one row per landed row of fivetran_salesforce.user, in the shape of crm.users
with

sf_user as (
    select * from {{ source('fivetran_salesforce', 'user') }}
),

user_role as (
    select * from {{ source('fivetran_salesforce', 'user_role') }}
),

latest_roles as (
    {{ latest_sync('user_role') }}
),

final as (
    select
        sf_user.id,
        sf_user.name as full_name,
        sf_user.email,
        -- the role's name in snake case: `Customer Success Manager` -> customer_success_manager
        {{ snake_case_label('latest_roles.name') }} as role,
        coalesce(sf_user.is_active, 'true') as is_active,
        sf_user._fivetran_synced as _loaded_at,
        sf_user._batch_file,
        sf_user._row_number
    from sf_user
    left join latest_roles
        on sf_user.user_role_id = latest_roles.id
)

select * from final
