{#-
    One row per period of a relation: `period` (the value of `period_column`), `row_count` and
    `checksum`, the XOR of row_checksum over the period's rows of the given columns. Two versions
    of a relation whose rows are unique (the columns include the key) have the same checksums in a
    period exactly when that period's rows are equal, but for a 2^-64 chance per changed period.
    keep_built_inputs keeps these for the `period_inputs` of `meta.reopen` instead of the rows
    (a few rows per period, not one per account-period), and periods_differing compares them.
    `bit_xor` is the aggregate's name on DuckDB and Spark (3.0+) alike. Returns a select for a CTE
    or subquery body.
-#}
{% macro period_checksums(relation, period_column, columns) -%}
select
    {{ period_column }} as period,
    count(*) as row_count,
    bit_xor({{ row_checksum(columns) }}) as checksum
from {{ relation }}
group by {{ period_column }}
{%- endmacro %}
