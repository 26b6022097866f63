{#-
    Merges neighbouring pieces that carry the same values into one spell (gaps and islands):
    `pieces` is a CTE or relation of non-overlapping pieces (key columns, value columns,
    valid_from, valid_to exclusive and null for the open last one). Two pieces of a key join the
    same spell when no piece with other values lies between them. Returns a select statement for
    a CTE body with the key columns, the value columns, valid_from (the first piece's) and
    valid_to (the last piece's; null while it is open). Portable: row_number windows and a group by.
-#}
{% macro merge_adjacent_spells(pieces, key_columns, value_columns) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set values = value_columns | join(', ') %}
select
    {{ keys }},
    {{ values }},
    min(valid_from) as valid_from,
    -- an island's last piece has the island's end; null when it is still open
    case when count(valid_to) = count(*) then max(valid_to) end as valid_to
from (
    select
        {{ pieces }}.*,
        row_number() over (partition by {{ keys }} order by valid_from)
        - row_number() over (partition by {{ keys }}, {{ values }} order by valid_from) as island
    from {{ pieces }}
) as numbered_pieces
group by
    {{ keys }},
    {{ values }},
    island
{%- endmacro %}
