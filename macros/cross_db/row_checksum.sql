{#- A 64-bit hash of a row's values (the given columns, in order), for period_checksums: equal
    rows hash equal, and a null hashes apart from every value. DuckDB: hash(...) (a ubigint; the
    value may change between DuckDB versions, and then every kept checksum differs once and the
    model recomputes every period). Spark: xxhash64, which skips nulls, so each column is followed
    by whether it is null. Compare checksums only with checksums of the same engine. -#}
{% macro row_checksum(columns) -%}
    {{ return(adapter.dispatch('row_checksum', 'lifecycle_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__row_checksum(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_checksum(columns) -%}
    xxhash64({% for c in columns %}{{ c }}, {{ c }} is null{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
