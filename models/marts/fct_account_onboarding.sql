-- grain: one row per land of an account (the first subscription start, and every return from
-- churned): first value and adoption of that land (docs/metrics.md, LAER). A land still waiting
-- for its first value has null first_value_date and time_to_first_value_days.
with

lands as (
    select * from {{ ref('int_lifecycle_lands') }}
),

accounts as (
    select * from {{ ref('int_accounts') }}
),

final as (
    select
        lands.account_id,
        lands.land_number,
        lands.land_number > 1 as is_reactivation,
        coalesce(accounts.segment, 'unknown') as segment,
        lands.land_date,
        lands.first_value_date,
        lands.time_to_first_value_days,
        lands.adopted_date,
        lands.churned_date
    from lands
    left join accounts
        on lands.account_id = accounts.account_id
)

select * from final
