"""A clone of the repo is all a user has: no tracked file reads or links a folder beside it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The one allowed reference: the optional interface-check step of `make test`, skipped when absent.
ALLOWED = {"scripts/test.sh", "tests/test_repo_stands_alone.py", "tests/test_contract_sync.py"}
OUTSIDE = ("../shared", "/work/shared", "/work/main")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    return [ROOT / n for n in names if n and n not in ALLOWED and n != "requirements.lock"]


def test_no_tracked_file_points_outside_the_repo() -> None:
    offenders = []
    for path in tracked_text_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {o}" for o in OUTSIDE if o in text]
    assert offenders == []
