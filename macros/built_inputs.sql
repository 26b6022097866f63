{#-
    The inputs the current incremental model was last built from, as kept by keep_built_inputs:
    a dict with `build` (the relation of the build record: built_at, model_checksum, row_count and
    last_period of the table the build left) and `inputs` (per input model of `reopen.inputs`,
    `period_inputs`, `row_inputs` and `whole_inputs` - the model's `meta.reopen` - the relation of
    its kept rows or period checksums). None, and the model rebuilds every
    period, when they cannot be trusted for this model: any of them is missing (a table built
    before the model kept its inputs, or by a run whose post-hook did not run), a kept input lacks
    a column the model now compares, or the model's code changed since (model_checksum: an
    incremental run of new code would leave the older days as the old code made them). The
    relations live in the schema `_lifecycle` (build state, never published), named
    `<model>__<input>` and `<model>__build`. Before execution (parsing, sqlfluff) it names
    placeholders. Unit tests override it with the same dict, each relation given as a
    parenthesised select.
-#}
{% macro built_inputs(reopen) -%}
    {%- if not execute -%}
        {%- set placeholders = {'build': 'built_build', 'inputs': {}} -%}
        {%- for kind in ['inputs', 'period_inputs', 'row_inputs', 'whole_inputs'] -%}
            {%- for name in reopen.get(kind, {}) -%}
                {%- do placeholders['inputs'].update({name: 'built_' ~ name}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {{ return(placeholders) }}
    {%- endif -%}
    {%- set found = {'build': load_relation(built_input_relation('build')), 'inputs': {}} -%}
    {%- if found['build'] is none -%}{{ return(none) }}{%- endif -%}
    {%- set compared = {} -%}
    {%- for name, value_columns in reopen['inputs'].items() -%}
        {%- do compared.update({name: reopen['key_columns'] + ['valid_from', 'valid_to'] + value_columns}) -%}
    {%- endfor -%}
    {%- for name in reopen.get('period_inputs', {}) -%}
        {%- do compared.update({name: ['period', 'row_count', 'checksum']}) -%}
    {%- endfor -%}
    {%- do compared.update(reopen.get('row_inputs', {})) -%}
    {%- do compared.update(reopen.get('whole_inputs', {})) -%}
    {%- for name, columns in compared.items() -%}
        {%- set kept = load_relation(built_input_relation(name)) -%}
        {%- if kept is none -%}{{ return(none) }}{%- endif -%}
        {%- set kept_columns = adapter.get_columns_in_relation(kept) | map(attribute='name') | map('lower') | list -%}
        {%- for column in columns -%}
            {%- if column | lower not in kept_columns -%}{{ return(none) }}{%- endif -%}
        {%- endfor -%}
        {%- do found['inputs'].update({name: kept}) -%}
    {%- endfor -%}
    {%- set build_columns = adapter.get_columns_in_relation(found['build']) | map(attribute='name') | map('lower') | list -%}
    {%- if 'model_checksum' not in build_columns -%}{{ return(none) }}{%- endif -%}
    {%- set kept_checksum = run_query('select model_checksum from ' ~ found['build']).columns[0].values() -%}
    {%- if (kept_checksum | list) != [local_md5(model.raw_code)] -%}{{ return(none) }}{%- endif -%}
    {{ return(found) }}
{%- endmacro %}
