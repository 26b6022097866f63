{#- A pseudo-random integer in [0, buckets) for a value (the same value always gives the same
    bucket, on one engine): `{{ bucket_of('account_id') }}`. For checksums that must tell which
    key a quantity belongs to (e.g. the sum of bucket x events over a day changes when events
    move from one account to another). DuckDB: hash() (unsigned 64-bit) modulo buckets; Spark:
    pmod of its 32-bit murmur3 hash(). -#}
{% macro bucket_of(expr, buckets=1000003) -%}
    {{ return(adapter.dispatch('bucket_of', 'lifecycle_warehouse')(expr, buckets)) }}
{%- endmacro %}

{% macro default__bucket_of(expr, buckets) -%}
    cast(hash({{ expr }}) % {{ buckets }} as bigint)
{%- endmacro %}

{% macro spark__bucket_of(expr, buckets) -%}
    cast(pmod(hash({{ expr }}), {{ buckets }}) as bigint)
{%- endmacro %}
