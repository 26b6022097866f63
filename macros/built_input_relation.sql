{#- The relation in which keep_built_inputs keeps `name` (an input model, or `build` for the
    build record) for the current model: `_lifecycle.<model>__<name>`, in the model's database.
    `_lifecycle` holds build state (lifecycle/build_state.py); the publisher copies only `marts`. -#}
{% macro built_input_relation(name) -%}
    {{ return(api.Relation.create(
        database=this.database,
        schema='_lifecycle',
        identifier=this.identifier ~ '__' ~ name,
        type='table',
    )) }}
{%- endmacro %}
