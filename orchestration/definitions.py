"""The code location: `dagster dev -m orchestration.definitions` (or `make ui`).

Merges the small modules by concept: ingestion (raw_assets), transformation (dbt_assets),
quality (dbt tests via the translator, GX suites via quality), publishing (publish_asset),
automation (jobs, sensors). Loading reads the dbt manifest and the suite files only: no dbt
invocation, no Great Expectations import.
"""

from __future__ import annotations

import dagster as dg

from lifecycle.ltv_fit import AFTER_FIT
from lifecycle.quality import SUITES_DIR, load_suites
from lifecycle.settings import Settings
from orchestration.dbt_assets import DBT_LTV_OP, build_dbt_assets
from orchestration.jobs import daily_schedule, full_graph_job, publish_job
from orchestration.ltv_asset import build_ltv_fit_asset, fit_input_keys
from orchestration.project import DBT_PROJECT, load_manifest
from orchestration.publish_asset import SERVING_KEY, build_publish_asset
from orchestration.quality import build_gx_checks, relation_keys
from orchestration.raw_assets import load_raw_tables
from orchestration.resources import LifecycleResource, dbt_resource
from orchestration.sensors import landing_files_sensor
from orchestration.translator import LifecycleDbtTranslator, attach_singular_tests, exposure_specs


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    manifest = load_manifest(DBT_PROJECT)
    attach_singular_tests(manifest)
    translator = LifecycleDbtTranslator()
    # dbt before the LTV fit, the fit (Python), dbt after it (lifecycle/ltv_fit.py)
    dbt_warehouse = build_dbt_assets(manifest, DBT_PROJECT, translator, exclude=AFTER_FIT)
    dbt_ltv = build_dbt_assets(
        manifest, DBT_PROJECT, translator, name=DBT_LTV_OP, select=AFTER_FIT, first=False
    )
    dbt_defs = [dbt_warehouse, dbt_ltv]
    ltv_fit = build_ltv_fit_asset(fit_input_keys(manifest, translator, DBT_PROJECT))

    keys = relation_keys(manifest, translator, DBT_PROJECT)
    # the GX step runs once, after both dbt steps (the suites of models after the fit included)
    gx_checks, _notes = build_gx_checks(load_suites(SUITES_DIR), keys, after=[s.key for s in dbt_ltv.specs])
    gx_defs = [gx_checks] if gx_checks is not None else []

    # Publishing waits for the marts and for every asset with a blocking check outside the dbt step.
    marts = [spec.key for d in dbt_defs for spec in d.specs if spec.group_name == "marts"]
    gx_blocking = [spec.asset_key for d in gx_defs for spec in d.check_specs if spec.blocking]
    blocking_checks = [spec.key for d in [*dbt_defs, *gx_defs] for spec in d.check_specs if spec.blocking]
    dbt_blocking = [spec.key for d in dbt_defs for spec in d.check_specs if spec.blocking]
    serving = build_publish_asset(sorted(set(marts + gx_blocking), key=str), blocking_checks, dbt_blocking)

    return dg.Definitions(
        assets=[load_raw_tables, *dbt_defs, ltv_fit, serving, *exposure_specs(manifest, SERVING_KEY)],
        asset_checks=gx_defs,
        jobs=[full_graph_job, publish_job],
        schedules=[daily_schedule],
        sensors=[landing_files_sensor],
        resources={
            "dbt": dbt_resource(settings),
            "lifecycle": LifecycleResource.from_settings(settings),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions()
