-- grain: one row per landed row kept out of staging (is_rejected) or flagged by a cross-source
-- rule (identity conflicts: advisory, the row stays staged)
with

{% for src, tbl in contract_tables() -%}
{{ src }}__{{ tbl }} as (
    select
        '{{ src }}' as source_name,
        '{{ tbl }}' as table_name,
        _row_key as row_key,
        _quarantine_rule as rule,
        _batch_file as batch_file,
        _row_number as row_number,
        _raw_values as raw_values,
        true as is_rejected
    from {{ ref('base_' ~ src ~ '__' ~ tbl) }}
    where _row_status = 'quarantined'
),

{% endfor -%}
identity_conflicts as (
    select
        source_name,
        table_name,
        row_key,
        rule,
        batch_file,
        row_number,
        raw_values,
        false as is_rejected
    from {{ ref('int_identity_conflicts') }}
),

-- every part lists the same columns in the same order (see the YAML for their meaning)
final as (
    {% for src, tbl in contract_tables() -%}
    select * from {{ src }}__{{ tbl }}
    union all
    {% endfor -%}
    select * from identity_conflicts
)

select * from final
