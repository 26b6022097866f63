{#-
    A portable spine of periods: one row per `datepart` (month, day, ...) from `start_date` to
    `end_date`, both inclusive, as column `period_start_date` (a date). Built from a numbers
    subquery (cross joined digits), not from an engine function such as generate_series, so it
    compiles the same on DuckDB and Spark. `start_date` and `end_date` are SQL expressions (a
    literal, or a scalar subquery such as "(select first_month from bounds)") and must already be
    truncated to `datepart`. `max_periods` caps the spine (default 10000: 833 years of months).
    Returns a select statement, to be used as a CTE body or subquery.
-#}
{% macro date_spine(datepart, start_date, end_date, max_periods=10000) -%}
    {%- set digit_count = ((max_periods - 1) | string) | length -%}
select
    cast({{ dbt.dateadd(datepart, 'numbers.period_number', start_date) }} as date) as period_start_date
from (
    select
        {%- for position in range(digit_count) %}
        {{ 'digits_' ~ position }}.digit * {{ 10 ** position }}{{ ' +' if not loop.last }}
        {%- endfor %} as period_number
    from
        {%- for position in range(digit_count) %}
        {{ 'cross join ' if not loop.first }}(
            select 0 as digit union all select 1 union all select 2 union all select 3
            union all select 4 union all select 5 union all select 6 union all select 7
            union all select 8 union all select 9
        ) as {{ 'digits_' ~ position }}
        {%- endfor %}
) as numbers
where numbers.period_number < {{ max_periods }}
    and numbers.period_number <= {{ dbt.datediff(start_date, end_date, datepart) }}
{%- endmacro %}
