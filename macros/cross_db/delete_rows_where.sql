{#- The statement that deletes the rows of `relation` (an incremental table) where `condition`
    holds, for a post-hook: rows no recomputed period replaces (delete+insert replaces only the
    periods the new rows hold). DuckDB (and the default): `delete from ... where`. Spark: nothing
    (a parquet table cannot delete rows; insert_overwrite replaces whole partitions): such rows
    stay until `--full-refresh`, and the model's data test says so. -#}
{% macro delete_rows_where(relation, condition) -%}
    {{ return(adapter.dispatch('delete_rows_where', 'lifecycle_warehouse')(relation, condition)) }}
{%- endmacro %}

{% macro default__delete_rows_where(relation, condition) -%}
    {{ return('delete from ' ~ relation ~ ' where ' ~ condition) }}
{%- endmacro %}

{% macro spark__delete_rows_where(relation, condition) -%}
    {{ return('') }}
{%- endmacro %}
