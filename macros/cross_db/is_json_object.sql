{#- True when the text is a well-formed JSON object; false otherwise (null text: null). -#}
{% macro is_json_object(expr) -%}
    {{ return(adapter.dispatch('is_json_object', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__is_json_object(expr) -%}
    (case when json_valid({{ expr }}) then json_type({{ expr }}) = 'OBJECT' else false end)
{%- endmacro %}

{% macro spark__is_json_object(expr) -%}
    (from_json({{ expr }}, 'map<string,string>') is not null and substr(trim({{ expr }}), 1, 1) = '{{ '{' }}')
{%- endmacro %}
