{#- A JSON object text built from columns: {"col": value, ...}; used to keep a quarantined row's
    raw values. `columns` is a list of column names; the values of those also in `hashed` (personal
    data, docs/privacy.md) are passed through pii_hash. -#}
{% macro json_object_of(columns, hashed=[]) -%}
    {{ return(adapter.dispatch('json_object_of', 'lifecycle_warehouse')(columns, hashed)) }}
{%- endmacro %}

{% macro default__json_object_of(columns, hashed=[]) -%}
    cast(json_object({%- for c in columns %}'{{ c }}', {{ pii_hash(adapter.quote(c)) if c in hashed else adapter.quote(c) }}{{ ", " if not loop.last }}{%- endfor %}) as varchar)
{%- endmacro %}

{#- Spark's to_json leaves out null fields unless told: keep them, as DuckDB's json_object does. -#}
{% macro spark__json_object_of(columns, hashed=[]) -%}
    to_json(named_struct({%- for c in columns %}'{{ c }}', {{ pii_hash(adapter.quote(c)) if c in hashed else adapter.quote(c) }}{{ ", " if not loop.last }}{%- endfor %}), map('ignoreNullFields', 'false'))
{%- endmacro %}
