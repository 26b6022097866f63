"""The dashboard in a real browser: every page of a served run, its key figures equal to the marts.

``lifecycle dashboard`` is started on a free local port against the published serving DB of the
shared small run, and headless Chromium (Debian's ``chromium`` package, driven by Playwright's
Python API: Playwright's own browser download cannot work offline) opens every page. Each page
must finish rendering with no error box, its tiles must show the marts' values formatted the way
the dashboard formats them, and a screenshot of each page goes to ``data/reports/screenshots/``.

Without Chromium the module is skipped with the one line that installs it
(``apt-get install -y chromium``); ``scripts/test.sh`` says so before pytest starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "data" / "reports" / "screenshots"
INSTALL_HINT = "apt-get install -y chromium"


def chromium_executable() -> str | None:
    """``LIFECYCLE_CHROMIUM``, else Debian's Chromium binary (its ``/usr/bin`` wrapper works too)."""
    candidates = [
        os.environ.get("LIFECYCLE_CHROMIUM"),
        "/usr/lib/chromium/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


CHROMIUM = chromium_executable()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason=f"no Chromium for the dashboard's browser test: `{INSTALL_HINT}` enables it"
)

#: (url path, page title) of every page, in the dashboard's order.
PAGES = [
    ("revenue", "Revenue"),
    ("lifecycle", "Lifecycle"),
    ("health", "Health"),
    ("ltv", "LTV"),
    ("worklist", "Worklist"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"the dashboard exited with {proc.returncode}:\n{out[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the dashboard did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def dashboard(small_run) -> Iterator[tuple[str, list[str]]]:
    """``lifecycle dashboard --port N`` on the small run's serving DB: (base URL, its first lines)."""
    port = free_port()
    env = {**small_run.env(), "PYTHONUNBUFFERED": "1"}
    cli = str(Path(sys.executable).with_name("lifecycle"))
    proc = subprocess.Popen(
        [cli, "dashboard", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # `lifecycle dashboard` starts streamlit as its child: stop both
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc)
        assert proc.stdout is not None
        first = [proc.stdout.readline().rstrip("\n")]
        yield url, first
    finally:
        # streamlit does not always stop on SIGTERM: ask, then end the whole group for sure
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        time.sleep(1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


@pytest.fixture(scope="module")
def marts(small_run):
    con = duckdb.connect(str(small_run.serving), read_only=True)
    yield con
    con.close()


def open_page(browser, url: str, path: str):
    """Open ``url/path`` and wait until Streamlit has finished running the page's script."""
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/{path}", wait_until="networkidle")
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
    # Streamlit shows its status widget ("Running...") while the script runs
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        ' && document.querySelectorAll(\'[data-testid="stMetric"], [data-testid="stAlert"]\').length > 0',
        timeout=60_000,
    )
    # charts (Vega) draw after the script has finished: wait until every chart has its canvas
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".every(c => c.querySelector('canvas, svg'))",
        timeout=30_000,
    )
    page.wait_for_timeout(300)
    return page, errors


def tile(page, label: str) -> str:
    """The value text of the ``st.metric`` tile labelled ``label``."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    assert metric.count() >= 1, f"no tile labelled {label!r}"
    return metric.first.locator('[data-testid="stMetricValue"]').inner_text().strip()


def expected_tiles(marts: duckdb.DuckDBPyConnection, path: str) -> dict[str, str]:
    """Each page's tiles from the marts, by this test's own SQL, formatted as the dashboard does."""
    from lifecycle.dashboard import format as fmt

    def one(sql: str) -> object:
        return marts.execute(sql).fetchone()[0]

    if path == "revenue":
        month = one("select max(month) from marts.mrr_waterfall_monthly")
        closing, customers = marts.execute(
            "select closing_mrr_usd, customers from marts.mrr_waterfall_monthly where month = ?", [month]
        ).fetchone()
        ndr, grr = marts.execute(
            "select ndr, grr from marts.fct_retention_monthly where segment = 'all' and month = ?", [month]
        ).fetchone()
        return {
            "Closing MRR": fmt.money(closing),
            "ARR": fmt.money(12 * closing),
            "Customers": fmt.count(customers),
            "NDR": fmt.percent(ndr),
            "GRR": fmt.percent(grr),
        }
    if path == "lifecycle":
        return {
            "Accounts landed": fmt.count(
                one("select count(distinct account_id) from marts.fct_lifecycle_spells")
            )
        }
    if path == "health":
        return {"AUC": fmt.number(one("select auc from marts.health_backtest where band = 'all'"), 2)}
    if path == "ltv":
        return {
            "Fitted groups": fmt.count(
                one("select count(*) from marts.ltv_model_parameters where fit_status = 'fitted'")
            )
        }
    if path == "worklist":
        return {"Plays today": fmt.count(one("select count(*) from marts.csm_worklist where is_current"))}
    raise AssertionError(path)


def top_play(marts: duckdb.DuckDBPyConnection, owner: str | None = None) -> tuple[str, str]:
    """(account name, reasons) of the highest-priority current play, of one owner or of everyone."""
    row = marts.execute(
        "select account_name, reasons from marts.csm_worklist where is_current and (? is null or owner_name = ?) "
        "order by priority_score desc, urgency desc, arr_at_stake_usd desc, account_id, play limit 1",
        [owner, owner],
    ).fetchone()
    assert row is not None, "the small run has no current worklist"
    return str(row[0]), str(row[1])


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[p for p, _ in PAGES])
def test_every_page_renders_its_figures_from_the_marts(browser, dashboard, marts, path, title) -> None:
    url, _first = dashboard
    page, errors = open_page(browser, url, path)
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        n = [p for p, _ in PAGES].index(path) + 1
        # Streamlit scrolls inside its main container: grow the window to the content, then shoot
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], section')]"
            ".map(e => e.scrollHeight), document.body.scrollHeight)"
        )
        page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 8000)})
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"{n}-{path}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0, "the page shows a traceback"
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "not built yet" not in body, body[:2000]
        assert title in body
        for label, value in expected_tiles(marts, path).items():
            assert tile(page, label) == value, label
        if path == "worklist":  # the first play is picked: its account's history and reasons show
            name, reasons = top_play(marts)
            assert f"History: {name}" in body and reasons in body, body[:3000]
        assert errors == [], errors
    finally:
        page.close()


def test_the_command_prints_the_local_url(dashboard) -> None:
    url, first = dashboard
    port = url.rsplit(":", 1)[1]
    assert first[0].startswith(f"dashboard: http://localhost:{port}"), first


def test_the_worklist_filters_by_owner_in_the_browser(browser, dashboard, marts) -> None:
    """Pick the owner with the most plays today: the tile counts theirs, their top play is shown."""
    from lifecycle.dashboard import format as fmt

    owner, plays = marts.execute(
        "select owner_name, count(*) from marts.csm_worklist where is_current "
        "group by owner_name order by count(*) desc, owner_name limit 1"
    ).fetchone()
    everyone = marts.execute("select count(*) from marts.csm_worklist where is_current").fetchone()[0]
    assert plays < everyone, "one owner has every play: the filter would change nothing"
    url, _first = dashboard
    page, errors = open_page(browser, url, "worklist")
    try:
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Owner").locator("input").click()
        page.keyboard.type(owner)
        page.keyboard.press("Enter")
        expected = fmt.count(plays)
        page.wait_for_function(
            "(v) => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
            ".some(e => e.innerText.trim() === v)",
            arg=expected,
            timeout=30_000,
        )
        assert tile(page, "Plays today") == expected
        name, reasons = top_play(marts, owner)
        page.wait_for_function(
            "(t) => document.body.innerText.includes(t)", arg=f"History: {name}", timeout=30_000
        )
        assert reasons in page.locator("body").inner_text()
        assert errors == [], errors
    finally:
        page.close()
