{#- The columns fivetran_stripe.subscription_history and fivetran_stripe.subscription share, as the
    fivetran_stripe__subscriptions adapter selects them from either. -#}
{% macro fivetran_stripe_subscription_columns() -%}
    id,
    customer_id,
    status,
    created,
    start_date,
    trial_start,
    trial_end,
    current_period_start,
    current_period_end,
    cancel_at_period_end,
    canceled_at,
    ended_at
{%- endmacro %}
