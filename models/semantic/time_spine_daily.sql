-- grain: one row per calendar day from 2000-01-01 through 2039-12-31: the time spine MetricFlow
-- joins for metric_time (offsets, cumulative metrics, filled gaps). Built with the portable
-- date_spine macro (no generate_series), so it compiles the same on DuckDB and Spark; 14,610
-- rows, far wider than any history the marts hold.
with

days as (
    {{ date_spine('day', "cast('2000-01-01' as date)", "cast('2039-12-31' as date)", max_periods=20000) }}
),

final as (
    select cast(period_start_date as date) as date_day
    from days
)

select date_day from final
