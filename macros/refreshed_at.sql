{#- When the build that computes a row started (dbt's run_started_at, UTC), as a timestamp
    literal: the `_refreshed_at` column of the usage models that later models read
    incrementally. A model downstream recomputes from the rows refreshed after its own latest
    `_refreshed_at` (int_account_usage_spells from int_account_usage_daily). The same for every
    model of one dbt invocation; later invocations are later. -#}
{% macro refreshed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- True when a table model may restate its rows from its own previous version (read as
    {{ this }} while the new version is built): the table exists with `marker_column`, this is
    not a --full-refresh, and the engine can read a table it is replacing (DuckDB builds the
    new table beside the old one, then swaps them; Spark overwrites in place: always false). -#}
{% macro can_restate_from_previous(marker_column='_refreshed_at') -%}
    {{ return(adapter.dispatch('can_restate_from_previous', 'lifecycle_warehouse')(marker_column)) }}
{%- endmacro %}

{% macro default__can_restate_from_previous(marker_column) -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set previous = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if previous is none or previous.type != 'table' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(previous) | map(attribute='name') | map('lower') | list -%}
    {{ return(marker_column | lower in columns) }}
{%- endmacro %}

{% macro spark__can_restate_from_previous(marker_column) -%}
    {{ return(false) }}
{%- endmacro %}
