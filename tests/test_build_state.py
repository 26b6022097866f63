"""The build fingerprint and the no-op skip (lifecycle/build_state.py, `lifecycle build`).

Pure tests in a temp project dir and a temp DuckDB file: what changes the fingerprint and what does
not, the begin/finish/clear protocol, and `lifecycle build`'s decision (dbt is replaced by a
recorder, so these take milliseconds). One end-to-end test runs `lifecycle build` on a copy of the
shared small run: the second build of the same inputs skips dbt.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lifecycle import build_state, cli
from lifecycle.loader.manifest import MANIFEST_COLUMNS
from lifecycle.settings import PROJECT_DIR, Settings

# --- a tiny project and warehouse -------------------------------------------------------------


def _project(root: Path) -> Path:
    files = {
        "dbt_project.yml": "name: p\n",
        "profiles.yml": "p: {}\n",
        "models/staging/stg_a.sql": "select 1 as a\n",
        "models/staging/_staging__models.yml": "version: 2\n",
        "macros/m.sql": "{% macro m() %}1{% endmacro %}\n",
        "seeds/thresholds.csv": "name,value\nx,1\n",
        "tests/dbt/assert_x.sql": "select 1 where false\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _settings(tmp_path: Path, **changes: object) -> Settings:
    base = dict(
        landing_dir=tmp_path / "landing",
        warehouse=tmp_path / "data" / "warehouse.duckdb",
        serving=tmp_path / "data" / "serving.duckdb",
        as_of_date=None,
        dbt_target="duckdb",
        project_dir=tmp_path / "project",
    )
    base.update(changes)
    return Settings(**base)  # type: ignore[arg-type]


def _add_batch(con: duckdb.DuckDBPyConnection, batch_file: str, sha: str, status: str = "loaded") -> None:
    con.execute("create schema if not exists raw")
    columns = ", ".join(f"{name} {kind}" for name, kind in MANIFEST_COLUMNS)
    con.execute(f"create table if not exists {build_state.MANIFEST_TABLE} ({columns})")
    con.execute(
        f"insert into {build_state.MANIFEST_TABLE} (source_name, table_name, batch_file, sha256, rows, status) "
        "values ('crm', 'users', ?, ?, 1, ?)",
        [batch_file, sha, status],
    )


@pytest.fixture
def wh(tmp_path: Path):
    _project(tmp_path / "project")
    (tmp_path / "data").mkdir()
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"))
    _add_batch(con, "crm/users/2025-01-01.csv", "a" * 64)
    yield tmp_path, con
    con.close()


# --- what changes the fingerprint ---------------------------------------------------------------


def test_the_same_inputs_give_the_same_fingerprint_and_it_is_cheap(wh) -> None:
    tmp_path, con = wh
    s = _settings(tmp_path)
    started = time.perf_counter()
    first = build_state.fingerprint(s, con)
    assert build_state.fingerprint(s, con) == first and len(first) == 64
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "change",
    [
        "new batch file",
        "batch file of a failed load now loaded",
        "model edited",
        "model added",
        "model yml edited",
        "macro edited",
        "seed edited",
        "singular test edited",
        "dbt_project.yml edited",
        "profiles.yml edited",
        "file renamed",
    ],
)
def test_a_change_of_any_input_changes_the_fingerprint(wh, change: str) -> None:
    tmp_path, con = wh
    s = _settings(tmp_path)
    before = build_state.fingerprint(s, con)
    project = s.project_dir
    if change == "new batch file":
        _add_batch(con, "crm/users/2025-01-02.csv", "b" * 64)
    elif change == "batch file of a failed load now loaded":
        _add_batch(con, "crm/users/2025-01-03.csv", "", status="failed")
        assert build_state.fingerprint(s, con) == before, "a failed file loaded nothing"
        con.execute(
            f"update {build_state.MANIFEST_TABLE} set status = 'loaded', sha256 = 'c' where sha256 = ''"
        )
    elif change == "file renamed":
        (project / "models/staging/stg_a.sql").rename(project / "models/staging/stg_b.sql")
    else:
        rel = {
            "model edited": "models/staging/stg_a.sql",
            "model added": "models/marts/fct_new.sql",
            "model yml edited": "models/staging/_staging__models.yml",
            "macro edited": "macros/m.sql",
            "seed edited": "seeds/thresholds.csv",
            "singular test edited": "tests/dbt/assert_x.sql",
            "dbt_project.yml edited": "dbt_project.yml",
            "profiles.yml edited": "profiles.yml",
        }[change]
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + "-- edit\n", "utf-8")
    assert build_state.fingerprint(s, con) != before, change


def test_the_as_of_date_the_target_and_the_version_change_it(wh) -> None:
    tmp_path, con = wh
    s = _settings(tmp_path)
    base = build_state.fingerprint(s, con)
    assert build_state.fingerprint(_settings(tmp_path, as_of_date=date(2025, 6, 30)), con) != base
    assert build_state.fingerprint(_settings(tmp_path, dbt_target="spark"), con) != base
    loaded = build_state.loaded_files(con)
    kw = {"as_of_date": "", "dbt_target": "duckdb"}
    assert build_state.compute(loaded, s.project_dir, **kw) == base
    assert build_state.compute(loaded, s.project_dir, version="0.0.0-other", **kw) != base


def test_what_does_not_change_it(wh) -> None:
    """Files outside the dbt project, DuckDB's resources, a failed load, the manifest's row order
    and the warehouse's location: none changes what dbt builds."""
    tmp_path, con = wh
    s = _settings(tmp_path)
    base = build_state.fingerprint(s, con)
    (s.project_dir / "README.md").write_text("docs\n", encoding="utf-8")
    (s.project_dir / "lifecycle").mkdir()
    (s.project_dir / "lifecycle" / "cli.py").write_text("x = 1\n", encoding="utf-8")
    (s.project_dir / "target").mkdir()
    (s.project_dir / "target" / "manifest.json").write_text("{}", encoding="utf-8")
    _add_batch(con, "crm/users/2025-02-01.csv", "", status="failed")
    assert build_state.fingerprint(s, con) == base
    assert (
        build_state.fingerprint(_settings(tmp_path, duckdb_memory_limit="1GB", duckdb_threads=1), con) == base
    )
    moved = tmp_path / "elsewhere.duckdb"
    con.execute("checkpoint")
    shutil.copyfile(s.warehouse, moved)
    with duckdb.connect(str(moved)) as other:
        assert build_state.fingerprint(_settings(tmp_path, warehouse=moved), other) == base


def test_the_real_project_fingerprint_is_cheap() -> None:
    started = time.perf_counter()
    files = build_state.project_files(PROJECT_DIR)
    build_state.compute([], PROJECT_DIR, as_of_date="", dbt_target="duckdb")
    assert time.perf_counter() - started < 1.0
    names = {p.as_posix() for p in files}
    assert {"dbt_project.yml", "profiles.yml"} <= names
    assert any(n.startswith("models/") and n.endswith(".sql") for n in names)
    assert any(n.startswith("macros/") for n in names) and any(n.startswith("seeds/") for n in names)
    assert any(n.startswith("tests/dbt/") for n in names)
    assert not any(n.startswith(("lifecycle/", "target/", "tests/test_")) for n in names)


# --- the protocol -------------------------------------------------------------------------------


def test_only_a_finished_build_of_the_same_inputs_is_current(wh) -> None:
    tmp_path, con = wh
    fp = build_state.fingerprint(_settings(tmp_path), con)
    assert build_state.read(con) is None
    started = build_state.begin(con, fp, "run-1")
    assert not started.current(fp) and started.building_in("run-1")
    assert build_state.finish(con, "run-2") is None, "only the run that began the build finishes it"
    assert not build_state.read(con).current(fp)  # type: ignore[union-attr]
    done = build_state.finish(con, "run-1")
    assert done is not None and done.current(fp) and not done.current("other")
    assert build_state.read(con) == done and done.seconds is not None and done.seconds >= 0
    assert "nothing new since the last build" in done.skip_line() and "--force" in done.skip_line()
    build_state.clear(con)
    assert build_state.read(con) is None


# --- `lifecycle build`'s decision ---------------------------------------------------------------


class _Dbt:
    """Stands in for the dbt steps and the fit of `lifecycle build` (cli._run_models)."""

    def __init__(self, rc: int = 0) -> None:
        self.rc, self.calls = rc, []

    def __call__(self, settings: Settings, *, full_refresh: bool) -> int:
        self.calls.append(full_refresh)
        return self.rc


def _build(monkeypatch, s: Settings, dbt: _Dbt, **flags: bool) -> int:
    monkeypatch.setattr(cli, "_run_models", dbt)
    return cli._build_models(
        s, full_refresh=flags.get("full_refresh", False), force=flags.get("force", False)
    )


def test_build_skips_dbt_when_nothing_changed_and_rebuilds_when_something_did(
    wh, monkeypatch, capsys
) -> None:
    tmp_path, con = wh
    con.close()
    s = _settings(tmp_path)
    dbt = _Dbt()
    assert _build(monkeypatch, s, dbt) == 0 and dbt.calls == [False], "the first build runs dbt"
    assert _build(monkeypatch, s, dbt) == 0 and dbt.calls == [False], "the second skips it"
    out = capsys.readouterr().out
    assert "==> nothing new since the last build (" in out and "dbt skipped" in out
    assert _build(monkeypatch, s, dbt, force=True) == 0 and dbt.calls == [False, False]
    assert _build(monkeypatch, s, dbt, full_refresh=True) == 0 and dbt.calls[-1] is True
    assert _build(monkeypatch, s, dbt) == 0 and len(dbt.calls) == 3, "forced builds record their state"
    (s.project_dir / "models" / "staging" / "stg_a.sql").write_text("select 2 as a\n", encoding="utf-8")
    assert _build(monkeypatch, s, dbt) == 0 and len(dbt.calls) == 4, "a touched model rebuilds"
    with duckdb.connect(str(s.warehouse)) as c:
        _add_batch(c, "crm/users/2025-01-02.csv", "b" * 64)
    assert _build(monkeypatch, s, dbt) == 0 and len(dbt.calls) == 5, "a new batch file rebuilds"
    assert _build(monkeypatch, _settings(tmp_path, as_of_date=date(2025, 1, 1)), dbt) == 0
    assert len(dbt.calls) == 6, "another as-of date rebuilds"
    assert _build(monkeypatch, s, dbt) == 0 and len(dbt.calls) == 7, "and back again"
    assert _build(monkeypatch, s, dbt) == 0 and len(dbt.calls) == 7


def test_a_failed_build_never_leaves_a_state_that_skips(wh, monkeypatch) -> None:
    tmp_path, con = wh
    con.close()
    s = _settings(tmp_path)
    assert _build(monkeypatch, s, _Dbt()) == 0
    failing = _Dbt(rc=1)
    (s.project_dir / "models" / "staging" / "stg_a.sql").write_text("select broken\n", encoding="utf-8")
    assert _build(monkeypatch, s, failing) == 1
    with duckdb.connect(str(s.warehouse), read_only=True) as c:
        assert build_state.read(c) is None
    assert _build(monkeypatch, s, failing) == 1 and len(failing.calls) == 2, "the failure is retried"
    (s.project_dir / "models" / "staging" / "stg_a.sql").write_text("select 1 as a\n", encoding="utf-8")
    dbt = _Dbt()
    assert _build(monkeypatch, s, dbt) == 0 and dbt.calls == [False], (
        "reverting the model after a failed (partial) build must rebuild, not skip to the old state"
    )


def test_an_interrupted_build_does_not_skip(wh, monkeypatch) -> None:
    tmp_path, con = wh
    s = _settings(tmp_path)
    build_state.begin(con, build_state.fingerprint(s, con), "build-killed")  # the process died in dbt
    con.close()
    dbt = _Dbt()
    assert _build(monkeypatch, s, dbt) == 0 and dbt.calls == [False]


# --- end to end on a copy of the shared small run -----------------------------------------------


def test_a_second_lifecycle_build_of_the_small_run_skips_dbt(small_run, tmp_path: Path) -> None:
    """The small run's last dbt step recorded its build: `lifecycle build` on a copy loads nothing
    new and skips both dbt steps and the fit (seconds, where a build takes a minute)."""
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(small_run.warehouse, warehouse)
    env = {
        **small_run.env(),
        "LIFECYCLE_WAREHOUSE": str(warehouse),
        "LIFECYCLE_SERVING": str(tmp_path / "s.duckdb"),
    }
    cmd = [str(Path(sys.executable).with_name("lifecycle")), "build"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    print(f"no-op lifecycle build of the small run: {seconds:.1f} s")
    lines = proc.stdout.splitlines()
    assert any(line.startswith("==> nothing new since the last build (") for line in lines), proc.stdout
    assert not any(line.startswith(("==> dbt build", "==> LTV fit")) for line in lines), proc.stdout
    assert "marts:" in proc.stdout, "the summary of the unchanged warehouse is still printed"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        state = build_state.read(con)
    with duckdb.connect(str(small_run.warehouse), read_only=True) as con:
        assert state == build_state.read(con), "a skipped build leaves the recorded build as it was"
