{#-
    Every row of `relation` with its currency looked up in the currencies seed (CTE `currencies`):
    `rate_currency` (the seed's code; null when the currency is unknown), `minor_unit_exponent`
    and `usd_per_unit`. Codes are matched trimmed and lowercased (CRM sends any case). Returns a
    select statement for a CTE body.
-#}
{% macro join_currency_rates(relation, currencies, currency_column='currency') -%}
select
    {{ relation }}.*,
    {{ currencies }}.currency as rate_currency,
    {{ currencies }}.minor_unit_exponent,
    {{ currencies }}.usd_per_unit
from {{ relation }}
left join {{ currencies }}
    on lower(trim({{ relation }}.{{ currency_column }})) = {{ currencies }}.currency
{%- endmacro %}
