{#- The partition_by config that goes with incremental_day_strategy(): none on DuckDB (a
    DuckDB table is not partitioned; dbt-duckdb would warn and ignore it), the day column on
    Spark, where insert_overwrite replaces whole partitions. -#}
{% macro incremental_day_partition_by(day_column) -%}
    {{ return(adapter.dispatch('incremental_day_partition_by', 'lifecycle_warehouse')(day_column)) }}
{%- endmacro %}

{% macro default__incremental_day_partition_by(day_column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__incremental_day_partition_by(day_column) -%}
    {{ return([day_column]) }}
{%- endmacro %}
