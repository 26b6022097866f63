"""Every dbt model and seed as an asset, every dbt data test as an asset check: `dbt build` in two
steps, before and after the LTV fit (``dbt_warehouse``: everything but ``source:ltv_fit+``;
``dbt_ltv``: the models reading the fit; see ``orchestration/ltv_asset.py``).

Row counts: dagster-dbt's ``fetch_row_counts()`` is not used. It counts each model's rows through
a dbt adapter opened in this process while the `dbt build` subprocess still holds the DuckDB file,
and DuckDB allows one writer per file (the two would fight for the lock).
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from lifecycle.dbt import PIPELINE_BUILD_FLAGS
from orchestration import build_skip
from orchestration.resources import LifecycleResource
from orchestration.translator import LifecycleDbtTranslator

#: Op names of the dbt steps (what `make run` names when dbt fails): before and after the LTV fit.
DBT_OP = "dbt_warehouse"
DBT_LTV_OP = "dbt_ltv"
DBT_OPS = (DBT_OP, DBT_LTV_OP)


def failures_from_run_results(run_results: Mapping[str, Any]) -> list[str]:
    """``model stg_x: error ...`` / ``test unique_y: fail (3 rows)`` lines from run_results.json."""
    lines = []
    for r in run_results.get("results", []):
        status = str(r.get("status"))
        if status not in ("error", "fail", "runtime error"):
            continue
        uid = str(r.get("unique_id", ""))
        kind, _, name = uid.partition(".")
        name = uid.split(".")[-1] if kind != "test" else uid.split(".")[2]
        detail = " ".join(x.strip() for x in (r.get("message") or "").splitlines() if x.strip())
        failures = r.get("failures")
        extra = f" ({failures} rows)" if failures else ""
        lines.append(f"{kind} {name}: {status}{extra}" + (f" - {detail[:300]}" if detail else ""))
    return lines


def build_dbt_assets(
    manifest: Mapping[str, Any],
    project: DbtProject,
    translator: LifecycleDbtTranslator,
    *,
    name: str = DBT_OP,
    select: str = "fqn:*",
    exclude: str | None = None,
    first: bool = True,
) -> dg.AssetsDefinition:
    """The dbt step ``name``; ``first``: the step that begins a build (else the last one, which
    finishes it: orchestration/build_skip.py)."""

    @dbt_assets(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=translator,
        name=name,
        select=select,
        exclude=exclude,
        op_tags={"lifecycle/writes": "warehouse"},
    )
    def dbt_warehouse(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, lifecycle: LifecycleResource
    ) -> Iterator[Any]:
        """One `dbt build` of the selected models, seeds and tests (dbt tests -> asset checks),
        skipped when nothing changed since the last complete build (orchestration/build_skip.py)."""
        settings = lifecycle.settings()
        decision = build_skip.decide(context, settings)
        if decision.skip:
            yield from build_skip.unchanged_results(context, decision)
            return
        full = build_skip.is_full_selection(context)
        if first:
            build_skip.begin(settings, decision, full=full)
        else:
            build_skip.clear_unless_building_here(settings, decision)
        dbt_vars = json.dumps(settings.dbt_vars())
        invocation = dbt.cli(
            ["build", *PIPELINE_BUILD_FLAGS, "--vars", dbt_vars], context=context, raise_on_error=False
        )
        yield from invocation.stream()
        if invocation.is_successful():
            if not first and full and decision.building_here:
                build_skip.finish(settings, decision.run_id)
            return
        build_skip.clear(settings)  # a failed build never leaves a state that would skip
        try:
            failures = failures_from_run_results(invocation.get_artifact("run_results.json"))
        except FileNotFoundError:  # dbt stopped before running anything (e.g. a parse error)
            failures = []
        raise dg.Failure(
            description="dbt build failed: "
            + ("; ".join(failures) if failures else "see the dbt log above")
            + ". Downstream models were skipped and nothing was published.",
            metadata={"failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in failures) or "-")},
        )

    return dbt_warehouse
