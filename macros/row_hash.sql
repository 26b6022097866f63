{#- md5 over the given columns' text, nulls made distinct from empty strings: compares payloads. -#}
{% macro row_hash(columns) -%}
    md5(concat_ws('|'
    {%- for c in columns %}, coalesce(cast({{ c }} as {{ dbt.type_string() }}), '\\N'){%- endfor %}))
{%- endmacro %}
