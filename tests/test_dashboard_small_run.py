"""The dashboard on a real published run (the small data set): every page renders from the real
marts, with no "not built yet" note, and its tiles equal the format functions of the marts'
values - what the browser test checks in Chromium, here without a browser.

``published_run`` is tests/conftest.py's session fixture ``small_run`` when there is one (the run
scripts/test.sh makes), else the same run made here once (simulate small, seed 7, ``lifecycle run``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from lifecycle.dashboard import format
from lifecycle.dashboard.launch import APP
from lifecycle.settings import PROJECT_DIR


@dataclass(frozen=True)
class SmallRun:
    root: Path

    @property
    def serving(self) -> Path:
        return self.root / "data" / "serving.duckdb"


@pytest.fixture(scope="module")
def published_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SmallRun:
    try:
        return request.getfixturevalue("small_run")
    except pytest.FixtureLookupError:
        pass
    given = os.environ.get("LIFECYCLE_TEST_RUN")
    if given:
        return SmallRun(Path(given))
    run = SmallRun(tmp_path_factory.mktemp("small_run"))
    env = {k: v for k, v in os.environ.items() if k != "LIFECYCLE_AS_OF_DATE"}
    env.update(
        LIFECYCLE_LANDING_DIR=str(run.root / "landing"),
        LIFECYCLE_WAREHOUSE=str(run.root / "data" / "warehouse.duckdb"),
        LIFECYCLE_SERVING=str(run.serving),
        DBT_TARGET="duckdb",
    )
    cli = str(Path(sys.executable).with_name("lifecycle"))
    for cmd in (
        [cli, "simulate", "--out", str(run.root / "landing"), "--scale", "small", "--seed", "7"],
        [cli, "run"],
    ):
        proc = subprocess.run(cmd, env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return run


def _one(serving: Path, sql: str) -> object:
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{serving}' as s (read_only)")
        con.execute("use s")
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_every_page_renders_the_marts_of_a_real_run(published_run, monkeypatch) -> None:
    serving = published_run.serving
    monkeypatch.setenv("LIFECYCLE_SERVING", str(serving))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    latest = "(select max(month) from marts.mrr_waterfall_monthly)"
    closing = _one(serving, f"select closing_mrr_usd from marts.mrr_waterfall_monthly where month = {latest}")
    expected = {
        "revenue": {
            "Closing MRR": format.money(closing),
            "ARR": format.money(12 * closing),
            "Customers": format.count(
                _one(serving, f"select customers from marts.mrr_waterfall_monthly where month = {latest}")
            ),
            "NDR": format.percent(
                _one(
                    serving,
                    f"select ndr from marts.fct_retention_monthly where segment = 'all' and month = {latest}",
                )
            ),
            "GRR": format.percent(
                _one(
                    serving,
                    f"select grr from marts.fct_retention_monthly where segment = 'all' and month = {latest}",
                )
            ),
        },
        "lifecycle": {
            "Accounts landed": format.count(
                _one(serving, "select count(distinct account_id) from marts.fct_account_onboarding")
            ),
            "Median time to first value": format.days(
                _one(serving, "select median(time_to_first_value_days) from marts.fct_account_onboarding")
            ),
        },
        "health": {
            "AUC": format.number(
                _one(serving, "select auc from marts.health_backtest where band = 'all'"), 2
            ),
        },
        "ltv": {
            "Average LTV": format.money(_one(serving, "select avg(ltv_usd) from marts.fct_account_ltv")),
            "Fitted groups": format.count(
                _one(serving, "select count(*) from marts.ltv_model_parameters where fit_status = 'fitted'")
            ),
        },
        "worklist": {
            "Plays today": format.count(
                _one(serving, "select count(*) from marts.csm_worklist where is_current")
            )
        },
    }
    for page, figures in expected.items():
        if page != "revenue":
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.info and not at.warning and not at.error, page
        tiles = {m.label: m.value for m in at.metric}
        assert {k: tiles[k] for k in figures} == figures, page
        assert all(v != format.MISSING for v in tiles.values()), (page, tiles)
