{#- Personal data in a model past staging (docs/privacy.md): the sha256 of the lower-cased,
    trimmed text, as lowercase hex (null stays null). The one hash for a column tagged
    `meta: {pii: hashed}`, and for the personal fields of a quarantined row's raw values. -#}
{% macro pii_hash(expr) -%}
    {{ return(adapter.dispatch('pii_hash', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__pii_hash(expr) -%}
    sha256(lower(trim({{ expr }})))
{%- endmacro %}

{% macro spark__pii_hash(expr) -%}
    sha2(lower(trim({{ expr }})), 256)
{%- endmacro %}
