"""The loader's Spark engine (lifecycle/loader/spark_loader.py).

Without Spark (make test): the file checks it makes before Spark reads, the part names, and how
``prepare`` keeps the Parquet parts and the manifest consistent after an interrupted load or a
switch of engine (DuckDB's side of that too). With Spark (``-m spark``, make test-spark): the
bad-input corpus loaded by both engines gives equal raw tables and manifests.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from lifecycle.contract import BY_KEY
from lifecycle.loader import load_landing
from lifecycle.loader.base import BatchFile
from lifecycle.loader.duckdb_loader import DuckDBLoader, UnparseableFile
from lifecycle.loader.spark_loader import (
    EMPTY_PART,
    SparkLoader,
    SparkReaderProcess,
    check_utf8,
    line_separator,
    part_name,
)
from lifecycle.spark_engine import spark_site

NASTY = Path(__file__).parent / "fixtures" / "landing_nasty"


def _file(path: Path, fmt: str) -> BatchFile:
    return BatchFile("crm", "accounts", path, path.name, fmt, path.stat().st_size)


def test_text_that_is_not_utf8_or_a_cut_gzip_fails_before_spark_reads_it(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"id,name\nA1,M\xfcller\n")
    with pytest.raises(UnparseableFile, match=r"not UTF-8 text .* near byte 12"):
        check_utf8(_file(bad, "csv"))
    good = tmp_path / "ok.jsonl.gz"
    good.write_bytes(gzip.compress('{"id": "Ä"}\n'.encode()))
    check_utf8(_file(good, "jsonl.gz"))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(good.read_bytes()[:-6])
    with pytest.raises(UnparseableFile, match="gzip stream is damaged or cut short"):
        check_utf8(_file(cut, "jsonl.gz"))


def test_the_record_separator_is_the_headers(tmp_path: Path) -> None:
    crlf, lf = tmp_path / "crlf.csv", tmp_path / "lf.csv"
    crlf.write_bytes(b'id,name\r\nA1,"two\nlines"\r\n')
    lf.write_bytes(b'id,name\nA1,"two\r\nlines"\n')
    assert line_separator(_file(crlf, "csv")) == "\r\n"
    assert line_separator(_file(lf, "csv")) == "\n"


def test_part_names_are_stable_per_batch_file() -> None:
    assert part_name("crm/accounts/a.csv") == part_name("crm/accounts/a.csv")
    assert part_name("crm/accounts/a.csv") != part_name("crm/accounts/b.csv")
    assert "-" not in part_name("x")  # the part's number follows the first dash


def _manifest_row(con: duckdb.DuckDBPyConnection, batch_file: str, rows: int) -> None:
    con.execute(
        "insert into raw._load_manifest (source_name, table_name, batch_file, file_format, size_bytes, "
        "sha256, rows, status) values ('crm', 'accounts', ?, 'csv', 1, 'x', ?, 'loaded')",
        [batch_file, rows],
    )


def test_prepare_removes_unrecorded_parts_and_reloads_files_without_parts(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    raw = tmp_path / "landed" / "raw"
    loader = SparkLoader(con, raw, SparkReaderProcess([], tmp_path / "log"))
    table = BY_KEY["crm__accounts"]
    assert loader.prepare([table]) == []
    folder = raw / "crm__accounts"
    assert pq.read_schema(folder / EMPTY_PART).names[-2:] == ["_batch_file", "_row_number"]
    _manifest_row(con, "kept.csv", 3)  # its parts are there
    _manifest_row(con, "lost.csv", 2)  # loaded by the DuckDB engine: no parts
    _manifest_row(con, "empty.csv", 0)  # no rows, so no parts to miss
    (folder / f"{part_name('kept.csv')}-0.parquet").write_bytes(b"")
    (folder / f"{part_name('orphan.csv')}-0.parquet").write_bytes(b"")  # commit never happened
    notes = loader.prepare([table])
    assert notes and "1 loaded batch file(s)" in notes[0] and "loaded again" in notes[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [EMPTY_PART, f"{part_name('kept.csv')}-0.parquet"]
    )
    left = con.execute("select batch_file from raw._load_manifest order by 1").fetchall()
    assert left == [("empty.csv",), ("kept.csv",)]


def test_duckdb_reloads_files_whose_rows_only_spark_holds(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    loader = DuckDBLoader(con)
    table = BY_KEY["crm__accounts"]
    loader.prepare([table])
    _manifest_row(con, "in_duckdb.csv", 1)
    _manifest_row(con, "in_spark.csv", 4)
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    con.execute(
        f"insert into raw.crm__accounts ({cols}, _batch_file, _row_number) "
        f"select {', '.join('null' for _ in table.column_names)}, 'in_duckdb.csv', 1"
    )
    notes = loader.prepare([table])
    assert notes == [
        "1 loaded batch file(s) of crm__accounts have no rows in raw.crm__accounts (loaded by another "
        "engine into this warehouse file): loaded again"
    ]
    assert con.execute("select batch_file from raw._load_manifest").fetchall() == [("in_duckdb.csv",)]
    assert loader.prepare([table]) == []  # consistent now: nothing more to do


@pytest.mark.spark
@pytest.mark.skipif(not (spark_site() / "pyspark").is_dir(), reason="make spark-env installs pyspark")
def test_the_bad_input_corpus_loads_the_same_with_sparks_readers(tmp_path: Path) -> None:
    from lifecycle.engine_compare import compare_raw

    landing = tmp_path / "landing"
    shutil.copytree(NASTY, landing)
    duck = load_landing(landing, tmp_path / "duck.duckdb", progress=None)
    spark = load_landing(landing, tmp_path / "spark.duckdb", progress=None, spark_dir=tmp_path / "spark")
    assert spark.total_line().split(" in ")[0] == duck.total_line().split(" in ")[0]
    assert [(f.batch_file, f.status, f.rows) for f in spark.files] == [
        (f.batch_file, f.status, f.rows) for f in duck.files
    ]
    # the manifest as `lifecycle build` lands it for Spark
    manifest = tmp_path / "spark" / "landed" / "raw" / "_load_manifest"
    manifest.mkdir()
    duckdb.connect(str(tmp_path / "spark.duckdb")).execute(
        f"copy raw._load_manifest to '{manifest / 'part-0.parquet'}' (format parquet)"
    ).close()
    results = compare_raw(tmp_path / "duck.duckdb", tmp_path / "spark" / "landed" / "raw")
    assert [r.line() for r in results if not r.equal] == []
    compared = {r.table: r.reference_rows for r in results}
    assert (
        compared["crm__accounts"] == 36
        and compared["usage__tracks"] == 5
        and compared["_load_manifest"] == 13
    )
    # a second load reads nothing again
    again = load_landing(landing, tmp_path / "spark.duckdb", progress=None, spark_dir=tmp_path / "spark")
    assert again.count("loaded") == 0 and again.count("skipped") == 10
