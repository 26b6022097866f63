{#-
    Compares two versions of a spell table as step functions per key and returns, per key whose
    function differs, the first date where it does (`first_difference_date`): what an
    incremental model built from `old` must recompute from now that the data is `new`. `old` and
    `new` are CTEs or relations with the key columns, the value columns, valid_from (inclusive)
    and valid_to (exclusive, null while open). Both step functions are constant between
    consecutive boundaries (every valid_from and valid_to of either version), so they are
    compared at those boundaries only: the first boundary where the values differ, or where one
    version covers the key and the other does not, is the first day that differs. A spell split
    in two with the same values differs nowhere; a spell split in the middle into other values
    differs from the split day (not from the spell's start); a key present in one version only
    differs from its first valid_from. Only keys whose rows are not the same in both versions (a
    set difference, cheap) are compared boundary by boundary. Keys that do not differ have no
    row. Returns a statement with its own WITH, for a CTE body. Portable: `except`, `union`, a
    full outer join and `is distinct from` (DuckDB and Spark 3).
-#}
{% macro spells_first_difference(old, new, key_columns, value_columns) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set compared = (key_columns + ['valid_from', 'valid_to'] + value_columns) | join(', ') %}
with

-- keys with a spell row in one version and not in the other
changed_keys as (
    select {{ keys }} from (
        select {{ compared }} from {{ old }}
        except
        select {{ compared }} from {{ new }}
    ) as only_old
    union
    select {{ keys }} from (
        select {{ compared }} from {{ new }}
        except
        select {{ compared }} from {{ old }}
    ) as only_new
),

{% for version in ['old', 'new'] -%}
{{ version }}_changed as (
    select {% for key in key_columns %}{{ version }}_spells.{{ key }}, {% endfor %}{{ version }}_spells.valid_from, {{ version }}_spells.valid_to
        {%- for column in value_columns %}, {{ version }}_spells.{{ column }}{% endfor %}
    from {{ old if version == 'old' else new }} as {{ version }}_spells
    inner join changed_keys
        on {% for key in key_columns %}{{ version }}_spells.{{ key }} = changed_keys.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
),

{% endfor -%}

-- the days where either version's step function may change value
spell_boundaries as (
    select {{ keys }}, valid_from as boundary_date from old_changed
    union
    select {{ keys }}, valid_to as boundary_date from old_changed where valid_to is not null
    union
    select {{ keys }}, valid_from as boundary_date from new_changed
    union
    select {{ keys }}, valid_to as boundary_date from new_changed where valid_to is not null
),

{% for version in ['old', 'new'] -%}
{{ version }}_values as (
    select
        {%- for key in key_columns %}
        spell_boundaries.{{ key }},
        {%- endfor %}
        spell_boundaries.boundary_date
        {%- for column in value_columns %},
        {{ version }}_changed.{{ column }}
        {%- endfor %}
    from spell_boundaries
    inner join {{ version }}_changed
        on {% for key in key_columns %}spell_boundaries.{{ key }} = {{ version }}_changed.{{ key }} and {% endfor %}{{ spell_covers(version ~ '_changed', 'spell_boundaries.boundary_date') }}
),

{% endfor -%}

value_differences as (
    select
        {%- for key in key_columns %}
        coalesce(old_values.{{ key }}, new_values.{{ key }}) as {{ key }},
        {%- endfor %}
        coalesce(old_values.boundary_date, new_values.boundary_date) as boundary_date
    from old_values
    full outer join new_values
        on {% for key in key_columns %}old_values.{{ key }} = new_values.{{ key }} and {% endfor %}old_values.boundary_date = new_values.boundary_date
    where old_values.boundary_date is null
        or new_values.boundary_date is null
        {%- for column in value_columns %}
        or old_values.{{ column }} is distinct from new_values.{{ column }}
        {%- endfor %}
)

select
    {{ keys }},
    min(boundary_date) as first_difference_date
from value_differences
group by {{ keys }}
{%- endmacro %}
