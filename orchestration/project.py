"""The dbt project as Dagster sees it: where it is and its manifest.

In development (``dagster dev``) the manifest is prepared when the code location loads
(``prepare_if_dev``); everywhere else it must exist already: ``lifecycle run`` / ``lifecycle ui``
run ``dbt parse`` when ``target/manifest.json`` is missing or older than the models, and a
deployment image prepares it at package time with
``dagster-dbt project prepare-and-package --file orchestration/project.py``.
Loading never invokes dbt otherwise (Definitions load in a few seconds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

from lifecycle.settings import PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
DBT_PROJECT.prepare_if_dev()


class ManifestMissingError(FileNotFoundError):
    """No dbt manifest: say how to make one."""


def load_manifest(project: DbtProject = DBT_PROJECT) -> dict[str, Any]:
    """The parsed ``manifest.json`` (a dict we may annotate, see translator.attach_singular_tests)."""
    path = Path(project.manifest_path)
    if not path.exists():
        raise ManifestMissingError(
            f"no dbt manifest at {path}: run `lifecycle dbt parse` (or `make run` / `make ui`, which do it)"
        )
    return json.loads(path.read_text(encoding="utf-8"))
