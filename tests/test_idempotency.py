"""Idempotency: the same batch files give the same marts, however and how often they arrive.

The reference is the shared small run (tests/conftest.py: `lifecycle run` on the small data set,
seed 7), hashed table by table with scripts/hash_marts.py (row-order independent, lineage-free).
Each variant lands the same files another way, builds with `lifecycle build`, and must hash equal
for every table of ``marts`` and for ``audit.reconciliation``:

- **twice** (slow): a second `lifecycle build --force` over the reference's own warehouse (a copy);
- **in reverse**: the batch files loaded newest date first, one loader call per batch date, so
  the load manifest records them in the reverse of their names' order; then one build;
- **one date at a time** (slow): the simulator's ``--until`` grows the landing dir in three steps
  over the history, with a build after each, then the full set and a last build;
- **in reverse, with builds in between** (slow): the second half of the history lands and is built
  first, then the first half (older batches arriving after newer ones) and a build;
- **a late batch**: a newer version of an account lands first, then an older batch file with an
  older ``_loaded_at`` for the same key; staging keeps the newer version (a two-model build).

Each full build takes 40-60 s on 2 cores: the default run makes one (in reverse), the slow ones
seven more (in the default run, tests/test_usage_incremental.py proves an incremental build equal
to a full refresh of the same data).
dbt's target and logs go to the test's temp dir (DBT_TARGET_PATH, DBT_LOG_PATH), never the repo's.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import SMALL_SEED, SmallRun

from lifecycle.loader import load_landing
from lifecycle.simulator.writer import batch_date_of

ROOT = Path(__file__).resolve().parent.parent
LIFECYCLE = Path(sys.executable).parent / "lifecycle"
#: what must not change: every mart, and the row accounting of every source table
RECONCILIATION = "audit.reconciliation"


def _hash_module():
    spec = importlib.util.spec_from_file_location("hash_marts", ROOT / "scripts" / "hash_marts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hashes(warehouse: Path) -> dict[str, dict[str, object]]:
    """Every marts table's (rows, md5), and audit.reconciliation's."""
    table_hashes = _hash_module().table_hashes
    found = table_hashes(warehouse, ["marts"])
    found[RECONCILIATION] = table_hashes(warehouse, ["audit"])[RECONCILIATION]
    return found


def combined(found: dict[str, dict[str, object]]) -> str:
    """One md5 over every table's hash (what the report quotes per variant)."""
    return hashlib.md5(json.dumps(found, sort_keys=True).encode()).hexdigest()


def assert_same(
    found: dict[str, dict[str, object]], reference: dict[str, dict[str, object]], what: str
) -> None:
    differ = sorted(t for t in set(found) | set(reference) if found.get(t) != reference.get(t))
    print(f"{what}: marts + {RECONCILIATION} combined md5 {combined(found)} ({len(found)} tables)")
    assert differ == [], f"{what}: {len(differ)} table(s) differ from the reference: {differ}"
    assert len(found) >= 14, sorted(found)


@pytest.fixture(scope="module")
def reference(small_run: SmallRun) -> dict[str, dict[str, object]]:
    found = hashes(small_run.warehouse)
    print(f"reference (the small run): combined md5 {combined(found)}")
    return found


class Pipeline:
    """A landing dir, a warehouse and a serving path of one variant, and the CLI pointed at them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.landing = root / "landing"
        self.warehouse = root / "data" / "warehouse.duckdb"
        self.landing.mkdir(parents=True, exist_ok=True)
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "LIFECYCLE_AS_OF_DATE"}
        env.update(
            LIFECYCLE_LANDING_DIR=str(self.landing),
            LIFECYCLE_WAREHOUSE=str(self.warehouse),
            LIFECYCLE_SERVING=str(self.root / "data" / "serving.duckdb"),
            DBT_TARGET="duckdb",
            DBT_TARGET_PATH=str(self.root / "target"),
            DBT_LOG_PATH=str(self.root / "logs"),
        )
        return env

    def lifecycle(self, *args: str, timeout: int = 600) -> str:
        proc = subprocess.run(
            [str(LIFECYCLE), *args], env=self.env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}"
        return proc.stdout

    def simulate(self, until: date | None = None) -> None:
        args = ["simulate", "--out", str(self.landing), "--scale", "small", "--seed", str(SMALL_SEED)]
        self.lifecycle(*args, *(["--until", until.isoformat()] if until else []))

    def build(self, *flags: str) -> str:
        out = self.lifecycle("build", *flags)
        assert "==> dbt build" in out, out[-3000:]  # dbt really ran (not skipped as "nothing new")
        return out

    def manifest_order(self) -> list[str]:
        """The batch files in the order the loader recorded them."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            rows = con.execute(
                "select batch_file from raw._load_manifest where status = 'loaded' "
                "order by loaded_at_utc, batch_file"
            ).fetchall()
        return [r[0] for r in rows]


def _batches_by_date(landing: Path) -> dict[date, list[Path]]:
    by_date: dict[date, list[Path]] = defaultdict(list)
    for p in sorted(landing.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            by_date[batch_date_of(p.name)].append(p.relative_to(landing))
    return dict(by_date)


def _land(source: Path, target: Path, files: list[Path]) -> None:
    for rel in files:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, target / rel)


# --- the default run: one full build (the first is slow) ----------------------------------------


@pytest.mark.slow
def test_building_the_same_landing_dir_again_gives_the_same_marts(
    small_run: SmallRun, reference, tmp_path
) -> None:
    """`lifecycle build` over a copy of the reference warehouse: nothing is new, so it skips dbt;
    `--force` rebuilds every model on the same data and must change nothing."""
    p = Pipeline(tmp_path)
    shutil.rmtree(p.landing)
    shutil.copytree(small_run.landing, p.landing)
    shutil.copyfile(small_run.warehouse, p.warehouse)
    assert "==> nothing new since the last build (" in p.lifecycle("build")
    p.build("--force")
    assert_same(hashes(p.warehouse), reference, "built twice (second build --force)")


def test_loading_the_batches_in_reverse_order_gives_the_same_marts(
    small_run: SmallRun, reference, tmp_path
) -> None:
    """Newest batch date first: one loader call per date, so every table's files reach the raw
    layer (and the manifest) in the reverse of the order a single load would take them."""
    p = Pipeline(tmp_path)
    by_date = _batches_by_date(small_run.landing)
    assert len(by_date) >= 10, sorted(by_date)
    for day in sorted(by_date, reverse=True):
        _land(small_run.landing, p.landing, by_date[day])
        report = load_landing(p.landing, p.warehouse, progress=None)
        assert report.ok and report.count("loaded") == len(by_date[day]), report.lines()
    order = p.manifest_order()
    assert sorted(order) == sorted(str(f) for files in by_date.values() for f in files)
    assert batch_date_of(order[0]) == max(by_date) and batch_date_of(order[-1]) == min(by_date)
    p.build()
    assert_same(hashes(p.warehouse), reference, "loaded in reverse order")


def test_a_late_older_batch_never_replaces_the_newer_version(tmp_path: Path) -> None:
    """The newer version of an account (later `_loaded_at`) lands first and is built; then an older
    batch file (earlier name, earlier `_loaded_at`) brings an older version of the same key. The
    staged row stays the newer one, the older counts as superseded (`dbt run` of
    base_crm__accounts and stg_crm__accounts only: tables, rebuilt from the raw layer each run)."""
    p = Pipeline(tmp_path)
    header = (
        "id,name,industry,billing_country,employee_count,owner_user_id,csm_user_id,"
        "billing_customer_id,workspace_id,created_at,updated_at,is_deleted,_loaded_at\n"
    )
    newer = "001LATE,Newer Name Ltd,media,DE,50,005u1,,,,2025-01-10T00:00:00Z,2025-03-15T00:00:00Z,false,2025-04-01T02:00:00Z\n"
    older = "001LATE,Older Name Ltd,retail,FR,20,005u1,,,,2025-01-10T00:00:00Z,2025-02-15T00:00:00Z,false,2025-03-01T02:00:00Z\n"
    other = "001OTHER,Other Co,media,US,5,005u1,,,,2025-01-11T00:00:00Z,2025-01-11T00:00:00Z,false,2025-03-01T02:00:00Z\n"
    folder = p.landing / "crm" / "accounts"
    folder.mkdir(parents=True)
    select = ["dbt", "run", "--select", "+stg_crm__accounts"]  # the two models (no tests of other models)

    (folder / "2025-04-01.csv").write_text(header + newer, encoding="utf-8")
    assert load_landing(p.landing, p.warehouse, progress=None).ok
    p.lifecycle(*select)
    assert _staged_account(p.warehouse, "001LATE") == ("Newer Name Ltd", "DE", "crm/accounts/2025-04-01.csv")

    (folder / "2025-03-01.csv").write_text(header + older + other, encoding="utf-8")  # arrives late
    report = load_landing(p.landing, p.warehouse, progress=None)
    assert report.ok and report.count("loaded") == 1, report.lines()
    assert [f for f in p.manifest_order() if "accounts" in f] == [
        "crm/accounts/2025-04-01.csv",
        "crm/accounts/2025-03-01.csv",
    ]
    p.lifecycle(*select)
    assert _staged_account(p.warehouse, "001LATE") == ("Newer Name Ltd", "DE", "crm/accounts/2025-04-01.csv")
    assert _staged_account(p.warehouse, "001OTHER") == ("Other Co", "US", "crm/accounts/2025-03-01.csv")
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        statuses = con.execute(
            "select _batch_file, _row_status from staging.base_crm__accounts where account_id = '001LATE' "
            "order by _batch_file"
        ).fetchall()
    assert statuses == [
        ("crm/accounts/2025-03-01.csv", "superseded"),
        ("crm/accounts/2025-04-01.csv", "staged"),
    ]


def _staged_account(warehouse: Path, account_id: str) -> tuple[str, str, str] | None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select account_name, billing_country, batch_file from staging.stg_crm__accounts where account_id = ?",
            [account_id],
        ).fetchall()
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


# --- slow: four and two more full builds ---------------------------------------------------------


@pytest.mark.slow
def test_batches_arriving_one_date_at_a_time_give_the_same_marts(
    small_run: SmallRun, reference, tmp_path
) -> None:
    """The simulator's `--until` grows the landing dir as days pass: three builds over a growing
    history (each as of its own latest date), then the full set; the last build equals the one-go
    reference."""
    p = Pipeline(tmp_path)
    dates = sorted(_batches_by_date(small_run.landing))
    steps = [dates[len(dates) // 4], dates[len(dates) // 2], dates[3 * len(dates) // 4]]
    seen = 0
    for until in steps:
        p.simulate(until)
        landed = sum(len(f) for d, f in _batches_by_date(p.landing).items() if d <= until)
        assert landed > seen and max(_batches_by_date(p.landing)) <= until
        seen = landed
        p.build()
    p.simulate()
    assert _batches_by_date(p.landing).keys() == set(dates)
    p.build()
    assert_same(hashes(p.warehouse), reference, f"one date at a time (builds after {steps} and all)")


@pytest.mark.slow
def test_older_batches_arriving_after_newer_ones_give_the_same_marts(
    small_run: SmallRun, reference, tmp_path
) -> None:
    """The second half of the history lands and is built first; then the first half arrives (every
    older batch after every newer one) and the incremental build must end where the reference is."""
    p = Pipeline(tmp_path)
    by_date = _batches_by_date(small_run.landing)
    dates = sorted(by_date)
    newer, older = dates[len(dates) // 2 :], dates[: len(dates) // 2]
    _land(small_run.landing, p.landing, [f for d in newer for f in by_date[d]])
    p.build()
    _land(small_run.landing, p.landing, [f for d in older for f in by_date[d]])
    p.build()
    order = p.manifest_order()
    assert batch_date_of(order[0]) == min(newer) and batch_date_of(order[-1]) == max(older)
    assert_same(hashes(p.warehouse), reference, "older half after the newer half")
