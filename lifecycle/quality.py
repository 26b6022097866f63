"""Great Expectations suites from ``expectations/``, validated against the DuckDB warehouse.

What GX checks here is what dbt tests do not express well: volume drift (row-count change
against the last passing run), distributions and plausible ranges of aggregates, cross-table
consistency and freshness of one source against another. Column rules (not null, unique,
accepted values, relationships) stay in dbt's YAML and are not repeated here.

A suite is a hand-written, reviewable JSON file ``expectations/<schema>.<table>.json`` in GX's
own format (``{"name", "expectations": [{"type", "kwargs", "severity"}], "meta"}``); the name is
the warehouse relation it validates (``marts.fct_mrr_monthly``, ``staging.stg_usage__tracks``,
``audit.reconciliation``). Conventions in ``meta``:

``description``
    one line shown in Dagster and the report.
``id_columns``
    optional columns that name a failing row in the report (``["source_table"]``).
``query``
    optional SQL whose result is the validated frame (aggregates or a sample computed in DuckDB
    for big tables); default ``select * from <relation>``.
``row_count_change``
    ``{"min_ratio": 0.9, "max_ratio": 5.0}``: fills the parameters ``row_count_floor`` and
    ``row_count_ceiling`` (the relation's row count at the last run that passed, times the
    ratios; ``1`` and ``null`` when there is none). Expectations use them as
    ``{"$PARAMETER": "row_count_floor"}``; ``relation_row_count`` and ``previous_row_count``
    are also available.

Every expectation states its ``severity``: ``critical`` failures block publishing (a Dagster
blocking check), ``warning`` ones are reported and do not block.

Validation follows ../shared/platform_notes.md: the frame is fetched with duckdb into pandas and
validated in an ephemeral GX context (the SQL datasource is fragile on DuckDB). GX is imported
inside :func:`validate` (the import costs seconds), so importing this module is cheap. The
results are written under ``<data_dir>/reports``: GX Data Docs (``gx/index.html``), each suite's
validation result as JSON (``gx/results/<suite>.json``), ``quality_summary.json``, and the row
counts of the last passing runs (``gx_row_counts.json``).
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from lifecycle.settings import PROJECT_DIR

#: Where the suites live.
SUITES_DIR = PROJECT_DIR / "expectations"
#: Severities of GX 1.x expectations; ``critical`` blocks publishing.
BLOCKING_SEVERITY = "critical"
SEVERITIES = ("critical", "warning", "info")

ROW_COUNTS_FILE = "gx_row_counts.json"
SUMMARY_FILE = "quality_summary.json"
SITE_DIR = "gx"


class SuiteError(ValueError):
    """A suite file is not usable (bad JSON, name not ``<schema>.<table>``, missing severity)."""


@dataclass(frozen=True)
class Suite:
    """One expectation suite file."""

    name: str
    path: Path
    spec: dict[str, Any]

    @property
    def schema(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def relation(self) -> str:
        return f'"{self.schema}"."{self.table}"'

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self.spec.get("meta") or {})

    @property
    def description(self) -> str:
        return str(self.meta.get("description") or f"Great Expectations suite {self.name}")

    @property
    def query(self) -> str:
        return str(self.meta.get("query") or f"select * from {self.relation}")

    @property
    def id_columns(self) -> list[str]:
        """Columns naming a row in failure reports (``meta.id_columns``), e.g. ``source_table``."""
        return [str(c) for c in self.meta.get("id_columns") or []]

    @property
    def expectations(self) -> list[dict[str, Any]]:
        return list(self.spec.get("expectations") or [])

    @property
    def blocking(self) -> bool:
        """True when a failure of this suite must stop publishing (any critical expectation)."""
        return any(e.get("severity") == BLOCKING_SEVERITY for e in self.expectations)

    def row_count_ratios(self) -> tuple[float, float | None] | None:
        change = self.meta.get("row_count_change")
        if not change:
            return None
        hi = change.get("max_ratio")
        return float(change.get("min_ratio", 0.0)), (float(hi) if hi is not None else None)


def load_suite(path: Path) -> Suite:
    """Read and sanity-check one suite file (name = file name = ``<schema>.<table>``)."""
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON: {exc}") from exc
    name = str(spec.get("name") or "")
    expected = Path(path).name.removesuffix(".json")
    if name != expected:
        raise SuiteError(f"{path}: suite name {name!r} must equal the file name {expected!r}")
    if name.count(".") != 1 or not all(name.split(".")):
        raise SuiteError(f"{path}: suite name {name!r} must be <schema>.<table>")
    expectations = spec.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise SuiteError(f"{path}: a suite needs a non-empty 'expectations' list")
    for i, e in enumerate(expectations):
        if not e.get("type") or not isinstance(e.get("kwargs"), dict):
            raise SuiteError(f"{path}: expectation {i} needs 'type' and 'kwargs'")
        if e.get("severity") not in SEVERITIES:
            raise SuiteError(
                f"{path}: expectation {i} ({e.get('type')}) must state a severity: {', '.join(SEVERITIES)}"
            )
    return Suite(name=name, path=Path(path), spec=spec)


def load_suites(directory: Path = SUITES_DIR, names: Iterable[str] | None = None) -> list[Suite]:
    """Every ``*.json`` suite of ``directory`` (or only ``names``), sorted by name."""
    wanted = set(names) if names is not None else None
    suites = [load_suite(p) for p in sorted(Path(directory).glob("*.json"))]
    return [s for s in suites if wanted is None or s.name in wanted]


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    column: str | None
    severity: str
    success: bool
    observed: Any
    bounds: str

    def line(self) -> str:
        where = f"{self.column}: " if self.column else ""
        return f"{self.type} ({where}{self.bounds}) observed {_short(self.observed)} [{self.severity}]"


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    relation_row_count: int | None
    previous_row_count: int | None
    outcomes: list[ExpectationOutcome]
    result_json: Path | None
    seconds: float
    error: str | None = None

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def failed_critical(self) -> list[ExpectationOutcome]:
        return [o for o in self.failed if o.severity == BLOCKING_SEVERITY]

    @property
    def passed(self) -> bool:
        """No expectation failed and the suite could be evaluated."""
        return self.error is None and not self.failed

    @property
    def blocks_publishing(self) -> bool:
        return self.error is not None or bool(self.failed_critical)

    def lines(self) -> list[str]:
        status = "passed" if self.passed else ("FAILED" if self.blocks_publishing else "warned")
        head = (
            f"{self.suite}: {status}, {len(self.outcomes) - len(self.failed)}/{len(self.outcomes)} "
            "expectations met"
        )
        out = [head + (f" (error: {self.error})" if self.error else "")]
        out += [f"  x {o.line()}" for o in self.failed]
        return out


@dataclass
class QualityReport:
    results: list[SuiteResult]
    report_dir: Path
    seconds: float
    site_index: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No suite blocks publishing (warnings allowed)."""
        return not any(r.blocks_publishing for r in self.results)

    def lines(self) -> list[str]:
        out = [line for r in self.results for line in r.lines()]
        where = self.site_index or self.report_dir
        out.append(f"great expectations: {len(self.results)} suites in {self.seconds:.1f} s, report {where}")
        return out


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 240 else text[:237] + "..."


def _bounds(kwargs: dict[str, Any]) -> str:
    parts = []
    for key in ("min_value", "max_value", "value", "value_set", "mostly"):
        if key in kwargs and kwargs[key] is not None:
            parts.append(f"{key}={_short(kwargs[key])}")
    return ", ".join(parts)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def _numeric_decimals(frame: Any) -> Any:
    """DuckDB DECIMAL columns arrive as Python ``Decimal`` objects; GX's metrics want floats."""
    from decimal import Decimal

    for column in frame.columns:
        if frame[column].dtype == object:
            sample = frame[column].dropna()
            if len(sample) and isinstance(sample.iloc[0], Decimal):
                frame[column] = frame[column].astype("float64")
    return frame


def row_count_parameters(suite: Suite, relation_rows: int, previous: int | None) -> dict[str, Any]:
    """The ``$PARAMETER`` values a suite may use, from the relation's row count now and last pass."""
    params: dict[str, Any] = {"relation_row_count": relation_rows, "previous_row_count": previous}
    ratios = suite.row_count_ratios()
    lo, hi = ratios if ratios else (0.0, None)
    if previous:
        params["row_count_floor"] = max(1, math.floor(previous * lo))
        params["row_count_ceiling"] = math.ceil(previous * hi) if hi is not None else None
    else:  # first run (or the last pass was empty): only "not empty"
        params["row_count_floor"] = 1
        params["row_count_ceiling"] = None
    return params


def _disable_progress_bars(context: Any) -> None:
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # pragma: no cover - cosmetic only
        pass


def validate(
    suites: Sequence[Suite],
    warehouse: Path | None = None,
    *,
    report_dir: Path,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[str], None] | None = None,
) -> QualityReport:
    """Validate ``suites`` against the warehouse and write the report under ``report_dir``.

    ``con``: an open warehouse connection to reuse (see platform notes on DuckDB's one
    configuration per file); otherwise ``warehouse`` is opened read-only and closed at the end.
    A suite whose query fails (e.g. its relation was not built) yields a :class:`SuiteResult`
    with ``error`` set, which blocks publishing. Row counts of suites that passed all their
    critical expectations become the baseline of the next run's ``row_count_change``.
    """
    import great_expectations as gx  # 3-4 s import: only when validating

    started = time.monotonic()
    say = progress or (lambda _msg: None)
    report_dir = Path(report_dir)
    site_dir = report_dir / SITE_DIR
    results_dir = site_dir / "results"
    own = con is None
    if own:
        if warehouse is None or not Path(warehouse).exists():
            raise FileNotFoundError(f"no warehouse at {warehouse}: build it before validating")
        con = duckdb.connect(str(warehouse), read_only=True)
    assert con is not None

    counts_path = report_dir / ROW_COUNTS_FILE
    baseline: dict[str, Any] = _read_json(counts_path)
    if site_dir.exists():
        shutil.rmtree(site_dir)  # one complete report per run; no stale pages
    results_dir.mkdir(parents=True, exist_ok=True)

    context = gx.get_context(mode="ephemeral")
    _disable_progress_bars(context)
    site_name = "lifecycle"
    context.add_data_docs_site(
        site_name=site_name,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    datasource = context.data_sources.add_pandas("warehouse")

    results: list[SuiteResult] = []
    try:
        for suite in suites:
            t0 = time.monotonic()
            previous = (baseline.get(suite.name) or {}).get("rows")
            try:
                relation_rows = int(con.execute(f"select count(*) from {suite.relation}").fetchone()[0])
                frame = _numeric_decimals(con.execute(suite.query).fetchdf())
            except duckdb.Error as exc:
                results.append(
                    SuiteResult(suite.name, None, previous, [], None, time.monotonic() - t0, error=str(exc))
                )
                say(f"{suite.name}: could not be evaluated: {exc}")
                continue
            params = row_count_parameters(suite, relation_rows, previous)
            asset = datasource.add_dataframe_asset(suite.name)
            batch = asset.add_batch_definition_whole_dataframe("frame")
            gx_suite = context.suites.add(
                gx.ExpectationSuite(
                    name=suite.name,
                    expectations=[dict(e) for e in suite.expectations],
                    meta=suite.meta,
                )
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
            )
            result_format: dict[str, Any] = {"result_format": "SUMMARY"}
            if suite.id_columns:
                result_format["unexpected_index_column_names"] = suite.id_columns
            result = definition.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=params,
                result_format=result_format,
            )
            result_json = results_dir / f"{suite.name}.json"
            _write_json(result_json, result.to_json_dict())
            outcomes = []
            for r in result.results:
                cfg = r.expectation_config
                severity = getattr(cfg.severity, "value", str(cfg.severity))
                observed = (r.result or {}).get("observed_value")
                if observed is None and r.result and "unexpected_count" in r.result:
                    observed = {
                        "unexpected_count": r.result.get("unexpected_count"),
                        "unexpected_percent": round(float(r.result.get("unexpected_percent") or 0), 2),
                        "examples": [
                            _json_safe(v)
                            for v in (
                                r.result.get("partial_unexpected_index_list")
                                or r.result.get("partial_unexpected_list")
                                or []
                            )[:5]
                        ],
                    }
                if r.exception_info and r.exception_info.get("raised_exception"):
                    observed = f"error: {r.exception_info.get('exception_message')}"
                outcomes.append(
                    ExpectationOutcome(
                        type=cfg.type,
                        column=cfg.kwargs.get("column"),
                        severity=severity,
                        success=bool(r.success),
                        observed=_json_safe(observed),
                        bounds=_bounds(dict(cfg.kwargs)),
                    )
                )
            sr = SuiteResult(
                suite.name, relation_rows, previous, outcomes, result_json, time.monotonic() - t0
            )
            results.append(sr)
            if not sr.blocks_publishing:
                baseline[suite.name] = {"rows": relation_rows, "at": datetime.now(UTC).isoformat()}
        site_index: Path | None = None
        if any(r.result_json for r in results):
            context.build_data_docs(site_names=[site_name])
            site_index = site_dir / "index.html"
    finally:
        if own:
            con.close()

    _write_json(counts_path, baseline)
    report = QualityReport(results, report_dir, time.monotonic() - started, site_index)
    _write_json(
        report_dir / SUMMARY_FILE,
        {
            "validated_at": datetime.now(UTC).isoformat(),
            "ok": report.ok,
            "report": str(site_index) if site_index else None,
            "suites": [
                {
                    "suite": r.suite,
                    "passed": r.passed,
                    "blocks_publishing": r.blocks_publishing,
                    "relation_row_count": r.relation_row_count,
                    "previous_row_count": r.previous_row_count,
                    "error": r.error,
                    "failed": [o.line() for o in r.failed],
                    "result_json": str(r.result_json) if r.result_json else None,
                }
                for r in results
            ],
        },
    )
    for line in report.lines():
        say(line)
    return report
