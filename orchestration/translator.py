"""How dbt nodes become Dagster assets and checks: read from the manifest, never a model list.

- **keys**: ``[schema, model]`` (``staging/stg_crm__accounts``, ``marts/dim_accounts``), dagster-dbt's
  default for models with a configured schema; sources carry ``meta.dagster.asset_key``
  (``raw/<source>/<table>``), which links them to the loader's raw assets.
- **groups** by layer and source, from the model's folder (its fqn): ``staging_<source>``,
  ``intermediate``, ``marts``, ``audit``, ``seeds``.
- **descriptions** from the dbt YAML (the SQL is not a description); **owners**: dagster-dbt's
  (``meta.dagster.owners``, the dbt group's owner), else the team owning the layer;
  **freshness policies** on marts (a daily schedule: warn after 26 h, fail after 36 h).
- **checks**: every dbt data test is an asset check (dagster-dbt's default). Blocking means a
  failure stops the downstream assets, publishing included: every ``error``-severity test (dbt
  itself skips downstream models after one) and every key-uniqueness test whatever its severity.
  A singular test that reads several models (``assert_mrr_monthly_sums_to_waterfall``) is attached
  to the most downstream of them unless its YAML names one with ``meta: {dagster: {ref: ...}}``
  (see :func:`attach_singular_tests`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

#: Owner of each layer when the dbt YAML names none (Dagster owners: e-mail or ``team:<name>``).
LAYER_OWNERS: dict[str, str] = {
    "raw": "team:data_platform",
    "staging": "team:analytics_engineering",
    "intermediate": "team:analytics_engineering",
    "audit": "team:analytics_engineering",
    "seeds": "team:analytics_engineering",
    "marts": "team:analytics_engineering",
    "serving": "team:data_platform",
    "bi": "team:analytics",
}
#: Layers whose assets carry a freshness policy, and the default windows (a daily schedule).
FRESHNESS_LAYERS = ("marts",)
FRESHNESS_WARN = timedelta(hours=26)
FRESHNESS_FAIL = timedelta(hours=36)
#: Generic tests that assert a key is unique (dbt's ``unique``, the project's ``unique_combination``):
#: always blocking.
KEY_TESTS = ("unique", "unique_combination")


def freshness_policy() -> dg.FreshnessPolicy:
    """Fail when the asset was not updated within 36 h, warn after 26 h (a daily schedule)."""
    return dg.FreshnessPolicy.time_window(fail_window=FRESHNESS_FAIL, warn_window=FRESHNESS_WARN)


def layer_of(props: Mapping[str, Any]) -> str:
    """``staging``, ``intermediate``, ``marts``, ``audit``, ``seeds`` or ``raw`` (sources)."""
    rtype = props.get("resource_type")
    if rtype == "source":
        return "raw"
    if rtype == "seed":
        return "seeds"
    fqn = list(props.get("fqn") or [])
    return fqn[1] if len(fqn) > 2 else str((props.get("config") or {}).get("schema") or "models")


def group_of(props: Mapping[str, Any]) -> str:
    """Group by layer, and by source inside staging: ``staging_billing``, ``marts``, ..."""
    layer = layer_of(props)
    if layer == "raw":
        return f"raw_{props['source_name']}"
    fqn = list(props.get("fqn") or [])
    if layer == "staging" and len(fqn) > 3:  # fqn: project, staging, <source>, [base,] model
        return f"staging_{fqn[2]}"
    return re.sub(r"\W", "_", layer)


def _first_paragraph_of_sql_comment(sql: str) -> str:
    lines = []
    for line in sql.strip().splitlines():
        stripped = line.strip()
        if stripped.startswith("{{") and not lines:
            continue  # a leading config() call
        if not stripped.startswith("--"):
            break
        lines.append(stripped.lstrip("-").strip())
    return " ".join(x for x in lines if x)


class LifecycleDbtTranslator(DagsterDbtTranslator):
    """Groups, owners, descriptions, freshness and check blocking from the dbt project."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return group_of(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        text = (dbt_resource_props.get("description") or "").strip()
        if text:
            return text
        rtype = dbt_resource_props.get("resource_type", "node")
        return f"dbt {rtype} `{dbt_resource_props.get('name')}` (no description in its YAML yet)."

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        declared = super().get_owners(dbt_resource_props)
        if declared:
            return declared
        owner = LAYER_OWNERS.get(layer_of(dbt_resource_props))
        return [owner] if owner else None

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))
        tags["layer"] = layer_of(dbt_resource_props)
        return tags

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if layer_of(props) in FRESHNESS_LAYERS and props.get("resource_type") == "model":
            spec = spec.replace_attributes(freshness_policy=freshness_policy())
        return spec

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = self.get_resource_props(manifest, unique_id)
        kind = (test.get("test_metadata") or {}).get("name")
        blocking = spec.blocking or kind in KEY_TESTS
        description = (test.get("description") or "").strip() or _first_paragraph_of_sql_comment(
            test.get("raw_code") or ""
        )
        if not description:
            column = test.get("column_name")
            description = f"dbt test `{kind or 'singular'}`" + (f" on `{column}`" if column else "")
        severity = str((test.get("config") or {}).get("severity") or "error").lower()
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=description,
            additional_deps=spec.additional_deps,
            metadata={**spec.metadata, "dbt_severity": severity, "source": "dbt"},
            blocking=blocking,
        )


def _depth(manifest: Mapping[str, Any], unique_id: str, memo: dict[str, int]) -> int:
    if unique_id in memo:
        return memo[unique_id]
    memo[unique_id] = 0  # cycle guard
    parents = [p for p in manifest.get("parent_map", {}).get(unique_id, []) if p in manifest["nodes"]]
    memo[unique_id] = 1 + max((_depth(manifest, p, memo) for p in parents), default=0)
    return memo[unique_id]


def attach_singular_tests(manifest: dict[str, Any]) -> dict[str, str]:
    """Give every multi-model singular test a ``meta.dagster.ref`` so it becomes an asset check.

    dagster-dbt attaches a test to its model when it reads one model (or names one in
    ``meta: {dagster: {ref: {name: ...}}}``); a test reading several, e.g. fct_mrr_monthly and
    mrr_waterfall_monthly, would otherwise only be logged as an observation. The test goes to the
    parent model deepest in the DAG (it is the one the invariant is about: the waterfall, not the
    fact it sums), models before seeds, ties by name. Mutates ``manifest``; returns
    ``{test name: model name}`` for what it attached.
    """
    memo: dict[str, int] = {}
    attached: dict[str, str] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test" or node.get("attached_node"):
            continue
        config = node.setdefault("config", {})
        meta = config.get("meta") or node.get("meta") or {}
        if (meta.get("dagster") or {}).get("ref"):
            continue
        parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p in manifest["nodes"]]
        if len(parents) < 2:
            continue

        def rank(pid: str) -> tuple[int, int, str]:
            parent = manifest["nodes"][pid]
            return (parent.get("resource_type") == "model", _depth(manifest, pid, memo), parent["name"])

        target = manifest["nodes"][max(parents, key=rank)]
        new_meta = dict(meta)
        new_meta["dagster"] = {
            **(meta.get("dagster") or {}),
            "ref": {"name": target["name"], "package": target.get("package_name")},
        }
        config["meta"] = new_meta
        attached[node["name"]] = target["name"]
    return attached


def exposure_specs(manifest: Mapping[str, Any], serving_key: dg.AssetKey) -> list[dg.AssetSpec]:
    """dbt exposures (dashboards) as external assets downstream of the published serving DB."""
    specs = []
    for exposure in manifest.get("exposures", {}).values():
        owner = (exposure.get("owner") or {}).get("email")
        url = exposure.get("url")
        specs.append(
            dg.AssetSpec(
                key=dg.AssetKey(["bi", exposure["name"]]),
                deps=[serving_key],
                description=exposure.get("description")
                or f"{exposure.get('type', 'exposure')} reading the marts",
                group_name="bi",
                owners=[owner] if owner else [LAYER_OWNERS["bi"]],
                kinds={str(exposure.get("type") or "dashboard")},
                metadata={
                    "reads": ", ".join(
                        manifest["nodes"][n]["name"]
                        for n in exposure.get("depends_on", {}).get("nodes", [])
                        if n in manifest["nodes"]
                    ),
                    **({"url": dg.MetadataValue.url(url)} if url else {}),
                },
            )
        )
    return specs
