"""Great Expectations suites from ``expectations/``, validated against the DuckDB warehouse.

What GX checks here is what dbt tests do not express well: volume drift (row-count change
against the last passing run), distributions and plausible ranges of aggregates, cross-table
consistency and freshness of one source against another. Column rules (not null, unique,
accepted values, relationships) stay in dbt's YAML and are not repeated here.

A suite is a hand-written, reviewable JSON file ``expectations/<schema>.<model>.json`` in GX's
own format (``{"name", "expectations": [{"type", "kwargs", "severity"}], "meta"}``), named after
the dbt model whose rows it validates (``marts.fct_mrr_monthly``, ``audit.rpt_usage_daily``).
A suite carries no SQL: aggregates, joins across marts and freshness against ``as_of_date`` are
dbt models (``models/audit/rpt_*.sql``), so they are in lineage, use ``ref()`` and the dispatched
macros, run on every engine, and are rebuilt with what they read. A suite with ``meta.query`` is
refused (:class:`SuiteError`). Conventions in ``meta``:

``description``
    one line shown in Dagster and the report.
``id_columns``
    optional columns that name a failing row in the report (``["source_table"]``).
``row_count_change``
    ``{"min_ratio": 0.9, "max_ratio": 5.0}``: fills the parameters ``row_count_floor`` and
    ``row_count_ceiling`` (the model's volume at the last run that passed, times the ratios;
    ``1`` and ``null`` when there is none). The volume is the model's row count, or the sum of
    the column named by ``"column"`` (``audit.rpt_usage_daily`` has one row per day and counts
    ``events``). Expectations use them as ``{"$PARAMETER": "row_count_floor"}``;
    ``relation_row_count`` (the volume now) and ``previous_row_count`` are also available.

Every expectation states its ``severity``: ``critical`` failures block publishing (a Dagster
blocking check), ``warning`` ones are reported and do not block.

The model's rows are fetched with duckdb into pandas and validated in an ephemeral GX context
(GX's SQL datasource is fragile on DuckDB). GX is imported inside :func:`validate` (the import
costs seconds), so importing this module is cheap. The results are written under
``<data_dir>/reports``: GX Data Docs (``gx/index.html``), each suite's validation result as JSON
(``gx/results/<suite>.json``), ``quality_summary.json``, and the volumes of the last passing
runs (``gx_row_counts.json``).
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from lifecycle.connection import connect
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
    """A suite file is not usable (bad JSON, name not ``<schema>.<model>``, SQL in ``meta.query``,
    missing severity)."""


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

    @property
    def volume_column(self) -> str | None:
        """The column whose sum is the model's volume (``row_count_change.column``), or None for
        the row count."""
        column = (self.meta.get("row_count_change") or {}).get("column")
        return str(column) if column else None


def _read_suite_spec(path: Path) -> dict[str, Any]:
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(spec, dict):
        raise SuiteError(f"{path}: a suite is a JSON object")
    return spec


def _check_name(path: Path, spec: dict[str, Any]) -> str:
    name = str(spec.get("name") or "")
    expected = Path(path).name.removesuffix(".json")
    if name != expected:
        raise SuiteError(f"{path}: suite name {name!r} must equal the file name {expected!r}")
    if name.count(".") != 1 or not all(name.split(".")):
        raise SuiteError(f"{path}: suite name {name!r} must be <schema>.<model>")
    return name


def _check_no_query(path: Path, spec: dict[str, Any]) -> None:
    if "query" in (spec.get("meta") or {}):
        raise SuiteError(
            f"{path}: meta.query is not supported: a suite validates the rows of the dbt model it "
            "is named after. Move the SQL into a model (e.g. models/audit/rpt_<name>.sql, built "
            "with ref() and the cross-db macros), document it in YAML, and name the suite "
            "audit.rpt_<name>.json."
        )


def _check_expectations(path: Path, spec: dict[str, Any]) -> None:
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


def load_suite(path: Path) -> Suite:
    """Read and sanity-check one suite file (name = file name = ``<schema>.<model>``, no SQL)."""
    spec = _read_suite_spec(path)
    name = _check_name(path, spec)
    _check_no_query(path, spec)
    _check_expectations(path, spec)
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
    """The ``$PARAMETER`` values a suite may use, from the model's volume now and at the last pass."""
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


@dataclass(frozen=True)
class ReportPaths:
    """Where one validation run writes: ``<report_dir>/gx`` (Data Docs and results), the
    volume baseline and the summary."""

    report_dir: Path

    @property
    def site_dir(self) -> Path:
        return self.report_dir / SITE_DIR

    @property
    def results_dir(self) -> Path:
        return self.site_dir / "results"

    @property
    def row_counts(self) -> Path:
        return self.report_dir / ROW_COUNTS_FILE

    @property
    def summary(self) -> Path:
        return self.report_dir / SUMMARY_FILE

    def reset_site(self) -> None:
        """One complete report per run: no stale pages of suites that were not run."""
        if self.site_dir.exists():
            shutil.rmtree(self.site_dir)
        self.results_dir.mkdir(parents=True, exist_ok=True)


@contextmanager
def _warehouse_connection(
    con: duckdb.DuckDBPyConnection | None, warehouse: Path | None, config: Mapping[str, str] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """``con`` as given (the caller closes it), or ``warehouse`` opened read-only with ``config``
    and closed after."""
    if con is not None:
        yield con
        return
    if warehouse is None or not Path(warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: build it before validating")
    own = connect(warehouse, config, read_only=True)
    try:
        yield own
    finally:
        own.close()


@dataclass
class GxRunner:
    """An ephemeral GX context with a pandas datasource and a Data Docs site under ``site_dir``."""

    gx: Any
    context: Any
    datasource: Any
    site_dir: Path
    site_name: str = "lifecycle"

    @classmethod
    def create(cls, site_dir: Path) -> GxRunner:
        import great_expectations as gx  # 3-4 s import: only when validating

        context = gx.get_context(mode="ephemeral")
        _disable_progress_bars(context)
        runner = cls(gx, context, context.data_sources.add_pandas("warehouse"), site_dir)
        context.add_data_docs_site(
            site_name=runner.site_name,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        return runner

    def run(self, suite: Suite, frame: Any, params: dict[str, Any]) -> Any:
        """Validate ``frame`` with ``suite``; the GX validation result."""
        asset = self.datasource.add_dataframe_asset(suite.name)
        batch = asset.add_batch_definition_whole_dataframe("frame")
        gx_suite = self.context.suites.add(
            self.gx.ExpectationSuite(
                name=suite.name, expectations=[dict(e) for e in suite.expectations], meta=suite.meta
            )
        )
        definition = self.context.validation_definitions.add(
            self.gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
        )
        result_format: dict[str, Any] = {"result_format": "SUMMARY"}
        if suite.id_columns:
            result_format["unexpected_index_column_names"] = suite.id_columns
        return definition.run(
            batch_parameters={"dataframe": frame}, expectation_parameters=params, result_format=result_format
        )

    def build_docs(self) -> Path:
        self.context.build_data_docs(site_names=[self.site_name])
        return self.site_dir / "index.html"


def _fetch_frame(con: duckdb.DuckDBPyConnection, suite: Suite) -> Any:
    """Every row of the suite's model as a pandas frame (decimals as floats)."""
    return _numeric_decimals(con.execute(f"select * from {suite.relation}").fetchdf())


def _volume(suite: Suite, frame: Any) -> int:
    """The model's volume: its row count, or the sum of ``row_count_change.column``."""
    column = suite.volume_column
    if column is None:
        return len(frame)
    if column not in frame.columns:
        raise SuiteError(f"{suite.path}: row_count_change.column {column!r} is not a column of {suite.name}")
    return int(frame[column].fillna(0).sum())


def _observed(result: dict[str, Any] | None) -> Any:
    """What an expectation saw: its observed value, or a summary of the unexpected rows."""
    result = result or {}
    observed = result.get("observed_value")
    if observed is None and "unexpected_count" in result:
        examples = result.get("partial_unexpected_index_list") or result.get("partial_unexpected_list") or []
        observed = {
            "unexpected_count": result.get("unexpected_count"),
            "unexpected_percent": round(float(result.get("unexpected_percent") or 0), 2),
            "examples": [_json_safe(v) for v in examples[:5]],
        }
    return observed


def _outcome(expectation_result: Any) -> ExpectationOutcome:
    cfg = expectation_result.expectation_config
    observed = _observed(expectation_result.result)
    info = expectation_result.exception_info or {}
    if info.get("raised_exception"):
        observed = f"error: {info.get('exception_message')}"
    return ExpectationOutcome(
        type=cfg.type,
        column=cfg.kwargs.get("column"),
        severity=getattr(cfg.severity, "value", str(cfg.severity)),
        success=bool(expectation_result.success),
        observed=_json_safe(observed),
        bounds=_bounds(dict(cfg.kwargs)),
    )


def _validate_suite(
    runner: GxRunner,
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    previous: int | None,
    results_dir: Path,
    say: Callable[[str], None],
) -> SuiteResult:
    """One suite against its model. A model that cannot be read (not built, or lacking the volume
    column) gives a result with ``error`` set, which blocks publishing."""
    started = time.monotonic()
    try:
        frame = _fetch_frame(con, suite)
        volume = _volume(suite, frame)
    except (duckdb.Error, SuiteError) as exc:
        say(f"{suite.name}: could not be evaluated: {exc}")
        return SuiteResult(suite.name, None, previous, [], None, time.monotonic() - started, error=str(exc))
    result = runner.run(suite, frame, row_count_parameters(suite, volume, previous))
    result_json = results_dir / f"{suite.name}.json"
    _write_json(result_json, result.to_json_dict())
    outcomes = [_outcome(r) for r in result.results]
    return SuiteResult(suite.name, volume, previous, outcomes, result_json, time.monotonic() - started)


def _next_baseline(baseline: dict[str, Any], results: Sequence[SuiteResult]) -> dict[str, Any]:
    """The volumes of the suites that passed their critical expectations become the next
    run's baseline; the others keep the volume of their last passing run."""
    updated = dict(baseline)
    now = datetime.now(UTC).isoformat()
    for r in results:
        if not r.blocks_publishing:
            updated[r.suite] = {"rows": r.relation_row_count, "at": now}
    return updated


def _summary(report: QualityReport) -> dict[str, Any]:
    return {
        "validated_at": datetime.now(UTC).isoformat(),
        "ok": report.ok,
        "report": str(report.site_index) if report.site_index else None,
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
            for r in report.results
        ],
    }


def validate(
    suites: Sequence[Suite],
    warehouse: Path | None = None,
    *,
    report_dir: Path,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[str], None] | None = None,
    config: Mapping[str, str] | None = None,
) -> QualityReport:
    """Validate ``suites`` against the warehouse and write the report under ``report_dir``.

    ``con``: an open warehouse connection to reuse (DuckDB allows one configuration per file in a
    process); otherwise ``warehouse`` is opened read-only with ``config``
    (``Settings.duckdb_config()``) and closed at the end. A suite whose
    model cannot be read yields a :class:`SuiteResult` with ``error`` set, which blocks
    publishing. Volumes of suites that passed all their critical expectations become the
    baseline of the next run's ``row_count_change``.
    """
    started = time.monotonic()
    say = progress or (lambda _msg: None)
    paths = ReportPaths(Path(report_dir))
    baseline: dict[str, Any] = _read_json(paths.row_counts)
    with _warehouse_connection(con, warehouse, config) as connection:
        paths.reset_site()
        runner = GxRunner.create(paths.site_dir)
        results = [
            _validate_suite(
                runner,
                connection,
                suite,
                (baseline.get(suite.name) or {}).get("rows"),
                paths.results_dir,
                say,
            )
            for suite in suites
        ]
        site_index = runner.build_docs() if any(r.result_json for r in results) else None
    _write_json(paths.row_counts, _next_baseline(baseline, results))
    report = QualityReport(results, paths.report_dir, time.monotonic() - started, site_index)
    _write_json(paths.summary, _summary(report))
    for line in report.lines():
        say(line)
    return report
