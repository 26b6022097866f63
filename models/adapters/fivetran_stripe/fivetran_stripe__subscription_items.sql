-- grain: one row per landed row of fivetran_stripe.subscription_item (every version), in the shape
-- of billing.subscription_items
with

subscription_item as (
    select * from {{ source('fivetran_stripe', 'subscription_item') }}
),

-- history mode dates a version by _fivetran_start; without it, a sync dates the state it saw
versions as (
    select
        subscription_item.*,
        coalesce(_fivetran_start, _fivetran_synced) as version_at,
        coalesce({{ parse_bool('_fivetran_deleted') }}, false) as is_removed
    from subscription_item
),

final as (
    select
        id,
        subscription_id,
        coalesce(price_id, plan_id) as price_id,
        quantity,
        created as created_at,
        -- Fivetran flags a removed item on every version from its removal on: the first such
        -- version dates the removal
        case
            when is_removed then min(case when is_removed then version_at end) over (partition by id)
        end as deleted_at,
        version_at as updated_at,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from versions
)

select * from final
