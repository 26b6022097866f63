{#- The median of an expression, as an aggregate or as a window function with a frame
    (`{{ median_of('x') }} over (order by d rows between 28 preceding and 1 preceding)`).
    DuckDB: median (exact, interpolated); Spark: percentile(x, 0.5) (exact, interpolated);
    elsewhere the standard percentile_cont. -#}
{% macro median_of(expr) -%}
    {{ return(adapter.dispatch('median_of', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__median_of(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median_of(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median_of(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}
