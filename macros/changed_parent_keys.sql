{#-
    For an incremental base model: the `_row_key`s of the rows of `stored` (the model's table,
    `this`) whose foreign-key check would now come out differently, because a parent it names
    landed since (the row was quarantined as `orphan_foreign_key` and every parent it names is now
    staged) or is no longer staged (the row passed and a parent it names is missing). The parents
    and keys come from the contract (the `references` of `source_name`.`table_name`), the same
    joins classify_contract_rows makes; the stored rows need the foreign-key columns under their
    contract names. Rows quarantined for an earlier rule whose parent is missing come back every
    run (they stay quarantined): bounded by the table's bad rows. Returns a select statement
    (one column, _row_key) for a CTE body; `select _row_key ... where false` for a table
    without foreign keys.
-#}
{% macro changed_parent_keys(stored, source_name, table_name) -%}
    {%- set contract = contract_table(source_name, table_name) -%}
    {%- set foreign_keys = contract['columns'] | selectattr('references') | list -%}
select stored_rows._row_key
from {{ stored }} as stored_rows
{%- for column in foreign_keys %}
    {%- set parent_source, parent_table = column['references'].split('.') %}
left join {{ ref('stg_' ~ parent_source ~ '__' ~ parent_table) }} as parent_{{ loop.index }}
    on stored_rows.{{ column['name'] }} = parent_{{ loop.index }}.{{ column['name'] }}
    {%- if contract_table(parent_source, parent_table)['versioned'] %}
    and parent_{{ loop.index }}.is_current_version
    {%- endif %}
{%- endfor %}
where
{%- if foreign_keys %}
    coalesce(stored_rows._quarantine_rule = 'orphan_foreign_key', false)
    <> (
    {%- for column in foreign_keys %}
        (stored_rows.{{ column['name'] }} is not null and parent_{{ loop.index }}.{{ column['name'] }} is null)
        {{- ' or' if not loop.last }}
    {%- endfor %}
    )
{%- else %}
    false
{%- endif %}
{%- endmacro %}
