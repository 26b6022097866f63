-- grain: one row per account per month, dense from the account's first month with MRR > 0
-- through the as_of month (0 after churn); MRR, ARR and the month's MRR movement
-- (docs/metrics.md, MRR and MRR movements; decisions in DECISIONLOG.md (Revenue))
with

account_mrr as (
    select * from {{ ref('int_account_mrr_monthly') }}
),

months as (
    select * from {{ ref('int_months') }}
),

-- accounts that ever paid, with their first paid month
paying_accounts as (
    select * from {{ ref('int_account_mrr_summary') }}
),

-- dense spine: every month from the first paid month to the as_of month, whatever rows exist
account_months as (
    select
        paying_accounts.account_id,
        paying_accounts.first_paid_month,
        months.month
    from paying_accounts
    inner join months
        on months.month >= paying_accounts.first_paid_month
),

with_mrr as (
    select
        account_months.account_id,
        account_months.month,
        account_months.first_paid_month,
        coalesce(account_mrr.mrr_usd, 0) as mrr_usd
    from account_months
    left join account_mrr
        on account_months.account_id = account_mrr.account_id
            and account_months.month = account_mrr.month
),

-- prev = the MRR at the previous month's snapshot (0 before the first paid month)
with_previous as (
    select
        with_mrr.*,
        coalesce(
            lag(with_mrr.mrr_usd) over (partition by with_mrr.account_id order by with_mrr.month),
            0
        ) as previous_mrr_usd
    from with_mrr
),

-- new: first paid month; reactivation: back from 0 after having had MRR; then expansion,
-- contraction, churn; flat months have no movement
movements as (
    select
        with_previous.*,
        case
            when with_previous.previous_mrr_usd = 0 and with_previous.mrr_usd > 0
                and with_previous.month = with_previous.first_paid_month
                then 'new'
            when with_previous.previous_mrr_usd = 0 and with_previous.mrr_usd > 0
                then 'reactivation'
            when with_previous.previous_mrr_usd > 0 and with_previous.mrr_usd > with_previous.previous_mrr_usd
                then 'expansion'
            when with_previous.mrr_usd > 0 and with_previous.mrr_usd < with_previous.previous_mrr_usd
                then 'contraction'
            when with_previous.previous_mrr_usd > 0 and with_previous.mrr_usd = 0
                then 'churn'
        end as movement_type
    from with_previous
),

final as (
    select
        account_id,
        month,
        cast(mrr_usd as decimal(18, 2)) as mrr_usd,
        cast(12 * mrr_usd as decimal(18, 2)) as arr_usd,
        cast(previous_mrr_usd as decimal(18, 2)) as previous_mrr_usd,
        movement_type,
        cast(mrr_usd - previous_mrr_usd as decimal(18, 2)) as mrr_change_usd
    from movements
)

select * from final
