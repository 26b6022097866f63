"""Suggest health weights from the warehouse's own history, for a human to review.

The health score stays explainable: a weighted mean of six components with the weights of
``seeds/health_weights.csv``. This script fits a logistic regression of "churned within 90 days"
on the component scores of the backtest account-weeks (``intermediate.int_health_backtest_weeks``
joined to ``int_account_health_weekly``), on the earlier part of the history only (a time split:
``--train-share`` of the snapshot dates), turns the fitted coefficients into weights (a component
whose higher score does not lower churn gets 0), and compares the AUC of the current and the
suggested weights on the later, held-out weeks. It writes the suggestion as a seed file to
``--out`` (default ``target/suggested_health_weights.csv``) and never touches ``seeds/``: copy it
there after review, then rebuild with ``lifecycle build --full-refresh``.

    .venv/bin/python scripts/suggest_health_weights.py data/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from scipy.optimize import minimize
from scipy.stats import rankdata

COMPONENTS = ("usage", "breadth", "support", "sentiment", "relationship", "billing")
SEED = Path(__file__).resolve().parents[1] / "seeds" / "health_weights.csv"


@dataclass(frozen=True)
class Suggestion:
    weights: dict[str, int]
    coefficients: dict[str, float]
    train_weeks: int
    test_weeks: int
    test_auc_current: float
    test_auc_suggested: float


def auc(risk: np.ndarray, positives: np.ndarray) -> float:
    """P(risk of a positive > risk of a negative), ties counting half."""
    n_pos = int(positives.sum())
    n_neg = len(positives) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the AUC needs at least one churned and one retained account-week")
    ranks = rankdata(risk)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def weighted_score(scores: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """The health score: weighted mean of the present (non-NaN) components, per row."""
    w = np.array([weights[c] for c in COMPONENTS], dtype=float)
    present = ~np.isnan(scores)
    total = np.where(present, w, 0.0).sum(axis=1)
    return np.where(present, scores * w, 0.0).sum(axis=1) / np.where(total > 0, total, np.nan)


def fit_weights(scores: np.ndarray, churned: np.ndarray) -> tuple[dict[str, int], dict[str, float]]:
    """Logistic regression of churn on components / 100 (missing ones at the column mean);
    weights = the negated coefficients, clipped at 0, scaled to sum to 100."""
    x = scores / 100.0
    means = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), means, x)
    design = np.column_stack([np.ones(len(x)), x])
    y = churned.astype(float)

    def loss(beta: np.ndarray) -> float:
        z = design @ beta
        return float(np.sum(np.logaddexp(0.0, z) - y * z))

    def grad(beta: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        return design.T @ (p - y)

    result = minimize(loss, np.zeros(design.shape[1]), jac=grad, method="BFGS")
    if not result.success:
        raise RuntimeError(f"the logistic regression did not converge: {result.message}")
    coefficients = dict(zip(COMPONENTS, (float(b) for b in result.x[1:]), strict=True))
    pull = {c: max(0.0, -b) for c, b in coefficients.items()}
    total = sum(pull.values())
    if total == 0:
        raise RuntimeError("no component lowers churn as it rises: nothing to suggest")
    return {c: round(100 * v / total) for c, v in pull.items()}, coefficients


def suggest(
    scores: np.ndarray, churned: np.ndarray, days: np.ndarray, current: dict[str, float], train_share: float
) -> Suggestion:
    """Fit on the account-weeks up to the ``train_share`` quantile of snapshot days, test after."""
    cut = np.quantile(days, train_share)
    train, test = days <= cut, days > cut
    weights, coefficients = fit_weights(scores[train], churned[train])
    return Suggestion(
        weights=weights,
        coefficients=coefficients,
        train_weeks=int(train.sum()),
        test_weeks=int(test.sum()),
        test_auc_current=auc(-weighted_score(scores[test], current), churned[test]),
        test_auc_suggested=auc(
            -weighted_score(scores[test], {k: float(v) for k, v in weights.items()}), churned[test]
        ),
    )


def load(warehouse: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            f"""
            select {", ".join(f"health.{c}_score" for c in COMPONENTS)},
                backtest.churned_90d,
                datediff('day', date '1970-01-01', backtest.snapshot_date)
            from intermediate.int_health_backtest_weeks as backtest
            inner join intermediate.int_account_health_weekly as health
                using (account_id, week)
            """
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise ValueError("no backtest account-weeks in the warehouse: build it first (make build)")
    data = np.array([[np.nan if v is None else float(v) for v in r[:6]] for r in rows])
    return data, np.array([bool(r[6]) for r in rows]), np.array([int(r[7]) for r in rows])


def read_seed(path: Path) -> tuple[dict[str, float], dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["component"]: float(r["weight"]) for r in rows}, {
        r["component"]: r["description"] for r in rows
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--out", type=Path, default=Path("target/suggested_health_weights.csv"))
    parser.add_argument(
        "--train-share", type=float, default=0.6, help="share of the history to fit on (default 0.6)"
    )
    args = parser.parse_args(argv)
    if not 0.1 <= args.train_share <= 0.9:
        print("suggest_health_weights: --train-share must be between 0.1 and 0.9", file=sys.stderr)
        return 2
    try:
        current, descriptions = read_seed(SEED)
        scores, churned, days = load(args.warehouse)
        result = suggest(scores, churned, days, current, args.train_share)
    except (FileNotFoundError, ValueError, RuntimeError, duckdb.Error) as exc:
        print(f"suggest_health_weights: {exc}", file=sys.stderr)
        return 2
    print(f"fitted on {result.train_weeks:,} account-weeks, tested on the {result.test_weeks:,} after them")
    print(f"{'component':<13}{'current':>8}{'suggested':>10}{'coefficient':>13}")
    for c in COMPONENTS:
        print(f"{c:<13}{current[c]:>8g}{result.weights[c]:>10}{result.coefficients[c]:>13.3f}")
    print(
        f"held-out AUC: current weights {result.test_auc_current:.4f}, suggested {result.test_auc_suggested:.4f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["component", "weight", "description"])
        for c in COMPONENTS:
            writer.writerow([c, result.weights[c], descriptions.get(c, "")])
    print(f"suggestion written to {args.out} (review it, then copy it to seeds/health_weights.csv)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
