"""The jobs and the daily schedule: the full graph (every raw table -> dbt -> checks -> publish),
and publishing alone (the serving DB from the built warehouse, behind the same gate)."""

from __future__ import annotations

import dagster as dg

from orchestration.publish_asset import SERVING_KEY

#: Runs carrying this tag write the DuckDB warehouse; dagster.yaml limits them to one at a time.
WAREHOUSE_TAG = {"lifecycle/warehouse": "writer"}
FULL_GRAPH_JOB = "lifecycle_full_graph"
PUBLISH_JOB = "lifecycle_publish"

full_graph_job = dg.define_asset_job(
    name=FULL_GRAPH_JOB,
    selection=dg.AssetSelection.all().materializable(),
    description=(
        "Load new landing files into every raw table, one `dbt build` (models + dbt tests as "
        "checks), the Great Expectations suites, then publish the marts to the serving DB. "
        "In-process executor: DuckDB has a single writer, so steps never open the file together."
    ),
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAG,
)

publish_job = dg.define_asset_job(
    name=PUBLISH_JOB,
    selection=dg.AssetSelection.assets(SERVING_KEY),
    description=(
        "Publish the warehouse's marts to the serving DB without rebuilding (`lifecycle publish`). "
        "Refuses unless the latest evaluation of every blocking check passed."
    ),
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAG,
)

daily_schedule = dg.ScheduleDefinition(
    name="lifecycle_daily",
    job=full_graph_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="The full graph every day at 06:00 UTC (the marts' freshness policies expect a daily update).",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
