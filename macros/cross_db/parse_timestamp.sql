{#- ISO 8601 text (offset or `Z` honoured; no offset means UTC) -> UTC timestamp without time zone;
    null when the text is not a timestamp. On Spark the session time zone must be UTC
    (spark.sql.session.timeZone), which the spark profile sets. -#}
{% macro parse_timestamp(expr) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'lifecycle_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expr) -%}
    cast(timezone('UTC', try_cast({{ expr }} as timestamptz)) as timestamp)
{%- endmacro %}

{% macro spark__parse_timestamp(expr) -%}
    try_cast({{ expr }} as timestamp)
{%- endmacro %}
