{#-
    Every row of `relation` with, for each foreign key, its parent's key when the parent is a
    staged row (null otherwise: an orphan, or a null foreign key), as `_parent_<foreign key>`.
    `parents` maps a foreign-key column of `relation` to the CTE of the parent's staging model,
    which holds the same column name as its key, e.g. {'customer_id': 'customers'}. A parent with
    several staged rows per key (a versioned one) still matches each child once. The one orphan
    convention for every source: parents are the staged rows (soft-deleted ones count as existing).
    Returns a select statement for a CTE body.
-#}
{% macro join_parents(relation, parents) -%}
select
    {{ relation }}.*
    {%- for foreign_key, parent in parents.items() %},
    parent_{{ loop.index }}.parent_key as _parent_{{ foreign_key }}
    {%- endfor %}
from {{ relation }}
{%- for foreign_key, parent in parents.items() %}
left join (
    select distinct {{ foreign_key }} as parent_key
    from {{ parent }}
) as parent_{{ loop.index }}
    on {{ relation }}.{{ foreign_key }} = parent_{{ loop.index }}.parent_key
{%- endfor %}
{%- endmacro %}
