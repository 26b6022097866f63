{#- An integer amount in a currency's minor unit -> USD as decimal(38, 10), unrounded:
    amount_minor / 10^minor_unit_exponent * usd_per_unit (seeds/currencies.csv). Multiplies by
    10^-exponent instead of dividing, so the arithmetic stays decimal on every engine (DuckDB
    divides decimals as doubles). Null when any input is null (unknown currency: quarantined). -#}
{% macro minor_to_usd(amount_minor, minor_unit_exponent, usd_per_unit) -%}
    cast(
        cast({{ amount_minor }} as decimal(20, 0))
        * cast({{ usd_per_unit }} as decimal(18, 8))
        * cast(power(10, -1 * {{ minor_unit_exponent }}) as decimal(12, 10))
        as decimal(38, 10)
    )
{%- endmacro %}
