"""One asset per raw landing table (``raw/<source>/<table>``): the loader, materialised per table.

The loader is incremental by batch file: materialising a raw table reads only the files of that
table that were not loaded before. All selected tables load in one step over one warehouse
connection (DuckDB has one writer). The keys match the dbt sources' ``meta.dagster.asset_key``,
so the graph reads raw table -> staging -> ... .
"""

from collections.abc import Iterator

import dagster as dg

from lifecycle.contract import TABLES, Table
from orchestration.resources import LifecycleResource
from orchestration.translator import LAYER_OWNERS

RAW_OP = "load_raw_tables"


def raw_key(table: Table) -> dg.AssetKey:
    return dg.AssetKey(["raw", table.source, table.name])


def _spec(table: Table) -> dg.AssetSpec:
    columns = ", ".join(table.column_names)
    return dg.AssetSpec(
        key=raw_key(table),
        description=(
            f"`raw.{table.key}`: the landed batch files of `{table.source}.{table.name}` "
            f"(LIFECYCLE_LANDING_DIR/{table.source}/{table.name}/), every value as text plus "
            f"`_batch_file` and `_row_number`. Primary key: {', '.join(table.primary_key)}. "
            f"Columns: {columns}."
        ),
        group_name=f"raw_{table.source}",
        owners=[LAYER_OWNERS["raw"]],
        kinds={"duckdb", "python"},
        tags={"layer": "raw"},
        metadata={"dagster/table_name": f"raw.{table.key}"},
        skippable=True,
    )


RAW_SPECS = [_spec(t) for t in TABLES]
_TABLE_BY_KEY = {raw_key(t): t for t in TABLES}


@dg.multi_asset(
    name=RAW_OP,
    specs=RAW_SPECS,
    can_subset=True,
    op_tags={"lifecycle/writes": "warehouse"},
    retry_policy=dg.RetryPolicy(max_retries=1, delay=5),
)
def load_raw_tables(
    context: dg.AssetExecutionContext, lifecycle: LifecycleResource
) -> Iterator[dg.MaterializeResult]:
    """Load new batch files of the selected raw tables (``lifecycle.loader.load_landing``)."""
    from lifecycle.connection import connect
    from lifecycle.loader import load_landing, raw_row_counts

    settings = lifecycle.settings()
    selected = [_TABLE_BY_KEY[k] for k in context.selected_asset_keys if k in _TABLE_BY_KEY]
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = connect(settings.warehouse, settings.duckdb_config())
    try:
        report = load_landing(
            settings.landing_dir, con=con, tables=[t.key for t in selected], progress=context.log.info
        )
        totals = raw_row_counts(con)
    finally:
        con.close()
    for warning in report.warnings:
        context.log.warning(warning)
    if not report.ok:
        raise dg.Failure(
            description="batch files changed after they were loaded (the loader never reloads a "
            "file under the same name): " + "; ".join(report.errors),
        )
    new_rows = report.rows_by_table()
    files_by_table: dict[str, list[str]] = {}
    for f in report.files:
        files_by_table.setdefault(f.key, []).append(f.status)
    for table in selected:
        statuses = files_by_table.get(table.key, [])
        yield dg.MaterializeResult(
            asset_key=raw_key(table),
            metadata={
                "new_rows": new_rows.get(table.key, 0),
                "new_files": statuses.count("loaded"),
                "failed_files": statuses.count("failed"),
                "dagster/row_count": totals.get(table.key, 0),
                "dagster/table_name": f"raw.{table.key}",
            },
        )
