-- fct_lifecycle_daily is fct_lifecycle_spells expanded: every day a spell covers (through
-- as_of_date) has exactly one daily row with the spell's stage, phase and play, and there is no
-- other daily row. An incremental run recomputes from the first day its inputs changed (kept inputs,
-- spells_first_difference), so a late batch for an old day passes too; this fails only when a run
-- left a day stale - a bug, or on Spark days no recomputed day replaces (a parquet table cannot
-- delete rows: delete_rows_where) - and `lifecycle build --full-refresh` repairs it.
with

spells as (
    select * from {{ ref('fct_lifecycle_spells') }}
),

daily as (
    select * from {{ ref('fct_lifecycle_daily') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

spell_days as (
    select
        spells.account_id,
        sum(
            {{ dbt.datediff(
                'spells.valid_from',
                'coalesce(spells.valid_to, cast(' ~ dbt.dateadd('day', 1, 'as_of.as_of_date') ~ ' as date))',
                'day'
            ) }}
        ) as days_covered
    from spells
    cross join as_of
    group by spells.account_id
),

daily_days as (
    select
        daily.account_id,
        count(*) as daily_rows,
        sum(case when spells.account_id is null then 1 else 0 end) as rows_without_matching_spell
    from daily
    left join spells
        on daily.account_id = spells.account_id
            and daily.date >= spells.valid_from
            and (spells.valid_to is null or daily.date < spells.valid_to)
            and daily.stage = spells.stage
            and daily.phase = spells.phase
            and coalesce(daily.provider_play, '-') = coalesce(spells.provider_play, '-')
    group by daily.account_id
),

final as (
    select
        coalesce(spell_days.account_id, daily_days.account_id) as account_id,
        spell_days.days_covered,
        daily_days.daily_rows,
        daily_days.rows_without_matching_spell
    from spell_days
    full outer join daily_days
        on spell_days.account_id = daily_days.account_id
    where coalesce(spell_days.days_covered, 0) <> coalesce(daily_days.daily_rows, 0)
        or coalesce(daily_days.rows_without_matching_spell, 0) > 0
)

select * from final
