{#-
    The point-to-point retention measures of a set of base pairs (docs/metrics.md, Retention), as
    the select list of an aggregate: one base pair per account with MRR > 0 at the start, its
    starting and ending MRR (0 when it churned). base_accounts, starting_mrr_usd, ending_mrr_usd,
    ndr = ending / starting, grr = capped_ending_mrr_usd / starting (capped: the least of ending
    and starting, per account), logo_retention = retained_accounts (MRR > 0 at the end) / base
    accounts; the two numerators are columns too, so a semantic layer can re-aggregate the ratios.
    Used by fct_retention_monthly (every month, by segment) and fct_services_impact (the trailing
    12 months to as_of, by services attached).
-#}
{% macro retention_measures(starting_mrr, ending_mrr) -%}
    {%- set capped -%}
        sum(case when {{ ending_mrr }} < {{ starting_mrr }} then {{ ending_mrr }} else {{ starting_mrr }} end)
    {%- endset -%}
    {%- set retained -%}
        sum(case when {{ ending_mrr }} > 0 then 1 else 0 end)
    {%- endset -%}
    cast(count(*) as bigint) as base_accounts,
    cast(sum({{ starting_mrr }}) as decimal(18, 2)) as starting_mrr_usd,
    cast(sum({{ ending_mrr }}) as decimal(18, 2)) as ending_mrr_usd,
    cast(sum({{ ending_mrr }}) / sum({{ starting_mrr }}) as decimal(18, 6)) as ndr,
    cast({{ capped }} / sum({{ starting_mrr }}) as decimal(18, 6)) as grr,
    cast(cast({{ retained }} as decimal(18, 6)) / count(*) as decimal(18, 6)) as logo_retention,
    cast({{ capped }} as decimal(18, 2)) as capped_ending_mrr_usd,
    cast({{ retained }} as bigint) as retained_accounts
{%- endmacro %}
