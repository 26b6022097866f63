"""DuckDB's resource settings (memory limit, threads, spill dir): parsed, validated, and applied to
every connection the pipeline opens and to dbt's profile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from lifecycle.cli import main
from lifecycle.connection import connect
from lifecycle.settings import DEFAULT_DUCKDB_MEMORY_LIMIT, PROJECT_DIR, ConfigError, Settings


def test_defaults_memory_limit_cpus_and_a_temp_dir_beside_the_warehouse(tmp_path: Path) -> None:
    s = Settings.from_env({"LIFECYCLE_WAREHOUSE": str(tmp_path / "data" / "w.duckdb")})
    assert s.duckdb_memory_limit == DEFAULT_DUCKDB_MEMORY_LIMIT
    assert s.duckdb_threads == (os.cpu_count() or 1)
    assert s.duckdb_temp_dir == tmp_path / "data" / "duckdb_tmp"
    # the same defaults when the dataclass is built directly (Dagster's resource does)
    direct = Settings(tmp_path, tmp_path / "x" / "w.duckdb", tmp_path / "s.duckdb", None, "duckdb")
    assert direct.duckdb_temp_dir == tmp_path / "x" / "duckdb_tmp"
    assert direct.duckdb_config() == {
        "memory_limit": DEFAULT_DUCKDB_MEMORY_LIMIT,
        "threads": str(os.cpu_count() or 1),
        "temp_directory": str(tmp_path / "x" / "duckdb_tmp"),
    }


@pytest.mark.parametrize("value", ["3GB", "2.5GiB", "500MB", "1 gb", "4g", "50%"])
def test_memory_limits_duckdb_accepts(value: str) -> None:
    assert Settings.from_env({"LIFECYCLE_DUCKDB_MEMORY_LIMIT": value}).duckdb_memory_limit == value


def test_env_overrides_reach_dbt_env_and_vars(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "LIFECYCLE_WAREHOUSE": str(tmp_path / "w.duckdb"),
            "LIFECYCLE_DUCKDB_MEMORY_LIMIT": "1GiB",
            "LIFECYCLE_DUCKDB_THREADS": "1",
            "LIFECYCLE_DUCKDB_TEMP_DIR": str(tmp_path / "spill"),
        }
    )
    assert (s.duckdb_memory_limit, s.duckdb_threads, s.duckdb_temp_dir) == ("1GiB", 1, tmp_path / "spill")
    env = s.dbt_env()
    assert env["LIFECYCLE_DUCKDB_MEMORY_LIMIT"] == "1GiB"
    assert env["LIFECYCLE_DUCKDB_THREADS"] == "1"
    assert env["LIFECYCLE_DUCKDB_TEMP_DIR"] == str(tmp_path / "spill")
    assert s.dbt_vars() == {
        "lifecycle_warehouse": str(tmp_path / "w.duckdb"),
        "duckdb_memory_limit": "1GiB",
        "duckdb_threads": "1",
        "duckdb_temp_directory": str(tmp_path / "spill"),
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LIFECYCLE_DUCKDB_MEMORY_LIMIT", "lots"),
        ("LIFECYCLE_DUCKDB_MEMORY_LIMIT", "3"),
        ("LIFECYCLE_DUCKDB_MEMORY_LIMIT", "-1GB"),
        ("LIFECYCLE_DUCKDB_MEMORY_LIMIT", "0GB"),
        ("LIFECYCLE_DUCKDB_MEMORY_LIMIT", "120%"),
        ("LIFECYCLE_DUCKDB_THREADS", "0"),
        ("LIFECYCLE_DUCKDB_THREADS", "two"),
        ("LIFECYCLE_DUCKDB_THREADS", "-2"),
    ],
)
def test_bad_values_are_a_config_error_naming_the_variable_and_an_example(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.from_env({name: value})
    message = str(exc.value)
    assert message.startswith(f"{name}={value!r}") and ("e.g." in message or "such as" in message)


def test_only_commands_that_open_duckdb_check_them(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LIFECYCLE_DUCKDB_THREADS", "many")
    monkeypatch.setenv("LIFECYCLE_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    for command in (["load"], ["build"], ["summary"], ["publish"]):
        assert main(command) == 2, command
        assert "LIFECYCLE_DUCKDB_THREADS='many'" in capsys.readouterr().err
    Settings.from_env(uses=())  # simulate, worklist, dashboard do not read them


def test_a_connection_opened_through_the_helper_has_the_settings(tmp_path: Path) -> None:
    s = Settings(
        tmp_path,
        tmp_path / "w.duckdb",
        tmp_path / "s.duckdb",
        None,
        "duckdb",
        duckdb_memory_limit="1GiB",
        duckdb_threads=1,
    )
    with connect(s.warehouse, s.duckdb_config()) as con:
        row = con.execute(
            "select current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('temp_directory')"
        ).fetchone()
    assert row == ("1.0 GiB", 1, str(tmp_path / "duckdb_tmp"))
    with connect(s.warehouse, s.duckdb_config(), read_only=True) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("1.0 GiB",)


def test_the_pipeline_opens_duckdb_only_through_the_helper() -> None:
    """Every connection of the pipeline gets the settings: no bare duckdb.connect( outside the
    helper, except the read-only tools that are not pipeline steps (the worklist, the dashboard)."""
    allowed = {"lifecycle/connection.py", "lifecycle/worklist.py", "lifecycle/dashboard/data.py"}
    offenders = []
    for folder in ("lifecycle", "orchestration"):
        for path in sorted((PROJECT_DIR / folder).rglob("*.py")):
            rel = path.relative_to(PROJECT_DIR).as_posix()
            lines = [
                i
                for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "duckdb.connect(" in line and not line.lstrip().startswith(("#", "``", "(``"))
            ]
            if lines and rel not in allowed:
                offenders.append(f"{rel}:{lines}")
    assert not offenders, offenders


def test_dbt_profile_gives_duckdb_every_setting_at_connect_time() -> None:
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    output = profile["lifecycle_warehouse"]["outputs"]["duckdb"]
    options = output["config_options"]  # given to duckdb.connect: `settings` are SET per cursor
    for key, env_name in (
        ("memory_limit", "LIFECYCLE_DUCKDB_MEMORY_LIMIT"),
        ("threads", "LIFECYCLE_DUCKDB_THREADS"),
        ("temp_directory", "LIFECYCLE_DUCKDB_TEMP_DIR"),
    ):
        assert f"var('duckdb_{key}'" in options[key] and f"env_var('{env_name}'" in options[key], key
    assert f"'{DEFAULT_DUCKDB_MEMORY_LIMIT}'" in options["memory_limit"], "the profile's fallback = Settings'"
    assert not set(options) & set(output.get("settings") or {})
