-- grain: one row per landed row of fivetran_stripe.customer, in the shape of billing.customers
with

customer as (
    select * from {{ source('fivetran_stripe', 'customer') }}
),

final as (
    select
        id,
        email,
        name,
        currency,
        -- the CRM account id is a metadata key of the customer (var stripe_crm_account_id_key)
        case
            when {{ is_json_object('metadata') }}
                then {{ json_extract_string('metadata', '$.' ~ var('stripe_crm_account_id_key', 'crm_account_id')) }}
        end as crm_account_id,
        created as created_at,
        coalesce(delinquent, 'false') as delinquent,
        coalesce(is_deleted, 'false') as is_deleted,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from customer
)

select * from final
