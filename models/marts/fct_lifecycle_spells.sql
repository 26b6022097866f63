-- grain: one row per account per spell of (stage, phase, provider play): valid_from inclusive,
-- valid_to exclusive and null while the spell is open at as_of_date; spells of an account never
-- overlap and cover every day from its first subscription start (docs/metrics.md, LAER)
with

lifecycle_spells as (
    select * from {{ ref('int_lifecycle_spells') }}
),

final as (
    select
        account_id,
        land_number,
        stage,
        phase,
        provider_play,
        valid_from,
        valid_to
    from lifecycle_spells
)

select * from final
