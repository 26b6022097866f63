"""The floor: one DuckDB scan of every landing file, all columns, each read as text.

What no build can beat: every byte of every batch file read and every value turned into text
(the loader keeps raw text too), with DuckDB's own readers. Each column's text length is summed
(and its non-nulls counted), so every column is read and decoded; ``count(*)`` alone could be
answered from Parquet metadata. Files are scanned per table and format, a list per scan;
a list whose Parquet types conflict (a fault wrote a column as text) is scanned file by file.

Run as ``python -m lifecycle.bench.floor LANDING_DIR``: prints one JSON line
``{"files", "file_by_file", "rows", "values", "chars", "seconds"}`` (``file_by_file``: files that
had to be scanned one by one).
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from lifecycle.connection import connect
from lifecycle.contract import BY_KEY
from lifecycle.loader.discover import discover
from lifecycle.settings import Settings


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(fmt: str, key: str, paths: list[Path]) -> str:
    files = "[" + ", ".join(_lit(str(p)) for p in paths) + "]"
    if fmt == "csv":
        return f"read_csv({files}, header = true, all_varchar = true, union_by_name = true)"
    if fmt in ("jsonl", "jsonl.gz"):
        spec = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in BY_KEY[key].column_names) + "}"
        return f"read_json({files}, columns = {spec}, format = 'newline_delimited')"
    return f"read_parquet({files}, union_by_name = true)"


def _scan(con: duckdb.DuckDBPyConnection, fmt: str, key: str, paths: list[Path]) -> tuple[int, int, int]:
    """(rows, non-null values, text characters) of ``paths``."""
    source = _source(fmt, key, paths)
    columns = [row[0] for row in con.execute(f"describe select * from {source}").fetchall()]
    texts = [f"cast({_ident(c)} as varchar)" for c in columns]
    values = " + ".join(f"count({t})" for t in texts) or "0"
    chars = " + ".join(f"coalesce(sum(length({t})), 0)" for t in texts) or "0"
    rows, n_values, n_chars = con.execute(f"select count(*), {values}, {chars} from {source}").fetchone()
    return int(rows), int(n_values), int(n_chars)


def scan_landing(landing: Path) -> dict[str, float | int]:
    """Scan every batch file of ``landing``; the counts and the seconds it took."""
    started = time.perf_counter()
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    files = discover(landing).files
    for f in files:
        groups[(f"{f.source}__{f.table}", f.format)].append(f.path)
    rows = values = chars = file_by_file = 0
    # the same memory limit and threads as the builds it is compared with
    con = connect(":memory:", Settings.from_env(uses=("duckdb",)).duckdb_config())
    try:
        for (key, fmt), paths in sorted(groups.items()):
            try:
                parts = [_scan(con, fmt, key, paths)]
            except duckdb.Error:  # conflicting types across files: one file at a time
                parts = [_scan(con, fmt, key, [p]) for p in paths]
                file_by_file += len(paths)
            rows += sum(p[0] for p in parts)
            values += sum(p[1] for p in parts)
            chars += sum(p[2] for p in parts)
    finally:
        con.close()
    seconds = round(time.perf_counter() - started, 2)
    return {
        "files": len(files),
        "file_by_file": file_by_file,
        "rows": rows,
        "values": values,
        "chars": chars,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m lifecycle.bench.floor LANDING_DIR", file=sys.stderr)
        return 2
    print(json.dumps(scan_landing(Path(args[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
