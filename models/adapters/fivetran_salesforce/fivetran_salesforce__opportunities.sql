-- grain: one row per landed row of fivetran_salesforce.opportunity, in the shape of crm.opportunities
with

opportunity as (
    select * from {{ source('fivetran_salesforce', 'opportunity') }}
),

final as (
    select
        id,
        account_id,
        owner_id as owner_user_id,
        -- picklist values in snake case: `New Business` -> new_business
        {{ snake_case_label('type') }} as type,
        -- Salesforce's own flags say whether a stage is closed and won, whatever its label
        case
            when {{ parse_bool('is_closed') }} and {{ parse_bool('is_won') }} then 'closed_won'
            when {{ parse_bool('is_closed') }} then 'closed_lost'
            else {{ snake_case_label('stage_name') }}
        end as stage,
        amount,
        coalesce(currency_iso_code, '{{ var("salesforce_default_currency", "usd") }}') as currency,
        created_date as created_at,
        close_date,
        coalesce(last_modified_date, created_date) as updated_at,
        coalesce(is_deleted, 'false') as is_deleted,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from opportunity
)

select * from final
