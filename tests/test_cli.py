"""The `lifecycle` command line as a new user meets it: what it prints where, what it refuses.

No Dagster run here (tests/test_orchestration.py runs the launcher end to end); these are the
command-line rules: the domain library never imports Dagster, errors on stderr with exit 2 for
bad configuration, a setting is validated only by the commands that use it, the demo is
simulated only into a landing dir without batches, the summary's columns.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lifecycle.cli import _ensure_demo_data, main
from lifecycle.settings import PROJECT_DIR, Settings
from lifecycle.summary import summary_lines

USERS = ["id", "full_name", "email", "role", "is_active", "_loaded_at"]


def _write_users(path: Path, n: int = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(USERS)
        for i in range(n):
            w.writerow([f"u{i}", f"User {i}", f"u{i}@x.example", "csm", "true", "2025-01-31T06:00:00Z"])


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every path the CLI reads or writes, in the temp dir."""
    monkeypatch.setenv("LIFECYCLE_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(tmp_path / "data" / "warehouse.duckdb"))
    monkeypatch.setenv("LIFECYCLE_SERVING", str(tmp_path / "data" / "serving.duckdb"))
    monkeypatch.delenv("LIFECYCLE_AS_OF_DATE", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    return tmp_path


def test_the_domain_library_never_imports_dagster() -> None:
    modules = [
        "lifecycle",
        "lifecycle.cli",
        "lifecycle.contract",
        "lifecycle.dbt",
        "lifecycle.loader",
        "lifecycle.publish",
        "lifecycle.quality",
        "lifecycle.settings",
        "lifecycle.simulator",
        "lifecycle.summary",
    ]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + (
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dagster_dbt', 'orchestration')))"
        )
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"lifecycle imported {out}"


def test_a_bad_as_of_date_does_not_block_simulate_but_blocks_build(env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LIFECYCLE_AS_OF_DATE", "yesterday")
    out = env / "sim"
    assert main(["simulate", "--out", str(out), "--scale", "small", "--accounts", "3", "--months", "2"]) == 0
    assert any(out.rglob("*.csv")) or any(out.rglob("*.jsonl*"))
    capsys.readouterr()
    assert main(["build"]) == 2
    captured = capsys.readouterr()
    assert "LIFECYCLE_AS_OF_DATE" in captured.err and captured.out == ""
    _write_users(env / "landing" / "crm" / "users" / "1.csv")
    assert main(["load"]) == 0 and main(["summary"]) == 0  # neither reads the as-of setting
    assert "LIFECYCLE_AS_OF_DATE" not in capsys.readouterr().err


def test_a_bad_dbt_target_blocks_the_commands_that_run_dbt_only(env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DBT_TARGET", "postgres")
    _write_users(env / "landing" / "crm" / "users" / "1.csv")
    assert main(["load"]) == 0
    for command in (["build"], ["run"], ["dbt", "debug"], ["publish"]):
        assert main(command) == 2, command
        assert "DBT_TARGET" in capsys.readouterr().err


def test_config_errors_are_one_line_on_stderr_before_any_work(env, monkeypatch, capsys) -> None:
    """A missing landing dir, a bad as-of date, an unknown or unconfigured target: exit 2, one
    line, and nothing written (no warehouse, no Dagster home, no landing dir)."""
    cases = [
        ({}, ["build"], "landing dir"),
        ({}, ["run"], "landing dir"),
        ({"LIFECYCLE_AS_OF_DATE": "2025-02-30"}, ["run"], "LIFECYCLE_AS_OF_DATE"),
        ({"DBT_TARGET": "bigquery"}, ["run"], "DBT_TARGET"),
        ({"DBT_TARGET": "spark"}, ["run"], "DBT_TARGET=spark: `lifecycle run`"),
        ({"LIFECYCLE_DUCKDB_MEMORY_LIMIT": "lots"}, ["load"], "LIFECYCLE_DUCKDB_MEMORY_LIMIT"),
    ]
    for extra, command, words in cases:
        with monkeypatch.context() as m:
            for name, value in extra.items():
                m.setenv(name, value)
            assert main(command) == 2, (extra, command)
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (extra, command, captured.err)
        assert "Traceback" not in captured.err
    assert sorted(p.name for p in env.iterdir()) == [], "a refused command wrote something"


def test_run_never_simulates_into_a_named_landing_dir(env, capsys) -> None:
    """The typo that published a simulated company: LIFECYCLE_LANDING_DIR names a missing or an
    empty folder. Only the default data/landing gets the demo."""
    assert main(["run", "--demo-scale", "small"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "(LIFECYCLE_LANDING_DIR) does not exist: nothing was loaded" in err[0], err
    (env / "landing").mkdir()
    assert main(["run", "--demo-scale", "small"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no batch files" in err[0], err
    assert [p.name for p in env.iterdir()] == ["landing"] and not any((env / "landing").iterdir())


def test_build_refuses_an_empty_landing_dir_when_nothing_was_ever_loaded(env, capsys) -> None:
    (env / "landing").mkdir()
    assert main(["build"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing to build" in err[0], err
    assert not (env / "data").exists()


def test_the_default_landing_dir_is_the_only_one_the_demo_goes_into(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIFECYCLE_LANDING_DIR", raising=False)
    assert not Settings.from_env().landing_dir_named
    monkeypatch.setenv("LIFECYCLE_LANDING_DIR", "data/landing")  # the default, spelled out
    assert not Settings.from_env().landing_dir_named
    monkeypatch.setenv("LIFECYCLE_LANDING_DIR", str(tmp_path / "data" / "landing"))
    assert not Settings.from_env().landing_dir_named
    monkeypatch.setenv("LIFECYCLE_LANDING_DIR", "data/landnig")
    assert Settings.from_env().landing_dir_named


def _garbage_parquet(landing: Path) -> Path:
    path = landing / "billing" / "invoices" / "2025-02-01.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PAR1 this is not a parquet file")
    return path


def test_a_rejected_file_is_listed_and_exits_3_while_the_rest_loads(env, capsys) -> None:
    landing = env / "landing"
    _write_users(landing / "crm" / "users" / "1.csv", n=3)
    bad = _garbage_parquet(landing)
    assert main(["load"]) == 3
    captured = capsys.readouterr()
    assert "crm__users" in captured.out and "new    1" in captured.out
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("error: completed, but 1 batch file(s) were rejected") and last.endswith("exit 3")
    lines = summary_lines(env / "data" / "warehouse.duckdb")
    at = lines.index(next(x for x in lines if x.startswith("REJECTED batch files: 1 not loaded")))
    assert lines[at + 1].startswith("  billing/invoices/2025-02-01.parquet: ")
    assert main(["load"]) == 3  # retried, still rejected
    capsys.readouterr()
    bad.unlink()  # removed: no longer rejected
    assert main(["load"]) == 0
    assert "no longer reported as rejected" in capsys.readouterr().err
    assert not any(x.startswith("REJECTED") for x in summary_lines(env / "data" / "warehouse.duckdb"))


def test_run_exits_3_after_a_successful_run_with_rejected_files(env, monkeypatch, capsys) -> None:
    import orchestration.launch as launch_module
    from orchestration.launch import RunOutcome

    landing = env / "landing"
    _write_users(landing / "crm" / "users" / "1.csv")
    _garbage_parquet(landing)
    assert main(["load"]) == 3
    capsys.readouterr()

    def launched(settings: Settings, force: bool = False) -> RunOutcome:
        return RunOutcome("lifecycle_full_graph", "0" * 32, True, 1.0, env / "run.log")

    monkeypatch.setattr(launch_module, "launch", launched)
    assert main(["run"]) == 3
    captured = capsys.readouterr()
    assert "REJECTED batch files: 1 not loaded" in captured.out
    assert captured.err.strip().splitlines()[-1].endswith("exit 3")


def test_errors_go_to_stderr_with_exit_2(env, capsys) -> None:
    assert main(["build"]) == 2  # no landing dir
    captured = capsys.readouterr()
    assert captured.out == "" and "error: landing dir" in captured.err and "does not exist" in captured.err
    assert main(["load"]) == 2
    assert "does not exist" in capsys.readouterr().err
    (env / "landing").write_text("a file, not a folder", encoding="utf-8")
    assert main(["load"]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_load_prints_its_total_once_and_warnings_on_stderr(env, capsys) -> None:
    landing = env / "landing"
    _write_users(landing / "crm" / "users" / "1.csv")
    (landing / "crm" / "users" / "README").write_text("not a batch", encoding="utf-8")
    (landing / ".simulator.json").write_text("{}", encoding="utf-8")  # hidden: not even a note
    assert main(["load"]) == 0
    captured = capsys.readouterr()
    totals = [line for line in captured.out.splitlines() if line.startswith("load: ")]
    assert len(totals) == 1, captured.out
    assert "crm__users" in captured.out
    assert "warning: ignored crm/users/README" in captured.err
    assert ".simulator.json" not in captured.out + captured.err


def _settings(landing: Path) -> Settings:
    return Settings(landing, landing.parent / "w.duckdb", landing.parent / "s.duckdb", None, "duckdb")


def test_run_does_not_simulate_into_a_landing_dir_whose_batches_sit_in_sub_folders(tmp_path, capsys) -> None:
    """The bug: batches only in <source>/<table>/<sub>/ were judged empty, and the demo was then
    simulated into the folder, which failed with FileExistsError."""
    landing = tmp_path / "landing"
    _write_users(landing / "crm" / "users" / "2025" / "01" / "31.csv")
    before = sorted(p.relative_to(landing) for p in landing.rglob("*"))
    assert _ensure_demo_data(_settings(landing), "small") is True
    assert "has batch files: using them as they are" in capsys.readouterr().out
    assert sorted(p.relative_to(landing) for p in landing.rglob("*")) == before


def test_run_refuses_in_one_line_to_simulate_over_foreign_files(tmp_path, capsys) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "export.txt").write_text("someone's data", encoding="utf-8")
    assert _ensure_demo_data(_settings(landing), "small") is False
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "simulator did not write" in err[0]
    assert (landing / "export.txt").read_text(encoding="utf-8") == "someone's data"


def test_run_simulates_the_requested_scale_into_an_empty_landing_dir_and_prints_its_summary_once(
    tmp_path, capsys
) -> None:
    landing = tmp_path / "landing"
    assert _ensure_demo_data(_settings(landing), "small") is True
    out = capsys.readouterr().out
    assert "generating the small data set" in out
    assert out.count("simulated 25 accounts") == 1, out
    from lifecycle.loader import has_batches

    assert has_batches(landing)


def _warehouse(path: Path) -> Path:
    """The audit and as-of tables the summary reads, by hand."""
    con = duckdb.connect(str(path))
    con.execute("create schema audit")
    con.execute("create schema intermediate")
    con.execute("create schema marts")
    con.execute(
        "create table audit.reconciliation as select * from (values "
        "('billing.customers', 40, 30, 0, 4, 6), ('crm.accounts', 4168, 2034, 0, 2134, 0)) "
        "t(source_table, rows_landed, rows_staged, rows_quarantined, rows_duplicate, rows_superseded)"
    )
    con.execute(
        "create table audit.quarantine as select * from (values "
        "('billing', 'customers', 'identity_conflict', false), ('billing', 'customers', 'identity_conflict', false), "
        "('crm', 'accounts', 'unparseable_timestamp', true)) t(source_name, table_name, rule, is_rejected)"
    )
    con.execute(
        "create table intermediate.int_as_of_date as "
        "select date '2025-12-31' as as_of_date, 'business_date' as as_of_date_source"
    )
    con.execute("create table marts.dim_accounts as select 1 as account_id")
    con.close()
    return path


def test_summary_separates_duplicates_superseded_quarantined_and_flagged(tmp_path) -> None:
    lines = summary_lines(_warehouse(tmp_path / "w.duckdb"))
    head = lines[0].split()
    assert head == ["table", "landed", "staged", "duplicates", "superseded", "quarantined", "flagged"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:4]}
    assert rows["billing.customers"] == ["40", "30", "4", "6", "0", "2"]
    assert rows["crm.accounts"] == ["4,168", "2,034", "2,134", "0", "0", "0"]
    assert rows["total"] == ["4,208", "2,064", "2,138", "6", "0", "2"]
    text = "\n".join(lines)
    assert "billing.customers: identity_conflict x2 (flagged)" in text
    assert "marts as of 2025-12-31 (as_of_date_source: business_date)" in text
    assert "marts: dim_accounts (1 rows)" in text


def test_help_describes_demo_scale_and_every_command(capsys) -> None:
    for command in (
        "load",
        "simulate",
        "build",
        "run",
        "publish",
        "ui",
        "dbt",
        "summary",
        "worklist",
        "dashboard",
    ):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        assert "usage: lifecycle" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "--demo-scale" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
