{#- The bitwise AND of two integer expressions: `{{ bitwise_and('mask', 'feature_bit') }} <> 0`
    tests whether a mask holds a bit. DuckDB and Spark both use the `&` operator; dispatched for
    engines that spell it as a function (e.g. bitand). -#}
{% macro bitwise_and(left, right) -%}
    {{ return(adapter.dispatch('bitwise_and', 'lifecycle_warehouse')(left, right)) }}
{%- endmacro %}

{% macro default__bitwise_and(left, right) -%}
    ({{ left }} & {{ right }})
{%- endmacro %}

{% macro spark__bitwise_and(left, right) -%}
    ({{ left }} & {{ right }})
{%- endmacro %}
