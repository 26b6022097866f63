{#-
    The raw relation of a contract table, in the layout its source is read in: the loader's
    `source(source_name, table_name)` for the landing contract (the default), else the adapter
    model `<layout>__<table_name>` (models/adapters/<layout>/) that maps a connector's tables onto
    the contract's columns. The layout is the var `<source_name>_layout` (LIFECYCLE_<SOURCE>_LAYOUT).
-#}
{% macro landed(source_name, table_name) -%}
    {%- set layout = var(source_name ~ '_layout', 'contract') or 'contract' -%}
    {%- if layout == 'contract' -%}
        {{ return(source(source_name, table_name)) }}
    {%- else -%}
        {{ return(ref(layout ~ '__' ~ table_name)) }}
    {%- endif -%}
{%- endmacro %}
