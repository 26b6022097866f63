{#-
    Classifies every landed row of one table, so that nothing is silently lost:
      staged      the row that wins for its key (latest version, or first delivery)
      duplicate   the same payload as the winner, delivered again (collapsed, counted)
      superseded  an older version of the key replaced by a newer one (latest version wins)
      quarantined broke a contract rule (_quarantine_rule), or carries a different payload under
                  the same key and the same _loaded_at (rule duplicate_key_conflict)
    `relation` is a CTE name or a parenthesised subquery with: _quarantine_rule (null when the row
    is valid), loaded_at (the parsed _loaded_at), _batch_file, _row_number and the key column.
    `partition_by`: the key column a winner is chosen for. `winner_order`: sql order putting the
    winner first (default: latest load). `changed_payload`: 'supersede' (mutable entities: a newer
    load replaces an older one) or 'conflict' (immutable events: any other payload under the key
    is quarantined). `payload_hash`: sql of the hash that tells a repeated payload from a changed
    one.
    Invalid rows never compete with valid ones for a key: they are quarantined with their rule.
    Only keys with two or more valid rows are ranked (a window per key) and only their rows are
    hashed; a valid row alone under its key wins as it is. Most keys of a large table are unique
    (the demo's 4.8 M tracks rows have 19 k repeated keys), so this skips nearly all of the sort.
    The winner (`staged`) carries _duplicate_count, the number of `duplicate` rows collapsed into
    it (0 on every other row).
    The rows are read more than once, so `candidates` and `flagged` are inlined (inline_cte):
    stored, they would hold a copy of every row.
    `raw_values`: optional sql of the row's landed text (a JSON object), output as _raw_values for
    quarantined rows only (null otherwise: every landed row's text stays in the raw layer, so it is
    stored a second time only where the quarantine shows it; measured on the demo's 4.8 M tracks
    rows: 50 s and 1.4 GB with it on every row, 20 s and 0.6 GB without).
-#}
{% macro classify_rows(
    relation,
    partition_by,
    payload_hash,
    winner_order='loaded_at desc',
    changed_payload='supersede',
    raw_values=none
) -%}
with

candidates as {{ inline_cte() }} (
    select * from {{ relation }} as relation_rows
),

-- keys with more than one row, valid or not: a winner has to be chosen only among their valid
-- rows (a key whose other rows are invalid ranks its one valid row first). Counting every row
-- needs the key alone, so this scan never evaluates the rules (they parse every column).
repeated_keys as (
    select {{ partition_by }} as _repeated_key
    from candidates
    group by {{ partition_by }}
    having count(*) > 1
),

flagged as {{ inline_cte() }} (
    select
        candidates.*,
        (candidates._quarantine_rule is null and repeated_keys._repeated_key is not null) as _is_contested
    from candidates
    left join repeated_keys
        on candidates.{{ partition_by }} = repeated_keys._repeated_key
),

contested as (
    select
        flagged.*,
        {{ payload_hash }} as _payload_hash
    from flagged
    where _is_contested
),

-- the contested rows ranked within their key: the winner first
ranked as (
    select
        contested.*,
        row_number() over (
            partition by {{ partition_by }}
            order by {{ winner_order }}, _batch_file desc, _row_number desc
        ) as _winner_rank,
        first_value(_payload_hash) over (
            partition by {{ partition_by }}
            order by {{ winner_order }}, _batch_file desc, _row_number desc
            rows between unbounded preceding and unbounded following
        ) as _winner_payload_hash,
        first_value(loaded_at) over (
            partition by {{ partition_by }}
            order by {{ winner_order }}, _batch_file desc, _row_number desc
            rows between unbounded preceding and unbounded following
        ) as _winner_loaded_at
    from contested
),

-- the status of each contested row, by its identity (batch file and row number)
contested_statused as (
    select
        ranked.{{ partition_by }} as _contested_key,
        ranked._batch_file as _contested_batch_file,
        ranked._row_number as _contested_row_number,
        ranked._payload_hash as _contested_payload_hash,
        case
            when ranked._winner_rank = 1 then 'staged'
            when ranked._payload_hash = ranked._winner_payload_hash then 'duplicate'
            {%- if changed_payload == 'supersede' %}
            when ranked.loaded_at <> ranked._winner_loaded_at then 'superseded'
            {%- endif %}
            else 'quarantined'
        end as _contested_status,
        case
            when ranked._winner_rank > 1
                and ranked._payload_hash <> ranked._winner_payload_hash
                {%- if changed_payload == 'supersede' %}
                and ranked.loaded_at = ranked._winner_loaded_at
                {%- endif %}
                then 'duplicate_key_conflict'
        end as _contested_rule
    from ranked
),

-- how many exact redeliveries each contested key's winner collapsed
duplicate_counts as (
    select
        _contested_key as _duplicate_key,
        count(*) as _duplicate_count
    from contested_statused
    where _contested_status = 'duplicate'
    group by _contested_key
),

-- every row with its status: an invalid row is quarantined with its rule, a valid row alone under
-- its key wins as it is, a contested row takes its rank's status
statused as (
    select
        flagged.*,
        contested_statused._contested_payload_hash as _payload_hash,
        case
            when flagged._quarantine_rule is not null then 'quarantined'
            when not flagged._is_contested then 'staged'
            else contested_statused._contested_status
        end as _row_status,
        coalesce(flagged._quarantine_rule, contested_statused._contested_rule) as _final_quarantine_rule,
        -- on the winner only: the redeliveries collapsed into it
        case
            when flagged._is_contested and contested_statused._contested_status = 'staged'
                then coalesce(duplicate_counts._duplicate_count, 0)
            else 0
        end as _duplicate_count
    from flagged
    left join contested_statused
        on flagged._is_contested
            and flagged._batch_file = contested_statused._contested_batch_file
            and flagged._row_number = contested_statused._contested_row_number
    left join duplicate_counts
        on flagged._is_contested
            and flagged.{{ partition_by }} = duplicate_counts._duplicate_key
)

select
    statused.*
    {%- if raw_values %},
    case when statused._final_quarantine_rule is not null then {{ raw_values }} end as _raw_values
    {%- endif %}
from statused
{%- endmacro %}
