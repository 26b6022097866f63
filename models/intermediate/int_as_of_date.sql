-- grain: one row: the date the revenue marts are "as of" (metrics.md, Conventions)
-- var('as_of_date') ('YYYY-MM-DD') when set; else the latest date of `loaded_at` across the
-- billing and usage staging tables, so rebuilding the same files gives the same marts. Never
-- current_date: a rebuild next week must not turn an unfinished month into false churn.
{%- set as_of_var = (var('as_of_date', '') or '') | string | trim %}
{%- if as_of_var and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of_var) %}
    {{ exceptions.raise_compiler_error("var as_of_date must be 'YYYY-MM-DD' or empty, got '" ~ as_of_var ~ "'") }}
{%- endif %}
{%- set loaded_tables = [
    'stg_billing__customers',
    'stg_billing__products',
    'stg_billing__prices',
    'stg_billing__subscriptions',
    'stg_billing__subscription_items',
    'stg_billing__invoices',
    'stg_billing__invoice_line_items',
    'stg_billing__refunds',
    'stg_usage__workspaces',
    'stg_usage__users',
    'stg_usage__tracks',
] %}
with

{% for table in loaded_tables %}
{{ table }} as (
    select * from {{ ref(table) }}
),

{% endfor %}
-- the latest load date of each table, stacked
latest_loads as (
    {%- for table in loaded_tables %}
    select max(loaded_at) as latest_loaded_at from {{ table }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        {%- if as_of_var %}
        cast('{{ as_of_var }}' as date) as as_of_date,
        'var' as as_of_date_source,
        {%- else %}
        cast(max(latest_loaded_at) as date) as as_of_date,
        'latest_loaded_at' as as_of_date_source,
        {%- endif %}
        max(latest_loaded_at) as latest_loaded_at
    from latest_loads
)

select * from final
