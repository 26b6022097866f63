-- every threshold name the models read (macro threshold_names) is in seeds/thresholds.csv
-- exactly once: a missing one would make threshold() return null
with

expected as (
    {% for name in threshold_names() %}
    select '{{ name }}' as name{{ ' union all' if not loop.last }}
    {% endfor %}
),

seeded as (
    select
        name,
        count(*) as definitions
    from {{ ref('thresholds') }}
    group by name
),

final as (
    select
        expected.name,
        coalesce(seeded.definitions, 0) as definitions
    from expected
    left join seeded
        on expected.name = seeded.name
    where coalesce(seeded.definitions, 0) <> 1
)

select * from final
