"""Great Expectations suites (``expectations/<schema>.<model>.json``) as Dagster asset checks.

One check per suite, on the asset of the dbt model the suite is named after and validates
(``marts.dim_accounts`` -> ``marts/dim_accounts``, ``audit.rpt_usage_daily`` ->
``audit/rpt_usage_daily``; ``raw.<source>__<table>`` -> ``raw/<source>/<table>``). Suites carry no
SQL: a check across tables is an ``audit.rpt_*`` model, so it runs after what it reads is built.
A suite with a ``critical`` expectation is a blocking check. All selected suites run in one step (one GX import,
one read-only warehouse connection, one report under ``<data_dir>/reports/gx``).
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DbtProject

from lifecycle.contract import TABLES
from lifecycle.quality import Suite
from orchestration.resources import LifecycleResource
from orchestration.translator import LifecycleDbtTranslator

GX_OP = "great_expectations"


def check_name(suite: Suite) -> str:
    return "gx_" + suite.table


def relation_keys(
    manifest: Mapping[str, Any], translator: LifecycleDbtTranslator, project: DbtProject | None
) -> dict[str, dg.AssetKey]:
    """``schema.table`` of every relation the pipeline builds -> the asset that builds it."""
    keys = {f"raw.{t.key}": dg.AssetKey(["raw", t.source, t.name]) for t in TABLES}
    for unique_id, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") not in ("model", "seed", "snapshot"):
            continue
        relation = f"{node.get('schema')}.{node.get('alias') or node['name']}"
        keys[relation] = translator.get_asset_spec(manifest, unique_id, project).key
    return keys


def suite_check_specs(
    suites: Sequence[Suite], keys: Mapping[str, dg.AssetKey], after: Sequence[dg.AssetKey] = ()
) -> tuple[list[dg.AssetCheckSpec], list[str]]:
    """Check specs for the suites whose relation the graph builds; notes for the others.

    ``after``: assets every suite waits for besides its own (the last dbt step's), so the one GX
    step runs once, after the whole dbt graph, instead of being planned before a later dbt step
    and losing the checks on that step's models.
    """
    specs, notes = [], []
    for suite in suites:
        key = keys.get(suite.name)
        if key is None:
            notes.append(f"{suite.path.name}: no asset builds {suite.name}; suite skipped")
            continue
        specs.append(
            dg.AssetCheckSpec(
                name=check_name(suite),
                asset=key,
                additional_deps=[k for k in after if k != key],
                description=suite.description,
                blocking=suite.blocking,
                metadata={
                    "source": "great_expectations",
                    "suite": suite.name,
                    "suite_file": f"expectations/{suite.path.name}",
                    "expectations": len(suite.expectations),
                },
            )
        )
    return specs, notes


def build_gx_checks(
    suites: Sequence[Suite], keys: Mapping[str, dg.AssetKey], after: Sequence[dg.AssetKey] = ()
) -> tuple[dg.AssetChecksDefinition | None, list[str]]:
    specs, notes = suite_check_specs(suites, keys, after)
    if not specs:
        return None, notes
    suite_by_check = {dg.AssetCheckKey(keys[s.name], check_name(s)): s for s in suites if s.name in keys}

    @dg.multi_asset_check(
        name=GX_OP,
        specs=specs,
        can_subset=True,
        description="Great Expectations suites from expectations/ against the warehouse.",
        compute_kind="great_expectations",
    )
    def great_expectations(
        context: dg.AssetCheckExecutionContext, lifecycle: LifecycleResource
    ) -> Iterator[dg.AssetCheckResult]:
        from lifecycle.quality import validate

        selected = [suite_by_check[k] for k in sorted(context.selected_asset_check_keys, key=str)]
        settings = lifecycle.settings()
        report = validate(
            selected,
            settings.warehouse,
            report_dir=lifecycle.report_dir,
            progress=context.log.info,
            config=settings.duckdb_config(),
        )
        by_name = {r.suite: r for r in report.results}
        for check_key, suite in ((k, suite_by_check[k]) for k in context.selected_asset_check_keys):
            result = by_name[suite.name]
            metadata: dict[str, Any] = {
                "suite_file": f"expectations/{suite.path.name}",
                "expectations_met": f"{len(result.outcomes) - len(result.failed)}/{len(result.outcomes)}",
                "failed": dg.MetadataValue.md("\n".join(f"- {o.line()}" for o in result.failed) or "none"),
            }
            if result.relation_row_count is not None:
                metadata["relation_row_count"] = result.relation_row_count
            if result.previous_row_count is not None:
                metadata["previous_row_count"] = result.previous_row_count
            if result.error:
                metadata["error"] = result.error
            if report.site_index:
                metadata["report"] = dg.MetadataValue.path(str(report.site_index))
            if result.result_json:
                metadata["result_json"] = dg.MetadataValue.path(str(result.result_json))
            yield dg.AssetCheckResult(
                asset_key=check_key.asset_key,
                check_name=check_key.name,
                passed=result.passed,
                severity=dg.AssetCheckSeverity.ERROR
                if result.blocks_publishing
                else dg.AssetCheckSeverity.WARN,
                metadata=metadata,
                description="; ".join(o.line() for o in result.failed) or None,
            )

    return great_expectations, notes
