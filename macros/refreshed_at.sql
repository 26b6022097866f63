{#- When the build that computes a row started (dbt's run_started_at, UTC), as a timestamp
    literal: the `_refreshed_at` column of the usage models that later models read
    incrementally. A model downstream recomputes from the rows refreshed after its own latest
    `_refreshed_at` (int_account_usage_spells from int_account_usage_daily). The same for every
    model of one dbt invocation; later invocations are later. -#}
{% macro refreshed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
