"""The bench's data: a full simulated set, cached by its parameters, and its split by batch date.

``data/bench/<key>/full`` holds what ``lifecycle simulate`` wrote (reused while the key is the
same: scale, accounts, months, seed, fault rate and a hash of the simulator's code). A run's landing dir
gets every batch file of the full set except those of the last batch date (hard links: no
copies); "the next day" is the last batch date's files of every table that has one, added
before the incremental step. The batch date of a file is the date its name starts with
(:func:`lifecycle.simulator.writer.batch_date_of`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lifecycle.simulator import SCALES
from lifecycle.simulator.writer import batch_date_of

SIMULATOR_DIR = Path(__file__).resolve().parent.parent / "simulator"
CONTRACT_FILE = SIMULATOR_DIR.parent / "contract.py"
DONE = "bench_full.json"  # written beside full/ once the simulation finished


@dataclass(frozen=True)
class Scale:
    """What to simulate: a preset (its cadences) with accounts, months and a fault rate."""

    preset: str
    accounts: int
    months: int
    seed: int
    faults: float

    def key(self) -> str:
        faults = f"{self.faults:g}".replace(".", "p")
        return f"{self.preset}-a{self.accounts}-m{self.months}-s{self.seed}-f{faults}-{simulator_hash()[:10]}"


def parse_scale(
    scale: str,
    seed: int,
    accounts: int | None = None,
    months: int | None = None,
    faults: float | None = None,
) -> Scale:
    """``demo`` | ``large`` | ``small`` | a number of accounts (the demo preset with that many);
    ``faults`` defaults to the preset's rate (0.002 for demo and large, 0 for small)."""
    text = scale.strip()
    if text.isdigit():
        preset, preset_accounts = "demo", int(text)
    elif text in SCALES:
        preset, preset_accounts = text, int(SCALES[text]["accounts"])
    else:
        raise ValueError(f"scale must be one of {', '.join(SCALES)} or a number of accounts, got {scale!r}")
    rate = float(SCALES[preset]["faults"] if faults is None else faults)
    result = Scale(
        preset, int(accounts or preset_accounts), int(months or SCALES[preset]["months"]), seed, rate
    )
    if result.accounts < 1 or result.months < 1:
        raise ValueError("accounts and months must be >= 1")
    if not 0.0 <= result.faults < 1.0:
        raise ValueError("faults must be a rate in [0, 1)")
    return result


def simulator_hash() -> str:
    """sha256 of the simulator's code and the contract: a change there makes a new data set."""
    digest = hashlib.sha256()
    for path in [*sorted(SIMULATOR_DIR.glob("*.py")), CONTRACT_FILE]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_cached(key_dir: Path) -> bool:
    return (key_dir / DONE).exists() and (key_dir / "full").is_dir()


def mark_cached(key_dir: Path, scale: Scale) -> None:
    (key_dir / DONE).write_text(json.dumps({"key": scale.key(), **scale.__dict__}) + "\n")


def batch_files(landing: Path) -> list[Path]:
    """Every batch file under ``landing`` (relative paths, sorted; dot-files are not batches)."""
    return sorted(
        p.relative_to(landing)
        for p in landing.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(landing).parts)
    )


@dataclass(frozen=True)
class Split:
    """The full set split by batch date: what the run starts with and the day added after."""

    last_date: date
    landing: list[Path]  # relative paths: every batch dated before ``last_date``
    next_day: list[Path]  # relative paths: every batch dated ``last_date``


def split_by_last_batch_date(files: list[Path]) -> Split:
    """Split relative batch file paths into (all but the last batch date, the last batch date)."""
    if not files:
        raise ValueError("the data set has no batch files")
    dated = [(batch_date_of(p.name), p) for p in files]
    last = max(d for d, _ in dated)
    landing = [p for d, p in dated if d < last]
    next_day = [p for d, p in dated if d == last]
    if not landing:
        raise ValueError(f"every batch file is dated {last}: no earlier batches to build before the next day")
    return Split(last, landing, next_day)


def link_files(src: Path, dst: Path, files: list[Path]) -> int:
    """Hard-link ``files`` (relative) from ``src`` into ``dst`` (copy across file systems); bytes."""
    total = 0
    for rel in files:
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src / rel, target)
        except OSError:
            shutil.copy2(src / rel, target)
        total += target.stat().st_size
    return total


def size_of(root: Path, files: list[Path]) -> int:
    return sum((root / rel).stat().st_size for rel in files)
