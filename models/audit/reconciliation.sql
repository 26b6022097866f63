-- grain: one row per contract table. Every landed row is accounted for exactly once:
-- rows_landed = rows_staged + rows_quarantined + rows_duplicates_collapsed
-- (rows_duplicates_collapsed = exact redeliveries + older versions superseded by a newer load).
-- Each count comes from a different model (raw source, staging model, quarantine, base), so a
-- row lost between layers breaks the identity; the test `assert_reconciliation_balances` fails then.
with

{% for src, tbl in contract_tables() -%}
{{ src }}__{{ tbl }} as (
    select
        '{{ src }}' as source_name,
        '{{ tbl }}' as table_name,
        (select count(*) from {{ landed(src, tbl) }}) as rows_landed,
        (select count(*) from {{ ref('stg_' ~ src ~ '__' ~ tbl) }}) as rows_staged,
        (
            select count(*) from {{ ref('quarantine') }}
            where source_name = '{{ src }}' and table_name = '{{ tbl }}' and is_rejected
        ) as rows_quarantined,
        (
            select count(*) from {{ ref('base_' ~ src ~ '__' ~ tbl) }}
            where _row_status = 'duplicate'
        ) as rows_duplicate,
        (
            select count(*) from {{ ref('base_' ~ src ~ '__' ~ tbl) }}
            where _row_status = 'superseded'
        ) as rows_superseded
),

{% endfor -%}
unioned as (
    {% for src, tbl in contract_tables() -%}
    select * from {{ src }}__{{ tbl }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        source_name,
        table_name,
        source_name || '.' || table_name as source_table,
        rows_landed,
        rows_staged,
        rows_quarantined,
        rows_duplicate + rows_superseded as rows_duplicates_collapsed,
        rows_duplicate,
        rows_superseded,
        rows_landed - (rows_staged + rows_quarantined + rows_duplicate + rows_superseded) as rows_unaccounted
    from unioned
)

select * from final
