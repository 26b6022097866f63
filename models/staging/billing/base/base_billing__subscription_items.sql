-- grain: one row per landed row of billing.subscription_items (every batch, every version), typed and
-- classified. A version is (id, updated_at): the latest load of a version is staged, earlier loads
-- of it are superseded (or duplicate when identical); every version stays (history).
with

source as (
    select * from {{ landed('billing', 'subscription_items') }}
),

-- the contract's rules: key, types, load time, parents (stg_billing__subscriptions,
-- stg_billing__prices); then this table's own. Each row is classified as staged, duplicate,
-- superseded or quarantined
classified as (
    {% call classify_contract_rows('source', 'billing', 'subscription_items') -%}
        when {{ parse_int('quantity') }} < 0 then 'negative_quantity'
    {%- endcall %}
),

final as (
    select
        id as subscription_item_id,
        subscription_id,
        price_id,
        {{ parse_int('quantity') }} as quantity,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('deleted_at') }} as deleted_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ classified_row_columns() }}
    from classified
)

select * from final
