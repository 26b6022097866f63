-- grain: one row per landed row of fivetran_stripe.subscription_history (every version), plus one
-- per landed row of fivetran_stripe.subscription for a subscription without history rows, in the
-- shape of billing.subscriptions
with

subscription_history as (
    select * from {{ source('fivetran_stripe', 'subscription_history') }}
),

subscription as (
    select * from {{ source('fivetran_stripe', 'subscription') }}
),

discount as (
    select * from {{ source('fivetran_stripe', 'discount') }}
),

coupon as (
    select * from {{ source('fivetran_stripe', 'coupon') }}
),

history_ids as (
    select distinct id from subscription_history
),

-- rows of the subscription table (no history mode) only for subscriptions without history
subscription_without_history as (
    select subscription.*
    from subscription
    left join history_ids
        on subscription.id = history_ids.id
    where history_ids.id is null
),

-- history mode dates a version by _fivetran_start; without it, a sync dates the state it saw
versions as (
    select
        {{ fivetran_stripe_subscription_columns() }},
        _fivetran_start as updated_at,
        _fivetran_synced,
        _batch_file,
        _row_number
    from subscription_history

    union all

    select
        {{ fivetran_stripe_subscription_columns() }},
        _fivetran_synced as updated_at,
        _fivetran_synced,
        _batch_file,
        _row_number
    from subscription_without_history
),

subscription_discounts as (
    select * from discount
    where type = 'subscription'
),

-- the latest sync of each subscription discount and of each coupon
latest_discounts as (
    select
        subscription_id,
        coupon_id,
        {{ parse_timestamp('start') }} as starts_at,
        {{ parse_timestamp(adapter.quote('end')) }} as ends_at
    from ({{ latest_sync('subscription_discounts') }}) as latest
),

latest_coupons as (
    select
        id as coupon_id,
        percent_off
    from ({{ latest_sync('coupon') }}) as latest
),

-- the percentage off of the discount that applied when the version became current (the latest
-- started one, should two overlap)
version_discounts as (
    select
        versions._batch_file,
        versions._row_number,
        latest_coupons.percent_off,
        row_number() over (
            partition by versions._batch_file, versions._row_number
            order by latest_discounts.starts_at desc
        ) as rank_started
    from versions
    inner join latest_discounts
        on
            versions.id = latest_discounts.subscription_id
            and latest_discounts.starts_at <= {{ parse_timestamp('versions.updated_at') }}
            and (
                latest_discounts.ends_at is null
                or {{ parse_timestamp('versions.updated_at') }} < latest_discounts.ends_at
            )
    inner join latest_coupons
        on latest_discounts.coupon_id = latest_coupons.coupon_id
),

final as (
    select
        versions.id,
        versions.customer_id,
        versions.status,
        versions.created as created_at,
        versions.start_date,
        versions.trial_start,
        versions.trial_end,
        versions.current_period_start,
        versions.current_period_end,
        versions.cancel_at_period_end,
        versions.canceled_at,
        versions.ended_at,
        version_discounts.percent_off as discount_percent_off,
        versions.updated_at,
        versions._fivetran_synced as _loaded_at,
        versions._batch_file,
        versions._row_number
    from versions
    left join version_discounts
        on
            versions._batch_file = version_discounts._batch_file
            and versions._row_number = version_discounts._row_number
            and version_discounts.rank_started = 1
)

select * from final
