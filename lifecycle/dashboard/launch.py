"""How `lifecycle dashboard` starts Streamlit: the command line and the line it prints first.

No Streamlit import here (the CLI stays quick); the server is ``python -m streamlit run app.py``,
headless, on 127.0.0.1, usage statistics off.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import duckdb

from lifecycle.publish import read_snapshot_info

#: The Streamlit entry point.
APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8501


def streamlit_command(port: int, host: str = "127.0.0.1", python: str = sys.executable) -> list[str]:
    """``streamlit run`` on the dashboard app, headless, bound to ``host:port``."""
    return [
        python,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]


def serving_as_of(serving: Path) -> date | None:
    """The as_of_date of the published snapshot, None when the file has none (or is no DuckDB file)."""
    try:
        info = read_snapshot_info(serving)
    except duckdb.Error:
        return None
    value = info.get("as_of_date") if info else None
    return value if isinstance(value, date) else None


def start_lines(serving: Path, port: int) -> tuple[str, str | None]:
    """The URL line printed before the server starts, and a warning when there is nothing to read."""
    url = f"http://localhost:{port}"
    if not serving.exists():
        return (
            f"dashboard: {url} (reading {serving}, not published yet)",
            f"no serving DB at {serving}: run `make run` to build and publish it; "
            "until then every page says so",
        )
    as_of = serving_as_of(serving)
    as_of_text = as_of.isoformat() if as_of else "unknown date (no _publish.snapshot)"
    return f"dashboard: {url} (reading {serving}, as of {as_of_text})", None
