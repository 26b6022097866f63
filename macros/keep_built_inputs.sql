{#-
    Post-hook of an incremental model that reopens the periods its inputs changed
    (fct_lifecycle_daily): keeps the rows of every input named in the model's `meta.reopen`
    (`inputs`: spell tables, input model -> value columns, kept with `key_columns`, valid_from
    and valid_to; `period_inputs`: input model -> its period column and the columns read, kept as
    period_checksums, a few rows per period; `row_inputs` and `whole_inputs`: any relation, input
    model -> columns, kept as its distinct rows of those columns), the columns the model reads
    and nothing else, and a build record (built_at: run_started_at to the microsecond, written
    by refreshed_at as the usage models' _refreshed_at is, so a row refreshed by the same build
    is not later than the build;
    model_checksum: the md5 of the model's code; row_count and last_period: count(*) and
    max(`period_column`) of the table as this build left it), in the relations of
    built_input_relation. The next run compares its inputs with these
    (spells_first_difference) and reads the record to know the kept rows are those the table was
    built from. On DuckDB dbt-duckdb runs the post-hook before its commit: the table and what it
    was built from change in one transaction. Runs its statements itself; renders nothing.
-#}
{% macro keep_built_inputs() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set reopen = config.get('meta')['reopen'] -%}
    {%- do adapter.create_schema(built_input_relation('build')) -%}
    {%- for name, value_columns in reopen['inputs'].items() -%}
        {%- set columns = reopen['key_columns'] + ['valid_from', 'valid_to'] + value_columns -%}
        {%- do replace_table_as(
            built_input_relation(name),
            'select ' ~ (columns | join(', ')) ~ ' from ' ~ ref(name)
        ) -%}
    {%- endfor -%}
    {%- for name, spec in reopen.get('period_inputs', {}).items() -%}
        {%- do replace_table_as(
            built_input_relation(name),
            period_checksums(ref(name), spec['period'], spec['columns'])
        ) -%}
    {%- endfor -%}
    {%- set row_inputs = {} -%}
    {%- do row_inputs.update(reopen.get('row_inputs', {})) -%}
    {%- do row_inputs.update(reopen.get('whole_inputs', {})) -%}
    {%- for name, columns in row_inputs.items() -%}
        {%- do replace_table_as(
            built_input_relation(name),
            'select distinct ' ~ (columns | join(', ')) ~ ' from ' ~ ref(name)
        ) -%}
    {%- endfor -%}
    {%- do replace_table_as(
        built_input_relation('build'),
        'select ' ~ refreshed_at() ~ ' as built_at, '
        ~ "'" ~ local_md5(model.raw_code) ~ "' as model_checksum, "
        ~ 'count(*) as row_count, max(' ~ reopen['period_column'] ~ ') as last_period from ' ~ this
    ) -%}
    {{ return('') }}
{%- endmacro %}
