{#-
    The contract's part of a base model, in one step. Every landed row of `relation` (the raw
    source table, with any columns the model added) gets
      loaded_at            the parsed _loaded_at (parsed once: rules, versions and output use it)
      _rate_currency, minor_unit_exponent, usd_per_unit
                           its currency looked up (trimmed, lowercased) in the seed `currencies`,
                           for tables with a currency column
      _parent_<key>        for each enforced foreign key, the key of its parent's row in the
                           parent's staging model (`references` in the contract: crm.accounts ->
                           stg_crm__accounts); for a versioned parent, its current version. Null:
                           an orphan. The staging model must carry the key under the same name.
      _quarantine_rule     the first rule it breaks: the contract's (contract_rules, with the
                           model's `missing_when` conditions: SQL true when a value the model
                           requires is absent, rule missing_value), then the model's own
                           `when ... then '<rule>'` branches, given as the body of a call block:
                           {% call classify_contract_rows(...) %} when ... {% endcall %}
      _row_key             the key a winner is chosen for (contract_row_key)
      _payload_hash        the hash of every contract column but _loaded_at and `payload_exclude`,
                           for the rows of keys with several valid rows (classify_rows)
      _raw_values          every contract column's landed text, as a JSON object: for quarantined
                           rows only (classify_rows); personal columns (`pii` in the contract)
                           hashed with pii_hash (docs/privacy.md)
    and is then classified as staged / duplicate / superseded / quarantined (classify_rows;
    `winner_order` and `changed_payload` pass through). Parents are the staged rows: one orphan
    convention for every source. The seed and parent refs are made here, from the contract, so a
    base model imports only its source. Returns a select statement for a CTE body.
-#}
{% macro classify_contract_rows(
    relation,
    source_name,
    table_name,
    payload_exclude=[],
    winner_order='loaded_at desc',
    changed_payload='supersede',
    missing_when=[]
) -%}
    {%- set contract = contract_table(source_name, table_name) -%}
    {%- set foreign_keys = contract['columns'] | selectattr('references') | list -%}
    {%- set checked -%}
(
    select
        looked_up.*,
        case
            {{ contract_rules(source_name, table_name, missing_when) }}
            {%- if caller is defined %}
            {{ caller() }}
            {%- endif %}
        end as _quarantine_rule,
        {{ contract_row_key(source_name, table_name) }} as _row_key
    from (
        select
            {{ relation }}.*,
            {{ parse_timestamp(relation ~ '._loaded_at') }} as loaded_at
            {%- if contract['currency_column'] %},
            currencies.currency as _rate_currency,
            currencies.minor_unit_exponent,
            currencies.usd_per_unit
            {%- endif %}
            {%- for column in foreign_keys %},
            parent_{{ loop.index }}.{{ column['name'] }} as _parent_{{ column['name'] }}
            {%- endfor %}
        from {{ relation }}
        {%- if contract['currency_column'] %}
        left join {{ ref('currencies') }} as currencies
            on lower(trim({{ relation }}.{{ contract['currency_column'] }})) = currencies.currency
        {%- endif %}
        {%- for column in foreign_keys %}
            {%- set parent_source, parent_table = column['references'].split('.') %}
        left join {{ ref('stg_' ~ parent_source ~ '__' ~ parent_table) }} as parent_{{ loop.index }}
            on {{ relation }}.{{ column['name'] }} = parent_{{ loop.index }}.{{ column['name'] }}
            {%- if contract_table(parent_source, parent_table)['versioned'] %}
            and parent_{{ loop.index }}.is_current_version
            {%- endif %}
        {%- endfor %}
    ) as looked_up
)
    {%- endset -%}
    {{ classify_rows(
        checked,
        partition_by='_row_key',
        payload_hash=row_hash(contract_column_names(source_name, table_name, exclude=['_loaded_at'] + payload_exclude)),
        winner_order=winner_order,
        changed_payload=changed_payload,
        raw_values=json_object_of(
            contract_column_names(source_name, table_name),
            hashed=contract['columns'] | selectattr('pii') | map(attribute='name') | list,
        ),
    ) }}
{%- endmacro %}
