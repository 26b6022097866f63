{#- A picklist label in snake case, as the contract spells its values: `New Business` ->
    `new_business`, `QBR` -> `qbr` (trimmed, lower-cased, spaces as underscores). -#}
{% macro snake_case_label(expr) -%}
    lower(replace(trim({{ expr }}), ' ', '_'))
{%- endmacro %}
