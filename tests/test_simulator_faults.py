"""Injected faults break the contract only where they are recorded, and never change the truth.

Pitfalls pinned here:
- a tracks batch with one bad ``received_at`` used to render every other ``received_at`` of the
  batch with a broken pattern (``2025-07-17T19:46:42.238320.%fZ``), so the warehouse
  quarantined nearly all track events: every row that is not a recorded fault must conform;
- a fault used to *replace* a valid row (a lost subscription version, price or customer changed
  revenue and orphaned children): the valid rows of a faulted run must be exactly the rows of
  the same run without faults, and its ground truth the same bytes.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from test_simulator import BILLING_CURRENCIES, DEC, INT, read_file, ts

from lifecycle.contract import TABLES
from lifecycle.simulator import SCALES, simulate

OPTIONS = {"scale": "small", "seed": 7}
RATE = 0.02
TIMESTAMP_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}T")
#: the contract's timestamp text: ISO 8601, optional fraction, Z or an offset (nothing after it)
ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$")
TRUTH_FILES = ("account_months.parquet", "account_mrr_monthly.parquet", "accounts.csv", "churn_events.csv")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    base = tmp_path_factory.mktemp("faults")
    simulate(base / "clean", truth_dir=base / "clean_truth", faults=0.0, progress=None, **OPTIONS)
    simulate(base / "faulted", truth_dir=base / "faulted_truth", faults=RATE, progress=None, **OPTIONS)
    with open(base / "faulted_truth" / "faults.csv", encoding="utf-8", newline="") as fh:
        faults = list(csv.DictReader(fh))
    return base, base / "faulted", faults


def _faulty_rows(faults: list[dict]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for f in faults:
        out[f["batch_file"]].add(int(f["row_number"]))
    return out


def _comparable(row: dict) -> tuple:
    """A row's values, timestamps compared as instants (a Parquet column a fault made text)."""
    return tuple(
        (k, ts(v) if isinstance(v, str) and TIMESTAMP_TEXT.match(v) else v) for k, v in sorted(row.items())
    )


def test_faults_are_injected_at_the_rate_asked(runs) -> None:
    base, _out, faults = runs
    clean_rows = sum(
        len(read_file(p)[1]) for p in (base / "clean").rglob("*") if p.is_file() and p.name[0] != "."
    )
    assert 0.5 * RATE < len(faults) / clean_rows < 1.5 * RATE
    rules = {f["rule"] for f in faults}
    assert {"null_primary_key", "unparseable_timestamp", "malformed_json", "duplicate_key_conflict"} <= rules
    assert {"orphan_foreign_key", "unknown_currency", "unparseable_number"} <= rules


def test_every_row_that_is_not_a_recorded_fault_conforms(runs) -> None:
    _base, out, faults = runs
    faulty = _faulty_rows(faults)
    checked = 0
    for t in TABLES:
        for f in sorted((out / t.source / t.name).iterdir()):
            rel = f"{t.source}/{t.name}/{f.name}"
            _cols, rows = read_file(f)
            for number, row in enumerate(rows, 1):
                if number in faulty[rel]:
                    continue
                checked += 1
                for c in t.columns:
                    v = row.get(c.name)
                    if v is None:
                        assert c.nullable, (rel, number, c.name)
                    elif c.type == "timestamp":
                        assert ISO_TIMESTAMP.match(v), (rel, number, c.name, v)  # not '...42.238320.%fZ'
                        ts(v)
                    elif c.type == "date":
                        date.fromisoformat(v)
                    elif c.type == "int":
                        assert INT.match(v), (rel, number, c.name, v)
                    elif c.type == "decimal":
                        assert DEC.match(v), (rel, number, c.name, v)
                    elif c.type == "bool":
                        assert v in ("true", "false"), (rel, number, c.name, v)
                    if c.name == "currency" and t.source == "billing":
                        assert v in BILLING_CURRENCIES, (rel, number, v)
    assert checked > 10_000


def test_faults_only_add_rows(runs) -> None:
    base, out, faults = runs
    faulty = _faulty_rows(faults)
    clean = base / "clean"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name[0] != ".")
    assert files == sorted(
        p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file() and p.name[0] != "."
    )
    for rel in files:
        _cols, rows = read_file(out / rel)
        kept = [_comparable(r) for n, r in enumerate(rows, 1) if n not in faulty[rel]]
        assert kept == [_comparable(r) for r in read_file(clean / rel)[1]], rel
    assert set(faulty) <= set(files)


def test_faults_do_not_change_the_ground_truth(runs) -> None:
    base, _out, _faults = runs
    for name in TRUTH_FILES:
        assert (base / "faulted_truth" / name).read_bytes() == (base / "clean_truth" / name).read_bytes(), (
            name
        )


def test_presets_default_fault_rates(tmp_path: Path) -> None:
    """demo and large show the quarantine at work; small (tests, CI) stays clean unless asked."""
    assert SCALES["demo"]["faults"] == SCALES["large"]["faults"] == 0.002
    assert SCALES["small"]["faults"] == 0.0
    assert simulate(tmp_path / "a", scale="small", accounts=3, months=2, progress=None).faults == 0
    demo_like = simulate(tmp_path / "b", scale="demo", accounts=40, months=6, progress=None)
    assert demo_like.faults > 0
    assert json.loads((tmp_path / "b_truth" / "manifest.json").read_text())["faults_rate"] == 0.002
    assert simulate(tmp_path / "c", scale="demo", accounts=40, months=6, faults=0, progress=None).faults == 0
