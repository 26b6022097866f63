{#- A JSON object text built from columns: {"col": value, ...}; used to keep a quarantined row's
    raw values. `columns` is a list of column names. -#}
{% macro json_object_of(columns) -%}
    {{ return(adapter.dispatch('json_object_of', 'lifecycle_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__json_object_of(columns) -%}
    cast(json_object({%- for c in columns %}'{{ c }}', {{ adapter.quote(c) }}{{ ", " if not loop.last }}{%- endfor %}) as varchar)
{%- endmacro %}

{% macro spark__json_object_of(columns) -%}
    to_json(named_struct({%- for c in columns %}'{{ c }}', {{ adapter.quote(c) }}{{ ", " if not loop.last }}{%- endfor %}))
{%- endmacro %}
