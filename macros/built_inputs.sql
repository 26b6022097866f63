{#-
    The inputs the current incremental model was last built from, as kept by keep_built_inputs:
    a dict with `build` (the relation of the build record: built_at, row_count and last_period of
    the table the build left) and `inputs` (per input model of `reopen.inputs` - the model's
    `meta.reopen` - the relation of its kept rows). None when any of them is missing (the table
    was built before the model kept its inputs, or by a run whose post-hook did not run): the
    model then rebuilds every period. The relations live in the schema `_lifecycle` (build state,
    never published), named `<model>__<input>` and `<model>__build`. Before execution (parsing,
    sqlfluff) it names placeholders. Unit tests override it with the same dict, each relation
    given as a parenthesised select.
-#}
{% macro built_inputs(reopen) -%}
    {%- if not execute -%}
        {%- set placeholders = {'build': 'built_build', 'inputs': {}} -%}
        {%- for name in reopen['inputs'] -%}
            {%- do placeholders['inputs'].update({name: 'built_' ~ name}) -%}
        {%- endfor -%}
        {{ return(placeholders) }}
    {%- endif -%}
    {%- set found = {'build': load_relation(built_input_relation('build')), 'inputs': {}} -%}
    {%- for name in reopen['inputs'] -%}
        {%- do found['inputs'].update({name: load_relation(built_input_relation(name))}) -%}
    {%- endfor -%}
    {%- if found['build'] is none or (found['inputs'].values() | select('none') | list) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}
