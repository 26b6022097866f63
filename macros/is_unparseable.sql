{#- True when a raw text was given but its parsed value is null: the row breaks a type rule. -#}
{% macro is_unparseable(raw_expr, parsed_expr) -%}
    ({{ raw_expr }} is not null and {{ parsed_expr }} is null)
{%- endmacro %}
