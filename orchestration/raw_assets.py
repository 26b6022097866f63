"""One asset per raw landing table (``raw/<source>/<table>``): the loader, materialised per table.

The loader is incremental by batch file: materialising a raw table reads only the files of that
table that were not loaded before. All selected tables load in one step over one warehouse
connection (DuckDB has one writer). The keys match the dbt sources' ``meta.dagster.asset_key``,
so the graph reads raw table -> staging -> ... .

The same step materialises ``raw/load_manifest`` (``raw._load_manifest``, one row per batch file
with its status) with the asset check ``no_rejected_batch_files``: it fails (severity ERROR, not
blocking, so the rest is still built and published) while any batch file could not be loaded, and
lists them. dbt's ``audit.rejected_files`` reads that table.
"""

from collections.abc import Iterator

import dagster as dg

from lifecycle.connectors import tables_for
from lifecycle.contract import Table
from lifecycle.settings import Settings
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


#: the tables the layouts read (LIFECYCLE_<SOURCE>_LAYOUT): the contract's, or a connector's
#: under ``raw/<layout>/<table>`` for a source read in a connector layout (docs/connectors.md)
_SETTINGS = Settings.from_env(uses=("layouts",))
RAW_TABLES = tables_for(_SETTINGS.layouts, _SETTINGS.connector_options)
RAW_SPECS = [_spec(t) for t in RAW_TABLES]
_TABLE_BY_KEY = {raw_key(t): t for t in RAW_TABLES}

#: ``raw._load_manifest``: the loader's record of every batch file (the dbt source ``loader.load_manifest``).
MANIFEST_KEY = dg.AssetKey(["raw", "load_manifest"])
MANIFEST_SPEC = dg.AssetSpec(
    key=MANIFEST_KEY,
    description=(
        "`raw._load_manifest`: one row per landed batch file with its status (`loaded` with its "
        "sha256 and row count, or `failed` with the reason it could not be loaded; failed files "
        "are retried every run). `audit.rejected_files` publishes the failed ones."
    ),
    group_name="raw_loader",
    owners=[LAYER_OWNERS["raw"]],
    kinds={"duckdb", "python"},
    tags={"layer": "raw"},
    metadata={"dagster/table_name": "raw._load_manifest"},
    skippable=True,
)
REJECTED_CHECK = "no_rejected_batch_files"
REJECTED_CHECK_SPEC = dg.AssetCheckSpec(
    name=REJECTED_CHECK,
    asset=MANIFEST_KEY,
    blocking=False,
    description=(
        "Every batch file in the landing dir could be loaded. Fails (ERROR, not blocking: the other "
        "files are built and published) while any file is rejected, and lists them; "
        "`lifecycle run` then exits 3."
    ),
)


@dg.multi_asset(
    name=RAW_OP,
    specs=[*RAW_SPECS, MANIFEST_SPEC],
    check_specs=[REJECTED_CHECK_SPEC],
    can_subset=True,
    op_tags={"lifecycle/writes": "warehouse"},
    retry_policy=dg.RetryPolicy(max_retries=1, delay=5),
)
def load_raw_tables(
    context: dg.AssetExecutionContext, lifecycle: LifecycleResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Load new batch files of the selected raw tables (``lifecycle.loader.load_landing``)."""
    from lifecycle.connection import connect
    from lifecycle.loader import load_landing, raw_row_counts, rejected_files

    settings = lifecycle.settings()
    selected = [_TABLE_BY_KEY[k] for k in context.selected_asset_keys if k in _TABLE_BY_KEY]
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = connect(settings.warehouse, settings.duckdb_config())
    try:
        report = load_landing(
            settings.landing_dir,
            con=con,
            tables=[t.key for t in selected],
            progress=context.log.info,
            options=settings.connector_options,
            databases=settings.databases(),
        )
        totals = raw_row_counts(con)
        rejected = rejected_files(con)
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
    if MANIFEST_KEY in context.selected_asset_keys:
        yield dg.MaterializeResult(
            asset_key=MANIFEST_KEY,
            metadata={
                "rejected_files": len(rejected),
                "loaded_files_this_run": report.count("loaded"),
                "dagster/table_name": "raw._load_manifest",
            },
        )
    if context.selected_asset_check_keys and any(
        k.name == REJECTED_CHECK for k in context.selected_asset_check_keys
    ):
        yield rejected_check_result(rejected)


def rejected_check_result(rejected: list) -> dg.AssetCheckResult:
    """``no_rejected_batch_files``: passed when no batch file is rejected, else the files and why."""
    shown = [f"{f.batch_file}: {f.error}" for f in rejected[:20]]
    more = f" (and {len(rejected) - 20} more: audit.rejected_files)" if len(rejected) > 20 else ""
    return dg.AssetCheckResult(
        asset_key=MANIFEST_KEY,
        check_name=REJECTED_CHECK,
        passed=not rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{len(rejected)} batch file(s) rejected, not loaded: " + "; ".join(shown) + more
            if rejected
            else "every batch file was loaded"
        ),
        metadata={"rejected_files": len(rejected), "files": dg.MetadataValue.json(shown)},
    )
