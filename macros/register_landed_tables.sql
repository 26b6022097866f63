{#-
    DBT_TARGET=spark: before any model runs (on-run-start), register the landed Parquet folders
    (lifecycle/spark_engine.py writes the raw layer, its manifest and the LTV fit there) as Spark
    tables, `<schema>.<table> using parquet location '<spark dir>/landed/<schema>/<table>'`.
    LIFECYCLE_SPARK_LANDED lists them (`schema.table,...`; the CLI sets it from the folders it
    wrote). Each is dropped and created again, so a rewritten folder is always read afresh; dropping
    an external table leaves its files. On other targets this does nothing.
-#}
{% macro register_landed_tables() -%}
    {%- if execute and target.type == 'spark' -%}
        {%- set root = env_var('LIFECYCLE_SPARK_DIR', 'data/spark') ~ '/landed' -%}
        {%- set names = env_var('LIFECYCLE_SPARK_LANDED', '').split(',') | map('trim') | reject('equalto', '') | list -%}
        {%- for name in names -%}
            {%- set schema, table = name.split('.', 1) -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
            {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ table) -%}
            {%- do run_query('create table ' ~ schema ~ '.' ~ table ~ " using parquet location '" ~ root ~ '/' ~ schema ~ '/' ~ table ~ "'") -%}
        {%- endfor -%}
        {{ log('spark: registered ' ~ (names | length) ~ ' landed tables from ' ~ root, info=true) }}
    {%- endif -%}
{%- endmacro %}
