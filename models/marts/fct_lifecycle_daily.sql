-- grain: one row per account per day, from the account's first subscription start through
-- as_of_date: the stage, phase and provider play of int_lifecycle_spells at the end of the day
-- and the account's MRR then (int_lifecycle_billing_states). A day's row depends only on the
-- spells covering that day. Incremental, whole days replaced (delete+insert by date on DuckDB,
-- insert_overwrite of date partitions on Spark): a run recomputes from the first day any row
-- would change - the first day where the two spell tables differ from the ones the table was
-- built from (kept by the post-hook keep_built_inputs in _lifecycle, compared by
-- spells_first_difference) - or from the last `lifecycle_daily_restate_days` days it had built
-- (the as_of day is provisional), whichever is earlier, and adds the new days. So a late batch
-- (a backdated cancellation, an old usage event that moves a land) or an edited seed reopens
-- exactly the days it changes. No kept inputs, kept inputs of another version of this model's
-- code, or of another table than this one (the build record's row count and last day differ):
-- every day. `--full-refresh` rebuilds every day too.
-- depends_on: {{ ref('thresholds') }}
{%- set reopen = {
    'key_columns': ['account_id'],
    'period_column': 'date',
    'inputs': {
        'int_lifecycle_spells': ['land_number', 'stage', 'phase', 'provider_play'],
        'int_lifecycle_billing_states': ['mrr_usd'],
    },
} %}
{{ config(
    materialized='incremental',
    incremental_strategy=incremental_day_strategy(),
    unique_key='date',
    partition_by=incremental_day_partition_by('date'),
    on_schema_change='fail',
    meta={'reopen': reopen},
    post_hook=[
        "{{ delete_rows_where(this, 'date < (select min(valid_from) from ' ~ ref('int_lifecycle_spells')
            ~ ') or date > (select max(as_of_date) from ' ~ ref('int_as_of_date') ~ ')') }}",
        "{{ keep_built_inputs() }}",
    ],
) }}
{%- set built = built_inputs(reopen) if is_incremental() else none %}
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

{% if built -%}
built_lifecycle_spells as (
    select * from {{ built['inputs']['int_lifecycle_spells'] }}
),

built_billing_states as (
    select * from {{ built['inputs']['int_lifecycle_billing_states'] }}
),

-- per account, the first day whose stage, phase, play or land differs from what the table was built from
lifecycle_spell_changes as (
    {{ spells_first_difference(
        'built_lifecycle_spells', 'lifecycle_spells',
        reopen['key_columns'], reopen['inputs']['int_lifecycle_spells']
    ) }}
),

-- per account, the first day whose MRR differs
billing_state_changes as (
    {{ spells_first_difference(
        'built_billing_states', 'billing_states',
        reopen['key_columns'], reopen['inputs']['int_lifecycle_billing_states']
    ) }}
),

-- the first day any account's row changes
changed_from as (
    select min(changes.first_difference_date) as first_period
    from (
        select first_difference_date from lifecycle_spell_changes
        union all
        select first_difference_date from billing_state_changes
    ) as changes
),

-- the first day to recompute: the first changed day or the restated days, whichever is earlier;
-- null (every day) when the kept inputs are not this table's
reopened as (
    {{ first_reopened_period(
        built, reopen, 'changed_from',
        restate_from='cast(' ~ dbt.dateadd(
            'day', '1 - cast(' ~ threshold('lifecycle_daily_restate_days') ~ ' as integer)', 'last_period'
        ) ~ ' as date)'
    ) }}
),

{% endif -%}
bounds as (
    select
        {% if built -%}
        coalesce((select first_period from reopened), min(lifecycle_spells.valid_from)) as first_day,
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
