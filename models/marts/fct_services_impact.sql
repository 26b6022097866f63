-- grain: one row per services attached (yes / no) x segment, plus segment 'all': do accounts that
-- bought services retain and grow differently? Accounts are those with a paid invoice by the end
-- of as_of_date; has_services: realised services revenue > 0 by then. Retention is the trailing
-- 12 months to the as_of month, as in fct_retention_monthly (base: MRR > 0 twelve months
-- earlier); time to first value is the first land's. CORRELATION, NOT CAUSATION: customers who
-- buy services differ (size, plan, intent) and may buy them because they struggle or because
-- they invest; read a gap as a question for the services team, not as the effect of services.
with

realised as (
    select * from {{ ref('int_account_realised_revenue') }}
),

accounts as (
    select * from {{ ref('int_accounts') }}
),

account_mrr as (
    select * from {{ ref('int_account_mrr_monthly') }}
),

months as (
    select * from {{ ref('int_months') }}
),

lands as (
    select * from {{ ref('int_lifecycle_lands') }}
),

as_of_month as (
    select month from months where is_as_of_month
),

attached as (
    select
        realised.account_id,
        realised.realised_services_usd > 0 as has_services,
        coalesce(accounts.segment, 'unknown') as segment,
        realised.realised_services_usd,
        realised.realised_recurring_usd
    from realised
    left join accounts
        on realised.account_id = accounts.account_id
),

first_lands as (
    select
        account_id,
        time_to_first_value_days
    from lands
    where land_number = 1
),

-- trailing 12 months to the as_of month: MRR > 0 at its start, the MRR at the as_of month (0 if none)
base_pairs as (
    select
        starting.account_id,
        starting.mrr_usd as starting_mrr_usd,
        coalesce(ending.mrr_usd, 0) as ending_mrr_usd
    from account_mrr as starting
    cross join as_of_month
    left join account_mrr as ending
        on starting.account_id = ending.account_id
            and ending.month = as_of_month.month
    where starting.month = cast({{ dbt.dateadd('month', -12, 'as_of_month.month') }} as date)
        and starting.mrr_usd > 0
),

facts as (
    select
        attached.*,
        first_lands.time_to_first_value_days,
        base_pairs.starting_mrr_usd,
        base_pairs.ending_mrr_usd
    from attached
    left join first_lands
        on attached.account_id = first_lands.account_id
    left join base_pairs
        on attached.account_id = base_pairs.account_id
),

stacked as (
    select * from facts
    union all
    select
        account_id,
        has_services,
        'all' as segment,
        realised_services_usd,
        realised_recurring_usd,
        time_to_first_value_days,
        starting_mrr_usd,
        ending_mrr_usd
    from facts
),

account_measures as (
    select
        has_services,
        segment,
        cast(count(*) as bigint) as accounts,
        cast(sum(realised_services_usd) as decimal(18, 2)) as services_revenue_usd,
        cast(avg(realised_recurring_usd) as decimal(18, 2)) as avg_realised_recurring_usd,
        cast(count(time_to_first_value_days) as bigint) as accounts_with_first_value,
        {{ median_of('time_to_first_value_days') }} as median_time_to_first_value_days
    from stacked
    group by has_services, segment
),

retention as (
    select
        has_services,
        segment,
        {{ retention_measures('starting_mrr_usd', 'ending_mrr_usd') }}
    from stacked
    where starting_mrr_usd > 0
    group by has_services, segment
),

final as (
    select
        account_measures.has_services,
        account_measures.segment,
        account_measures.accounts,
        account_measures.services_revenue_usd,
        account_measures.avg_realised_recurring_usd,
        coalesce(retention.base_accounts, 0) as base_accounts,
        retention.starting_mrr_usd,
        retention.ending_mrr_usd,
        retention.ndr,
        retention.grr,
        retention.logo_retention,
        account_measures.accounts_with_first_value,
        cast(account_measures.median_time_to_first_value_days as decimal(10, 1)) as median_time_to_first_value_days
    from account_measures
    left join retention
        on account_measures.has_services = retention.has_services
            and account_measures.segment = retention.segment
)

select * from final
