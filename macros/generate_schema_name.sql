{#- Schemas are the layer names (raw, staging, intermediate, marts, seeds), not <target>_<layer>:
    BI and the serving database read `marts.<table>` whatever the target schema is. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
