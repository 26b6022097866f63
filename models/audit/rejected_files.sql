-- grain: one row per batch file the loader rejected (manifest status `failed`): its rows are in
-- no raw table, so they are outside the reconciliation. The loader retries such a file every run
-- and forgets it when it is removed from the landing dir, so this is the current list.
select
    source_name,
    table_name,
    batch_file,
    file_format,
    size_bytes,
    error as reason,
    loaded_at_utc as last_tried_at_utc
from {{ source('loader', 'load_manifest') }}
where status = 'failed'
