-- grain: one row: the date the marts are "as of" (docs/metrics.md, Conventions)
-- var('as_of_date') ('YYYY-MM-DD') when set; else the latest business date in the billing and
-- usage data, so rebuilding the same files gives the same marts. Never current_date (a rebuild
-- next week must not turn an unfinished month into false churn) and never a lineage timestamp
-- (`loaded_at` says when an extract ran, not how far the business has got).
{%- set as_of_var = (var('as_of_date', '') or '') | string | trim %}
{%- if as_of_var and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of_var) %}
{{ exceptions.raise_compiler_error("var as_of_date must be 'YYYY-MM-DD' or empty, got '" ~ as_of_var ~ "'") }}
{%- endif %}
{#- subscription dates that record something that happened; each counts only when it is not after
    the version's updated_at (a date beyond the moment the billing system wrote the version is a
    schedule, not an event). current_period_end_at and trial_end_at look ahead: never used. -#}
{%- set subscription_dates = ['created_at', 'started_at', 'current_period_start_at', 'canceled_at', 'ended_at'] %}
with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

refunds as (
    select * from {{ ref('stg_billing__refunds') }}
),

usage_daily as (
    select * from {{ ref('int_usage_user_daily') }}
),

-- the latest business instant of each kind of record, stacked
business_times as (
    {%- for column in subscription_dates %}
    select
        'billing' as record_kind,
        max(case when {{ column }} <= coalesce(updated_at, {{ column }}) then {{ column }} end) as latest_at
    from subscriptions
    union all
    {%- endfor %}
    select
        'billing' as record_kind,
        max(created_at) as latest_at
    from invoices
    union all
    select
        'billing' as record_kind,
        max(paid_at) as latest_at
    from invoices
    union all
    select
        'billing' as record_kind,
        max(created_at) as latest_at
    from refunds
    union all
    -- a usage event happened no later than the server received it: the staged event time (the
    -- client clock, which can be skewed or in the future) is capped at received_at, the server
    -- clock; a late delivery keeps the earlier client time (int_usage_user_daily keeps the max of
    -- least(event_at, received_at) per workspace, user and day)
    select
        'usage' as record_kind,
        max(latest_business_event_at) as latest_at
    from usage_daily
),

final as (
    select
        {%- if as_of_var %}
        cast('{{ as_of_var }}' as date) as as_of_date,
        'var' as as_of_date_source,
        {%- else %}
        cast(max(latest_at) as date) as as_of_date,
        'latest_business_date' as as_of_date_source,
        {%- endif %}
        max(latest_at) as latest_business_at,
        -- the latest usage event alone (the usage freshness check, rpt_usage_daily, reads it)
        max(case when record_kind = 'usage' then latest_at end) as latest_usage_event_at
    from business_times
)

select * from final
