"""How good could a health score be? The ceiling set by the simulator's own churn probability.

The warehouse's ``health_backtest`` measures the health score's AUC for churn within 90 days
over scored account-weeks. On simulated data there is a natural ceiling: the simulator draws
each account's churn from a known monthly probability (its ground truth, written beside the
landing files in ``account_months.parquet``). This script scores the *same* account-weeks
(``intermediate.int_health_backtest_weeks``) with that probability, as known at the latest
month end on or before the week's snapshot, and prints both AUCs and the churn rate by band
beside the same quintiles of the truth.

It reads the warehouse read-only and never writes anything; it is not part of the marts (BI
never sees ground truth). Usage:

    .venv/bin/python scripts/health_ceiling.py data/warehouse.duckdb data/landing_truth
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import numpy as np
from scipy.stats import rankdata


def auc(scores: np.ndarray, positives: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties counting half (Mann-Whitney U)."""
    n_pos = int(positives.sum())
    n_neg = len(positives) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the AUC needs at least one churned and one retained account-week")
    ranks = rankdata(scores)  # average ranks for ties
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def load(warehouse: Path, truth: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Health score, truth probability and churn label per covered account-week, and how many
    account-weeks had no truth row."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        months = truth / "account_months.parquet"
        accounts = truth / "accounts.csv"
        for path in (months, accounts):
            if not path.exists():
                raise FileNotFoundError(f"{path}: no ground truth there (written by `lifecycle simulate`)")
        header = accounts.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        # the account the warehouse attributes revenue to (older truth files lack the column)
        revenue_account = "revenue_account_id" if "revenue_account_id" in header else "account_id"
        rows = con.execute(
            f"""
            with truth_months as (
                select
                    accounts.{revenue_account} as account_id,
                    months.month,
                    months.churn_probability
                from read_parquet('{months.as_posix()}') as months
                inner join read_csv_auto('{accounts.as_posix()}', all_varchar = true) as accounts
                    on months.account_id = accounts.account_id
            ),
            weeks as (select * from intermediate.int_health_backtest_weeks),
            matched as (
                select
                    weeks.account_id,
                    weeks.week,
                    weeks.health_score,
                    weeks.churned_90d,
                    truth_months.churn_probability,
                    row_number() over (
                        partition by weeks.account_id, weeks.week order by truth_months.month desc
                    ) as recency
                from weeks
                left join truth_months
                    on weeks.account_id = truth_months.account_id
                    and last_day(truth_months.month) <= weeks.snapshot_date
            )
            select health_score, churn_probability, churned_90d
            from matched where recency = 1
            """
        ).fetchall()
    finally:
        con.close()
    covered = [r for r in rows if r[1] is not None]
    score = np.array([float(r[0]) for r in covered])
    truth_p = np.array([float(r[1]) for r in covered])
    churned = np.array([bool(r[2]) for r in covered])
    return score, truth_p, churned, len(rows) - len(covered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", type=Path, help="the built warehouse (LIFECYCLE_WAREHOUSE)")
    parser.add_argument(
        "truth", type=Path, help="the simulator's truth dir (default beside the landing dir: <landing>_truth)"
    )
    args = parser.parse_args(argv)
    try:
        score, truth_p, churned, uncovered = load(args.warehouse, args.truth)
        health_auc = auc(-score, churned)  # a low score should mean churn
        truth_auc = auc(truth_p, churned)
    except (FileNotFoundError, ValueError, duckdb.Error) as exc:
        print(f"health_ceiling: {exc}", file=sys.stderr)
        return 2
    n = len(churned)
    print(
        f"account-weeks scored: {n:,} with ground truth ({uncovered:,} without), churned within 90 days: {int(churned.sum()):,} ({churned.mean():.1%})"
    )
    print(f"AUC of the health score (marts.health_backtest population): {health_auc:.4f}")
    print(f"AUC of the simulator's own churn probability (the ceiling):  {truth_auc:.4f}")
    print(f"the score reaches {(health_auc - 0.5) / (truth_auc - 0.5):.0%} of the ceiling's lift over chance")
    print("\n90-day churn rate by fifth of the account-weeks, riskiest first:")
    print(f"{'fifth':>5}  {'by health score':>16}  {'by truth probability':>21}")
    by_score = np.argsort(score, kind="stable")
    by_truth = np.argsort(-truth_p, kind="stable")
    for k, (a, b) in enumerate(
        zip(np.array_split(by_score, 5), np.array_split(by_truth, 5), strict=True), start=1
    ):
        print(f"{k:>5}  {churned[a].mean():>16.1%}  {churned[b].mean():>21.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
