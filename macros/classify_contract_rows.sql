{#-
    The contract's part of a base model, in one step: every landed row of `relation` (the raw
    source table, with the model's lookups) gets
      loaded_at         the parsed _loaded_at (parsed once; rules, versions and output use it)
      _quarantine_rule  the first rule it breaks: the contract's key, type and load-time rules
                        (contract_rules), then the model's own rules in column `table_rule`
                        (null: none), e.g. unknown currency, orphan key, out-of-range value
      _row_key          the key a winner is chosen for (contract_row_key)
      _payload_hash     the hash of every contract column but _loaded_at and `payload_exclude`
      _raw_values       every contract column's landed text as a JSON object
    and is then classified as staged / duplicate / superseded / quarantined (classify_rows, whose
    `winner_order` and `changed_payload` pass through). Columns and keys come from the generated
    contract_table (lifecycle/contract.py). Returns a select statement for a CTE body.
-#}
{% macro classify_contract_rows(
    relation,
    source_name,
    table_name,
    table_rule=none,
    payload_exclude=[],
    winner_order='loaded_at desc',
    changed_payload='supersede'
) -%}
    {%- set checked -%}
(
    select
        loaded.*,
        coalesce(
            case
                {{ contract_rules(source_name, table_name) }}
            end,
            {{ table_rule if table_rule else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
        ) as _quarantine_rule,
        {{ contract_row_key(source_name, table_name) }} as _row_key,
        {{ row_hash(contract_column_names(source_name, table_name, exclude=['_loaded_at'] + payload_exclude)) }} as _payload_hash,
        {{ json_object_of(contract_column_names(source_name, table_name)) }} as _raw_values
    from (
        select
            {{ relation }}.*,
            {{ parse_timestamp('_loaded_at') }} as loaded_at
        from {{ relation }}
    ) as loaded
)
    {%- endset -%}
    {{ classify_rows(checked, partition_by='_row_key', winner_order=winner_order, changed_payload=changed_payload) }}
{%- endmacro %}
