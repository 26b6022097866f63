{#- The materialization of a base model that classifies only the rows of new batch files
    (base_usage__tracks): `incremental` with delete+insert by _row_key on DuckDB (and the
    default). Spark: `table`, a full rebuild each run: dbt-spark has no delete+insert without
    Delta Lake, and insert_overwrite replaces partitions, not keys. -#}
{% macro incremental_rows_materialized() -%}
    {{ return(adapter.dispatch('incremental_rows_materialized', 'lifecycle_warehouse')()) }}
{%- endmacro %}

{% macro default__incremental_rows_materialized() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_rows_materialized() -%}
    {{ return('table') }}
{%- endmacro %}
