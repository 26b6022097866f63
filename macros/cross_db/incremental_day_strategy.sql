{#- The incremental strategy of a model that recomputes whole days and replaces them:
    `config(incremental_strategy=incremental_day_strategy(), unique_key='usage_date',
    partition_by=incremental_day_partition_by('usage_date'))`. DuckDB (and the default):
    delete+insert by the day column (unique_key: every row of a recomputed day is deleted, then
    the day's new rows inserted). Spark: insert_overwrite of the day partitions (dbt-spark
    overwrites exactly the partitions the new rows hold; needs partition_by, file format
    parquet or delta). -#}
{% macro incremental_day_strategy() -%}
    {{ return(adapter.dispatch('incremental_day_strategy', 'lifecycle_warehouse')()) }}
{%- endmacro %}

{% macro default__incremental_day_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__incremental_day_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
