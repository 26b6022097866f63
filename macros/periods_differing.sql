{#-
    The periods (`period`) whose rows differ between the version of a relation an incremental
    model was built from, kept as period_checksums, and the relation now: a period held by one
    version only, or with another row count or checksum. The first of them is the first period
    to recompute (int_account_health_weekly's CRM weeks). Returns a select for a CTE or subquery
    body; portable (a full outer join).
-#}
{% macro periods_differing(kept, relation, period_column, columns) -%}
select coalesce(kept.period, now.period) as period
from {{ kept }} as kept
full outer join (
    {{ period_checksums(relation, period_column, columns) | indent(4) }}
) as now
    on kept.period = now.period
where
    kept.period is null
    or now.period is null
    or kept.row_count <> now.row_count
    or kept.checksum <> now.checksum
{%- endmacro %}
