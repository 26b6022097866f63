{#-
    The first period an incremental model with `meta.reopen` recomputes, as a one-row select
    (`first_period`) for a CTE body: the earlier of the first changed period (`changed_from`: a
    one-row select or CTE name with `first_period`, null when nothing changed, already on the
    table's period grain) and `restate_from` (the last periods the table had built are provisional:
    a SQL expression of `last_period`, the table's latest period; by default that period itself);
    null - every period - when the kept inputs cannot be this table's (the build record's row
    count or last period is not the table's: a table built by another run, or changed since) or
    a `whole_inputs` input (a seed) differs from its kept rows. `built` is what built_inputs
    returned. Shared by fct_lifecycle_daily and int_account_health_weekly.
-#}
{% macro first_reopened_period(built, reopen, changed_from, restate_from='last_period') -%}
select
    case
        when
            build_record.row_count <> built_table.row_count
            or build_record.last_period <> built_table.last_period
            {%- for name, columns in reopen.get('whole_inputs', {}).items() %}
            or (
                select count(*) from (
                    {{ rows_differing(built['inputs'][name], ref(name), columns) | indent(20) }}
                ) as {{ name }}_changes
            ) > 0
            {%- endfor %}
            then null
        when changes.first_period < built_table.restate_from then changes.first_period
        else built_table.restate_from
    end as first_period
from (
    select
        row_count,
        last_period,
        {{ restate_from }} as restate_from
    from (
        select
            count(*) as row_count,
            max({{ reopen['period_column'] }}) as last_period
        from {{ this }}
    ) as table_now
) as built_table
cross join {{ built['build'] }} as build_record
cross join (
    select first_period from {{ changed_from }}
) as changes
{%- endmacro %}
