{#- The number of bits set in an integer expression (population count):
    `{{ bit_count_of('value_feature_mask') }}` is the number of distinct value events a mask
    holds. DuckDB and Spark (3.0+) both call it bit_count; dispatched for other engines. -#}
{% macro bit_count_of(expr) -%}
    {{ return(adapter.dispatch('bit_count_of', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__bit_count_of(expr) -%}
    cast(bit_count({{ expr }}) as integer)
{%- endmacro %}

{% macro spark__bit_count_of(expr) -%}
    cast(bit_count({{ expr }}) as int)
{%- endmacro %}
