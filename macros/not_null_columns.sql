{#- Generic test: none of `columns` holds a null. One scan of the model for all of them (a
    `not_null` per column would be a dbt node and a scan each). Fails with one row, the number of
    null rows per column (`<column>__null_rows`), when any column has a null.
    Usage: data_tests: [{not_null_columns: {arguments: {columns: [a, b]}}}] on the model. -#}
{% test not_null_columns(model, columns) -%}
with

null_rows as (
    select
        {%- for column in columns %}
        sum(case when {{ adapter.quote(column) }} is null then 1 else 0 end) as {{ column }}__null_rows
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

select *
from null_rows
where
    {%- for column in columns %}
    {{ column }}__null_rows > 0{{ ' or' if not loop.last }}
    {%- endfor %}
{%- endtest %}
