-- grain: one row per account per week (weeks start on Monday), from the week of the account's
-- first subscription start (trial included: the earliest started_at, trial_start_at or
-- created_at of any version of its subscriptions) through the week of as_of_date. Accounts whose
-- first start is after as_of_date have no rows.
with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

-- every instant that can start an account's life, stacked (a null start is no start)
subscription_starts as (
    select
        customer_id,
        started_at as start_at
    from subscriptions
    union all
    select
        customer_id,
        trial_start_at as start_at
    from subscriptions
    union all
    select
        customer_id,
        created_at as start_at
    from subscriptions
),

-- a customer missing from int_customer_accounts keeps its own billing account (as in
-- int_account_mrr_monthly)
account_start_instants as (
    select
        coalesce(customer_accounts.account_id, 'billing:' || subscription_starts.customer_id) as account_id,
        subscription_starts.start_at
    from subscription_starts
    left join customer_accounts
        on subscription_starts.customer_id = customer_accounts.customer_id
    where subscription_starts.start_at is not null
),

account_starts as (
    select
        account_id,
        min(start_at) as first_start_at
    from account_start_instants
    group by account_id
),

-- only accounts that had started by the end of as_of_date
started_accounts as (
    select
        account_starts.account_id,
        account_starts.first_start_at,
        cast({{ dbt.date_trunc('week', 'account_starts.first_start_at') }} as date) as first_week
    from account_starts
    cross join as_of
    where account_starts.first_start_at < cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as timestamp)
),

bounds as (
    select
        min(started_accounts.first_week) as first_week,
        max(cast({{ dbt.date_trunc('week', 'as_of.as_of_date') }} as date)) as last_week
    from as_of
    cross join started_accounts
),

spine as (
    {{ date_spine('week', '(select first_week from bounds)', '(select last_week from bounds)') }}
),

-- the week's snapshot is the end of its Sunday, or the end of as_of_date for the as_of week;
-- snapshot_cutoff_at is the exclusive bound just after it ("x <= snapshot" reads "x < cutoff")
weeks as (
    select
        spine.period_start_date as week,
        case
            when spine.period_start_date = bounds.last_week then as_of.as_of_date
            else cast({{ dbt.dateadd('day', 6, 'spine.period_start_date') }} as date)
        end as snapshot_date,
        spine.period_start_date = bounds.last_week as is_as_of_week
    from spine
    cross join bounds
    cross join as_of
),

final as (
    select
        started_accounts.account_id,
        weeks.week,
        weeks.snapshot_date,
        cast({{ dbt.dateadd('day', 1, 'weeks.snapshot_date') }} as timestamp) as snapshot_cutoff_at,
        weeks.is_as_of_week,
        started_accounts.first_start_at
    from started_accounts
    inner join weeks
        on started_accounts.first_week <= weeks.week
)

select * from final
