{#-
    Every version of a versioned entity (one staged row per `key` and `version_column`) with its
    validity interval, so that the state at instant T is the row with valid_from <= T < valid_to:
      version_number      1 for the earliest version of the key, in (version_column, loaded_at) order
      valid_from          the version's own time, except 1900-01-01 for version 1 (metrics: if no
                          version is as old as T, the earliest one holds)
      valid_to            the next version's time, 9999-12-31 for the current version
      is_current_version  true for the latest version
    Returns a select statement (relation.* plus those columns) for a CTE body.
-#}
{% macro version_validity(relation, key, version_column='updated_at') -%}
select
    numbered.*,
    case
        when numbered.version_number = 1 then timestamp '1900-01-01 00:00:00'
        else numbered.{{ version_column }}
    end as valid_from,
    coalesce(numbered.next_version_at, timestamp '9999-12-31 00:00:00') as valid_to,
    numbered.next_version_at is null as is_current_version
from (
    select
        {{ relation }}.*,
        row_number() over (
            partition by {{ key }}
            order by {{ version_column }}, loaded_at
        ) as version_number,
        lead({{ version_column }}) over (
            partition by {{ key }}
            order by {{ version_column }}, loaded_at
        ) as next_version_at
    from {{ relation }}
) as numbered
{%- endmacro %}
