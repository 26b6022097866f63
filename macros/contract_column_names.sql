{#- The landed column names of one raw contract table, in contract order (from the generated
    contract_table), without the loader's lineage columns and without any name in `exclude`.
    The base models build their payload hash and raw values from it, so those lists cannot drift
    from the contract. -#}
{% macro contract_column_names(source_name, table_name, exclude=[]) -%}
    {%- set names = [] -%}
    {%- for column in contract_table(source_name, table_name)['columns'] -%}
        {%- if column['name'] not in exclude -%}
            {%- do names.append(column['name']) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
