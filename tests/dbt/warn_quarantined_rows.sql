{{ config(severity='warn') }}
-- Reports (warns, never fails) every rejected landed row, per source table and rule: quarantine
-- is an expected outcome of bad input, not a broken build. Advisory rows (is_rejected = false,
-- e.g. identity conflicts) are not counted here; see audit.quarantine for them.
with

quarantine as (
    select * from {{ ref('quarantine') }}
),

final as (
    select
        source_name,
        table_name,
        rule,
        count(*) as rows_quarantined
    from quarantine
    where is_rejected
    group by
        source_name,
        table_name,
        rule
)

select * from final
