"""Publishing as an asset: the marts, copied atomically into the serving DB (and Parquet) BI reads.

One gate, one rule (:func:`failed_blocking_checks`): publish only when the latest evaluation of
every blocking check passed. In the full graph the asset depends on every mart and on every asset
carrying a blocking check, so Dagster evaluates those checks first in the same run (and skips
publishing when one fails); materialised alone (``lifecycle publish``, or from the UI) it applies
the same rule to the checks' latest evaluations. When it does not publish, the previous serving
DB stays as it was (``lifecycle.publish``).

A run with nothing new skips dbt (``orchestration/build_skip.py``) and so evaluates no dbt test.
The warehouse's build state then vouches for them: it is ``built`` for the current inputs only
after a `dbt build` of exactly these inputs exited 0, i.e. every error-severity dbt test passed.
So a dbt check with no evaluation in its latest execution does not block when the build is
current; a failed latest evaluation still blocks, and the GX suites run in every run.
"""

from collections.abc import Collection, Sequence

import dagster as dg

from lifecycle.publish import default_parquet_dir, publish
from orchestration import build_skip
from orchestration.resources import LifecycleResource
from orchestration.translator import LAYER_OWNERS, freshness_policy

SERVING_KEY = dg.AssetKey(["serving", "marts"])


def failed_blocking_checks(
    instance: dg.DagsterInstance,
    check_keys: Sequence[dg.AssetCheckKey],
    vouched: Collection[dg.AssetCheckKey] = (),
) -> list[str]:
    """The publish gate's one rule: every blocking check's latest evaluation passed.

    Names each blocking check whose latest evaluation in the instance failed with ERROR severity
    (a blocking check that fails with WARN severity, e.g. a ``warn`` dbt uniqueness test, does not
    block; Dagster does not stop a run for it either), or that has no evaluation yet (never run,
    or skipped in its latest run) unless it is in ``vouched`` (the dbt checks of a current
    build, see the module docstring). Reads the instance's check records through its public methods.
    """
    failed = []
    for key in check_keys:
        record = instance.get_latest_asset_check_evaluation_record(key)
        evaluation = record.event.asset_check_evaluation if record and record.event else None
        name = f"{key.asset_key.to_user_string()}:{key.name}"
        if evaluation is None:
            if key in vouched:
                continue
            failed.append(f"{name} (not evaluated yet)")
        elif not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed.append(f"{name} (failed in run {record.run_id[:8]})")
    return sorted(failed)


def build_publish_asset(
    deps: Sequence[dg.AssetKey],
    blocking_checks: Sequence[dg.AssetCheckKey],
    dbt_checks: Collection[dg.AssetCheckKey] = (),
) -> dg.AssetsDefinition:
    """The publish asset; ``dbt_checks``: the blocking checks the dbt steps evaluate (those a
    current build vouches for when a no-op run skipped dbt)."""
    dbt_checks = frozenset(dbt_checks)

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
        settings = lifecycle.settings()
        decision = build_skip.decide(context, settings)
        vouched = dbt_checks if decision.current else frozenset()
        failed = failed_blocking_checks(context.instance, blocking_checks, vouched)
        if failed:
            raise dg.Failure(
                description=f"not publishing: {len(failed)} blocking check(s) have not passed: "
                + ", ".join(failed)
                + ". The previous serving database is unchanged; fix the data and `make run`."
            )
        report = publish(
            settings.warehouse, settings.serving, progress=context.log.info, config=settings.duckdb_config()
        )
        return dg.MaterializeResult(
            metadata={
                "serving_db": dg.MetadataValue.path(str(report.serving)),
                "parquet_dir": dg.MetadataValue.path(
                    str(report.parquet_dir or default_parquet_dir(settings.serving))
                ),
                "marts": dg.MetadataValue.json(report.rows_by_table),
                "dagster/row_count": sum(report.rows_by_table.values()),
                "published_at_utc": report.published_at.isoformat(),
                "as_of_date": str(report.as_of_date) if report.as_of_date else "unknown",
                "seconds": round(report.seconds, 2),
            }
        )

    return serving_marts
