from datetime import date
from pathlib import Path

import pytest

from lifecycle.cli import main
from lifecycle.settings import PROJECT_DIR, ConfigError, Settings, configured_targets


def test_defaults_are_relative_to_the_working_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({})
    assert s.landing_dir == tmp_path / "data" / "landing"
    assert s.warehouse == tmp_path / "data" / "warehouse.duckdb"
    assert s.serving == tmp_path / "data" / "serving.duckdb"
    assert s.as_of_date is None
    assert s.dbt_target == "duckdb"


def test_env_overrides_and_as_of_date(tmp_path):
    s = Settings.from_env(
        {
            "LIFECYCLE_LANDING_DIR": str(tmp_path / "in"),
            "LIFECYCLE_WAREHOUSE": str(tmp_path / "w.duckdb"),
            "LIFECYCLE_AS_OF_DATE": "2025-01-31",
            "DBT_TARGET": "duckdb",
        }
    )
    assert s.landing_dir == tmp_path / "in"
    assert s.as_of_date == date(2025, 1, 31)
    assert s.dbt_target == "duckdb"
    assert s.dbt_env()["LIFECYCLE_AS_OF_DATE"] == "2025-01-31"
    assert Path(s.dbt_env()["DBT_PROFILES_DIR"]) == s.project_dir


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LIFECYCLE_AS_OF_DATE", "31/01/2025", "is not a date"),
        ("DBT_TARGET", "postgres", "is not one of"),
    ],
)
def test_bad_config_is_a_clear_error(name, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value})


def test_a_known_engine_without_a_profiles_target_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("lifecycle.settings.configured_targets", lambda _project: ["duckdb"])
    with pytest.raises(ConfigError, match=r"is not configured in profiles.yml \(configured: duckdb\)"):
        Settings.from_env({"DBT_TARGET": "spark"})


def test_spark_is_configured_and_its_dir_defaults_beside_the_warehouse(tmp_path):
    assert configured_targets(PROJECT_DIR)[:2] == ["duckdb", "spark"]
    s = Settings.from_env({"DBT_TARGET": "spark", "LIFECYCLE_WAREHOUSE": str(tmp_path / "w.duckdb")})
    assert s.dbt_target == "spark" and s.spark_dir == tmp_path / "spark"
    assert s.dbt_env()["LIFECYCLE_SPARK_DIR"] == str(tmp_path / "spark")
    assert s.dbt_env()["LIFECYCLE_SPARK_LANDED"] == ""  # nothing landed for Spark yet
    named = Settings.from_env({"LIFECYCLE_SPARK_DIR": str(tmp_path / "elsewhere")})
    assert named.spark_dir == tmp_path / "elsewhere"


def test_cli_reports_bad_config_and_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("LIFECYCLE_AS_OF_DATE", "yesterday")
    assert main(["build"]) == 2  # a command that uses the as-of date (tests/test_cli.py: the others)
    assert "LIFECYCLE_AS_OF_DATE" in capsys.readouterr().err


def test_build_on_missing_landing_dir_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LIFECYCLE_LANDING_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert main(["build"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_every_command_has_help(capsys):
    for cmd in ("load", "simulate", "build", "run", "dbt", "summary"):
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        assert "usage: lifecycle" in capsys.readouterr().out
