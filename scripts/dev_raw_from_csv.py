"""Developer shortcut: create the raw layer from a landing dir of CSV files only (no manifest,
no incremental logic), for working on dbt models without the loader. Usage:
    .venv/bin/python scripts/dev_raw_from_csv.py LANDING_DIR WAREHOUSE.duckdb
"""

import sys
from pathlib import Path

import duckdb

from lifecycle.contract import TABLES

landing, warehouse = Path(sys.argv[1]), Path(sys.argv[2])
warehouse.parent.mkdir(parents=True, exist_ok=True)
con = duckdb.connect(str(warehouse))
con.execute("create schema if not exists raw")
for t in TABLES:
    cols = ", ".join(f'"{c}" varchar' for c in t.column_names)
    con.execute(f"create or replace table raw.{t.key} ({cols}, _batch_file varchar, _row_number bigint)")
    for f in sorted((landing / t.source / t.name).glob("*.csv")):
        rel = f.relative_to(landing).as_posix()
        have = (
            [
                r[0]
                for r in con.execute(
                    f"describe select * from read_csv('{f}', all_varchar=true, header=true)"
                ).fetchall()
            ]
            if f.stat().st_size
            else []
        )
        sel = ", ".join(f"nullif(\"{c}\", '')" if c in have else "null" for c in t.column_names)
        if have:
            con.execute(
                f"insert into raw.{t.key} select {sel}, '{rel}', row_number() over () "
                f"from read_csv('{f}', all_varchar=true, header=true)"
            )
print("raw tables:", {t.key: con.execute(f"select count(*) from raw.{t.key}").fetchone()[0] for t in TABLES})
