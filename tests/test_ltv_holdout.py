"""scripts/ltv_holdout.py: the censoring arithmetic (renewals by a date, the state at a cutoff,
Kaplan-Meier) on hand-computed cases, and the script end to end on a tiny DuckDB warehouse built
in a temp dir (one group simulated from a known sBG, one too small to fit)."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from lifecycle.ltv import survival

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def _module():
    spec = importlib.util.spec_from_file_location("ltv_holdout", SCRIPTS / "ltv_holdout.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ltv_holdout"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


holdout = _module()
D = date.fromisoformat


@pytest.mark.parametrize(
    ("start", "on", "months", "days", "expected"),
    [
        ("2024-01-15", "2024-05-01", 1, None, 3),  # renewed 02-15, 03-15, 04-15; 05-15 is later
        ("2024-01-15", "2024-05-15", 1, None, 4),  # a renewal on the day counts
        ("2024-01-15", "2024-05-14", 1, None, 3),
        ("2024-01-15", "2024-01-14", 1, None, 0),  # before the paid start
        ("2024-01-15", "2024-01-15", 1, None, 0),
        # a month-end anchor: a month lacking the 31st is not yet renewed in (the warehouse's rule)
        ("2024-01-31", "2024-02-29", 1, None, 0),
        ("2024-01-31", "2024-03-01", 1, None, 1),
        ("2024-01-31", "2024-03-30", 1, None, 1),
        ("2024-01-31", "2024-03-31", 1, None, 2),
        ("2024-01-15", "2024-10-14", 3, None, 2),  # quarterly: 04-15, 07-15; 10-15 is later
        ("2024-01-15", "2024-10-15", 3, None, 3),
        ("2023-02-28", "2025-02-27", 12, None, 1),  # annual
        ("2024-02-29", "2025-02-28", 12, None, 0),  # Feb 29 + 1 year: renewed on Mar 1
        ("2024-02-29", "2025-03-01", 12, None, 1),
        ("2024-01-01", "2024-01-14", None, 7, 1),  # weekly: 01-08; 01-15 is later
        ("2024-01-01", "2024-01-15", None, 7, 2),
        ("2024-01-01", "2024-01-28", None, 14, 1),  # every two weeks
    ],
)
def test_renewals_by_a_date_count_whole_periods(
    start: str, on: str, months: int | None, days: int | None, expected: int
) -> None:
    assert holdout.renewals_by(D(start), D(on), months, days) == expected


@pytest.mark.parametrize("start", ["2024-01-15", "2024-01-31", "2024-02-29", "2023-08-30", "2024-12-31"])
@pytest.mark.parametrize(("months", "days"), [(1, None), (3, None), (12, None), (None, 7)])
def test_renewal_date_is_the_first_day_renewals_by_reaches_k(
    start: str, months: int | None, days: int | None
) -> None:
    for k in range(1, 30):
        first = holdout.renewal_date(D(start), k, months, days)
        assert holdout.renewals_by(D(start), first, months, days) == k
        assert holdout.renewals_by(D(start), first - timedelta(days=1), months, days) == k - 1


def test_renewal_date_of_a_month_end_anchor() -> None:
    assert holdout.renewal_date(D("2024-01-31"), 1, 1, None) == D("2024-03-01")
    assert holdout.renewal_date(D("2024-01-31"), 2, 1, None) == D("2024-03-31")
    assert holdout.renewal_date(D("2024-11-30"), 1, 3, None) == D("2025-03-01")
    assert holdout.renewal_date(D("2024-12-15"), 1, 1, None) == D("2025-01-15")


def sub(start: str, ended: str | None, renewals: int, months: int | None = 1, days: int | None = None):
    return holdout.Subscription(
        segment="smb",
        billing_interval="monthly" if months == 1 else "weekly",
        months_per_period=months,
        days_per_period=days,
        paid_start_date=D(start),
        ended_date=None if ended is None else D(ended),
        is_churned=ended is not None,
        renewals=renewals,
    )


def test_state_at_a_cutoff() -> None:
    cutoff = D("2024-05-01")
    # started 01-15, left at the end of its 6th period (2024-07-15): alive at the cutoff with 3
    assert holdout.state_at(sub("2024-01-15", "2024-07-15", 5), cutoff) == (3, False)
    # left at the end of its 3rd period (2024-04-15), before the cutoff: churned with 2
    assert holdout.state_at(sub("2024-01-15", "2024-04-15", 2), cutoff) == (2, True)
    # ended on the cutoff day itself: churned
    assert holdout.state_at(sub("2024-01-01", "2024-05-01", 3), cutoff) == (3, True)
    # live at the as-of date: censored with the renewals made by the cutoff
    assert holdout.state_at(sub("2023-11-30", None, 20), cutoff) == (5, False)
    # not yet paying at the cutoff
    assert holdout.state_at(sub("2024-05-02", None, 4), cutoff) is None
    # weekly: 2024-04-01 + 4 weeks = 04-29 <= 05-01
    assert holdout.state_at(sub("2024-04-01", None, 30, months=None, days=7), cutoff) == (4, False)
    # never more renewals at the cutoff than in the end (a cancellation mid-period)
    assert holdout.state_at(sub("2024-01-15", "2024-05-10", 2), cutoff) == (2, False)


def test_kaplan_meier_by_hand() -> None:
    # (renewals, churned): churned at decisions 1, 2, 2; alive after 1, 3 renewals
    durations = [(0, True), (1, True), (1, True), (1, False), (3, False)]
    curve = holdout.kaplan_meier(durations)
    # decision 1: 5 at risk, 1 leaves; decision 2: 4 at risk (the live one with 1 renewal is
    # censored after decision 1), 2 leave; decision 3: 1 at risk, none leaves
    assert [(t, n, d) for t, n, d, _ in curve] == [(1, 5, 1), (2, 3, 2), (3, 1, 0)]
    assert [s for *_, s in curve] == pytest.approx([4 / 5, 4 / 5 * 1 / 3, 4 / 5 * 1 / 3])
    assert holdout.kaplan_meier([]) == []


def test_the_cutoff_must_precede_the_as_of_date() -> None:
    with pytest.raises(ValueError, match="must be before the as-of date"):
        holdout.holdout([sub("2024-01-15", None, 3)], D("2024-05-01"), D("2024-05-01"))


# ---------------------------------------------------------------------------------------------
# End to end on a tiny warehouse
# ---------------------------------------------------------------------------------------------

AS_OF = D("2025-12-31")
ALPHA, BETA = 1.3, 6.0


def simulated_rows(n: int, seed: int) -> list[tuple]:
    """Monthly subscriptions from an sBG(ALPHA, BETA) population, paid starts spread over
    2023-2024: each customer leaves at the end of period T ~ geometric(theta), theta ~ beta."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        start = D("2023-01-01") + (D("2024-12-31") - D("2023-01-01")) * float(rng.random())
        theta = rng.beta(ALPHA, BETA)
        leaves_at = int(rng.geometric(theta))  # T = 1: at the end of the first period
        possible = holdout.renewals_by(start, AS_OF, 1, None)
        if leaves_at <= possible:
            ended, renewals, churned = holdout.renewal_date(start, leaves_at, 1, None), leaves_at - 1, True
        else:
            ended, renewals, churned = None, possible, False
        rows.append(
            (f"sub_{i}", f"acc_{i}", "smb", "monthly", 1, None, start, ended, churned, renewals, 100.0)
        )
    return rows


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ltv_holdout") / "w.duckdb"
    rows = simulated_rows(600, seed=11)
    # too small to fit: 5 annual enterprise subscriptions
    for i, (start, ended, renewals) in enumerate(
        [
            ("2023-03-01", None, 2),
            ("2023-06-01", "2025-06-01", 1),
            ("2024-01-10", None, 1),
            ("2024-05-01", None, 1),
            ("2025-01-01", None, 0),
        ]
    ):
        rows.append(
            (
                f"ent_{i}",
                f"eacc_{i}",
                "enterprise",
                "annual",
                12,
                None,
                D(start),
                ended and D(ended),
                ended is not None,
                renewals,
                None,
            )
        )
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    con.execute(
        """
        create table intermediate.int_ltv_subscription_periods (
            subscription_id varchar, account_id varchar, segment varchar, billing_interval varchar,
            months_per_period integer, days_per_period integer, paid_start_date date, ended_date date,
            is_churned boolean, renewals integer, period_revenue_usd decimal(18, 2)
        )
        """
    )
    con.executemany(
        "insert into intermediate.int_ltv_subscription_periods values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )
    con.execute("create table intermediate.int_as_of_date as select date '2025-12-31' as as_of_date")
    con.close()
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert holdout.main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_output_shape_and_the_holdout_comparison(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_json(capsys, str(warehouse))
    assert report["as_of_date"] == "2025-12-31"
    # halfway between the earliest paid start (on or after 2023-01-01) and the as-of date
    assert D("2024-07-01") <= D(report["cutoff_date"]) <= D("2024-07-02")
    groups = {(g["segment"], g["billing_interval"]): g for g in report["groups"]}
    assert list(groups) == [("enterprise", "annual"), ("smb", "monthly")]
    keys = {
        "segment",
        "billing_interval",
        "fit_status",
        "reason",
        "customers_at_cutoff",
        "churned_at_cutoff",
        "longest_tenure_at_cutoff",
        "renewals_mismatched",
        "alpha",
        "beta",
        "log_likelihood",
        "alive_at_cutoff",
        "expected_survivors_at_as_of",
        "expected_survivors_geometric",
        "actual_survivors_at_as_of",
        "max_curve_gap",
        "curve_beyond_cutoff",
    }
    assert all(set(g) == keys for g in groups.values())
    # the table's renewals are what the script's calendar arithmetic gives at the as-of date
    assert [g["renewals_mismatched"] for g in groups.values()] == [0, 0]

    small = groups[("enterprise", "annual")]
    assert small["fit_status"] == "insufficient_data"
    # the one that starts in 2025 was not paying at the cutoff; the one that left had not left yet
    assert small["customers_at_cutoff"] == 4 and small["churned_at_cutoff"] == 0
    assert "4 customers and 0 churned at the cutoff" in small["reason"]
    assert small["alpha"] is None and small["expected_survivors_at_as_of"] is None

    smb = groups[("smb", "monthly")]
    assert smb["fit_status"] == "fitted" and smb["reason"] is None
    # the data come from sBG(1.3, 6.0): a fit on half the history lands near it ...
    assert 0.7 < smb["alpha"] < 2.5 and 3 < smb["beta"] < 12
    # ... and predicts the survivors within sampling noise (a few standard deviations)
    expected, actual = smb["expected_survivors_at_as_of"], smb["actual_survivors_at_as_of"]
    assert 0 < actual < smb["alive_at_cutoff"]
    assert abs(expected - actual) < 3 * np.sqrt(expected)
    # the expected survivors are sum S(r_as_of) / S(r_cutoff) over the customers alive at the cutoff
    cutoff = D(report["cutoff_date"])
    subs, _ = holdout.load(warehouse)
    alive = [
        s for s in subs if s.segment == "smb" and (state := holdout.state_at(s, cutoff)) and not state[1]
    ]
    assert len(alive) == smb["alive_at_cutoff"]
    recomputed = sum(
        survival(smb["alpha"], smb["beta"], holdout.renewals_by(s.paid_start_date, AS_OF, 1, None))
        / survival(smb["alpha"], smb["beta"], holdout.state_at(s, cutoff)[0])
        for s in alive
    )
    assert expected == pytest.approx(recomputed, rel=1e-12)
    # the benchmark: one retention rate, 1 - churned / (renewals + churned) at the cutoff
    states = [holdout.state_at(s, cutoff) for s in subs if s.segment == "smb"]
    states = [state for state in states if state is not None]
    retention = 1 - smb["churned_at_cutoff"] / (sum(r for r, _ in states) + smb["churned_at_cutoff"])
    geometric = sum(
        retention ** (holdout.renewals_by(s.paid_start_date, AS_OF, 1, None) - holdout.state_at(s, cutoff)[0])
        for s in alive
    )
    assert smb["expected_survivors_geometric"] == pytest.approx(geometric, rel=1e-12)
    # on sBG data the constant rate under-predicts: it misses that the survivors are the loyal ones
    assert smb["expected_survivors_geometric"] < actual - 3 * np.sqrt(actual)
    # the curve starts after the longest tenure at the cutoff: periods nobody had reached then
    periods = [p["period"] for p in smb["curve_beyond_cutoff"]]
    assert periods and periods[0] == smb["longest_tenure_at_cutoff"] + 1
    assert periods == list(range(periods[0], periods[0] + len(periods)))
    for point in smb["curve_beyond_cutoff"]:
        assert point["model"] == pytest.approx(survival(smb["alpha"], smb["beta"], point["period"]))
        assert 0 <= point["kaplan_meier"] <= 1 and point["at_risk"] > 0
    assert smb["max_curve_gap"] == pytest.approx(
        max(abs(p["model"] - p["kaplan_meier"]) for p in smb["curve_beyond_cutoff"])
    )


def test_an_explicit_cutoff_and_the_readable_table(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_json(capsys, str(warehouse), "--cutoff", "2024-03-31")
    assert report["cutoff_date"] == "2024-03-31"
    smb = next(g for g in report["groups"] if g["segment"] == "smb")
    # nobody had paid for more than 15 months by then (starts from 2023-01-01)
    assert smb["longest_tenure_at_cutoff"] <= 15

    assert holdout.main([str(warehouse), "--cutoff", "2024-03-31"]) == 0
    text = capsys.readouterr().out
    assert "sBG holdout: fitted on what was known at 2024-03-31, compared with 2025-12-31" in text
    assert "expected" in text and "actual" in text and "Kaplan-Meier" in text
    assert "not fitted:\n  enterprise / annual: " in text
    smb_line = next(line for line in text.splitlines() if line.startswith("smb "))
    assert smb_line.split()[:3] == ["smb", "monthly", "fitted"]


def test_renewals_the_arithmetic_does_not_reproduce_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    # started 2024-01-15, live at 2025-12-31: 23 renewals, not 24
    con.execute(
        """
        create table intermediate.int_ltv_subscription_periods as
        select 'smb' as segment, 'monthly' as billing_interval, 1 as months_per_period,
            cast(null as integer) as days_per_period, date '2024-01-15' as paid_start_date,
            cast(null as date) as ended_date, false as is_churned, renewals
        from (values (23), (24)) as t (renewals)
        """
    )
    con.execute("create table intermediate.int_as_of_date as select date '2025-12-31' as as_of_date")
    con.close()
    assert holdout.main([str(path)]) == 0
    text = capsys.readouterr().out
    assert "warning: renewals in the warehouse differ from the calendar arithmetic" in text
    assert "  smb / monthly: 1 subscriptions" in text


def test_as_of_falls_back_to_the_latest_date_in_the_table(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    con.execute(
        """
        create table intermediate.int_ltv_subscription_periods as
        select 'smb' as segment, 'monthly' as billing_interval, 1 as months_per_period,
            cast(null as integer) as days_per_period, date '2024-01-15' as paid_start_date,
            date '2024-06-15' as ended_date, true as is_churned, 4 as renewals
        """
    )
    con.close()
    subs, as_of = holdout.load(path)
    assert as_of == D("2024-06-15") and len(subs) == 1 and subs[0].renewals == 4


def test_a_missing_warehouse_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert holdout.main([str(tmp_path / "nowhere.duckdb")]) == 2
    assert "no warehouse there" in capsys.readouterr().err
