"""The simulator's injected faults, through the whole warehouse: nothing lost, each in its place.

The simulator's fault log (``faults.csv`` in its ground truth: batch file, row number, rule) is
the ground truth here. The small data set with 2 % faults, loaded (``lifecycle load``) and staged
(``dbt build`` of the seeds, staging and the audit models, with their data tests: the marts do not change the accounting), then:

- every table reconciles: rows landed = staged + quarantined + duplicates + superseded, and the
  rows landed are the rows in the files, counted here from the files themselves;
- every injected fault is in ``audit.quarantine`` at its batch file and row number, under the
  rule the log names, and nothing else is rejected (the other rows of the set are valid).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from test_simulator import read_file

from lifecycle.contract import TABLES
from lifecycle.settings import PROJECT_DIR

RATE = 0.02
SEED = 7
#: what the accounting needs: the seeds, every base_ and stg_ model (the quarantine rules, the
#: foreign keys they check) and the two audit models; the marts are the full build's (test.sh)
STAGING_AND_AUDIT = [
    "--select", "+reconciliation", "+quarantine",
    "--exclude", "resource_type:unit_test",
    "--indirect-selection", "cautious",  # only the data tests of the models selected
]  # fmt: skip


@pytest.fixture(scope="module")
def faulted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("faulted")
    cli = str(Path(sys.executable).with_name("lifecycle"))
    env = {k: v for k, v in os.environ.items() if k not in ("LIFECYCLE_AS_OF_DATE", "DBT_TARGET")}
    env.update(
        LIFECYCLE_LANDING_DIR=str(root / "landing"),
        LIFECYCLE_WAREHOUSE=str(root / "data" / "warehouse.duckdb"),
        LIFECYCLE_SERVING=str(root / "data" / "serving.duckdb"),
        DBT_TARGET_PATH=str(root / "target"),
        DBT_LOG_PATH=str(root / "logs"),
    )
    simulate = [cli, "simulate", "--scale", "small", "--seed", str(SEED), "--faults", str(RATE)]
    subprocess.run(
        [*simulate, "--out", str(root / "landing"), "--truth-dir", str(root / "truth")],
        env=env, cwd=PROJECT_DIR, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    for step in (["load"], ["dbt", "build", *STAGING_AND_AUDIT]):
        proc = subprocess.run(
            [cli, *step], env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    with open(root / "truth" / "faults.csv", encoding="utf-8", newline="") as fh:
        faults = list(csv.DictReader(fh))
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    try:
        reconciliation = con.execute(
            "select source_table, rows_landed, rows_staged, rows_quarantined, rows_duplicate, "
            "rows_superseded, rows_unaccounted from audit.reconciliation"
        ).fetchall()
        rejected = con.execute(
            "select batch_file, row_number, rule from audit.quarantine where is_rejected"
        ).fetchall()
    finally:
        con.close()
    return {"root": root, "faults": faults, "reconciliation": reconciliation, "rejected": rejected}


def test_every_table_reconciles_and_landed_is_what_the_files_hold(faulted) -> None:
    landing = faulted["root"] / "landing"
    in_files = {
        f"{t.source}.{t.name}": sum(
            len(read_file(p)[1])
            for p in (landing / t.source / t.name).rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        for t in TABLES
    }
    rows = {r[0]: r[1:] for r in faulted["reconciliation"]}
    assert set(rows) == set(in_files)
    for table, (landed, staged, quarantined, duplicate, superseded, unaccounted) in rows.items():
        assert landed == in_files[table], table
        assert landed == staged + quarantined + duplicate + superseded and unaccounted == 0, table
    print("landed / quarantined:", sum(r[0] for r in rows.values()), sum(r[2] for r in rows.values()))


def test_every_injected_fault_is_quarantined_under_its_rule_and_nothing_else_is(faulted) -> None:
    faults = faulted["faults"]
    assert len(faults) > 300, "the small set at 2 % should inject a few hundred faults"
    expected = {(f["batch_file"], int(f["row_number"])): f["rule"] for f in faults}
    got = {(b, int(n)): rule for b, n, rule in faulted["rejected"]}
    missing = sorted(set(expected) - set(got))
    assert not missing, f"{len(missing)} injected faults not quarantined, e.g. {missing[:5]}"
    wrong = {k: (expected[k], got[k]) for k in expected if got[k] != expected[k]}
    assert not wrong, (
        f"{len(wrong)} quarantined under another rule (expected, got): {list(wrong.items())[:5]}"
    )
    extra = sorted(set(got) - set(expected))
    assert not extra, f"{len(extra)} valid rows rejected, e.g. {extra[:5]}"
    by_rule = Counter(expected.values())
    print("injected = quarantined, by rule:", dict(sorted(by_rule.items())))
    assert len(by_rule) >= 7
