"""The simulator's "next day": ``--until`` writes only the batches dated on or before it, and a
later ``--until`` into the same dir keeps what it wrote byte for byte and adds the new batches."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lifecycle.cli import main
from lifecycle.simulator import LandingDirInUseError, simulate
from lifecycle.simulator.writer import batch_date_of

WORLD = {"scale": "small", "seed": 5, "accounts": 4, "months": 3}  # batches 2025-11-01 .. 2026-01-01


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def test_batch_date_of_reads_the_name() -> None:
    assert batch_date_of("usage/tracks/2026-01-01T06.parquet") == date(2026, 1, 1)
    assert batch_date_of("2025-12-22.jsonl.gz") == date(2025, 12, 22)


def test_a_later_until_keeps_the_earlier_files_and_adds_the_next_days(tmp_path: Path) -> None:
    full = tmp_path / "full"
    simulate(full, **WORLD, progress=None)
    whole = _files(full)
    dates = sorted({batch_date_of(name) for name in whole})
    assert len(dates) >= 3, dates
    first, second = dates[0], dates[-2]

    grow = tmp_path / "grow"
    simulate(grow, **WORLD, until=first, progress=None)
    early = _files(grow)
    assert early and all(batch_date_of(n) <= first for n in early)
    assert early == {n: b for n, b in whole.items() if batch_date_of(n) <= first}
    stamps = {n: (grow / n).stat().st_mtime_ns for n in early}
    inodes = {n: (grow / n).stat().st_ino for n in early}

    simulate(grow, **WORLD, until=second, progress=None)
    later = _files(grow)
    assert set(later) > set(early)  # new batches appeared
    assert all(later[n] == b for n, b in early.items())  # the earlier ones are byte-identical
    # ... and untouched on disk (not rewritten), so a loader hashing them sees nothing new
    assert {n: (grow / n).stat().st_mtime_ns for n in early} == stamps
    assert {n: (grow / n).stat().st_ino for n in early} == inodes
    assert later == {n: b for n, b in whole.items() if batch_date_of(n) <= second}

    assert main(["simulate", "--out", str(grow), *_cli(WORLD)]) == 0  # no --until: everything
    assert _files(grow) == whole

    simulate(grow, **WORLD, until=first, progress=None)  # back to an earlier day: later files go
    assert _files(grow) == early


def test_another_world_replaces_the_dir_and_foreign_files_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    simulate(out, **WORLD, progress=None)
    simulate(out, **{**WORLD, "seed": 6}, progress=None)
    other = tmp_path / "other"
    simulate(other, **{**WORLD, "seed": 6}, progress=None)
    assert _files(out) == _files(other)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "data.csv").write_text("id\n1\n")
    with pytest.raises(LandingDirInUseError):
        simulate(tmp_path / "mine", **WORLD, until=date(2025, 12, 1), progress=None)


def _cli(world: dict) -> list[str]:
    return [
        "--scale", world["scale"], "--seed", str(world["seed"]),
        "--accounts", str(world["accounts"]), "--months", str(world["months"]),
    ]  # fmt: skip
