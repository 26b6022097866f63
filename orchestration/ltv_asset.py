"""The LTV fit as assets (``ltv_fit/sbg_parameters``, ``ltv_fit/sbg_derl``), between two dbt steps.

The dbt project declares the fit's output as the source ``ltv_fit`` (meta ``dagster.asset_key``
names these keys), so the dbt models reading it (``source:ltv_fit+``) are a second dbt asset
definition downstream of this one, and everything else is the first (``lifecycle/ltv_fit.py``
explains why the fit is Python and not a dbt model).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject

from lifecycle.ltv_fit import DERL_TABLE, FIT_SCHEMA, PARAMETERS_TABLE, run_ltv_fit
from orchestration import build_skip
from orchestration.resources import LifecycleResource
from orchestration.translator import LAYER_OWNERS

PARAMETERS_KEY = dg.AssetKey([FIT_SCHEMA, PARAMETERS_TABLE])
DERL_KEY = dg.AssetKey([FIT_SCHEMA, DERL_TABLE])
#: The dbt nodes the fit reads: its input model and the seed with its settings.
FIT_INPUTS = ("model.lifecycle_warehouse.int_ltv_subscription_periods", "seed.lifecycle_warehouse.thresholds")


def _fit_spec(key: dg.AssetKey, input_keys: Sequence[dg.AssetKey], description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        deps=list(input_keys),
        group_name=FIT_SCHEMA,
        owners=[LAYER_OWNERS["intermediate"]],
        kinds={"python", "scipy"},
        tags={"layer": "intermediate"},
        description=description,
    )


def build_ltv_fit_asset(input_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        specs=[
            _fit_spec(
                PARAMETERS_KEY,
                input_keys,
                "sBG retention model (Fader & Hardie 2007) per segment x billing interval, fitted by "
                "maximum likelihood on right-censored renewal counts of "
                "intermediate.int_ltv_subscription_periods; a group too small to fit, or whose data "
                "cannot identify the model, is flagged with the reason and has no numbers.",
            ),
            _fit_spec(
                DERL_KEY,
                input_keys,
                "DERL (Fader & Hardie 2010) of every fitted group for every renewals count seen: "
                "the discounted expected number of further periods a live subscription pays for.",
            ),
        ],
        name="ltv_fit",
        op_tags={"lifecycle/writes": "warehouse"},
    )
    def ltv_fit(context: dg.AssetExecutionContext, lifecycle: LifecycleResource) -> Any:
        settings = lifecycle.settings()
        decision = build_skip.decide(context, settings)
        if decision.skip:  # nothing new since the last complete build: the fit's input is unchanged
            yield from build_skip.unchanged_results(context, decision)
            return
        build_skip.clear_unless_building_here(settings, decision)
        report = run_ltv_fit(settings.warehouse, progress=context.log.info, config=settings.duckdb_config())
        fitted = {f"{p.segment}/{p.billing_interval}": p.fit_status for p in report.parameters}
        yield dg.MaterializeResult(
            asset_key=PARAMETERS_KEY,
            metadata={
                "groups": dg.MetadataValue.json(fitted),
                "dagster/row_count": len(report.parameters),
                "as_of_date": str(report.as_of_date),
                "seconds": round(report.seconds, 2),
            },
        )
        yield dg.MaterializeResult(asset_key=DERL_KEY, metadata={"dagster/row_count": report.derl_rows})

    return ltv_fit


def fit_input_keys(
    manifest: Mapping[str, Any], translator: DagsterDbtTranslator, project: DbtProject
) -> list[dg.AssetKey]:
    """The asset keys of the fit's dbt inputs, as the dbt asset definitions name them."""
    nodes = manifest.get("nodes", {})
    missing = [uid for uid in FIT_INPUTS if uid not in nodes]
    if missing:
        raise ValueError(f"the dbt project has no {', '.join(missing)}: the LTV fit cannot be wired")
    return [translator.get_asset_spec(manifest, uid, project).key for uid in FIT_INPUTS]
