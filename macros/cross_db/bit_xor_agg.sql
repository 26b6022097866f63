{#- The bitwise XOR of an integer expression over the rows of a group (an aggregate). DuckDB and
    Spark (3.0+) both call it bit_xor; dispatched like bit_or_agg. -#}
{% macro bit_xor_agg(expr) -%}
    {{ return(adapter.dispatch('bit_xor_agg', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__bit_xor_agg(expr) -%}
    bit_xor({{ expr }})
{%- endmacro %}

{% macro spark__bit_xor_agg(expr) -%}
    bit_xor({{ expr }})
{%- endmacro %}
