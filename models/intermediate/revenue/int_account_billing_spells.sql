-- grain: one row per account per spell of its billing state (account_id, valid_from): the state
-- at the end of each day (UTC) from the account's first subscription start (trial included)
-- through as_of_date, as compact spells (valid_to exclusive, null while open). The state is
-- evaluated only on the days some instant passes (change points), through the same contract
-- rules as the monthly models (subscription_states_at, item_mrr_at), never subscription x day.
with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

subscription_items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

products as (
    select * from {{ ref('stg_billing__products') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

settings as (
    select
        cast({{ threshold('renewal_window_days') }} as integer) as renewal_window_days,
        cast({{ threshold('renewal_min_term_months') }} as integer) as renewal_min_term_months
),

-- a subscription's first day: its earliest start, trial start or creation over every version
-- (least() over coalesced arguments: the same on engines whose least() returns null on a null)
subscription_first_dates as (
    select
        subscription_id,
        max(customer_id) as customer_id,
        cast(min(least(
            coalesce(started_at, trial_start_at, created_at),
            coalesce(trial_start_at, created_at, started_at),
            coalesce(created_at, started_at, trial_start_at)
        )) as date) as first_date
    from subscriptions
    group by subscription_id
),

-- a subscription belongs to the account of its customer (the customer does not change between
-- versions); a customer missing from int_customer_accounts keeps 'billing:' || customer_id,
-- as in int_account_mrr_monthly
subscription_accounts as (
    select
        subscription_first_dates.subscription_id,
        coalesce(
            customer_accounts.account_id, 'billing:' || subscription_first_dates.customer_id
        ) as account_id,
        subscription_first_dates.first_date
    from subscription_first_dates
    left join customer_accounts
        on subscription_first_dates.customer_id = customer_accounts.customer_id
    where subscription_first_dates.first_date is not null
),

account_first_dates as (
    select
        account_id,
        min(first_date) as first_date
    from subscription_accounts
    group by account_id
),

-- the days whose end can differ from the day before: an instant x flips "x < cutoff" exactly on
-- the day of x, so each instant of a version (its validity start, start, trial end, end,
-- period end and the start of its renewal window) or of an item version is a change point
subscription_instants as (
    select
        subscription_id,
        cast(valid_from as date) as change_date
    from subscriptions
    union all
    select
        subscription_id,
        cast(started_at as date) as change_date
    from subscriptions
    union all
    select
        subscription_id,
        cast(trial_end_at as date) as change_date
    from subscriptions
    union all
    select
        subscription_id,
        cast(ended_at as date) as change_date
    from subscriptions
    union all
    select
        subscription_id,
        cast(current_period_end_at as date) as change_date
    from subscriptions
    union all
    select
        subscriptions.subscription_id,
        cast(
            {{ dbt.dateadd(
                'day',
                '-1 * settings.renewal_window_days',
                'cast(subscriptions.current_period_end_at as date)'
            ) }} as date
        ) as change_date
    from subscriptions
    cross join settings
    union all
    select
        subscription_id,
        cast(valid_from as date) as change_date
    from subscription_items
    union all
    select
        subscription_id,
        cast(created_at as date) as change_date
    from subscription_items
    union all
    select
        subscription_id,
        cast(deleted_at as date) as change_date
    from subscription_items
),

-- an instant before the subscription's first day counts on its first day (the first version is
-- valid from 1900); nothing after as_of_date
subscription_snapshots as (
    select distinct
        subscription_accounts.subscription_id,
        case
            when subscription_instants.change_date is null
                or subscription_instants.change_date < subscription_accounts.first_date
                then subscription_accounts.first_date
            else subscription_instants.change_date
        end as snapshot_date
    from subscription_accounts
    left join subscription_instants
        on subscription_accounts.subscription_id = subscription_instants.subscription_id
),

-- state at the end of day D: cutoff D + 1 day (exclusive), as int_months does for months
subscription_day_cutoffs as (
    select
        subscription_snapshots.subscription_id,
        subscription_snapshots.snapshot_date,
        cast({{ dbt.dateadd('day', 1, 'subscription_snapshots.snapshot_date') }} as timestamp) as snapshot_cutoff_at
    from subscription_snapshots
    cross join as_of
    where subscription_snapshots.snapshot_date <= as_of.as_of_date
),

subscription_states as (
    {{ subscription_states_at('subscription_day_cutoffs', 'subscriptions', ['snapshot_date']) }}
),

item_mrr as (
    {{ item_mrr_at('subscription_states', 'subscription_items', 'prices', ['snapshot_date']) }}
),

-- per subscription-day: unrounded MRR (rounded only at the account), licensed seats (contributing
-- plan items) and whether a contributing item has a term of renewal_min_term_months or more
subscription_item_totals as (
    select
        item_mrr.subscription_id,
        item_mrr.snapshot_date,
        sum(item_mrr.item_mrr_usd) as mrr_usd_unrounded,
        sum(
            case
                when item_mrr.contribution_status = 'contributing' and products.product_category = 'plan'
                    then coalesce(item_mrr.quantity, 0)
                else 0
            end
        ) as licensed_seats,
        max(
            case
                when item_mrr.contribution_status = 'contributing'
                    and case item_mrr.recurring_interval
                        when 'year' then 12 * item_mrr.recurring_interval_count
                        when 'month' then item_mrr.recurring_interval_count
                        else 0
                    end >= settings.renewal_min_term_months
                    then 1
                else 0
            end
        ) as has_renewal_term
    from item_mrr
    cross join settings
    left join products
        on item_mrr.product_id = products.product_id
    group by
        item_mrr.subscription_id,
        item_mrr.snapshot_date
),

-- the subscription's state at the end of each of its change days; in the renewal window when it
-- contributes with a long enough term and its current period ends 1..renewal_window_days after D
subscription_day_states as (
    select
        subscription_states.subscription_id,
        subscription_accounts.account_id,
        subscription_states.snapshot_date,
        -- decimal(30, 12): a difference of two stays exact at 12 places on Spark too (38 digits max)
        cast(coalesce(subscription_item_totals.mrr_usd_unrounded, 0) as decimal(30, 12)) as mrr_usd_unrounded,
        coalesce(subscription_item_totals.licensed_seats, 0) as licensed_seats,
        case when subscription_states.contribution_status = 'in_trial' then 1 else 0 end as trialing,
        case
            when subscription_states.contribution_status in ('in_trial', 'contributing') then 1 else 0
        end as live,
        case
            when subscription_states.status in ('past_due', 'unpaid')
                and subscription_states.contribution_status not in ('not_started', 'ended')
                then 1
            else 0
        end as past_due,
        case
            when subscription_states.contribution_status = 'contributing'
                and subscription_item_totals.has_renewal_term = 1
                and {{ dbt.datediff(
                    'subscription_states.snapshot_date',
                    'cast(subscription_states.current_period_end_at as date)',
                    'day'
                ) }} between 1 and settings.renewal_window_days
                then cast(subscription_states.current_period_end_at as date)
        end as renewal_date
    from subscription_states
    cross join settings
    inner join subscription_accounts
        on subscription_states.subscription_id = subscription_accounts.subscription_id
    left join subscription_item_totals
        on subscription_states.subscription_id = subscription_item_totals.subscription_id
            and subscription_states.snapshot_date = subscription_item_totals.snapshot_date
),

-- summable parts as deltas against the subscription's previous change day (0 before its first)
subscription_deltas as (
    select
        account_id,
        snapshot_date as change_date,
        mrr_usd_unrounded - coalesce(
            lag(mrr_usd_unrounded) over (partition by subscription_id order by snapshot_date),
            cast(0 as decimal(30, 12))
        ) as mrr_delta,
        licensed_seats - coalesce(
            lag(licensed_seats) over (partition by subscription_id order by snapshot_date), 0
        ) as seats_delta,
        trialing - coalesce(
            lag(trialing) over (partition by subscription_id order by snapshot_date), 0
        ) as trialing_delta,
        live - coalesce(
            lag(live) over (partition by subscription_id order by snapshot_date), 0
        ) as live_delta,
        past_due - coalesce(
            lag(past_due) over (partition by subscription_id order by snapshot_date), 0
        ) as past_due_delta
    from subscription_day_states
),

-- an invoice is past due at the end of D from its due day (due_at < cutoff) until the day it is
-- paid (paid_at < cutoff): statuses open, paid and uncollectible; draft and void never were owed
invoice_accounts as (
    select
        coalesce(customer_accounts.account_id, 'billing:' || invoices.customer_id) as account_id,
        cast(invoices.due_at as date) as due_date,
        cast(invoices.paid_at as date) as paid_date
    from invoices
    left join customer_accounts
        on invoices.customer_id = customer_accounts.customer_id
    where invoices.due_at is not null
        and invoices.status in ('open', 'paid', 'uncollectible')
        and (invoices.paid_at is null or cast(invoices.paid_at as date) > cast(invoices.due_at as date))
),

invoice_deltas as (
    select
        account_id,
        due_date as change_date,
        1 as past_due_delta
    from invoice_accounts
    union all
    select
        account_id,
        paid_date as change_date,
        -1 as past_due_delta
    from invoice_accounts
    where paid_date is not null
),

-- every delta of the account, an instant before its first day counted on its first day
account_deltas as (
    select
        account_id,
        change_date,
        mrr_delta,
        seats_delta,
        trialing_delta,
        live_delta,
        past_due_delta as subscription_past_due_delta,
        0 as invoice_past_due_delta
    from subscription_deltas
    union all
    select
        invoice_deltas.account_id,
        case
            when invoice_deltas.change_date < account_first_dates.first_date then account_first_dates.first_date
            else invoice_deltas.change_date
        end as change_date,
        cast(0 as decimal(30, 12)) as mrr_delta,
        0 as seats_delta,
        0 as trialing_delta,
        0 as live_delta,
        0 as subscription_past_due_delta,
        invoice_deltas.past_due_delta as invoice_past_due_delta
    from invoice_deltas
    inner join account_first_dates
        on invoice_deltas.account_id = account_first_dates.account_id
    cross join as_of
    where invoice_deltas.change_date <= as_of.as_of_date
        and account_first_dates.first_date <= as_of.as_of_date
),

account_change_days as (
    select
        account_id,
        change_date,
        sum(mrr_delta) as mrr_delta,
        sum(seats_delta) as seats_delta,
        sum(trialing_delta) as trialing_delta,
        sum(live_delta) as live_delta,
        sum(subscription_past_due_delta) as subscription_past_due_delta,
        sum(invoice_past_due_delta) as invoice_past_due_delta
    from account_deltas
    group by
        account_id,
        change_date
),

-- running sums: the account's totals at the end of each change day
account_running as (
    select
        account_id,
        change_date,
        sum(mrr_delta) over (
            partition by account_id order by change_date rows between unbounded preceding and current row
        ) as mrr_usd_unrounded,
        sum(seats_delta) over (
            partition by account_id order by change_date rows between unbounded preceding and current row
        ) as licensed_seats,
        sum(trialing_delta) over (
            partition by account_id order by change_date rows between unbounded preceding and current row
        ) as trialing_subscriptions,
        sum(live_delta) over (
            partition by account_id order by change_date rows between unbounded preceding and current row
        ) as live_subscriptions,
        sum(subscription_past_due_delta + invoice_past_due_delta) over (
            partition by account_id order by change_date rows between unbounded preceding and current row
        ) as past_due_items
    from account_change_days
),

-- a subscription's renewal date holds from its change day until its next one
subscription_renewal_spells as (
    select
        account_id,
        snapshot_date as valid_from,
        lead(snapshot_date) over (partition by subscription_id order by snapshot_date) as valid_to,
        renewal_date
    from subscription_day_states
),

-- the earliest renewal date among the account's subscriptions in their window at the end of D
account_renewals as (
    select
        account_running.account_id,
        account_running.change_date,
        min(subscription_renewal_spells.renewal_date) as renewal_date
    from account_running
    inner join subscription_renewal_spells
        on account_running.account_id = subscription_renewal_spells.account_id
            and subscription_renewal_spells.valid_from <= account_running.change_date
            and (
                subscription_renewal_spells.valid_to is null
                or subscription_renewal_spells.valid_to > account_running.change_date
            )
    where subscription_renewal_spells.renewal_date is not null
    group by
        account_running.account_id,
        account_running.change_date
),

account_states as (
    select
        account_running.account_id,
        account_running.change_date,
        -- sum unrounded item MRR, then round once, exactly as int_account_mrr_monthly
        cast(round(round(account_running.mrr_usd_unrounded, 10), 2) as decimal(18, 2)) as mrr_usd,
        cast(account_running.licensed_seats as bigint) as licensed_seats,
        account_running.trialing_subscriptions > 0 as is_trialing,
        account_running.live_subscriptions > 0 as has_live_subscription,
        account_running.past_due_items > 0 as is_past_due,
        account_renewals.renewal_date is not null as is_in_renewal_window,
        account_renewals.renewal_date
    from account_running
    left join account_renewals
        on account_running.account_id = account_renewals.account_id
            and account_running.change_date = account_renewals.change_date
),

-- compact: a spell starts where any value differs from the previous change day's
account_state_changes as (
    select
        *,
        lag(mrr_usd) over (partition by account_id order by change_date) as previous_mrr_usd,
        lag(licensed_seats) over (partition by account_id order by change_date) as previous_licensed_seats,
        lag(is_trialing) over (partition by account_id order by change_date) as previous_is_trialing,
        lag(has_live_subscription) over (
            partition by account_id order by change_date
        ) as previous_has_live_subscription,
        lag(is_past_due) over (partition by account_id order by change_date) as previous_is_past_due,
        lag(renewal_date) over (partition by account_id order by change_date) as previous_renewal_date,
        row_number() over (partition by account_id order by change_date) as change_number
    from account_states
),

spell_starts as (
    select *
    from account_state_changes
    where change_number = 1
        or mrr_usd <> previous_mrr_usd
        or licensed_seats <> previous_licensed_seats
        or is_trialing <> previous_is_trialing
        or has_live_subscription <> previous_has_live_subscription
        or is_past_due <> previous_is_past_due
        or coalesce(renewal_date, cast('1900-01-01' as date))
        <> coalesce(previous_renewal_date, cast('1900-01-01' as date))
),

final as (
    select
        account_id,
        change_date as valid_from,
        lead(change_date) over (partition by account_id order by change_date) as valid_to,
        mrr_usd,
        licensed_seats,
        is_trialing,
        has_live_subscription,
        is_past_due,
        is_in_renewal_window,
        renewal_date
    from spell_starts
)

select * from final
