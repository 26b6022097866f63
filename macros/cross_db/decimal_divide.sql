{#-
    numerator / denominator as an exact decimal(38, scale), rounded half away from zero at
    `scale` places. Money division must stay decimal: DuckDB divides decimals in double, which
    loses half cents (round(9.995 as double, 2) = 9.99). `denominator` is a positive integer
    expression (e.g. 1200 * interval count); `numerator` any exact numeric with at most `scale`
    decimals that matter (it is cast to decimal(38, scale) first) and fewer than 38 - 2 * scale
    integer digits.
-#}
{% macro decimal_divide(numerator, denominator, scale=12) -%}
    {{ return(adapter.dispatch('decimal_divide', 'lifecycle_warehouse')(numerator, denominator, scale)) }}
{%- endmacro %}

{#- DuckDB: integer arithmetic on the numerator scaled to an integer (hugeint), then back. -#}
{% macro default__decimal_divide(numerator, denominator, scale=12) -%}
    {%- set one_unit = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    (cast(
        sign(cast({{ numerator }} as decimal(38, {{ scale }})))
        * (
            (
                2 * abs(cast(cast({{ numerator }} as decimal(38, {{ scale }})) * {{ 10 ** scale }} as hugeint))
                + cast({{ denominator }} as hugeint)
            ) // (2 * cast({{ denominator }} as hugeint))
        )
        as decimal(38, 0)
    ) * cast('{{ one_unit }}' as decimal(38, {{ scale }})))
{%- endmacro %}

{#- Spark divides decimals exactly (ROUND_HALF_UP at the result scale). -#}
{% macro spark__decimal_divide(numerator, denominator, scale=12) -%}
    cast(round(cast({{ numerator }} as decimal(38, {{ scale }})) / cast({{ denominator }} as decimal(20, 0)), {{ scale }}) as decimal(38, {{ scale }}))
{%- endmacro %}
