{#- The pre-hook of int_account_usage_daily's incremental runs: deletes the days whose stored rows
    no longer match what int_usage_user_daily and int_workspace_accounts give now, so that the
    model's body recomputes exactly the days it does not hold (the new ones and these).
    A day's check compares, stored vs now (user-days of workspaces that belong to an account,
    through as_of_date): the events, the value events, the events weighted by a bucket of their
    account (bucket_of: a workspace moving to another account changes it), the OR of the value
    feature masks and the earliest value event. A day that is stored but has no usage now (a
    workspace unlinked, an as_of_date moved back) is deleted and not recomputed; a day with
    usage that is not stored is left to the body. Nothing on a first build or --full-refresh. -#}
{% macro reopen_account_usage_days() -%}
    {%- if is_incremental() %}
delete from {{ this }}
where usage_date in (
    with

    stored_days as (
        select
            usage_date,
            sum(event_count) as event_count,
            sum(value_event_count) as value_event_count,
            sum({{ bucket_of('account_id') }} * event_count) as account_weighted_events,
            {{ bit_or_agg('value_feature_mask') }} as value_feature_mask,
            min(first_value_event_at) as first_value_event_at
        from {{ this }}
        group by usage_date
    ),

    current_days as (
        select
            user_daily.usage_date,
            sum(user_daily.event_count) as event_count,
            sum(user_daily.value_event_count) as value_event_count,
            sum({{ bucket_of('workspace_accounts.account_id') }} * user_daily.event_count) as account_weighted_events,
            {{ bit_or_agg('user_daily.value_feature_mask') }} as value_feature_mask,
            min(user_daily.first_value_event_at) as first_value_event_at
        from {{ ref('int_usage_user_daily') }} as user_daily
        inner join {{ ref('int_workspace_accounts') }} as workspace_accounts
            on user_daily.workspace_id = workspace_accounts.workspace_id
        cross join {{ ref('int_as_of_date') }} as as_of
        where
            workspace_accounts.account_id is not null
            and user_daily.usage_date <= as_of.as_of_date
        group by user_daily.usage_date
    )

    select stored_days.usage_date
    from stored_days
    left join current_days
        on stored_days.usage_date = current_days.usage_date
    where
        current_days.usage_date is null
        or stored_days.event_count <> current_days.event_count
        or stored_days.value_event_count <> current_days.value_event_count
        or stored_days.account_weighted_events <> current_days.account_weighted_events
        or stored_days.value_feature_mask <> current_days.value_feature_mask
        or coalesce(stored_days.first_value_event_at, cast('1900-01-01' as timestamp))
        <> coalesce(current_days.first_value_event_at, cast('1900-01-01' as timestamp))
)
    {%- endif %}
{%- endmacro %}
