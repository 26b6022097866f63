-- Signs and ranges of the revenue marts; returns one row per broken rule and row:
--   fct_mrr_monthly: mrr_usd >= 0, arr_usd = 12 x mrr_usd, mrr_change_usd = mrr - previous
--   mrr_waterfall_monthly: new, reactivation, expansion >= 0; contraction, churn <= 0
--   fct_retention_monthly: ndr, grr, logo_retention >= 0; grr <= 1; logo_retention <= 1
with

mrr as (
    select * from {{ ref('fct_mrr_monthly') }}
),

waterfall as (
    select * from {{ ref('mrr_waterfall_monthly') }}
),

retention as (
    select * from {{ ref('fct_retention_monthly') }}
),

mrr_violations as (
    select
        'fct_mrr_monthly' as model_name,
        account_id || ' ' || cast(month as {{ dbt.type_string() }}) as row_key,
        case
            when mrr_usd < 0 then 'mrr_usd < 0'
            when arr_usd <> 12 * mrr_usd then 'arr_usd <> 12 x mrr_usd'
            when mrr_change_usd <> mrr_usd - previous_mrr_usd then 'mrr_change_usd <> mrr - previous'
        end as broken_rule
    from mrr
),

waterfall_violations as (
    select
        'mrr_waterfall_monthly' as model_name,
        cast(month as {{ dbt.type_string() }}) as row_key,
        case
            when new_mrr_usd < 0 or reactivation_mrr_usd < 0 or expansion_mrr_usd < 0
                then 'a positive movement < 0'
            when contraction_mrr_usd > 0 or churn_mrr_usd > 0
                then 'contraction or churn > 0'
            when opening_mrr_usd < 0 or closing_mrr_usd < 0
                then 'opening or closing < 0'
        end as broken_rule
    from waterfall
),

retention_violations as (
    select
        'fct_retention_monthly' as model_name,
        cast(month as {{ dbt.type_string() }}) || ' ' || segment as row_key,
        case
            when ndr < 0 or grr < 0 or logo_retention < 0 then 'a ratio < 0'
            when grr > 1 then 'grr > 1'
            when logo_retention > 1 then 'logo_retention > 1'
            when grr > ndr then 'grr > ndr'
            when base_accounts <= 0 or starting_mrr_usd <= 0 then 'empty base'
        end as broken_rule
    from retention
),

violations as (
    select * from mrr_violations
    union all
    select * from waterfall_violations
    union all
    select * from retention_violations
)

select * from violations
where broken_rule is not null
