{#- Written between a CTE's name and its body (`x as {{ inline_cte() }} (...)`): the CTE is
    computed where it is read, never stored. DuckDB stores a CTE that is read more than once
    (its whole result, every column), which for the events table means a copy of every row: at
    12,000 accounts (34 M rows) base_usage__tracks spilled more than 25 GB that way. Reading the
    raw rows again costs a scan; storing them costs memory and disk. DuckDB: `not materialized`;
    Spark (and the default): nothing, Spark inlines CTEs. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'lifecycle_warehouse')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    {{ return('not materialized') }}
{%- endmacro %}
