{#- The bitwise OR of an integer expression over the rows of a group (an aggregate):
    `{{ bit_or_agg('value_feature_mask') }}`. DuckDB and Spark (3.0+) both call it bit_or;
    dispatched so an engine that names it differently (e.g. bit_or_agg, bitor_agg) gets its own. -#}
{% macro bit_or_agg(expr) -%}
    {{ return(adapter.dispatch('bit_or_agg', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__bit_or_agg(expr) -%}
    bit_or({{ expr }})
{%- endmacro %}

{% macro spark__bit_or_agg(expr) -%}
    bit_or({{ expr }})
{%- endmacro %}
