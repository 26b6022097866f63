-- Fails (returns rows) when any contract table's landed rows are not all accounted for:
-- landed = staged + quarantined + duplicates collapsed. Nothing may be silently lost.
select
    source_table,
    rows_landed,
    rows_staged,
    rows_quarantined,
    rows_duplicates_collapsed,
    rows_unaccounted
from {{ ref('reconciliation') }}
where rows_unaccounted <> 0
