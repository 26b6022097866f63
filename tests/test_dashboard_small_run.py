"""The dashboard on a real published run (the small data set): every page renders from the real
marts, with no "not built yet" note, and its tiles equal the format functions of the marts'
values - what the browser test checks in Chromium, here without a browser.

The run is tests/conftest.py's shared ``small_run`` (the one scripts/test.sh makes).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from lifecycle.dashboard import format
from lifecycle.dashboard.launch import APP


def _one(serving: Path, sql: str) -> object:
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{serving}' as s (read_only)")
        con.execute("use s")
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_every_page_renders_the_marts_of_a_real_run(small_run, monkeypatch) -> None:
    serving = small_run.serving
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
