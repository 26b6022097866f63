{#-
    The `when ... then '<rule>'` branches every row of a raw contract table is checked against,
    in this order (the first rule broken wins, so a model appends its own rules after these):
      null_primary_key        the key is null (for versioned tables: the id or the version column)
      unparseable_<type>      a value is given but does not parse as its contract type: int and
                              decimal -> unparseable_number, bool -> unparseable_bool, timestamp ->
                              unparseable_timestamp, date -> unparseable_date; in column order
      unparseable_timestamp   the row has no parseable _loaded_at, so it cannot be ordered among
                              versions (expects the parsed load time as column `loaded_at`)
    Keys and types come from the generated contract_table (lifecycle/contract.py). Used inside a
    `case ... end as _quarantine_rule`.
-#}
{% macro contract_rules(source_name, table_name) -%}
    {%- set contract = contract_table(source_name, table_name) -%}
    {%- set key_columns = contract['primary_key'] | reject('equalto', '_loaded_at') | list -%}
    {%- if contract['version_column'] -%}
        {%- do key_columns.append(contract['version_column']) -%}
    {%- endif -%}
    {%- set parsers = {
        'int': ('unparseable_number', parse_int),
        'decimal': ('unparseable_number', parse_decimal),
        'bool': ('unparseable_bool', parse_bool),
        'timestamp': ('unparseable_timestamp', parse_timestamp),
        'date': ('unparseable_date', parse_date),
    } -%}
    when {% for key in key_columns %}{{ adapter.quote(key) }} is null{{ ' or ' if not loop.last }}{% endfor %} then 'null_primary_key'
    {%- for column in contract['columns'] if column['name'] != '_loaded_at' and column['type'] in parsers %}
        {%- set rule, parser = parsers[column['type']] %}
    when {{ is_unparseable(adapter.quote(column['name']), parser(adapter.quote(column['name']))) }} then '{{ rule }}'
    {%- endfor %}
    when loaded_at is null then 'unparseable_timestamp'
{%- endmacro %}
