{#- Contract booleans: true/false in any case, also t/f and 1/0; anything else is null. -#}
{% macro parse_bool(expr) -%}
    (case
        when lower(trim({{ expr }})) in ('true', 't', '1') then true
        when lower(trim({{ expr }})) in ('false', 'f', '0') then false
    end)
{%- endmacro %}
