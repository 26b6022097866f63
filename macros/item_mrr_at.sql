{#-
    The contract's item and MRR rules at the snapshot instants of `subscription_states` (the
    output of subscription_states_at, or a model built from it: subscription_id, the
    `snapshot_keys`, snapshot_cutoff_at, customer_id, contribution_status, discount_percent_off):
    for every item of each subscription, the item version valid at T (latest wins on overlap),
    its price, its contribution_status and its MRR in USD, unrounded (decimal(38, 12), exact
    decimal_divide, never floating point; 0 when not contributing). MRR comes only from
    subscription items: invoices, prorations, one-off lines, services, tax and refunds never enter.
    Returns a select statement for a CTE body: the snapshot keys, snapshot_cutoff_at,
    customer_id, is_subscription_contributing, subscription_contribution_status,
    discount_percent_off, the item version's columns (subscription_item_id, subscription_id,
    price_id, quantity, created_at, deleted_at, version_number), the price's product_id,
    currency, unit_amount_usd, price_type, recurring_interval, recurring_interval_count (a
    missing count read as 1), contribution_status, mrr_numerator, mrr_denominator, item_mrr_usd.
    Used by int_item_mrr_monthly and int_account_billing_spells.
-#}
{% macro item_mrr_at(subscription_states, subscription_items, prices, snapshot_keys) -%}
select
    mrr_terms.*,
    -- divided in decimal (decimal_divide, 12 places half up), never in floating point
    case
        when mrr_terms.contribution_status = 'contributing'
            then {{ decimal_divide('mrr_terms.mrr_numerator', 'mrr_terms.mrr_denominator', 12) }}
        else cast(0 as decimal(38, 12))
    end as item_mrr_usd
from (
    -- item MRR = unit_amount_usd x quantity x (1 - discount/100), per month:
    --   month / count, year / (12 x count), week x 52 / 12 / count, day x 365 / 12 / count
    -- written as one exact division, numerator / denominator, with
    --   numerator = amount x quantity x (100 - discount) x (12 | 1 | 52 | 365), denominator = 1200 x count
    select
        classified.*,
        cast(classified.unit_amount_usd as decimal(38, 10))
        * classified.quantity
        * cast(100 - coalesce(classified.discount_percent_off, 0) as decimal(18, 6))
        * case classified.recurring_interval
            when 'month' then 12
            when 'year' then 1
            when 'week' then 52
            when 'day' then 365
        end as mrr_numerator,
        -- never 0, even on rows that do not contribute (a division by 0 fails on ANSI engines)
        1200 * case
            when classified.recurring_interval_count >= 1 then classified.recurring_interval_count
            else 1
        end as mrr_denominator
    from (
        -- an item contributes when its subscription does, it exists at T (created_at <= T, not
        -- deleted_at <= T) and its price is recurring with a known interval
        select
            item_states.*,
            {{ prices }}.product_id,
            {{ prices }}.currency,
            {{ prices }}.unit_amount_usd,
            {{ prices }}.price_type,
            {{ prices }}.recurring_interval,
            coalesce({{ prices }}.recurring_interval_count, 1) as recurring_interval_count,
            case
                when not item_states.is_subscription_contributing
                    then 'subscription_' || item_states.subscription_contribution_status
                when item_states.created_at is null or item_states.created_at >= item_states.snapshot_cutoff_at
                    then 'item_not_created'
                when item_states.deleted_at < item_states.snapshot_cutoff_at
                    then 'item_deleted'
                when {{ prices }}.price_id is null
                    then 'price_missing'
                when {{ prices }}.price_type <> 'recurring'
                    then 'price_not_recurring'
                when {{ prices }}.recurring_interval not in ('day', 'week', 'month', 'year')
                    or coalesce({{ prices }}.recurring_interval_count, 1) < 1
                    then 'price_interval_invalid'
                else 'contributing'
            end as contribution_status
        from (
            -- the item version valid at the subscription's snapshot instant T (valid_from <= T <
            -- valid_to); overlapping versions, should staging ever hand them over, resolve to the latest
            select
                {%- for key in snapshot_keys %}
                {{ subscription_states }}.{{ key }},
                {%- endfor %}
                {{ subscription_states }}.snapshot_cutoff_at,
                {{ subscription_states }}.customer_id,
                {{ subscription_states }}.contribution_status = 'contributing' as is_subscription_contributing,
                {{ subscription_states }}.contribution_status as subscription_contribution_status,
                {{ subscription_states }}.discount_percent_off,
                {{ subscription_items }}.subscription_item_id,
                {{ subscription_items }}.subscription_id,
                {{ subscription_items }}.price_id,
                {{ subscription_items }}.quantity,
                {{ subscription_items }}.created_at,
                {{ subscription_items }}.deleted_at,
                {{ subscription_items }}.version_number,
                row_number() over (
                    partition by
                        {%- for key in snapshot_keys %}
                        {{ subscription_states }}.{{ key }},
                        {%- endfor %}
                        {{ subscription_items }}.subscription_item_id
                    order by
                        {{ subscription_items }}.valid_from desc,
                        {{ subscription_items }}.version_number desc,
                        {{ subscription_items }}.loaded_at desc
                ) as version_rank
            from {{ subscription_states }}
            inner join {{ subscription_items }}
                on {{ subscription_states }}.subscription_id = {{ subscription_items }}.subscription_id
                    and {{ subscription_items }}.valid_from < {{ subscription_states }}.snapshot_cutoff_at
                    and {{ subscription_items }}.valid_to >= {{ subscription_states }}.snapshot_cutoff_at
        ) as item_states
        left join {{ prices }}
            on item_states.price_id = {{ prices }}.price_id
        where item_states.version_rank = 1
    ) as classified
) as mrr_terms
{%- endmacro %}
