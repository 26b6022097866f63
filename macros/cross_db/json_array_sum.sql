{#- The sum of the integer field `field` of the objects in a JSON array text (`[{"amount": 300}, ...]`);
    elements whose field is not an integer count as nothing, an empty array sums to 0, null or
    non-array text gives null. -#}
{% macro json_array_sum(expr, field) -%}
    {{ return(adapter.dispatch('json_array_sum', 'lifecycle_warehouse')(expr, field)) }}
{%- endmacro %}

{% macro default__json_array_sum(expr, field) -%}
    (case
        when json_valid({{ expr }}) and json_type({{ expr }}) = 'ARRAY'
            then coalesce(list_sum(try_cast(json_extract_string({{ expr }}, '$[*].{{ field }}') as bigint[])), 0)
    end)
{%- endmacro %}

{% macro spark__json_array_sum(expr, field) -%}
    aggregate(
        from_json({{ expr }}, 'array<struct<{{ field }}:string>>'),
        cast(0 as bigint),
        (total, element) -> total + coalesce(try_cast(element.{{ field }} as bigint), 0)
    )
{%- endmacro %}
