-- grain: one row per NPS survey response (latest version)
with

base as (
    select * from {{ ref('base_crm__nps_responses') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        nps_response_id,
        account_id,
        contact_id,
        score,
        comment,
        responded_at,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
