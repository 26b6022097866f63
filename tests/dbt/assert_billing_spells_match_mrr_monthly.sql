-- Daily = monthly: at every month's snapshot day (its last day, or as_of_date in the as_of month)
-- the billing spell covering that day has the mrr_usd of the account's int_account_mrr_monthly
-- row, to the cent. Returns the account-months where no spell covers the snapshot day or the
-- amounts differ, and the accounts paying in the spells but missing from the monthly model.
with

account_months as (
    select * from {{ ref('int_account_mrr_monthly') }}
),

months as (
    select * from {{ ref('int_months') }}
),

spells as (
    select * from {{ ref('int_account_billing_spells') }}
),

monthly_snapshots as (
    select
        account_months.account_id,
        account_months.month,
        months.snapshot_date,
        account_months.mrr_usd
    from account_months
    inner join months
        on account_months.month = months.month
),

compared as (
    select
        monthly_snapshots.account_id,
        monthly_snapshots.month,
        monthly_snapshots.snapshot_date,
        monthly_snapshots.mrr_usd as monthly_mrr_usd,
        spells.valid_from,
        spells.mrr_usd as spell_mrr_usd
    from monthly_snapshots
    left join spells
        on monthly_snapshots.account_id = spells.account_id
            and spells.valid_from <= monthly_snapshots.snapshot_date
            and (spells.valid_to is null or spells.valid_to > monthly_snapshots.snapshot_date)
),

paying_accounts_missing_monthly as (
    select distinct
        spells.account_id,
        cast(null as date) as month,
        cast(null as date) as snapshot_date,
        cast(null as decimal(18, 2)) as monthly_mrr_usd,
        spells.valid_from,
        spells.mrr_usd as spell_mrr_usd
    from spells
    left join account_months
        on spells.account_id = account_months.account_id
    where spells.mrr_usd > 0
        and account_months.account_id is null
)

select * from compared
where spell_mrr_usd is null
    or spell_mrr_usd <> monthly_mrr_usd
union all
select * from paying_accounts_missing_monthly
