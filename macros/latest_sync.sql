{#- The latest sync of each `key` of a connector relation (a CTE or table): its row with the latest
    `synced` time, ties broken by the later batch file and row. Returns a select statement (the
    relation's columns) for a CTE body. -#}
{% macro latest_sync(relation, key='id', synced='_fivetran_synced') -%}
select synced.*
from (
    select
        {{ relation }}.*,
        row_number() over (
            partition by {{ key }}
            order by {{ parse_timestamp(synced) }} desc, _batch_file desc, _row_number desc
        ) as sync_recency
    from {{ relation }}
) as synced
where synced.sync_recency = 1
{%- endmacro %}
