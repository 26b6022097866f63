{#-
    The rows (of the given columns) that are in one version of a relation and not in the other:
    `old` except `new`, then `new` except `old`, stacked. An incremental model with
    `meta.reopen.row_inputs` compares the rows keep_built_inputs kept with the input now: the
    first period among these rows is the first one to recompute; any row at all means a whole
    input changed (a seed edited). Returns a select for a subquery or CTE body. Portable:
    `except` and `union all` (DuckDB and Spark 3).
-#}
{% macro rows_differing(old, new, columns) -%}
    {%- set compared = columns | join(', ') -%}
select {{ compared }} from (
    select {{ compared }} from {{ old }}
    except
    select {{ compared }} from {{ new }}
) as only_old
union all
select {{ compared }} from (
    select {{ compared }} from {{ new }}
    except
    select {{ compared }} from {{ old }}
) as only_new
{%- endmacro %}
