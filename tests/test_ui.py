"""The Dagster UI serves the asset graph: start dagster-webserver, ask GraphQL for the lineage."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from lifecycle.dbt import venv_tool
from lifecycle.settings import PROJECT_DIR, Settings
from orchestration.launch import CODE_LOCATION, prepare_ui, ui_env

QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    dependencyKeys { path }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
  }
}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, query: str) -> dict:
    req = urllib.request.Request(
        url, data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def test_ui_serves_the_lineage_raw_to_staging_to_marts(tmp_path: Path) -> None:
    # what `lifecycle ui` does, on settings in the temp dir (nothing in the repo's data/ is touched)
    settings = Settings.from_env(
        {
            "LIFECYCLE_LANDING_DIR": str(tmp_path / "landing"),
            "LIFECYCLE_WAREHOUSE": str(tmp_path / "data" / "warehouse.duckdb"),
            "LIFECYCLE_SERVING": str(tmp_path / "data" / "serving.duckdb"),
        }
    )
    prepare_ui(settings)
    env = ui_env(settings)
    assert env["DAGSTER_HOME"] == str(tmp_path / "data" / "dagster_home")
    assert (tmp_path / "data" / "dagster_home" / "dagster.yaml").exists()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "webserver.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [venv_tool("dagster-webserver"), "-m", CODE_LOCATION, "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        data = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "webserver.log").read_text()[-3000:]
            try:
                data = _post(f"{base}/graphql", QUERY)
                if data.get("data", {}).get("assetNodes"):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        print(f"UI answered GraphQL after {time.perf_counter() - started:.1f} s")
        assert data and data.get("data", {}).get("assetNodes"), f"no asset graph from {base}: {data}"
        nodes = {"/".join(n["assetKey"]["path"]): n for n in data["data"]["assetNodes"]}
        edges = {(("/".join(d["path"])), key) for key, n in nodes.items() for d in n["dependencyKeys"]}

        assert ("raw/crm/accounts", "staging/base_crm__accounts") in edges
        assert ("staging/base_crm__accounts", "staging/stg_crm__accounts") in edges
        assert any(src.startswith("staging/stg_") and dst.startswith("intermediate/") for src, dst in edges)
        assert any(src.startswith("intermediate/") and dst.startswith("marts/") for src, dst in edges)
        assert ("marts/fct_mrr_monthly", "serving/marts") in edges
        assert nodes["raw/crm/accounts"]["groupName"] == "raw_crm"
        assert nodes["marts/fct_mrr_monthly"]["groupName"] == "marts"
        checks = nodes["audit/reconciliation"]["assetChecksOrError"]["checks"]
        names = {c["name"]: c["blocking"] for c in checks}
        assert names.get("assert_reconciliation_balances") is True
        gx_checks = nodes["audit/rpt_reconciliation_shares"]["assetChecksOrError"]["checks"]
        assert {c["name"]: c["blocking"] for c in gx_checks}.get("gx_rpt_reconciliation_shares") is True
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
