"""The simulated company in connector layouts: ``lifecycle simulate --layout fivetran_stripe``.

The company is simulated once, in the landing contract's shape, into ``<out>/.contract/`` (a hidden
folder: the loader never reads it), and then written into ``<out>`` in the layouts chosen: a source
read as ``contract`` gets the contract's files (hard links), a source read in a connector layout
gets that connector's tables under ``<out>/<layout>/`` (:mod:`.as_fivetran_stripe`), batch file by
batch file. So the same world lands in both shapes, and a build of each can be compared mart by
mart (``make test-connectors``).

A contract batch file the loader cannot read (an injected broken file) is copied as it is into the
connector's folder of that table, where it is rejected the same way. The connector files are
Parquet, as Fivetran's file destinations write them, with typed columns wherever every value of
the batch parses as the column's type (a batch holding an injected bad value keeps that column
as text).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa

from lifecycle.connectors import CONTRACT, LAYOUTS, Layout, default_layouts
from lifecycle.connectors.family import EventFamily, PackedTable
from lifecycle.contract import SOURCES, TABLES, Table

from . import as_fivetran_hubspot, as_fivetran_salesforce, as_fivetran_stripe, as_segment
from .run import SimulationSummary, remove_unwritten
from .writer import parquet_bytes, write_if_changed

#: the hidden folder of ``out`` holding the contract-shaped simulation
CONTRACT_DIR = ".contract"
#: what ``out`` records of the layouts written into it
LAYOUT_MARKER = ".layouts.json"

_INTEGER = re.compile(r"^[+-]?\d+$")
_BOOLS = {"true": True, "t": True, "1": True, "false": False, "f": False, "0": False}


class LayoutError(ValueError):
    """An unknown layout, two layouts for one source, or an ``out`` holding foreign files."""


def parse_layout_list(text: str) -> dict[str, str]:
    """``fivetran_stripe,segment`` -> ``{"billing": "fivetran_stripe", ...}`` (checked)."""
    out: dict[str, str] = {}
    for name in (n.strip().lower() for n in text.split(",")):
        if not name or name == CONTRACT:
            continue
        if name not in LAYOUTS:
            raise LayoutError(
                f"unknown layout {name!r}: known layouts are {', '.join(LAYOUTS)} (and {CONTRACT})"
            )
        source = LAYOUTS[name].source
        if source in out:
            raise LayoutError(f"{source} can be written in one layout only, not {out[source]} and {name}")
        out[source] = name
    return out


def write_layouts(
    contract_dir: Path, out: Path, layouts: Mapping[str, str], progress: Callable[[str], None] | None = print
) -> dict[str, int]:
    """Write the contract-shaped data set in ``contract_dir`` into ``out`` in ``layouts`` (the layout
    per source; the contract for a source not named). Returns the files written per folder."""
    say = progress or (lambda _line: None)
    chosen = default_layouts() | dict(layouts)
    _claim(out, chosen)
    written: set[str] = set()
    counts: dict[str, int] = {}
    for source in SOURCES:
        if chosen[source] == CONTRACT:
            n = _link_tree(contract_dir / source, out / source, out, written)
            counts[source] = n
        else:
            layout = LAYOUTS[chosen[source]]
            n = _convert_source(contract_dir, out, source, layout, written, say)
            counts[layout.name] = n
            say(f"  {source} written as {layout.name}: {n} batch files under {layout.name}/")
    remove_unwritten(out, written)
    return counts


def simulate_in_layouts(out: Path, layouts: Mapping[str, str], **options) -> SimulationSummary:
    """:func:`.run.simulate` into ``out``, written in ``layouts``: the contract's shape when every
    source is read as the contract, else via ``<out>/.contract/`` and :func:`write_layouts`.
    Ground truth goes beside ``out`` (``<out>_truth``) unless ``truth_dir`` says otherwise."""
    from .run import simulate

    out = Path(out)
    if all(layout == CONTRACT for layout in layouts.values()):
        return simulate(out, **options)
    if options.get("truth_dir") is None:
        options["truth_dir"] = out.parent / (out.name + "_truth")
    progress = options.get("progress", print)
    _claim(out, default_layouts() | dict(layouts), check_only=True)
    summary = simulate(out / CONTRACT_DIR, **options)
    write_layouts(out / CONTRACT_DIR, out, layouts, progress)
    return summary


def write_database(out: Path, layout_name: str, database: Path, schema: str | None = None) -> int:
    """Write the connector tables of ``layout_name`` found under ``out/<layout>/`` into the DuckDB
    ``database`` (schema: the layout's usual one), as a connector's DuckDB destination holds them,
    for ``LIFECYCLE_<LAYOUT>_DATABASE``. Every landed row is kept, in batch order (a sync log:
    the same rows as the files, so a build from the database can be compared with one from the
    files); values as text. Returns the rows written."""
    from lifecycle.connection import connect
    from lifecycle.loader import load_landing
    from lifecycle.loader.duckdb_loader import lit, q, raw_relation

    layout = LAYOUTS[layout_name]
    schema = schema or layout.default_schema
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "layout.duckdb")
        try:
            load_landing(out, con=con, tables=[t.key for t in layout.tables], progress=None)
            con.execute(f"attach {lit(str(database))} as target")
            con.execute(f"create schema target.{q(schema)}")
            for table in layout.tables:
                if isinstance(table, PackedTable):  # as Segment's own tables, typed: the loader packs them
                    rows += _write_members(con, out, table, schema)
                    continue
                columns = ", ".join(q(c) for c in table.column_names)
                con.execute(
                    f"create table target.{q(schema)}.{q(table.name)} as select {columns} "
                    f"from {raw_relation(table.key)} order by _batch_file, _row_number"
                )
                rows += int(con.execute(f"select count(*) from {raw_relation(table.key)}").fetchone()[0])  # type: ignore[index]
            con.execute("detach target")
        finally:
            con.close()
    return rows


def _write_members(con, out: Path, table: PackedTable, schema: str) -> int:
    """Write the folder of a packed ``table`` under ``out`` (Segment's pages), or each member folder
    of a family (its event tables), into the attached ``target`` database as one table each, the
    files' rows in order, Parquet types kept."""
    from lifecycle.loader.discover import family_folders
    from lifecycle.loader.duckdb_loader import lit, q

    rows = 0
    folders = (
        family_folders(out, table) if isinstance(table, EventFamily) else [out / table.source / table.name]
    )
    for folder in folders:
        files = sorted(str(p) for p in folder.rglob("*.parquet")) if folder.is_dir() else []
        if not files:
            continue
        paths = "[" + ", ".join(lit(f) for f in files) + "]"
        con.execute(
            f"create table target.{q(schema)}.{q(folder.name)} as "
            f"select * exclude (filename, file_row_number) from read_parquet({paths}, union_by_name = true, "
            "filename = true, file_row_number = true) order by filename, file_row_number"
        )
        rows += int(con.execute(f"select count(*) from target.{q(schema)}.{q(folder.name)}").fetchone()[0])  # type: ignore[index]
    return rows


def _claim(out: Path, chosen: dict[str, str], *, check_only: bool = False) -> None:
    """Refuse an ``out`` holding files no layout export wrote; else record the layouts in it."""
    marker = out / LAYOUT_MARKER
    foreign = [p.name for p in out.iterdir() if not p.name.startswith(".")] if out.is_dir() else []
    if foreign and not marker.exists():
        raise LayoutError(
            f"{out} holds files the simulator did not write in layouts: simulate into an empty dir"
        )
    if not check_only:
        out.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(chosen, sort_keys=True) + "\n")


def _link_tree(src: Path, dest: Path, out: Path, written: set[str]) -> int:
    n = 0
    if not src.is_dir():
        return 0
    for path in sorted(src.rglob("*")):
        if not path.is_file() or any(p.startswith(".") for p in path.relative_to(src).parts):
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not (target.exists() and os.path.samefile(path, target)):
            target.unlink(missing_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
        written.add(target.relative_to(out).as_posix())
        n += 1
    return n


def _convert_source(
    contract_dir: Path,
    out: Path,
    source: str,
    layout: Layout,
    written: set[str],
    say: Callable[[str], None] = print,
) -> int:
    """Load the source's contract files with the loader (every value as its text) and write each
    batch's rows in the connector's tables."""
    from lifecycle.connection import connect
    from lifecycle.loader import load_landing, rejected_files
    from lifecycle.loader.duckdb_loader import raw_relation

    converter = _CONVERTERS[layout.name]
    tables = {t.name: t for t in layout.tables}
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "contract.duckdb")
        try:
            keys = [t.key for t in TABLES if t.source == source]
            load_landing(contract_dir, con=con, tables=keys, progress=None)
            for entry in rejected_files(con):  # unreadable as the contract's: copied as they are
                table, rest = entry.batch_file.split("/", 2)[1:]
                target = out / layout.name / converter.PRIMARY_TABLE[table] / rest
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(contract_dir / entry.batch_file, target)
                written.add(target.relative_to(out).as_posix())
                n += 1
            state = converter.State()
            for table in (t for t in TABLES if t.source == source):
                rows = con.sql(
                    f"select * from {raw_relation(table.key)} order by _batch_file, _row_number"
                ).to_arrow_table()
                for batch_file, batch in _batches(rows.to_pylist()):
                    stem = batch_file.split("/", 2)[2].rsplit(".", 2 if batch_file.endswith(".gz") else 1)[0]
                    for name, out_rows in converter.convert(table.name, batch, state).items():
                        rel = f"{layout.name}/{name}/{stem}.parquet"
                        arrow = (
                            _arrow_table(tables[name], out_rows)
                            if name in tables and not isinstance(tables[name], PackedTable)
                            else _family_arrow_table(layout, out_rows)
                        )
                        write_if_changed(out / rel, parquet_bytes(arrow))
                        written.add(rel)
                        n += 1
            refused = getattr(state, "refused", 0)
            if refused:
                say(
                    f"  {refused} {source} rows have no {layout.name} form and are not written "
                    f"(docs/connectors/{layout.name}.md)"
                )
        finally:
            con.close()
    return n


_CONVERTERS = {
    "fivetran_stripe": as_fivetran_stripe,
    "fivetran_salesforce": as_fivetran_salesforce,
    "fivetran_hubspot": as_fivetran_hubspot,
    "segment": as_segment,
}


def _batches(rows: list[dict]):
    batch: list[dict] = []
    current = None
    for row in rows:
        if row["_batch_file"] != current:
            if batch:
                yield current, batch
            batch, current = [], row["_batch_file"]
        batch.append(row)
    if batch:
        yield current, batch


def _arrow_table(table: Table, rows: list[dict]) -> pa.Table:
    arrays, fields = [], []
    for col in table.columns:
        values = [r.get(col.name) for r in rows]
        array = _typed(values, col.type)
        arrays.append(array)
        fields.append(pa.field(col.name, array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _family_arrow_table(layout: Layout, rows: list[dict]) -> pa.Table:
    """A packed table of a layout (Segment's pages, an event table): the columns its rows carry, in order
    of appearance; a column a declared table of the layout has (Segment's standard ones) typed as
    that one, a property by its Python values (text when they mix types)."""
    declared = {c.name: c.type for t in layout.tables for c in t.columns}
    names = list(dict.fromkeys(k for r in rows for k in r))
    arrays = []
    for name in names:
        values = [r.get(name) for r in rows]
        if name in declared:
            arrays.append(_typed([None if v is None else str(v) for v in values], declared[name]))
            continue
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=names)


def _typed(values: list, type_: str) -> pa.Array:
    """The column typed as the connector types it when every value parses; else as text."""
    present = [v for v in values if v is not None]
    try:
        if type_ == "timestamp":
            parsed = {v: _instant(v) for v in present}
            return pa.array([parsed.get(v) for v in values], type=pa.timestamp("us", tz="UTC"))
        if type_ == "int" and all(_INTEGER.match(v.strip()) for v in present):
            return pa.array([None if v is None else int(v) for v in values], type=pa.int64())
        if type_ == "bool" and all(v.strip().lower() in _BOOLS for v in present):
            return pa.array(
                [None if v is None else _BOOLS[v.strip().lower()] for v in values], type=pa.bool_()
            )
        if type_ == "decimal":
            return pa.array([None if v is None else float(Decimal(v)) for v in values], type=pa.float64())
    except (ValueError, InvalidOperation):
        pass
    return pa.array(values, type=pa.string())


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
