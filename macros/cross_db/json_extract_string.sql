{#- The value at a JSON path ('$.a.b') of a JSON text, as a string (null when absent). -#}
{% macro json_extract_string(expr, path) -%}
    {{ return(adapter.dispatch('json_extract_string', 'lifecycle_warehouse')(expr, path)) }}
{%- endmacro %}

{% macro default__json_extract_string(expr, path) -%}
    json_extract_string({{ expr }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_extract_string(expr, path) -%}
    get_json_object({{ expr }}, '{{ path }}')
{%- endmacro %}
