"""Publishing as an asset: the marts, copied atomically into the serving DB (and Parquet) BI reads.

It depends on every mart and on every asset carrying a blocking check that is not evaluated in
the dbt step (the GX suites), so Dagster runs it only after those checks passed in the same run
(a failed blocking dbt test fails the dbt step, which skips everything downstream). As a second
guard it refuses to publish while the latest result of any blocking check in the instance is a
failure, e.g. when someone materialises ``serving/marts`` on its own after a failed run. When it
does not run, the previous serving DB stays as it was (``lifecycle.publish``).
"""

from collections.abc import Sequence

import dagster as dg

from lifecycle.publish import default_parquet_dir, publish
from orchestration.resources import LifecycleResource
from orchestration.translator import LAYER_OWNERS, freshness_policy

SERVING_KEY = dg.AssetKey(["serving", "marts"])


def failed_blocking_checks(instance: dg.DagsterInstance, check_keys: Sequence[dg.AssetCheckKey]) -> list[str]:
    """Blocking checks whose latest recorded evaluation failed with ERROR severity."""
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    if not check_keys:
        return []
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    failed = []
    for key, record in records.items():
        if record.status != AssetCheckExecutionRecordStatus.FAILED:
            continue
        evaluation = (
            record.event.dagster_event.event_specific_data
            if record.event and record.event.dagster_event
            else None
        )
        severity = getattr(evaluation, "severity", dg.AssetCheckSeverity.ERROR)
        if severity == dg.AssetCheckSeverity.ERROR:
            failed.append(f"{key.asset_key.to_user_string()}:{key.name} (run {record.run_id[:8]})")
    return sorted(failed)


def build_publish_asset(
    deps: Sequence[dg.AssetKey], blocking_checks: Sequence[dg.AssetCheckKey]
) -> dg.AssetsDefinition:
    @dg.asset(
        key=SERVING_KEY,
        deps=list(deps),
        group_name="serving",
        owners=[LAYER_OWNERS["serving"]],
        kinds={"duckdb", "parquet"},
        tags={"layer": "serving"},
        freshness_policy=freshness_policy(),
        description=(
            "The read-only serving database BI reads (LIFECYCLE_SERVING, default data/serving.duckdb, "
            "schema `marts`, the warehouse's mart tables under the same names) and one Parquet file "
            "per mart beside it (<serving>_parquet/<mart>.parquet). Written to a temporary file and "
            "switched in with os.replace after every blocking check passed, so dashboards never see "
            "a half-built warehouse; a failed check leaves the previous copy in place."
        ),
        op_tags={"lifecycle/reads": "warehouse"},
    )
    def serving_marts(
        context: dg.AssetExecutionContext, lifecycle: LifecycleResource
    ) -> dg.MaterializeResult:
        failed = failed_blocking_checks(context.instance, blocking_checks)
        if failed:
            raise dg.Failure(
                description="not publishing: blocking checks failed in their latest run: "
                + ", ".join(failed)
                + ". The previous serving database is unchanged."
            )
        settings = lifecycle.settings()
        report = publish(settings.warehouse, settings.serving, progress=context.log.info)
        return dg.MaterializeResult(
            metadata={
                "serving_db": dg.MetadataValue.path(str(report.serving)),
                "parquet_dir": dg.MetadataValue.path(
                    str(report.parquet_dir or default_parquet_dir(settings.serving))
                ),
                "marts": dg.MetadataValue.json(report.rows_by_table),
                "dagster/row_count": sum(report.rows_by_table.values()),
                "published_at_utc": report.published_at.isoformat(),
                "seconds": round(report.seconds, 2),
            }
        )

    return serving_marts
