-- grain: one row per account per day, from the account's first subscription start through
-- as_of_date: the stage, phase and provider play of int_lifecycle_spells at the end of the day
-- and the account's MRR then. Incremental: a run recomputes the last
-- `lifecycle_daily_restate_days` days it had built (the as_of day is provisional - events of
-- it may still arrive with the next extract) and adds the new days, replacing whole days
-- (delete+insert by date on DuckDB, insert_overwrite of date partitions on Spark);
-- `--full-refresh` rebuilds every day. A day's row depends only on data up to that day, so
-- older rows stay right; data that changes them (a late batch of old events, an edited seed)
-- needs a full refresh, and the data test assert_lifecycle_daily_matches_spells fails until
-- it is done.
-- depends_on: {{ ref('thresholds') }}
{{ config(
    materialized='incremental',
    incremental_strategy=incremental_day_strategy(),
    unique_key='date',
    partition_by=incremental_day_partition_by('date'),
    on_schema_change='fail',
) }}
with

lifecycle_spells as (
    select * from {{ ref('int_lifecycle_spells') }}
),

billing_states as (
    select * from {{ ref('int_lifecycle_billing_states') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

bounds as (
    select
        {% if is_incremental() -%}
        coalesce(
            (
                select
                    cast({{ dbt.dateadd(
                        'day',
                        '1 - cast(' ~ threshold('lifecycle_daily_restate_days') ~ ' as integer)',
                        'max(built.date)'
                    ) }} as date)
                from {{ this }} as built
            ),
            min(lifecycle_spells.valid_from)
        ) as first_day,
        {%- else -%}
        min(lifecycle_spells.valid_from) as first_day,
        {%- endif %}
        max(as_of.as_of_date) as last_day
    from lifecycle_spells
    cross join as_of
),

days as (
    {{ date_spine('day', '(select first_day from bounds)', '(select last_day from bounds)') }}
),

final as (
    select
        lifecycle_spells.account_id,
        days.period_start_date as date,
        lifecycle_spells.land_number,
        lifecycle_spells.stage,
        lifecycle_spells.phase,
        lifecycle_spells.provider_play,
        billing_states.mrr_usd
    from days
    inner join lifecycle_spells
        on {{ spell_covers('lifecycle_spells', 'days.period_start_date') }}
    inner join billing_states
        on lifecycle_spells.account_id = billing_states.account_id
            and {{ spell_covers('billing_states', 'days.period_start_date') }}
)

select * from final
