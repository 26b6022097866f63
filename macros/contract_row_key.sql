{#- The key a base model classifies a raw contract table's rows by (classify_rows' partition):
    the primary key for most tables; for versioned tables (every version kept as history) the
    version key `id @ <version column>`, written with the canonical text of the parsed version
    timestamp so that one instant written two ways ('...T00:00:00Z', '... 00:00:00+00:00') is one
    version (an unparseable one keeps its raw text; it is quarantined anyway). -#}
{% macro contract_row_key(source_name, table_name) -%}
    {%- set contract = contract_table(source_name, table_name) -%}
    {%- set id = adapter.quote(contract['primary_key'][0]) -%}
    {%- if contract['version_column'] -%}
        {%- set version = adapter.quote(contract['version_column']) -%}
        {{ id }} || '@' || coalesce(cast({{ parse_timestamp(version) }} as {{ dbt.type_string() }}), {{ version }}, '')
    {%- else -%}
        {{ id }}
    {%- endif -%}
{%- endmacro %}
