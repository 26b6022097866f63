"""The LTV fit step: the sBG retention model fitted to the warehouse, between two dbt runs.

Where it sits in the graph, and why not in dbt: the fit is maximum-likelihood optimisation
(scipy), which SQL cannot express, and a dbt Python model would run only on DuckDB (dbt-spark's
session mode, the Spark engine of this project, cannot run Python models). So it is a plain
Python step that reads one intermediate model and writes two tables that dbt declares as the
source ``ltv_fit``:

    dbt build --exclude source:ltv_fit+     (everything the fit does not feed, incl. its input)
    fit: intermediate.int_ltv_subscription_periods + seeds.thresholds -> ltv_fit.sbg_parameters,
         ltv_fit.sbg_derl
    dbt build --select source:ltv_fit+      (the models reading the fit: fct_account_ltv, ...)

``lifecycle build`` runs the three in that order; Dagster has the same three steps as assets
(``orchestration/ltv_asset.py``). The input is a few thousand rows (one per paid subscription),
so reading it into Python costs nothing at any scale; the warehouse access is the one small
:class:`FitStore` interface (DuckDB here; Spark implements the same reads and writes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb

from lifecycle.connection import connect
from lifecycle.ltv import ParamRow, fit_groups

#: The dbt source the fit writes (its schema) and the dbt selectors on either side of it.
FIT_SCHEMA = "ltv_fit"
AFTER_FIT = f"source:{FIT_SCHEMA}+"
PARAMETERS_TABLE = "sbg_parameters"
DERL_TABLE = "sbg_derl"
#: The model the fit reads, and the seed with its settings.
INPUT_RELATION = "intermediate.int_ltv_subscription_periods"
THRESHOLDS_RELATION = "seeds.thresholds"
AS_OF_RELATION = "intermediate.int_as_of_date"
#: Threshold names (seeds/thresholds.csv) the fit reads.
SETTINGS = ("ltv_annual_discount_rate", "ltv_min_customers", "ltv_min_churned")

InputRow = tuple[str, str, int | None, int | None, int, bool]


class LtvFitError(RuntimeError):
    """The fit cannot run: its input model or settings are missing (build the models first)."""


class FitStore(Protocol):
    """What the fit needs from a warehouse engine."""

    def input_rows(self) -> list[InputRow]: ...

    def settings(self) -> dict[str, float]: ...

    def as_of_date(self) -> date | None: ...

    def write(self, parameters: list[dict[str, object]], derl: list[dict[str, object]]) -> None: ...


class DuckDbFitStore:
    """The fit's reads and writes on a DuckDB warehouse (an open read-write connection)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def _exists(self, relation: str) -> bool:
        schema, table = relation.split(".")
        row = self.con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()
        return bool(row and row[0])

    def _require(self, relation: str) -> None:
        if not self._exists(relation):
            raise LtvFitError(
                f"{relation} is not in the warehouse: the LTV fit reads it, so run "
                f"`dbt build --exclude {AFTER_FIT}` (or `lifecycle build`) first"
            )

    def input_rows(self) -> list[InputRow]:
        self._require(INPUT_RELATION)
        rows = self.con.execute(
            "select segment, billing_interval, months_per_period, days_per_period, renewals, is_churned "
            f"from {INPUT_RELATION} order by segment, billing_interval, subscription_id"
        ).fetchall()
        return [(str(s), str(i), m, d, int(r), bool(c)) for s, i, m, d, r, c in rows]

    def settings(self) -> dict[str, float]:
        self._require(THRESHOLDS_RELATION)
        rows = self.con.execute(
            f"select name, value from {THRESHOLDS_RELATION} where name in ({', '.join('?' for _ in SETTINGS)})",
            list(SETTINGS),
        ).fetchall()
        found = {str(name): float(value) for name, value in rows}
        missing = [name for name in SETTINGS if name not in found]
        if missing:
            raise LtvFitError(
                f"{THRESHOLDS_RELATION} has no row for {', '.join(missing)} (seeds/thresholds.csv)"
            )
        return found

    def as_of_date(self) -> date | None:
        if not self._exists(AS_OF_RELATION):
            return None
        row = self.con.execute(f"select max(as_of_date) from {AS_OF_RELATION}").fetchone()
        return row[0] if row else None

    def write(self, parameters: list[dict[str, object]], derl: list[dict[str, object]]) -> None:
        """Replace both tables in one transaction: readers see the old fit or the new one."""
        self.con.execute("begin transaction")
        try:
            self.con.execute(f"create schema if not exists {FIT_SCHEMA}")
            self.con.execute(
                f"create or replace table {FIT_SCHEMA}.{PARAMETERS_TABLE} ("
                "segment varchar, billing_interval varchar, fit_status varchar, fit_message varchar, "
                "alpha double, beta double, log_likelihood double, customers integer, "
                "churned_customers integer, renewals_observed bigint, discount_rate_per_period double, "
                "fitted_at_as_of date)"
            )
            self.con.execute(
                f"create or replace table {FIT_SCHEMA}.{DERL_TABLE} ("
                "segment varchar, billing_interval varchar, renewals integer, derl double)"
            )
            _insert(self.con, f"{FIT_SCHEMA}.{PARAMETERS_TABLE}", parameters)
            _insert(self.con, f"{FIT_SCHEMA}.{DERL_TABLE}", derl)
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    con.executemany(
        f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
        [[row[c] for c in columns] for row in rows],
    )


@dataclass(frozen=True)
class FitReport:
    parameters: list[ParamRow]
    derl_rows: int
    as_of_date: date | None
    seconds: float

    def lines(self) -> list[str]:
        fitted = [p for p in self.parameters if p.fit_status == "fitted"]
        out = [
            f"LTV fit: {len(fitted)} of {len(self.parameters)} segment x interval groups fitted "
            f"(sBG), {self.derl_rows:,} DERL rows, as of {self.as_of_date}, in {self.seconds:.1f} s"
        ]
        for p in self.parameters:
            if p.fit_status == "fitted":
                out.append(
                    f"  {p.segment:<11} {p.billing_interval:<10} alpha {p.alpha:8.3f}  beta {p.beta:8.3f}  "
                    f"LL {p.log_likelihood:10.1f}  {p.customers:>6,} subscriptions, {p.churned_customers:,} churned"
                )
            else:
                out.append(
                    f"  {p.segment:<11} {p.billing_interval:<10} {p.fit_status}: {p.fit_message or ''}".rstrip()
                )
        return out


def fit_store(store: FitStore, *, progress: Callable[[str], None] | None = None) -> FitReport:
    """Read the subscriptions, fit every group, write the parameters and DERL tables."""
    started = time.monotonic()
    rows = store.input_rows()
    settings = store.settings()
    as_of = store.as_of_date()
    parameters, derl = fit_groups(
        rows,
        min_customers=int(settings["ltv_min_customers"]),
        min_churned=int(settings["ltv_min_churned"]),
        annual_discount_rate=settings["ltv_annual_discount_rate"],
    )
    store.write([{**asdict(p), "fitted_at_as_of": as_of} for p in parameters], [asdict(d) for d in derl])
    report = FitReport(parameters, len(derl), as_of, time.monotonic() - started)
    for line in report.lines() if progress else ():
        progress(line)  # type: ignore[misc]
    return report


def run_ltv_fit(
    warehouse: Path,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[str], None] | None = None,
    config: Mapping[str, str] | None = None,
) -> FitReport:
    """The fit on a DuckDB warehouse file, opened with ``config`` (``Settings.duckdb_config()``),
    or on ``con``, an open read-write connection to it."""
    if con is not None:
        return fit_store(DuckDbFitStore(con), progress=progress)
    if not Path(warehouse).exists():
        raise LtvFitError(f"no warehouse at {warehouse}: build the models first")
    with connect(warehouse, config) as own:
        return fit_store(DuckDbFitStore(own), progress=progress)
