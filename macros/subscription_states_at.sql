{#-
    The contract's subscription rules at a set of snapshot instants (docs/metrics.md, MRR): for
    every row of `snapshots` (subscription_id, the `snapshot_keys`, snapshot_cutoff_at), the
    subscription version valid at T (valid_from <= T < valid_to, i.e. valid_from < cutoff <=
    valid_to; overlapping versions, should staging ever hand them over, resolve to the latest) and
    its contribution_status at T. snapshot_cutoff_at is the exclusive bound just after T, so
    "x <= T" reads "x < cutoff". A snapshot row without a version at T yields no row.
    Returns a select statement for a CTE body: the snapshot keys, snapshot_cutoff_at, every column
    of `subscriptions`, version_rank (always 1) and contribution_status. Used by
    int_subscription_states_monthly (a month's snapshot) and int_account_billing_spells (a day's
    end), so both apply the same rules.
-#}
{% macro subscription_states_at(snapshots, subscriptions, snapshot_keys) -%}
select
    states.*,
    -- contributes at T: started (started_at <= T), no trial running (not trial_end_at > T), not
    -- ended (not ended_at <= T), status active/past_due, or canceled but still running (ended_at > T)
    case
        when states.started_at is null or states.started_at >= states.snapshot_cutoff_at
            then 'not_started'
        when states.ended_at < states.snapshot_cutoff_at
            then 'ended'
        when states.trial_end_at >= states.snapshot_cutoff_at
            then 'in_trial'
        when states.status in ('active', 'past_due')
            then 'contributing'
        when states.status = 'canceled' and states.ended_at >= states.snapshot_cutoff_at
            then 'contributing'
        else 'status_' || coalesce(states.status, 'null')
    end as contribution_status
from (
    -- every version valid at T, ranked: the latest valid_from (then version, then load) wins
    select
        {%- for key in snapshot_keys %}
        {{ snapshots }}.{{ key }},
        {%- endfor %}
        {{ snapshots }}.snapshot_cutoff_at,
        {{ subscriptions }}.*,
        row_number() over (
            partition by
                {%- for key in snapshot_keys %}
                {{ snapshots }}.{{ key }},
                {%- endfor %}
                {{ snapshots }}.subscription_id
            order by
                {{ subscriptions }}.valid_from desc,
                {{ subscriptions }}.version_number desc,
                {{ subscriptions }}.loaded_at desc
        ) as version_rank
    from {{ snapshots }}
    inner join {{ subscriptions }}
        on {{ snapshots }}.subscription_id = {{ subscriptions }}.subscription_id
            and {{ subscriptions }}.valid_from < {{ snapshots }}.snapshot_cutoff_at
            and {{ subscriptions }}.valid_to >= {{ snapshots }}.snapshot_cutoff_at
) as states
where states.version_rank = 1
{%- endmacro %}
