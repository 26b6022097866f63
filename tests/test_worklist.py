"""`lifecycle worklist` on a small hand-made warehouse: the table, the date it picks, its errors.

The warehouse is a DuckDB file in the temp dir holding only ``marts.csm_worklist`` with a few rows
(the columns the command reads); the mart's own logic is pinned by its dbt unit tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lifecycle.cli import main
from lifecycle.worklist import WorklistRow, format_table

LONG_REASONS = (
    "health red (32.0): usage at 0.20 active users per seat; no CSM touch in 75 days; "
    "renewal on 2026-02-14, in 45 days; ARR $24,000"
)

#: worklist_date, account_id, account_name, play, priority_score, priority_rank, arr, owner, role, reasons
ROWS = [
    (
        "2025-12-28",
        "a1",
        "Acme",
        "saving",
        9000.0,
        1,
        24000.0,
        "Yuki Novak",
        "csm",
        "health red (35.0); ARR $24,000",
    ),
    ("2025-12-31", "a1", "Acme", "saving", 15600.0, 1, 24000.0, "Yuki Novak", "csm", LONG_REASONS),
    (
        "2025-12-31",
        "a2",
        "Borealis Analytics",
        "renewal_prep",
        1234567.89,
        2,
        1543209.86,
        "Yuki Novak",
        "csm",
        "renewal on 2026-01-07, in 7 days; health green (95.1); ARR $1,543,210",
    ),
    (
        "2025-12-31",
        "a3",
        "Cobalt",
        "expansion",
        50.0,
        3,
        100.0,
        "Yuki Novak",
        "csm",
        "10 of 10 seats active; health green (88.0); ARR $100",
    ),
    (
        "2025-12-31",
        "b1",
        "Delta",
        "onboarding",
        500.0,
        1,
        1000.0,
        "Kenji Smith",
        "account_executive",
        "landed on 2025-10-01, 91 days ago, no first value yet; health yellow (50.0); ARR $1,000",
    ),
    (
        "2025-12-31",
        "u1",
        None,
        "champion_left",
        10.0,
        1,
        20.0,
        None,
        "unassigned",
        "no engaged contacts; ARR $20",
    ),
]


def _make_warehouse(path: Path, rows: list[tuple] = ROWS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.csm_worklist (worklist_date date, account_id varchar, account_name varchar, "
        "play varchar, priority_score decimal(18, 2), priority_rank bigint, arr_at_stake_usd decimal(18, 2), "
        "owner_name varchar, owner_role varchar, reasons varchar)"
    )
    con.executemany("insert into marts.csm_worklist values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()
    return path


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A built worklist in the temp dir, named by LIFECYCLE_WAREHOUSE; a 100-column terminal."""
    path = _make_warehouse(tmp_path / "data" / "warehouse.duckdb")
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(path))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("LIFECYCLE_AS_OF_DATE", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    return path


def test_prints_the_owners_latest_list_in_rank_order_with_reasons_wrapped(warehouse, capsys) -> None:
    assert main(["worklist", "--owner", "Yuki Novak"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "Worklist of Yuki Novak (CSM) on 2025-12-31 (the latest): 3 plays for 3 accounts"
    assert lines[1].split() == ["rank", "account", "play", "priority", "ARR", "at", "stake", "reasons"]
    assert set(lines[2]) == {"-"}
    assert all(len(line) <= 100 for line in lines)
    body = lines[3:]
    starts = [i for i, line in enumerate(body) if line[:4].strip()]
    assert [body[i].split()[0] for i in starts] == ["1", "2", "3"]  # rank order
    assert [body[i].split()[1] for i in starts] == ["Acme", "Borealis", "Cobalt"]
    first = body[starts[0]]
    assert "saving" in first and "$15,600" in first and "$24,000" in first  # priority, ARR at stake
    assert "$1,234,568" in body[starts[1]] and "$1,543,210" in body[starts[1]]
    # the long reasons wrap onto continuation lines that start in the reasons column, nothing lost
    column = lines[1].index("reasons")
    continuation = body[starts[0] + 1 : starts[1]]
    assert continuation, "the reasons of rank 1 should wrap at 100 columns"
    assert all(line[:column].strip() == "" for line in continuation)
    words = " ".join([first[column:]] + [line[column:] for line in continuation]).split()
    assert words == LONG_REASONS.split()


def test_the_owner_matches_in_any_case_and_limit_keeps_the_first_ranks(warehouse, capsys) -> None:
    assert main(["worklist", "--owner", "  yuki NOVAK ", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Worklist of Yuki Novak (CSM) on 2025-12-31 (the latest): 3 plays, the first 2 shown"
    assert "Borealis Analytics" in out and "Cobalt" not in out


def test_date_picks_the_latest_worklist_on_or_before_it(warehouse, capsys) -> None:
    assert main(["worklist", "--owner", "Yuki Novak", "--date", "2025-12-30"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "Worklist of Yuki Novak (CSM) on 2025-12-28 (the latest worklist on or before 2025-12-30): "
        "1 play for 1 account"
    )
    assert "health red (35.0)" in out and "Borealis" not in out
    assert main(["worklist", "--owner", "Yuki Novak", "--date", "2025-12-31"]) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .startswith("Worklist of Yuki Novak (CSM) on 2025-12-31: 3 plays")
    )
    assert main(["worklist", "--owner", "Yuki Novak", "--date", "2026-03-01"]) == 0
    assert " on 2025-12-31 (the latest worklist on or before 2026-03-01)" in capsys.readouterr().out


def test_a_date_before_the_first_worklist_is_an_error(warehouse, capsys) -> None:
    assert main(["worklist", "--owner", "Yuki Novak", "--date", "2025-01-01"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: no worklist on or before 2025-01-01: the first is 2025-12-28\n"


def test_a_known_owner_with_nothing_at_the_date_gets_an_empty_list(warehouse, capsys) -> None:
    assert main(["worklist", "--owner", "Kenji Smith", "--date", "2025-12-28"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Worklist of Kenji Smith on 2025-12-28: 0 plays for 0 accounts",
        "nothing on the list at this date",
    ]


def test_an_unknown_owner_is_one_line_naming_known_owners_exit_2(warehouse, capsys) -> None:
    assert main(["worklist", "--owner", "Nobody Here"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: unknown owner 'Nobody Here'; known owners include: ")
    # the owner with the most rows at the latest date first; the unassigned rows name nobody
    assert captured.err.rstrip("\n").endswith("Yuki Novak, Kenji Smith")
    # a part of a name puts the owners it matches first
    assert main(["worklist", "--owner", "kenji"]) == 2
    assert (
        capsys.readouterr().err
        == "error: unknown owner 'kenji'; known owners include: Kenji Smith, Yuki Novak\n"
    )


def test_a_missing_warehouse_or_an_unbuilt_mart_is_a_clear_error(tmp_path, monkeypatch, capsys) -> None:
    missing = tmp_path / "nowhere.duckdb"
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(missing))
    assert main(["worklist", "--owner", "Yuki Novak"]) == 2
    assert capsys.readouterr().err == (
        f"error: warehouse {missing} does not exist (set LIFECYCLE_WAREHOUSE, or run `lifecycle build`)\n"
    )
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(empty))
    assert main(["worklist", "--owner", "Yuki Novak"]) == 2
    assert (
        capsys.readouterr().err
        == f"error: marts.csm_worklist is not built in {empty}: run `lifecycle build`\n"
    )
    assert not missing.exists()  # read-only: nothing is created


def test_a_warehouse_locked_by_a_writer_is_reported_exit_1(warehouse, capsys) -> None:
    # another process holds the write lock, as a running build does
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()",
            str(warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        assert main(["worklist", "--owner", "Yuki Novak"]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: warehouse {warehouse} is locked by another process")
        assert err.count("\n") == 1
    finally:
        holder.communicate(input="", timeout=30)


def test_bad_arguments_are_usage_errors(warehouse, capsys) -> None:
    for argv in (
        ["worklist"],
        ["worklist", "--owner", "x", "--date", "31.12.2025"],
        ["worklist", "--owner", "x", "--limit", "0"],
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
    assert "expected a date YYYY-MM-DD" in capsys.readouterr().err


def test_format_table_keeps_a_readable_reasons_column_on_a_narrow_terminal() -> None:
    row = WorklistRow(
        priority_rank=12,
        account_id="001x",
        account_name="A Very Long Account Name That Goes On And On Inc",
        play="champion_left",
        priority_score=123.4,
        arr_at_stake_usd=2000.0,
        reasons="a champion left 3 days ago; health yellow (61.5); ARR $2,000",
    )
    lines = format_table([row], width=40)
    assert lines[2].startswith(
        "  12  A Very Long Account Name That...  champion_left      $123        $2,000  "
    )
    column = lines[0].index("reasons")
    assert all(len(line[column:]) <= 30 for line in lines[2:])  # the narrowest reasons column
    assert " ".join(line[column:] for line in lines[2:]).split() == row.reasons.split()
