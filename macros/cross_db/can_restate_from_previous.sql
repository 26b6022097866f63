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
