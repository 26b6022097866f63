{#- Contract decimals: a plain decimal number, e.g. 4800.00 or -12.5. -#}
{% macro parse_decimal(expr, precision=18, scale=4) -%}
    (case when {{ regex_matches('trim(' ~ expr ~ ')', '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$') }}
        then {{ try_cast('trim(' ~ expr ~ ')', 'decimal(' ~ precision ~ ', ' ~ scale ~ ')') }} end)
{%- endmacro %}
