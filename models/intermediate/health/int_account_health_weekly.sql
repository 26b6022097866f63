-- grain: one row per account per week in which the account is not churned at the week's snapshot
-- (the end of its Sunday, or of as_of_date in the as_of week): the six health components 0-100,
-- each from data known at the snapshot, the weighted score (weights of missing components spread
-- over the present ones), its band and the two components that pulled it down most, in words
-- (docs/metrics.md, Health score). A week's row depends only on its CRM week, the spells covering
-- its snapshot, the usage days of the window ending there and the seeds.
-- Incremental, whole weeks replaced (delete+insert by week on DuckDB, insert_overwrite of week
-- partitions on Spark): a run recomputes from the first week any row can change - the earliest of
-- the first week where the CRM weeks differ from the ones the table was built from (kept as one
-- checksum per week), the week of the first day where a spell input differs (both kept by the
-- post-hook keep_built_inputs in _lifecycle), the week of the first usage day refreshed since
-- the build or no longer held, and the last week built (the as_of week is provisional) - and adds the new weeks. An edited seed,
-- kept inputs of another version of this model's code or of another table than this one: every
-- week, as does `--full-refresh`.
{%- set reopen = {
    'key_columns': ['account_id'],
    'period_column': 'week',
    'inputs': {
        'int_lifecycle_stage_spells': ['stage'],
        'int_lifecycle_billing_states': ['mrr_usd', 'licensed_seats', 'is_past_due'],
        'int_account_usage_spells': ['active_users_28d', 'value_features_28d'],
    },
    'period_inputs': {
        'int_account_crm_health_weekly': {
            'period': 'week',
            'columns': [
                'account_id', 'week', 'snapshot_date', 'open_high_cases', 'recent_csat', 'support_score',
                'support_reason', 'latest_nps_score', 'sentiment_score', 'sentiment_reason',
                'champion_present', 'engaged_contacts', 'days_since_csm_touch', 'relationship_score',
                'relationship_reason',
            ],
        },
    },
    'row_inputs': {
        'int_account_usage_daily': ['usage_date'],
    },
    'whole_inputs': {
        'health_weights': ['component', 'weight'],
        'value_events': ['event_name', 'feature'],
        'thresholds': ['name', 'value'],
    },
} %}
{{ config(
    materialized='incremental',
    incremental_strategy=incremental_day_strategy(),
    unique_key='week',
    partition_by=incremental_day_partition_by('week'),
    on_schema_change='fail',
    meta={'reopen': reopen},
    post_hook=[
        "{{ delete_rows_where(this, 'week < (select min(week) from ' ~ ref('int_account_crm_health_weekly')
            ~ ') or week > (select max(week) from ' ~ ref('int_account_crm_health_weekly') ~ ')') }}",
        "{{ keep_built_inputs() }}",
    ],
) }}
{%- set built = built_inputs(reopen) if is_incremental() else none %}
with

all_crm_weeks as {{ inline_cte() }} (
    select {{ reopen['period_inputs']['int_account_crm_health_weekly']['columns'] | join(', ') }}
    from {{ ref('int_account_crm_health_weekly') }}
),

stage_spells as (
    select * from {{ ref('int_lifecycle_stage_spells') }}
),

billing_states as (
    select * from {{ ref('int_lifecycle_billing_states') }}
),

usage_spells as (
    select * from {{ ref('int_account_usage_spells') }}
),

all_usage_daily as {{ inline_cte() }} (
    select * from {{ ref('int_account_usage_daily') }}
),

value_events as (
    select * from {{ ref('value_events') }}
),

health_weights as (
    select * from {{ ref('health_weights') }}
),

{% if built -%}
{% for name in reopen['inputs'] -%}
-- per account, the first day {{ name }} differs from what the table was built from
{{ name }}_changes as (
    {{ spells_first_difference(built['inputs'][name], ref(name), reopen['key_columns'], reopen['inputs'][name]) }}
),

{% endfor -%}
-- the CRM weeks that differ (their checksums)
crm_week_changes as (
    {{ periods_differing(
        built['inputs']['int_account_crm_health_weekly'], ref('int_account_crm_health_weekly'),
        'week', reopen['period_inputs']['int_account_crm_health_weekly']['columns']
    ) }}
),

-- the usage days held when the table was built and not now
usage_day_changes as (
    {{ rows_differing(built['inputs']['int_account_usage_daily'], 'all_usage_daily', ['usage_date']) }}
),

-- the week of the first day any week can change: of a spell input, a CRM week, a usage day
-- recomputed since the build (its _refreshed_at) or no longer held
changed_from as (
    select cast({{ dbt.date_trunc('week', 'min(changes.first_day)') }} as date) as first_period
    from (
        {%- for name in reopen['inputs'] %}
        select first_difference_date as first_day from {{ name }}_changes
        union all
        {%- endfor %}
        select period as first_day from crm_week_changes
        union all
        select usage_date as first_day
        from all_usage_daily
        where _refreshed_at > (select max(built_at) from {{ built['build'] }})
        union all
        select usage_date as first_day from usage_day_changes
    ) as changes
),

-- the first week to recompute: the week of the first change or the last week built, whichever
-- is earlier; null (every week) when a seed changed or the kept inputs are not this table's
reopened as (
    {{ first_reopened_period(built, reopen, 'changed_from') }}
),

-- the first usage day the recomputed weeks' windows read
reopened_usage as (
    select
        cast({{ dbt.dateadd(
            'day', '-1 * cast(' ~ threshold('active_user_window_days') ~ ' as integer)', 'first_period'
        ) }} as date) as first_usage_date
    from reopened
),

-- the weeks recomputed, and the usage days their windows read (every one when first_period is null)
crm_weeks as (
    select all_crm_weeks.*
    from all_crm_weeks
    where all_crm_weeks.week >= coalesce((select first_period from reopened), cast('1900-01-01' as date))
),

usage_daily as (
    select all_usage_daily.*
    from all_usage_daily
    where
        all_usage_daily.usage_date
        >= coalesce((select first_usage_date from reopened_usage), cast('1900-01-01' as date))
),

{% else -%}
crm_weeks as (
    select * from all_crm_weeks
),

usage_daily as (
    select * from all_usage_daily
),

{% endif -%}
core_features as (
    select count(*) as core_feature_count from value_events
),

-- how often the product is used: the days with any event in the trailing window ending at the
-- snapshot (bounded join: each account-day meets the few weeks whose window holds it)
active_days as (
    select
        crm_weeks.account_id,
        crm_weeks.week,
        count(*) as active_days_28d
    from crm_weeks
    inner join usage_daily
        on crm_weeks.account_id = usage_daily.account_id
            and usage_daily.usage_date <= crm_weeks.snapshot_date
            and usage_daily.usage_date > {{ dbt.dateadd(
                'day', '-1 * cast(' ~ threshold('active_user_window_days') ~ ' as integer)', 'crm_weeks.snapshot_date'
            ) }}
            and usage_daily.event_count > 0
    group by
        crm_weeks.account_id,
        crm_weeks.week
),

-- the state of every input at the snapshot: the spell covering snapshot_date
week_states as (
    select
        crm_weeks.*,
        stage_spells.stage,
        billing_states.mrr_usd,
        billing_states.licensed_seats,
        billing_states.is_past_due,
        coalesce(usage_spells.active_users_28d, 0) as active_users_28d,
        coalesce(usage_spells.value_features_28d, 0) as value_features_28d,
        coalesce(active_days.active_days_28d, 0) as active_days_28d
    from crm_weeks
    inner join stage_spells
        on crm_weeks.account_id = stage_spells.account_id
            and {{ spell_covers('stage_spells', 'crm_weeks.snapshot_date') }}
    inner join billing_states
        on crm_weeks.account_id = billing_states.account_id
            and {{ spell_covers('billing_states', 'crm_weeks.snapshot_date') }}
    left join usage_spells
        on crm_weeks.account_id = usage_spells.account_id
            and {{ spell_covers('usage_spells', 'crm_weeks.snapshot_date') }}
    left join active_days
        on crm_weeks.account_id = active_days.account_id
            and crm_weeks.week = active_days.week
    where stage_spells.stage <> 'churned'
),

-- usage has two parts, each 100 at usage_target_ratio: seats in use (active users per licensed
-- seat) and frequency (active days of the window); without licensed seats (a trial) only the
-- frequency part
usage_parts as (
    select
        week_states.*,
        case
            when week_states.licensed_seats > 0
                then cast(week_states.active_users_28d as decimal(18, 6)) / week_states.licensed_seats
        end as active_users_per_seat,
        case
            when week_states.licensed_seats > 0
                then least(
                        100.0,
                        100.0 * week_states.active_users_28d
                        / (week_states.licensed_seats * {{ threshold('usage_target_ratio') }})
                    )
        end as seat_part_score,
        least(
            100.0,
            100.0 * week_states.active_days_28d
            / ({{ threshold('active_user_window_days') }} * {{ threshold('usage_target_ratio') }})
        ) as frequency_part_score
    from week_states
),

scored_weeks as (
    select
        usage_parts.*,
        round(case
            when usage_parts.seat_part_score is null then usage_parts.frequency_part_score
            else (usage_parts.seat_part_score + usage_parts.frequency_part_score) / 2
        end, 1) as usage_score,
        round(100.0 * usage_parts.value_features_28d / core_features.core_feature_count, 1) as breadth_score,
        case when usage_parts.is_past_due then 0.0 else 100.0 end as billing_score
    from usage_parts
    cross join core_features
),

-- one row per account-week and present component, with what it says in words
components as (
    select
        account_id,
        week,
        'usage' as component,
        usage_score as score,
        -- the weaker part, in words
        case
            when seat_part_score is not null and seat_part_score <= frequency_part_score
                then 'usage at '
                    || cast(cast(active_users_per_seat as decimal(10, 2)) as {{ dbt.type_string() }})
                    || ' active users per seat'
            else 'used on ' || cast(active_days_28d as {{ dbt.type_string() }}) || ' of the last '
                || cast(cast({{ threshold('active_user_window_days') }} as integer) as {{ dbt.type_string() }})
                || ' days'
        end as reason
    from scored_weeks
    union all
    select
        account_id,
        week,
        'breadth' as component,
        breadth_score as score,
        'uses ' || cast(value_features_28d as {{ dbt.type_string() }}) || ' of '
        || cast((select core_feature_count from core_features) as {{ dbt.type_string() }})
        || ' core features' as reason
    from scored_weeks
    union all
    select
        account_id,
        week,
        'support' as component,
        support_score as score,
        support_reason as reason
    from scored_weeks
    where support_score is not null
    union all
    select
        account_id,
        week,
        'sentiment' as component,
        sentiment_score as score,
        sentiment_reason as reason
    from scored_weeks
    where sentiment_score is not null
    union all
    select
        account_id,
        week,
        'relationship' as component,
        relationship_score as score,
        relationship_reason as reason
    from scored_weeks
    where relationship_score is not null
    union all
    select
        account_id,
        week,
        'billing' as component,
        billing_score as score,
        'payment past due' as reason
    from scored_weeks
),

weighted_components as (
    select
        components.*,
        health_weights.weight,
        health_weights.weight / sum(health_weights.weight) over (
            partition by components.account_id, components.week
        ) as weight_share
    from components
    inner join health_weights
        on components.component = health_weights.component
),

-- a component's pull on the score: the points it costs, share of weight x (100 - score)
ranked_components as (
    select
        weighted_components.*,
        weighted_components.weight_share * (100 - weighted_components.score) as points_lost,
        row_number() over (
            partition by weighted_components.account_id, weighted_components.week
            order by
                weighted_components.weight_share * (100 - weighted_components.score) desc,
                weighted_components.component
        ) as pull_rank
    from weighted_components
),

scores as (
    select
        account_id,
        week,
        -- the weighted mean, exact: weights (decimal(18, 6) seed) times the one-decimal scores, over
        -- the weights (both scaled by 10^6 to integers), rounded half away from zero on both engines
        {{ decimal_divide(
            'sum(weight * cast(score as decimal(5, 1))) * 1000000',
            'cast(sum(weight) * 1000000 as bigint)',
            1,
        ) }} as health_score,
        max(case when pull_rank = 1 and points_lost > 0 then component end) as primary_driver,
        max(case when pull_rank = 2 and points_lost > 0 then component end) as secondary_driver,
        max(case when pull_rank = 1 and points_lost > 0 then reason end) as primary_reason,
        max(case when pull_rank = 2 and points_lost > 0 then reason end) as secondary_reason
    from ranked_components
    group by
        account_id,
        week
),

final as (
    select
        scored_weeks.account_id,
        scored_weeks.week,
        scored_weeks.snapshot_date,
        scored_weeks.stage,
        scored_weeks.mrr_usd,
        cast(scores.health_score as decimal(5, 1)) as health_score,
        case
            when scores.health_score >= {{ threshold('health_green_min') }} then 'green'
            when scores.health_score >= {{ threshold('health_yellow_min') }} then 'yellow'
            else 'red'
        end as health_band,
        cast(scored_weeks.usage_score as decimal(5, 1)) as usage_score,
        cast(scored_weeks.breadth_score as decimal(5, 1)) as breadth_score,
        cast(scored_weeks.support_score as decimal(5, 1)) as support_score,
        cast(scored_weeks.sentiment_score as decimal(5, 1)) as sentiment_score,
        cast(scored_weeks.relationship_score as decimal(5, 1)) as relationship_score,
        cast(scored_weeks.billing_score as decimal(5, 1)) as billing_score,
        scores.primary_driver,
        scores.secondary_driver,
        case
            when scores.secondary_reason is not null then scores.primary_reason || '; ' || scores.secondary_reason
            else scores.primary_reason
        end as drivers,
        scored_weeks.active_users_28d,
        scored_weeks.active_days_28d,
        scored_weeks.licensed_seats,
        scored_weeks.value_features_28d,
        scored_weeks.open_high_cases,
        scored_weeks.recent_csat,
        scored_weeks.latest_nps_score,
        scored_weeks.champion_present,
        scored_weeks.engaged_contacts,
        scored_weeks.days_since_csm_touch,
        scored_weeks.is_past_due
    from scored_weeks
    inner join scores
        on scored_weeks.account_id = scores.account_id
            and scored_weeks.week = scores.week
)

select * from final
