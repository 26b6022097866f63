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
