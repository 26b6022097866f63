"""The dbt project as Dagster sees it: where it is, how its manifest is prepared, the manifest.

dagster-dbt's own mechanism prepares the manifest (its ``DagsterDbtProjectPreparer``). Under
``dagster dev`` (``make ui``) ``prepare_if_dev`` runs it when the code location loads; the
launcher (``orchestration/launch.py``, behind ``make run``) calls ``prepare_manifest()`` before it
loads the definitions, so a model edited since the last parse is always in the graph (dbt's
partial parsing keeps an unchanged project's parse to a few seconds). A deployment image prepares
it at package time with ``dagster-dbt project prepare-and-package --file orchestration/project.py``.
Loading the definitions never invokes dbt otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject

from lifecycle.dbt import dbt_executable
from lifecycle.settings import PROJECT_DIR


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (``prepare_if_dev``: only under ``dagster dev``), running ``dbt parse``
    with the project's own dbt: the default runs the ``dbt`` on PATH, which a non-activated venv
    (``make`` calls ``.venv/bin/lifecycle``) does not provide.

    ``dbt_vars`` and ``target``: the ``--vars`` and ``--target`` the run's `dbt build` will pass
    (``Settings.dbt_vars``, ``Settings.dbt_target``); parsing with the same ones lets the build
    reuse this parse (dbt parses everything again when vars or the target change).
    """

    def __init__(self, dbt_vars: Mapping[str, str] | None = None, target: str | None = None) -> None:
        super().__init__()
        self.dbt_vars = dict(dbt_vars or {})
        self.target = target

    def prepare(self, project: DbtProject) -> None:
        args = ["parse", "--quiet", "--no-use-colors"]
        if self.dbt_vars:
            args += ["--vars", json.dumps(self.dbt_vars)]
        if self.target:
            args += ["--target", self.target]
        DbtCliResource(
            project_dir=str(project.project_dir),
            profiles_dir=str(project.profiles_dir),
            dbt_executable=dbt_executable(),
        ).cli(args, target_path=project.target_path).wait()


DBT_PROJECT = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
VenvDbtPreparer().prepare_if_dev(DBT_PROJECT)


class ManifestMissingError(FileNotFoundError):
    """No dbt manifest: say how to make one."""


def prepare_manifest(
    dbt_vars: Mapping[str, str] | None = None, target: str | None = None, project: DbtProject = DBT_PROJECT
) -> Path:
    """Parse the dbt project into ``target/manifest.json`` (raises when dbt cannot parse it)."""
    VenvDbtPreparer(dbt_vars, target).prepare(project)
    return Path(project.manifest_path)


def load_manifest(project: DbtProject = DBT_PROJECT) -> dict[str, Any]:
    """The parsed ``manifest.json`` (a dict we may annotate, see translator.attach_singular_tests)."""
    path = Path(project.manifest_path)
    if not path.exists():
        raise ManifestMissingError(
            f"no dbt manifest at {path}: run `lifecycle dbt parse` (or `make run` / `make ui`, which do it)"
        )
    return json.loads(path.read_text(encoding="utf-8"))
