"""The Spark side of the loader (``DBT_TARGET=spark``): Spark's own readers turn batch files into
raw Parquet parts. Runs as a child process (``python -m lifecycle.loader.spark_reader``) with
pyspark on its path, so the parent never imports pyspark (docs/spark.md: where pyspark is
importable, Great Expectations imports it and pyspark's Spark Connect check ends the process).

The parent (:class:`lifecycle.loader.spark_loader.SparkLoader`) does every file-level check
first (checksums, the header against the contract, UTF-8) and keeps the manifest; this process
only reads and writes. Protocol: one JSON request per stdin line, one JSON answer per request on
stdout, prefixed with :data:`ANSWER` (Spark's own output may share the stream).

A request ``{"format", "paths", "parts", "columns", "header", "out_dir"}`` reads the listed files
(one group: same table, format and header) and writes, for file ``i``, the Parquet files
``<out_dir>/<parts[i]>-<n>.parquet`` with the contract ``columns`` as text (empty text as NULL),
``_batch_file`` and ``_row_number`` (1-based position of the data row in its file). The answer is
``{"ok": true, "rows": [...]}`` or ``{"ok": false, "error": "..."}``; on an error nothing is moved
into ``out_dir``.

Readers, nothing left to inference:
- CSV: the header row skipped, the columns named by ``header`` (the parent parsed it), RFC 4180
  quotes (``"`` doubled), fields across lines (``multiLine``, so a file is never split) with their
  line breaks kept as written (the record separator, ``\r\n`` or ``\n``, is the header's), a row with
  another number of fields fails the file (``FAILFAST``), as DuckDB's ``strict_mode`` does.
- JSON lines (``.jsonl``, ``.jsonl.gz``): every contract column read as text; numbers, booleans,
  objects and arrays as their JSON text; a line that is not JSON fails the file.
- Parquet: each contract column cast to text by its type, timestamps as ISO 8601 UTC ending in
  ``Z``, structs, maps and arrays as JSON; rows numbered by Parquet's ``_metadata.row_index``.

CSV and JSON rows are numbered in scan order: Spark's ``monotonically_increasing_id`` grows along
a partition and with the partition index, and a file's splits are partitions in file order.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from functools import reduce
from pathlib import Path
from typing import Any

ANSWER = "@@lifecycle-spark-reader "
BATCH_FILE, ROW_NUMBER, FILE_INDEX = "_batch_file", "_row_number", "_file_index"


def _session() -> Any:
    from pyspark.sql import SparkSession

    cores = os.environ.get("LIFECYCLE_SPARK_CORES", "2")
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("lifecycle-loader")
        .config("spark.driver.memory", os.environ.get("LIFECYCLE_SPARK_DRIVER_MEMORY", "3g"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _text(column: Any, spark_type: str) -> Any:
    """A Parquet column of ``spark_type`` (``DataFrame.dtypes``' names) as text."""
    from pyspark.sql import functions as F

    if spark_type.startswith("timestamp"):
        # the session time zone is UTC, so a zoned instant prints in UTC; a wall-clock one is UTC
        # by the raw contract
        return F.concat(F.regexp_replace(column.cast("string"), " ", "T"), F.lit("Z"))
    if spark_type.startswith(("struct", "map", "array")):
        return F.to_json(column)
    return column.cast("string")


def _packed(request: dict[str, Any], names: list[str], types: dict[str, str]) -> Any:
    """The packed JSON object of a family's batch file (:mod:`.packing`, the same rules): every
    column that is no declared or standard one, nulls left out, a text JSON array kept as the
    array, a timestamp as the loader's text."""
    from pyspark.sql import functions as F

    spec = request["packed"]
    own = {n.lower() for n in (*request["columns"], *spec["standard"])}
    prefixes = (*spec["prefixes"], "_")

    def as_json(value: Any) -> Any:  # {"v":<json>} -> <json>
        wrapped = F.to_json(F.struct(value.alias("v")))
        return wrapped.substr(F.lit(6), F.length(wrapped) - F.lit(6))

    fragments = []
    for name in names:
        if name.lower() in own or name.lower().startswith(prefixes):
            continue
        c, t = F.col(f"`{name}`"), types.get(name, "string")
        if spec["empty_is_null"]:
            c = F.nullif(c, F.lit(""))
        if t.startswith("timestamp"):
            value = as_json(_text(c, t))
        elif t == "string":
            is_array = c.startswith("[") & c.endswith("]") & F.json_array_length(c).isNotNull()
            value = F.when(is_array, c).otherwise(as_json(c))
        else:
            value = as_json(c)
        fragments.append(F.when(c.isNotNull(), F.concat(F.lit(json.dumps(name) + ":"), value)))
    if not fragments:
        return F.lit("{}")
    return F.concat(F.lit("{"), F.concat_ws(",", *fragments), F.lit("}"))


def _pick(names: list[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    return next((n for n in names if n.lower() == wanted.lower()), None)


def _read_one(spark: Any, request: dict[str, Any], index: int, path: str) -> Any:
    """One file as contract columns (text), its index and a row number in file order."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    fmt, columns = request["format"], request["columns"]
    if fmt == "parquet":
        df = spark.read.parquet(path)
        types = dict(df.dtypes)
        names = list(types)
        exprs = []
        for col in columns:
            src = _pick(names, col)
            value = _text(F.col(f"`{src}`"), types[src]) if src else F.lit(None).cast("string")
            if request.get("packed") and col == request["packed"]["column"]:
                value = _packed(request, names, types)
            exprs.append(F.nullif(value, F.lit("")).alias(col))
        order = F.col("_metadata.row_index") + 1
        return df.select(*exprs, F.lit(index).alias(FILE_INDEX), order.alias(ROW_NUMBER))
    if fmt == "csv":
        header = request["header"]
        schema = T.StructType([T.StructField(n, T.StringType()) for n in header])
        df = (
            spark.read.schema(schema)
            .options(header=True, multiLine=True, quote='"', escape='"', mode="FAILFAST", encoding="UTF-8")
            .option("lineSep", request["line_seps"][index])
            .csv(path)
        )
        sources = {c: _pick(header, c) for c in columns}
    else:
        schema = T.StructType([T.StructField(c, T.StringType()) for c in columns])
        df = spark.read.schema(schema).options(mode="FAILFAST").json(path)
        sources = {c: c for c in columns}
    exprs = [
        F.nullif(F.col(f"`{src}`"), F.lit("")).alias(col) if src else F.lit(None).cast("string").alias(col)
        for col, src in sources.items()
    ]
    if request.get("packed"):
        at = columns.index(request["packed"]["column"])
        exprs[at] = _packed(request, list(df.columns), {}).alias(columns[at])
    return df.select(*exprs, F.lit(index).alias(FILE_INDEX), F.monotonically_increasing_id().alias("_scan"))


def read_group(spark: Any, request: dict[str, Any]) -> list[int]:
    """Read the request's files and move their parts into ``out_dir``; rows per file."""
    import pyarrow.parquet as pq
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    paths, parts, columns = request["paths"], request["parts"], request["columns"]
    out_dir = Path(request["out_dir"])
    frames = [_read_one(spark, request, i, p) for i, p in enumerate(paths)]
    df = reduce(lambda a, b: a.unionByName(b), frames)
    if request["format"] != "parquet":
        in_file = Window.partitionBy(FILE_INDEX).orderBy("_scan")
        df = df.withColumn(ROW_NUMBER, F.row_number().over(in_file).cast("bigint")).drop("_scan")
    names = F.create_map(*[x for i, b in enumerate(request["batch_files"]) for x in (F.lit(i), F.lit(b))])
    df = df.select(
        *columns,
        names[F.col(FILE_INDEX)].alias(BATCH_FILE),
        F.col(ROW_NUMBER).cast("bigint").alias(ROW_NUMBER),
        FILE_INDEX,
    )
    staging = out_dir.parent / f".{out_dir.name}.{uuid.uuid4().hex}"
    try:
        df.write.mode("overwrite").partitionBy(FILE_INDEX).parquet(str(staging))
        rows = [0] * len(paths)
        moves: list[tuple[Path, Path]] = []
        for i, part in enumerate(parts):
            written = sorted((staging / f"{FILE_INDEX}={i}").glob("*.parquet"))
            for n, src in enumerate(written):
                rows[i] += pq.ParquetFile(src).metadata.num_rows
                moves.append((src, out_dir / f"{part}-{n}.parquet"))
        out_dir.mkdir(parents=True, exist_ok=True)
        for part in parts:  # parts an interrupted earlier attempt left
            for old in out_dir.glob(f"{part}-*.parquet"):
                old.unlink()
        for src, dst in moves:
            src.rename(dst)
        return rows
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def short_spark_error(exc: BaseException) -> str:
    """The first line of the innermost readable message of a Spark (Py4J) error."""
    text = str(exc)
    for marker in ("Caused by: ", "org.apache.spark.SparkException: "):
        if marker in text:
            text = text.split(marker)[-1]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("at ")]
    line = lines[0] if lines else type(exc).__name__
    return line[:500]


def main() -> int:
    spark = _session()
    print(ANSWER + json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer: dict[str, Any] = {"ok": True, "rows": read_group(spark, request)}
        except Exception as exc:  # the file cannot be read: the parent records it failed
            answer = {"ok": False, "error": short_spark_error(exc)}
        print(ANSWER + json.dumps(answer), flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
