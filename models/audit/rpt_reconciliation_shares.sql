-- grain: one row per contract table: the share of its landed rows that staging rejected
-- (quarantined) or dropped as exact redeliveries, for tables with at least 20 landed rows (a
-- share of a handful of rows says nothing). Superseded versions are normal and not a share.
-- Validated by expectations/audit.rpt_reconciliation_shares.json.
with

reconciliation as (
    select * from {{ ref('reconciliation') }}
),

final as (
    select
        source_table,
        rows_landed,
        rows_quarantined,
        rows_duplicate,
        rows_superseded,
        case
            when rows_landed >= 20 then cast(rows_quarantined as double) / rows_landed
        end as quarantined_share,
        case
            when rows_landed >= 20 then cast(rows_duplicate as double) / rows_landed
        end as duplicate_share
    from reconciliation
)

select * from final
