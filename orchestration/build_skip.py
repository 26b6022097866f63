"""The no-op skip in the Dagster run: the dbt steps and the LTV fit skip when nothing changed.

The same protocol as `lifecycle build` (``lifecycle/build_state.py``): the first dbt step begins a
build (or skips when the warehouse is a complete build of the same inputs), the fit and the last
dbt step skip the same way, and the last dbt step finishes the build. A skipped step runs no dbt:
it reports each of its assets as unchanged (a materialisation whose metadata says so, which Dagster
needs to run the steps downstream: GX and publishing still run on the unchanged warehouse) and
evaluates none of its checks (the publish gate accepts the dbt checks of a current build, see
``orchestration/publish_asset.py``). The run tag ``lifecycle/force=true`` rebuilds anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from graphlib import TopologicalSorter

import dagster as dg

from lifecycle import build_state
from lifecycle.build_state import BuildState
from lifecycle.connection import connect
from lifecycle.settings import Settings

#: Run tag that makes the dbt steps and the fit run even when nothing changed.
FORCE_TAG = "lifecycle/force"
#: Metadata key of an asset a skipped step reports as unchanged.
SKIPPED_KEY = "lifecycle/skipped"


@dataclass(frozen=True)
class StepDecision:
    """What a dbt step or the fit does in this run."""

    fingerprint: str
    state: BuildState | None
    run_id: str
    forced: bool

    @property
    def current(self) -> bool:
        """The warehouse is a complete build of this run's inputs."""
        return self.state is not None and self.state.current(self.fingerprint)

    @property
    def skip(self) -> bool:
        return self.current and not self.forced

    @property
    def building_here(self) -> bool:
        """This run began the build (its first dbt step ran in full) and has not finished it."""
        return self.state is not None and self.state.building_in(self.run_id)

    def skip_message(self) -> str:
        assert self.state is not None
        return (
            f"{build_state.SKIPPED} ({self.state.built_at_utc:%Y-%m-%d %H:%M:%S} UTC, fingerprint "
            f"{self.fingerprint[:12]}): not run; add the run tag {FORCE_TAG}=true to rebuild"
        )


def decide(context: dg.AssetExecutionContext, settings: Settings) -> StepDecision:
    """The fingerprint of this run's inputs and the warehouse's stored build (a short read-only
    connection; none when there is no warehouse yet)."""
    fingerprint, state = build_state.check(settings)
    forced = context.run.tags.get(FORCE_TAG, "").lower() == "true"
    return StepDecision(fingerprint, state, context.run_id, forced)


def unchanged_results(
    context: dg.AssetExecutionContext, decision: StepDecision
) -> Iterator[dg.MaterializeResult]:
    """One result per selected asset of a skipped step: unchanged since the recorded build (in
    dependency order, which Dagster requires of a multi-asset's outputs)."""
    context.log.info(decision.skip_message())
    assert decision.state is not None
    built_at = f"{decision.state.built_at_utc:%Y-%m-%d %H:%M:%S} UTC"
    for key in in_dependency_order(context.selected_asset_keys, context.assets_def.asset_deps):
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                SKIPPED_KEY: f"nothing new since the build of {built_at}",
                "build_fingerprint": decision.fingerprint[:12],
            },
        )


def in_dependency_order(
    keys: Iterable[dg.AssetKey], deps: Mapping[dg.AssetKey, Iterable[dg.AssetKey]]
) -> list[dg.AssetKey]:
    """``keys`` with every key after the keys among them it depends on (ties by name)."""
    selected = set(keys)
    sorter = TopologicalSorter(
        {k: {d for d in deps.get(k, ()) if d in selected} for k in sorted(selected, key=str)}
    )
    sorter.prepare()
    out: list[dg.AssetKey] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=str)
        out += ready
        sorter.done(*ready)
    return out


def is_full_selection(context: dg.AssetExecutionContext) -> bool:
    """The step builds all its assets (not a subset picked in the UI)."""
    return set(context.selected_asset_keys) == set(context.assets_def.keys)


def begin(settings: Settings, decision: StepDecision, *, full: bool) -> None:
    """The first dbt step runs: begin a build of this fingerprint (a subset only clears the state)."""
    with connect(settings.warehouse, settings.duckdb_config()) as con:
        if full:
            build_state.begin(con, decision.fingerprint, decision.run_id)
        else:
            build_state.clear(con)


def clear_unless_building_here(settings: Settings, decision: StepDecision) -> None:
    """A later step runs outside a build this run began (a subset, a changed input): the stored
    build no longer describes the warehouse."""
    if not decision.building_here and decision.state is not None:
        clear(settings)


def clear(settings: Settings) -> None:
    with connect(settings.warehouse, settings.duckdb_config()) as con:
        build_state.clear(con)


def finish(settings: Settings, run_id: str) -> BuildState | None:
    """The last dbt step succeeded: the build this run began is complete."""
    with connect(settings.warehouse, settings.duckdb_config()) as con:
        return build_state.finish(con, run_id)
