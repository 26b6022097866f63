{#- Runs the statements that make `relation` a table holding the rows of `sql` (a select),
    replacing any table of that name: a small table of build state (keep_built_inputs). DuckDB
    (and the default): `create or replace table ... as`. Spark: a parquet table dropped and
    created again (`create or replace` needs a Delta table). Returns nothing. -#}
{% macro replace_table_as(relation, sql) -%}
    {{ return(adapter.dispatch('replace_table_as', 'lifecycle_warehouse')(relation, sql)) }}
{%- endmacro %}

{% macro default__replace_table_as(relation, sql) -%}
    {%- do run_query('create or replace table ' ~ relation ~ ' as ' ~ sql) -%}
{%- endmacro %}

{% macro spark__replace_table_as(relation, sql) -%}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query('create table ' ~ relation ~ ' using parquet as ' ~ sql) -%}
{%- endmacro %}
