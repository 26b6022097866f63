{#- Generic test: the model's spells (valid_from inclusive, valid_to exclusive, null = open)
    form one gapless, non-overlapping, compact sequence per key. Fails on every spell that
    - is empty or reversed (valid_to <= valid_from),
    - is open (valid_to null) but not the key's last spell,
    - does not end where the key's next spell starts (a gap or an overlap), or
    - holds the same `value_columns` as the spell right after it (not merged; nulls equal).
    Usage: data_tests: [{spells_are_compact: {arguments: {key_columns: [account_id],
    value_columns: [active_users_28d]}}}] on the model. -#}
{% test spells_are_compact(model, key_columns, value_columns=[], valid_from='valid_from', valid_to='valid_to') -%}
{%- set partition = key_columns | join(', ') %}
with

ordered as (
    select
        {{ partition }},
        {{ valid_from }} as spell_from,
        {{ valid_to }} as spell_to,
        lead({{ valid_from }}) over (partition by {{ partition }} order by {{ valid_from }}) as next_from
        {%- for column in value_columns %},
        {{ column }} as this_{{ column }},
        lead({{ column }}) over (partition by {{ partition }} order by {{ valid_from }}) as next_{{ column }}
        {%- endfor %}
    from {{ model }}
)

select *
from ordered
where
    spell_to <= spell_from
    or (spell_to is null and next_from is not null)
    or (spell_to is not null and (next_from is null or next_from <> spell_to))
    {%- if value_columns %}
    or (
        next_from is not null
        {%- for column in value_columns %}
        and (this_{{ column }} = next_{{ column }} or (this_{{ column }} is null and next_{{ column }} is null))
        {%- endfor %}
    )
    {%- endif %}
{%- endtest %}
