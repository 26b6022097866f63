"""A sensor that starts the full graph when new batch files land.

It lists the landing dir (file names, sizes and modification times, through the loader's own
discovery rules) and requests a run when the listing differs from the last one it saw; the run's
loader then reads only the files it has not loaded (incremental by file). It never opens the
warehouse: a reader would block the writer (DuckDB). On its first evaluation it requests a run
only if there is no warehouse yet; otherwise it records the listing as its baseline.
"""

import hashlib
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from lifecycle.loader import LoaderError, discover
from orchestration.jobs import full_graph_job
from orchestration.resources import LifecycleResource


def landing_fingerprint(landing_dir: Path, layouts: Mapping[str, str] | None = None) -> tuple[int, str]:
    """(number of batch files of the tables ``layouts`` read, digest of their names, sizes and mtimes)."""
    digest = hashlib.sha256()
    found = discover(landing_dir, layouts=layouts).files
    for f in found:
        digest.update(f"{f.batch_file}\0{f.size_bytes}\0{f.path.stat().st_mtime_ns}\n".encode())
    return len(found), digest.hexdigest()[:16]


@dg.sensor(
    name="landing_files_sensor",
    job=full_graph_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the full graph when batch files appear (or change) in LIFECYCLE_LANDING_DIR.",
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, lifecycle: LifecycleResource
) -> dg.SensorResult | dg.SkipReason:
    settings = lifecycle.settings()
    try:
        count, digest = landing_fingerprint(settings.landing_dir, settings.layouts)
    except LoaderError as exc:
        return dg.SkipReason(str(exc))
    cursor = f"{count}:{digest}"
    if cursor == context.cursor:
        return dg.SkipReason(f"no new batch files ({count} in {settings.landing_dir})")
    if context.cursor is None and settings.warehouse.exists():
        return dg.SensorResult(
            skip_reason=dg.SkipReason(f"baseline recorded: {count} batch files already landed"), cursor=cursor
        )
    if count == 0:
        return dg.SensorResult(skip_reason=dg.SkipReason("the landing dir has no batch files"), cursor=cursor)
    before = int(context.cursor.split(":")[0]) if context.cursor else 0
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=cursor,
                tags={
                    "lifecycle/landing_files": str(count),
                    "lifecycle/new_files": str(max(count - before, 0)),
                },
            )
        ],
        cursor=cursor,
    )
