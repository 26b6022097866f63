{#- The opposite of inline_cte, for a small CTE whose body is costly to compute and that is read more than once
    (`x as {{ stored_cte() }} (...)`): computed once and kept. DuckDB: `materialized` (it would
    also store a CTE read twice by default, but not one read once by an inlined CTE that is itself
    read twice); Spark (and the default): nothing. -#}
{% macro stored_cte() -%}
    {{ return(adapter.dispatch('stored_cte', 'lifecycle_warehouse')()) }}
{%- endmacro %}

{% macro default__stored_cte() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__stored_cte() -%}
    {{ return('materialized') }}
{%- endmacro %}
