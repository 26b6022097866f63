-- int_account_billing_spells is a step function per account: spells do not overlap, each one
-- ends where the next begins (no gap), only the last is open (valid_to null), adjacent spells
-- differ in some value (compact), the first starts on the account's first subscription day
-- (earliest start, trial start or creation) and nothing starts after as_of_date or is empty.
-- Returns the offending spells with the reason.
with

spells as (
    select * from {{ ref('int_account_billing_spells') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

-- the account's first subscription day: earliest start, trial start or creation of any version
account_first_dates as (
    select
        coalesce(customer_accounts.account_id, 'billing:' || subscriptions.customer_id) as account_id,
        cast(min(least(
            coalesce(subscriptions.started_at, subscriptions.trial_start_at, subscriptions.created_at),
            coalesce(subscriptions.trial_start_at, subscriptions.created_at, subscriptions.started_at),
            coalesce(subscriptions.created_at, subscriptions.started_at, subscriptions.trial_start_at)
        )) as date) as first_date
    from subscriptions
    left join customer_accounts
        on subscriptions.customer_id = customer_accounts.customer_id
    group by coalesce(customer_accounts.account_id, 'billing:' || subscriptions.customer_id)
),

ordered as (
    select
        *,
        lead(valid_from) over (partition by account_id order by valid_from) as next_valid_from,
        lag(mrr_usd) over (partition by account_id order by valid_from) as previous_mrr_usd,
        lag(licensed_seats) over (partition by account_id order by valid_from) as previous_licensed_seats,
        lag(is_trialing) over (partition by account_id order by valid_from) as previous_is_trialing,
        lag(has_live_subscription) over (partition by account_id order by valid_from) as previous_has_live_subscription,
        lag(is_past_due) over (partition by account_id order by valid_from) as previous_is_past_due,
        lag(renewal_date) over (partition by account_id order by valid_from) as previous_renewal_date,
        row_number() over (partition by account_id order by valid_from) as spell_number
    from spells
),

checked as (
    select
        ordered.account_id,
        ordered.valid_from,
        ordered.valid_to,
        case
            when ordered.next_valid_from is null and ordered.valid_to is not null
                then 'last spell not open'
            when ordered.next_valid_from is not null
                and (ordered.valid_to is null or ordered.valid_to <> ordered.next_valid_from)
                then 'gap or overlap with the next spell'
            when ordered.valid_to <= ordered.valid_from
                then 'empty spell'
            when ordered.valid_from > as_of.as_of_date
                then 'starts after as_of_date'
            when ordered.spell_number = 1 and ordered.valid_from <> account_first_dates.first_date
                then 'first spell not on the first subscription day'
            when ordered.spell_number > 1
                and ordered.mrr_usd = ordered.previous_mrr_usd
                and ordered.licensed_seats = ordered.previous_licensed_seats
                and ordered.is_trialing = ordered.previous_is_trialing
                and ordered.has_live_subscription = ordered.previous_has_live_subscription
                and ordered.is_past_due = ordered.previous_is_past_due
                and coalesce(ordered.renewal_date, cast('1900-01-01' as date))
                = coalesce(ordered.previous_renewal_date, cast('1900-01-01' as date))
                then 'not compact: equal to the previous spell'
            when ordered.is_in_renewal_window <> (ordered.renewal_date is not null)
                then 'renewal flag and date disagree'
        end as failure
    from ordered
    cross join as_of
    left join account_first_dates
        on ordered.account_id = account_first_dates.account_id
)

select * from checked
where failure is not null
