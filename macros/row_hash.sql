{#- md5 over the given columns' text, nulls made distinct from empty strings: compares payloads.
    `columns` are column names (quoted here, so a name such as `timestamp` is safe). -#}
{% macro row_hash(columns) -%}
    md5(concat_ws('|'
    {%- for c in columns %}, coalesce(cast({{ adapter.quote(c) }} as {{ dbt.type_string() }}), '\\N'){%- endfor %}))
{%- endmacro %}
