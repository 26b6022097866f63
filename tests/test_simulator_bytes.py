"""The simulator's output is pinned byte for byte: refactoring it must not change a single byte.

The digests below were recorded with the simulator as it was before issue 9 split it into
modules (main at a510ae0). The same explicit options must keep giving the same bytes.

What is pinned, and what is deliberately not:
- Every landing batch file (relative path + bytes; the hidden ``.simulator.json`` marker is
  excluded) of three fault-free runs (``faults=0.0`` given explicitly): the ``small`` preset,
  a 60-account run of it, and a short run of the ``demo`` cadences (weekly entity batches,
  daily track batches, some JSONL track files).
- The ground truth except its MRR: every column of ``account_months.parquet`` but ``mrr_usd``,
  every original column of ``accounts.csv`` but ``mrr_usd_end``, and ``churn_events.csv``.
- Not pinned, changed on purpose: truth MRR (``mrr_usd``, ``mrr_usd_end``, the summary's
  ``mrr_usd_end``) is now exact arithmetic rounded half-up per contract account and month, and
  the truth has new files/columns; runs with ``faults > 0`` (a tracks batch with a bad
  ``received_at`` broke every timestamp of its batch, and a fault used to replace a valid row
  instead of adding a bad one); and the presets' default fault rate (so every run here passes
  ``faults=0.0``).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lifecycle.simulator import simulate

ACCOUNT_MONTH_COLUMNS = (
    "account_id", "month", "segment", "plan", "billing_interval", "status", "seats", "users",
    "engagement", "boost", "champion_present", "engaged_contacts", "churn_probability",
    "first_value_reached", "delinquent", "services", "churned", "reactivated", "champion_left",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "account_id", "customer_id", "workspace_id", "segment", "employee_count", "country", "currency",
    "arrival", "plan", "billing_interval", "latent_fit", "never_reaches_value", "first_value_at",
    "services", "had_mrr", "churn_count", "last_churn_at", "reactivations", "champion_left_at",
    "customer_crm_account_id", "crm_billing_customer_id", "workspace_crm_account_id", "crm_workspace_id",
)  # fmt: skip

#: name -> (simulate options, landing digest, truth digest without MRR)
PINNED = {
    "small_seed7": (
        {"scale": "small", "seed": 7, "faults": 0.0},
        "97cd69c08791b1f3aaff30c8e257e6361ed3b0eca676a0888fb1540828f307b2",
        "82520837ff1cb8a2edef6a90267d68f5836238a51489304f87e4d28e4adcfbe9",
    ),
    "small_60x14_seed3": (
        {"scale": "small", "accounts": 60, "months": 14, "seed": 3, "faults": 0.0},
        "f2e710212d7b6b43dd2967241de0d258afeff5fc2f3e1fc75682d7277837bd3d",
        "79007db3fce3e0f0bcbc2b7998f70b3c684a0c7b8c5948a4dd73bacf9e883bc9",
    ),
    "demo_cadences_40x6_seed5": (
        {"scale": "demo", "accounts": 40, "months": 6, "seed": 5, "faults": 0.0},
        "8bd028de67d83a7819933d17e798dfb3eda56a5a750827e0464da0ac14f90203",
        "c71ff49f40bc0beb53ffe34ed088717ba15f221ec90bfa96fe31747fb465616a",
    ),
}


def landing_digest(root: Path) -> str:
    """sha256 over the sorted relative paths and bytes of every landing file (not dotfiles)."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        for part in (path.relative_to(root).as_posix().encode(), path.read_bytes()):
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
    return h.hexdigest()


def truth_digest_without_mrr(truth: Path) -> str:
    """sha256 over the ground truth's pinned columns (see the module docstring)."""
    h = hashlib.sha256()
    months = pq.read_table(truth / "account_months.parquet", columns=list(ACCOUNT_MONTH_COLUMNS))
    for row in months.to_pylist():
        h.update(json.dumps({c: row[c] for c in sorted(ACCOUNT_MONTH_COLUMNS)}, default=str).encode())
    with open(truth / "accounts.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            h.update(json.dumps({c: row[c] for c in sorted(ACCOUNT_COLUMNS)}).encode())
    h.update((truth / "churn_events.csv").read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_same_options_give_the_same_bytes_as_before_the_refactor(tmp_path: Path, name: str) -> None:
    options, landing, truth = PINNED[name]
    simulate(tmp_path / "landing", truth_dir=tmp_path / "truth", progress=None, **options)
    assert landing_digest(tmp_path / "landing") == landing
    assert truth_digest_without_mrr(tmp_path / "truth") == truth


def test_the_digest_sees_a_changed_byte_and_a_renamed_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.csv").write_bytes(b"id\r\n1\r\n")
    before = landing_digest(tmp_path)
    (tmp_path / "a" / "x.csv").write_bytes(b"id\r\n2\r\n")
    changed = landing_digest(tmp_path)
    (tmp_path / "a" / "x.csv").rename(tmp_path / "a" / "y.csv")
    assert len({before, changed, landing_digest(tmp_path)}) == 3
