{#- Contract integers: plain digits with an optional sign ('12.5' and '1e3' are not integers). -#}
{% macro parse_int(expr) -%}
    (case when {{ regex_matches('trim(' ~ expr ~ ')', '^[+-]?[0-9]+$') }} then {{ try_cast('trim(' ~ expr ~ ')', 'bigint') }} end)
{%- endmacro %}
