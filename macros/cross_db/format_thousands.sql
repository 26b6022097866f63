{#- A number as text rounded to a whole number with a comma between thousands: 24000.4 ->
    '24,000', -1234567 -> '-1,234,567' (reasons in words, e.g. "ARR $24,000").
    DuckDB: format('{:,}', ...); Spark: format_number(..., 0). -#}
{% macro format_thousands(expr) -%}
    {{ return(adapter.dispatch('format_thousands', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__format_thousands(expr) -%}
    format('{:,}', cast(round({{ expr }}, 0) as bigint))
{%- endmacro %}

{% macro spark__format_thousands(expr) -%}
    format_number(cast(round({{ expr }}, 0) as bigint), 0)
{%- endmacro %}
