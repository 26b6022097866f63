{#- Contract dates: YYYY-MM-DD (a timestamp text is accepted and truncated to its UTC date). -#}
{% macro parse_date(expr) -%}
    cast({{ parse_timestamp(expr) }} as date)
{%- endmacro %}
