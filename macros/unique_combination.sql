{#- Generic test: no two rows share the same values of `columns` (a composite unique key).
    Usage: data_tests: [{unique_combination: {arguments: {columns: [a, b]}}}] on the model. -#}
{% test unique_combination(model, columns) -%}
select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- endtest %}
