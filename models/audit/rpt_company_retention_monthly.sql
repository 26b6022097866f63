-- grain: one row per month of fct_retention_monthly for the whole company (segment 'all') whose
-- base has at least 20 accounts: smaller bases swing too much to judge drift. Validated by
-- expectations/audit.rpt_company_retention_monthly.json.
with

retention as (
    select * from {{ ref('fct_retention_monthly') }}
),

final as (
    select
        month,
        base_accounts,
        starting_mrr_usd,
        ending_mrr_usd,
        ndr,
        grr,
        logo_retention
    from retention
    where segment = 'all'
        and base_accounts >= 20
)

select * from final
