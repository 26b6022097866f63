-- grain: one row per value event of seeds/value_events.csv, with its bit in the usage models'
-- value_feature_mask: 2 ^ (0-based rank of event_name in name order). A bigint holds 63 bits, so
-- the seed may list at most 63 value events (a 64th fails the cast to bigint).
with

value_events as (
    select * from {{ ref('value_events') }}
),

ranked as (
    select
        event_name,
        feature,
        row_number() over (order by event_name) - 1 as bit_position
    from value_events
),

final as (
    select
        event_name,
        feature,
        cast(power(2, bit_position) as bigint) as feature_bit
    from ranked
)

select * from final
