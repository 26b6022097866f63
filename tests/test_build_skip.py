"""The Dagster side of the no-op skip (orchestration/build_skip.py), piece by piece and fast: the
decision, the order of a skipped step's results, how the launcher reads a skipped step from the
run's events, and the publish gate's rule for the dbt checks of a current build.
(tests/test_noop_run.py runs a whole no-op `lifecycle run`; it is marked slow.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from lifecycle.build_state import BUILDING, BUILT, BuildState
from orchestration.build_skip import SKIPPED_KEY, StepDecision, in_dependency_order
from orchestration.launch import outcome_from_events
from orchestration.publish_asset import failed_blocking_checks

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _state(status: str, fingerprint: str = "f" * 64, run_id: str = "r1") -> BuildState:
    return BuildState(fingerprint, status, run_id, NOW, 12.0)


def test_a_step_skips_only_on_a_finished_build_of_the_same_inputs_unless_forced() -> None:
    fp = "f" * 64
    assert StepDecision(fp, _state(BUILT), "r2", forced=False).skip
    assert not StepDecision(fp, _state(BUILT), "r2", forced=True).skip
    assert not StepDecision("e" * 64, _state(BUILT), "r2", forced=False).skip, "inputs changed"
    assert not StepDecision(fp, _state(BUILDING), "r2", forced=False).skip, "a build in progress or failed"
    assert not StepDecision(fp, None, "r2", forced=False).skip, "no recorded build"
    assert StepDecision(fp, _state(BUILDING, run_id="r2"), "r2", forced=False).building_here
    assert not StepDecision(fp, _state(BUILDING, run_id="r1"), "r2", forced=False).building_here
    message = StepDecision(fp, _state(BUILT), "r2", forced=False).skip_message()
    assert "2026-01-02 03:04:05 UTC" in message and "lifecycle/force=true" in message


def test_skipped_results_come_in_dependency_order() -> None:
    a, b, c, d = (dg.AssetKey(x) for x in "abcd")
    deps = {a: set(), b: {a}, c: {a, b, dg.AssetKey("outside")}, d: {c}}
    order = in_dependency_order([d, c, b, a], deps)
    assert order == [a, b, c, d]
    assert in_dependency_order([d, b], deps) == [b, d], "a subset keeps its own order"


def test_the_launcher_reads_skipped_steps_from_the_runs_events(tmp_path: Path) -> None:
    @dg.asset
    def skipped_one() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={SKIPPED_KEY: "nothing new since the build of X"})

    @dg.asset(deps=[skipped_one])
    def built_one() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows": 1})

    with dg.instance_for_test() as instance:
        result = dg.materialize([skipped_one, built_one], instance=instance)
        outcome = outcome_from_events(
            "job", result.run_id, result.success, 0.0, tmp_path / "log", result.all_events
        )
    assert outcome.skipped == ["skipped_one: nothing new since the build of X"]
    assert outcome.materialized == ["built_one", "skipped_one"]


def test_the_gate_accepts_unevaluated_dbt_checks_of_a_current_build_only() -> None:
    """``vouched``: the dbt checks when the warehouse's recorded build is current. Not evaluated
    then passes; a failed latest evaluation blocks anyway; other checks are not vouched for."""

    @dg.asset(check_specs=[dg.AssetCheckSpec("dbt_test", asset="m", blocking=True)])
    def m():
        yield dg.Output(None)
        yield dg.AssetCheckResult(check_name="dbt_test", passed=False, severity=dg.AssetCheckSeverity.ERROR)

    never = dg.AssetCheckKey(dg.AssetKey("n"), "dbt_test")
    gx = dg.AssetCheckKey(dg.AssetKey("n"), "gx_suite")
    failed = dg.AssetCheckKey(dg.AssetKey("m"), "dbt_test")
    with dg.instance_for_test() as instance:
        dg.materialize([m], instance=instance, raise_on_error=False)
        assert failed_blocking_checks(instance, [never, gx, failed]) == [
            f"m:dbt_test (failed in run {instance.get_latest_asset_check_evaluation_record(failed).run_id[:8]})",
            "n:dbt_test (not evaluated yet)",
            "n:gx_suite (not evaluated yet)",
        ]
        still = failed_blocking_checks(instance, [never, gx, failed], vouched={never, failed})
        assert [line.split(" ")[0] for line in still] == ["m:dbt_test", "n:gx_suite"]
