{#-
    The `when ... then '<rule>'` branches the contract checks every landed row against, in this
    order (the first rule broken wins; a model's own rules come after these):
      null_primary_key        the key is null (versioned tables: the id or the version column)
      missing_value           a required value is absent (null): _loaded_at, a required
                              (non-nullable) currency or enforced foreign key, and the model's
                              own `missing_when` conditions (usage.tracks: received_at;
                              crm.opportunities: a currency for an amount)
      unparseable_<type>      a value is given but does not parse as its contract type (int and
                              decimal: unparseable_number; bool: unparseable_bool; timestamp:
                              unparseable_timestamp; date: unparseable_date), in column order
      unparseable_timestamp   _loaded_at is given but does not parse: the row cannot be ordered
                              among versions
      unknown_currency        the currency column's code is not in the currencies seed (a
                              nullable currency only when given)
      orphan_foreign_key      an enforced foreign key names no staged parent row (a nullable one
                              only when given), in column order
    Keys, types, the currency column and the foreign keys come from the generated contract_table
    (lifecycle/contract.py). `missing_when`: SQL conditions, each true when a value the model
    requires is absent. Expects the columns classify_contract_rows adds: `loaded_at`,
    `_rate_currency` and `_parent_<foreign key>`. Used inside `case ... end`.
-#}
{% macro contract_rules(source_name, table_name, missing_when=[]) -%}
    {%- set contract = contract_table(source_name, table_name) -%}
    {%- set key_columns = contract['primary_key'] | reject('equalto', '_loaded_at') | list -%}
    {%- if contract['version_column'] -%}
        {%- do key_columns.append(contract['version_column']) -%}
    {%- endif -%}
    {%- set missing = [adapter.quote('_loaded_at') ~ ' is null'] -%}
    {%- for column in contract['columns'] if not column['nullable']
        and (column['references'] or column['name'] == contract['currency_column']) -%}
        {%- do missing.append(adapter.quote(column['name']) ~ ' is null') -%}
    {%- endfor -%}
    {%- for condition in missing_when -%}
        {%- do missing.append('(' ~ condition ~ ')') -%}
    {%- endfor -%}
    {%- set parsers = {
        'int': ('unparseable_number', parse_int),
        'decimal': ('unparseable_number', parse_decimal),
        'bool': ('unparseable_bool', parse_bool),
        'timestamp': ('unparseable_timestamp', parse_timestamp),
        'date': ('unparseable_date', parse_date),
    } -%}
    when {% for key in key_columns %}{{ adapter.quote(key) }} is null{{ ' or ' if not loop.last }}{% endfor %} then 'null_primary_key'
    when {{ missing | join(' or ') }} then 'missing_value'
    {%- for column in contract['columns'] if column['name'] != '_loaded_at' and column['type'] in parsers %}
        {%- set rule, parser = parsers[column['type']] %}
    when {{ is_unparseable(adapter.quote(column['name']), parser(adapter.quote(column['name']))) }} then '{{ rule }}'
    {%- endfor %}
    when loaded_at is null then 'unparseable_timestamp'
    {%- for column in contract['columns'] if column['name'] == contract['currency_column'] %}
    when {{ adapter.quote(column['name']) ~ ' is not null and ' if column['nullable'] }}_rate_currency is null then 'unknown_currency'
    {%- endfor %}
    {%- for column in contract['columns'] if column['references'] %}
    when {{ adapter.quote(column['name']) ~ ' is not null and ' if column['nullable'] }}_parent_{{ column['name'] }} is null then 'orphan_foreign_key'
    {%- endfor %}
{%- endmacro %}
