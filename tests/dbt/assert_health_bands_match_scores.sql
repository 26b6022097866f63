-- every weekly health row's band is the one its score falls in (seeds/thresholds.csv edges), its
-- score is within 0-100 and so is every component present
with

health_weeks as (
    select * from {{ ref('fct_health_weekly') }}
),

final as (
    select *
    from health_weeks
    where health_band <> case
            when health_score >= {{ threshold('health_green_min') }} then 'green'
            when health_score >= {{ threshold('health_yellow_min') }} then 'yellow'
            else 'red'
        end
        or health_score < 0 or health_score > 100
        {% for component in ['usage', 'breadth', 'support', 'sentiment', 'relationship', 'billing'] %}
        or {{ component }}_score < 0 or {{ component }}_score > 100
        {% endfor %}
)

select * from final
