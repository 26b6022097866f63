"""Ground truth for tests and for judging the warehouse (the warehouse never reads it).

``<truth_dir>/``
- ``account_months.parquet``: one row per account per month since arrival: latent engagement,
  relationship, seats, users, the simulator's own MRR at the month's last instant, flags.
- ``accounts.csv``: one row per account: true ids and identity links, segment, arrival, first value,
  churn and reactivation counts, MRR at the end.
- ``churn_events.csv``: every ended subscription: account, subscription, when, kind
  (``voluntary``, ``involuntary``, ``trial_not_converted``, ``incomplete_expired``).
- ``faults.csv``: every injected contract violation (empty with ``faults = 0``).
- ``manifest.json``: parameters and counts.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .writer import PARQUET_OPTS, text

MONTH_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("month", pa.date32()),
        ("segment", pa.string()),
        ("plan", pa.string()),
        ("billing_interval", pa.string()),
        ("status", pa.string()),
        ("seats", pa.int64()),
        ("users", pa.int64()),
        ("engagement", pa.float64()),
        ("boost", pa.float64()),
        ("champion_present", pa.bool_()),
        ("engaged_contacts", pa.int64()),
        ("churn_probability", pa.float64()),
        ("mrr_usd", pa.float64()),
        ("first_value_reached", pa.bool_()),
        ("delinquent", pa.bool_()),
        ("services", pa.bool_()),
        ("churned", pa.bool_()),
        ("reactivated", pa.bool_()),
        ("champion_left", pa.bool_()),
    ]
)


class TruthWriter:
    def __init__(self, truth_dir: Path) -> None:
        self.dir = truth_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._months = pq.ParquetWriter(self.dir / "account_months.parquet", MONTH_SCHEMA, **PARQUET_OPTS)

    def month(self, rows: list[dict]) -> None:
        if rows:
            self._months.write_table(pa.Table.from_pylist(rows, schema=MONTH_SCHEMA))

    def close(self) -> None:
        self._months.close()

    def csv(self, name: str, rows: list[dict], columns: list[str]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([text(r.get(c)) for c in columns])
        (self.dir / name).write_text(buf.getvalue(), encoding="utf-8")

    def json(self, name: str, obj: dict) -> None:
        (self.dir / name).write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")
