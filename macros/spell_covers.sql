{#- True when the spell `spell` (a relation alias with valid_from inclusive and valid_to exclusive,
    null while open) holds on the day `day` (a date expression): the as-of join of a day onto
    spells. Usage: `inner join stage_spells on ... and {{ spell_covers('stage_spells', 'weeks.snapshot_date') }}`. -#}
{% macro spell_covers(spell, day) -%}
    ({{ day }} >= {{ spell }}.valid_from and ({{ spell }}.valid_to is null or {{ day }} < {{ spell }}.valid_to))
{%- endmacro %}
