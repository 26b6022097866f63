"""scripts/health_ceiling.py and scripts/suggest_health_weights.py: the AUC is the Mann-Whitney
statistic with ties counting half (the hand-computed case of the dbt unit test of
marts.health_backtest), and the suggested weights follow the component that drives churn."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _module(name: str = "health_ceiling"):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_auc_counts_ties_half_and_matches_the_backtest_unit_case() -> None:
    auc = _module().auc
    scores = np.array([20.0, 50.0, 50.0, 80.0, 90.0])
    churned = np.array([True, True, False, False, False])
    # a low health score means risk: rank by -score; 5.5 of the 6 churned-retained pairs
    assert auc(-scores, churned) == pytest.approx(5.5 / 6, abs=1e-12)
    assert auc(scores, churned) == pytest.approx(0.5 / 6, abs=1e-12)


def test_auc_refuses_a_population_without_both_outcomes() -> None:
    with pytest.raises(ValueError, match="at least one churned and one retained"):
        _module().auc(np.array([1.0, 2.0]), np.array([False, False]))


def test_missing_truth_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import duckdb

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert _module().main([str(warehouse), str(tmp_path / "nowhere")]) == 2
    assert "no ground truth there" in capsys.readouterr().err


def test_suggested_weights_follow_the_component_that_drives_churn() -> None:
    """Synthetic history: churn depends on usage strongly and on relationship weakly, not at all
    on the other four; sentiment is missing for a third of the weeks."""
    mod = _module("suggest_health_weights")
    rng = np.random.default_rng(3)
    n = 6000
    scores = rng.uniform(0, 100, size=(n, 6))
    scores[rng.random(n) < 1 / 3, 3] = np.nan
    logit = -1.0 - 4.0 * scores[:, 0] / 100 - 1.0 * scores[:, 4] / 100
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    days = np.arange(n)
    equal = dict.fromkeys(mod.COMPONENTS, 1.0)
    result = mod.suggest(scores, churned, days, equal, 0.6)
    assert result.train_weeks == 3600 and result.test_weeks == 2400
    assert max(result.weights, key=result.weights.get) == "usage"
    assert result.weights["usage"] >= 50 and result.weights["relationship"] >= 8
    assert sum(result.weights.values()) in (99, 100, 101)
    assert result.test_auc_suggested > result.test_auc_current > 0.5


def test_weighted_score_spreads_a_missing_components_weight() -> None:
    mod = _module("suggest_health_weights")
    weights = dict(zip(mod.COMPONENTS, (30.0, 15.0, 15.0, 10.0, 20.0, 10.0), strict=True))
    row = np.array(
        [[np.nan, 100.0, 40.0, np.nan, 100.0, 0.0]]
    )  # the dbt unit test's w_missing, without usage
    assert mod.weighted_score(row, weights)[0] == pytest.approx(4100 / 60)
