"""Landing-file writer: buffers rows per table and batch, writes contract-conforming batch files.

- A row is added with the instant it became known (``at``); it lands in the batch written the
  day after the row's batch period (see :func:`.util.batch_date`), ``_loaded_at`` = that day at
  02:00 UTC (+ a minute per table), so ``_loaded_at`` is always after ``updated_at``.
- Mutable, non-versioned entities keep the latest version per key within a batch (an extract tool
  sees the current state when it syncs). Versioned tables (subscriptions, subscription items) keep
  every version: versions of one key within a batch get ``_loaded_at`` one second apart, in order.
- Tracks batches are written whole by :class:`TrackWriter`, which delivers a few events again in
  the next batch (same message id and payload, a later ``received_at``), as Segment does.
- Faults (``fault_hook``) are applied to a batch's rows just before it is encoded.
- Output is deterministic: rows sorted, gzip mtime 0, fixed parquet settings.
- ``until`` (the "next day" of a data set): batches whose batch date is after it are encoded as
  usual (so every later batch stays the same) but not written; a file already holding the same
  bytes is left untouched, so a loader that hashes files sees it unchanged.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lifecycle.contract import BY_KEY, Table

from .dates import batch_date, iso, utc
from .ids import STREAM_TRACKS, rng_for
from .usage import REDELIVERY_RATE, TRACK_LOAD_HOUR

if TYPE_CHECKING:
    from .faults import FaultInjector

#: table key -> (format, alternate format used for batches written in March, June, Sept, Dec)
FORMATS: dict[str, tuple[str, str | None]] = {
    "crm__accounts": ("csv", "jsonl.gz"),
    "crm__contacts": ("csv", None),
    "crm__users": ("csv", None),
    "crm__opportunities": ("csv", None),
    "crm__cases": ("jsonl.gz", "csv"),
    "crm__activities": ("csv", None),
    "crm__nps_responses": ("csv", None),
    "billing__customers": ("jsonl.gz", None),
    "billing__products": ("jsonl.gz", None),
    "billing__prices": ("csv", None),
    "billing__subscriptions": ("jsonl.gz", None),
    "billing__subscription_items": ("jsonl.gz", "parquet"),
    "billing__invoices": ("csv", "parquet"),
    "billing__invoice_line_items": ("parquet", None),
    "billing__refunds": ("csv", None),
    "usage__workspaces": ("jsonl.gz", None),
    "usage__users": ("csv", "jsonl.gz"),
    "usage__tracks": ("parquet", "jsonl.gz"),
}
TABLE_ORDER = tuple(FORMATS)
#: every batch file name starts with its batch date: ``2025-12-22.parquet``, ``2026-01-01T06.parquet``
BATCH_DATE_CHARS = 10
PARQUET_OPTS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "data_page_version": "1.0",
}
_ARROW_TYPES = {
    "string": pa.string(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "decimal": pa.decimal128(18, 4),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}
_PY_TYPES = {
    "string": str,
    "int": int,
    "bool": bool,
    "decimal": (float, Decimal, int),
    "timestamp": datetime,
    "date": date,
}


def text(v: object) -> str:
    """A value as contract text (CSV cell, or a Parquet string column)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return iso(v)  # type: ignore[return-value]
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def _precise_text(v: object) -> str | None:
    """A native value as text without losing precision (a Parquet column that a fault made text)."""
    if v is None:
        return None
    if isinstance(v, datetime) and v.microsecond:
        return v.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, float):
        return f"{v:.4f}"
    return text(v)


def _json_value(v: object) -> object:
    if isinstance(v, datetime):
        return iso(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 4)
    return v


def _csv_bytes(table: Table, rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(table.column_names)
    for r in rows:
        w.writerow([text(r.get(c)) for c in table.column_names])
    return buf.getvalue().encode("utf-8")


def gzip_bytes(raw: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
        gz.write(raw)
    return out.getvalue()


def _jsonl_bytes(table: Table, rows: list[dict]) -> bytes:
    lines = [
        json.dumps(
            {c: _json_value(r.get(c)) for c in table.column_names}, ensure_ascii=False, separators=(",", ":")
        )
        for r in rows
    ]
    return gzip_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def _parquet_bytes(table: Table, rows: list[dict]) -> bytes:
    arrays, fields = [], []
    for col in table.columns:
        vals = [r.get(col.name) for r in rows]
        typ = _ARROW_TYPES[col.type]
        ok = all(
            v is None
            or (isinstance(v, _PY_TYPES[col.type]) and not (col.type == "int" and isinstance(v, bool)))
            for v in vals
        )
        if not ok:  # a fault put text where a native value belongs: the column is written as text
            vals, typ = [_precise_text(v) for v in vals], pa.string()
        elif col.type == "decimal":
            vals = [None if v is None else Decimal(f"{v:.4f}") for v in vals]
        arrays.append(pa.array(vals, type=typ))
        fields.append(pa.field(col.name, typ))
    return parquet_bytes(pa.Table.from_arrays(arrays, schema=pa.schema(fields)))


def parquet_bytes(tbl: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(tbl, sink, row_group_size=256_000, **PARQUET_OPTS)
    return sink.getvalue().to_pybytes()


ENCODERS: dict[str, Callable[[Table, list[dict]], bytes]] = {
    "csv": _csv_bytes,
    "jsonl.gz": _jsonl_bytes,
    "parquet": _parquet_bytes,
}


def format_for(key: str, when: date) -> str:
    primary, alternate = FORMATS[key]
    return alternate if alternate and when.month % 3 == 0 else primary


def batch_date_of(name: str) -> date:
    """The batch date of a landing file the simulator wrote, from its name (``2026-01-01T06.parquet``)."""
    return date.fromisoformat(Path(name).name[:BATCH_DATE_CHARS])


def loaded_at(key: str, when: date) -> datetime:
    """Batch write instant: 02:00 UTC on the batch day, one minute apart per table."""
    return utc(when.year, when.month, when.day, 2) + timedelta(minutes=TABLE_ORDER.index(key))


def write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes (a loader that hashes
    files then sees it unchanged); hidden until renamed, never written through a hard link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


class BatchWriter:
    """Buffers entity rows per table and batch day; writes each batch once its period is over."""

    def __init__(
        self, out: Path, cadence: str, fault_hook: Callable | None = None, until: date | None = None
    ) -> None:
        self.out = out
        self.cadence = cadence
        self.fault_hook = fault_hook  # (table, rows, batch_file) -> rows
        self.until = until  # batches dated after it are not written (see the module's docstring)
        # table key -> batch day -> list of (at, seq, pk, row)
        self._buf: dict[str, dict[date, list]] = defaultdict(lambda: defaultdict(list))
        self._seq = 0
        self.flushed_until: date | None = None
        self.files = 0
        self.bytes = 0
        self.rows: dict[str, int] = defaultdict(int)
        self.written: set[str] = set()  # relative paths of the files in ``out`` this run wrote or kept
        self.skipped = 0  # batch files dated after ``until``
        self._tables_with_batches: set[str] = set()

    def add(self, key: str, row: dict, at: datetime) -> None:
        day = batch_date(at, self.cadence)
        if self.flushed_until is not None and day <= self.flushed_until:
            raise RuntimeError(f"{key} row at {at} belongs to an already written batch {day}")
        self._seq += 1
        pk = tuple(row[c] for c in BY_KEY[key].primary_key if c != "_loaded_at")
        self._buf[key][day].append((at, self._seq, pk, dict(row)))  # a snapshot: callers keep mutating

    def flush_until(self, horizon: date) -> None:
        """Write every buffered batch whose day is <= horizon."""
        for key in TABLE_ORDER:
            days = self._buf.get(key)
            if not days:
                continue
            for day in sorted(d for d in days if d <= horizon):
                self._write_entity_batch(key, day, days.pop(day))
        self.flushed_until = horizon

    def _write_entity_batch(self, key: str, day: date, items: list) -> None:
        table = BY_KEY[key]
        base = loaded_at(key, day)
        items.sort(key=lambda it: (it[0], it[1]))
        rows: list[dict] = []
        if table.versioned:
            rank: dict[tuple, int] = defaultdict(int)
            for _at, _seq, pk, row in items:
                rows.append({**row, "_loaded_at": base + timedelta(seconds=rank[pk])})
                rank[pk] += 1
        else:
            latest: dict[tuple, dict] = {}
            for _at, _seq, pk, row in items:
                latest.pop(pk, None)  # re-insert so the latest version keeps its time order
                latest[pk] = row
            rows = [{**row, "_loaded_at": base} for row in latest.values()]
        self.write_rows(key, day, rows)

    def write_rows(self, key: str, day: date, rows: list[dict], suffix: str = "") -> None:
        table = BY_KEY[key]
        fmt = format_for(key, day)
        name = f"{day.isoformat()}{suffix}.{fmt}"
        rel = f"{table.source}/{table.name}/{name}"
        if self.fault_hook is not None:
            rows = self.fault_hook(table, rows, rel)
        if self._emit(key, rel, day, ENCODERS[fmt](table, rows)):
            self.rows[key] += len(rows)

    def finish(self, day: date) -> None:
        """Every contract table gets a folder: a header-only CSV batch where nothing happened."""
        for key in TABLE_ORDER:
            table = BY_KEY[key]
            if key not in self._tables_with_batches:
                self._emit(
                    key, f"{table.source}/{table.name}/{day.isoformat()}.csv", day, _csv_bytes(table, [])
                )

    def write_blob(self, rel: str, day: date, data: bytes, nrows: int, key: str) -> None:
        if self._emit(key, rel, day, data):
            self.rows[key] += nrows

    def _emit(self, key: str, rel: str, day: date, data: bytes) -> bool:
        """Write one batch file unless it is dated after ``until``; True when it is in ``out``."""
        self._tables_with_batches.add(key)
        if self.until is not None and day > self.until:
            self.skipped += 1
            return False
        write_if_changed(self.out / rel, data)
        self.written.add(rel)
        self.files += 1
        self.bytes += len(data)
        return True


class TrackWriter:
    """Writes tracks batches; re-delivers a few events in the following batch."""

    def __init__(self, writer: BatchWriter, faults: FaultInjector | None, seed: int) -> None:
        self.writer = writer
        self.faults = faults
        self.seed = seed
        self.carry: pa.Table | None = None
        self.events = 0
        self.redelivered = 0
        self.table = BY_KEY["usage__tracks"]

    def write(self, day: date, tbl: pa.Table) -> None:
        """Write the batch of ``day``: its events, plus the previous batch's redeliveries."""
        self.events += tbl.num_rows
        rng = rng_for(self.seed, STREAM_TRACKS, 10**6 + day.toordinal())
        combined = tbl if self.carry is None else pa.concat_tables([tbl, self.carry])
        self.redelivered += 0 if self.carry is None else self.carry.num_rows
        pick = np.nonzero(rng.random(tbl.num_rows) < REDELIVERY_RATE)[0]
        again = tbl.take(pa.array(pick))
        later = np.asarray(again.column("received_at").cast(pa.int64())) + (
            rng.uniform(3600, 12 * 3600, len(pick)) * 1e6
        ).astype(np.int64)
        self.carry = again.set_column(
            again.schema.get_field_index("received_at"),
            "received_at",
            pa.array(later, type=pa.timestamp("us", tz="UTC")),
        )
        loaded = utc(day.year, day.month, day.day, TRACK_LOAD_HOUR)
        combined = combined.append_column(
            "_loaded_at", pa.array([loaded] * combined.num_rows, type=pa.timestamp("us", tz="UTC"))
        )
        fmt = "jsonl.gz" if (day.day == 1 and day.month % 3 == 0) else "parquet"
        rel = f"usage/tracks/{day.isoformat()}T{TRACK_LOAD_HOUR:02d}.{fmt}"
        if self.faults is not None:
            combined = self.faults.tracks(self.table, combined, rel)
        data = parquet_bytes(combined) if fmt == "parquet" else _tracks_jsonl(combined)
        self.writer.write_blob(rel, day, data, combined.num_rows, "usage__tracks")


def _tracks_jsonl(tbl: pa.Table) -> bytes:
    lines = []
    names = tbl.column_names
    for row in tbl.to_pylist():
        obj = {}
        for c in names:
            v = row[c]
            obj[c] = v.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(v, datetime) else v
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return gzip_bytes(("\n".join(lines) + "\n").encode("utf-8"))
