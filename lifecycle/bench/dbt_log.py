"""The slowest dbt models of a step, parsed from dbt's console output in the step's log.

`lifecycle build` runs dbt twice (around the LTV fit), so ``target/run_results.json`` only holds
the second run; the log holds both. A model line looks like (colours stripped):
``12:34:56  7 of 860 OK created sql table model staging.base_usage__tracks ..... [OK in 94.52s]``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MODEL_LINE = re.compile(
    r"\d+ of \d+ OK created sql (?P<materialized>\w+) model (?P<model>[\w.]+)\s.*?"
    r"\[\w+ in (?P<seconds>\d+(?:\.\d+)?)s\]"
)


@dataclass(frozen=True)
class ModelTime:
    model: str  # schema.name as dbt prints it
    materialized: str  # table | view | incremental ...
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def model_times(text: str) -> list[ModelTime]:
    """Every model dbt reports as created in ``text``, in log order."""
    found = []
    for line in _ANSI.sub("", text).splitlines():
        if m := _MODEL_LINE.search(line):
            found.append(ModelTime(m["model"], m["materialized"], float(m["seconds"])))
    return found


def slowest_models(log: Path, top: int = 5) -> list[ModelTime]:
    """The ``top`` slowest models of the dbt runs logged in ``log`` (slowest first)."""
    if not log.exists():
        return []
    times = model_times(log.read_text(encoding="utf-8", errors="replace"))
    return sorted(times, key=lambda t: (-t.seconds, t.model))[:top]
