"""A clone of the repo is all a user has: no tracked file reaches for a folder outside it.

Checked generically, so the test names no outside folder itself: every relative path written as
``../…`` must resolve inside the repo from the file that writes it, and no file may hold the
absolute path of this checkout (a path that works on one machine only).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The one allowed exception: the optional interface-check step of `make test` (skipped when the
#: checker is absent, as it is in a user's clone).
ALLOWED = {"scripts/test.sh", "tests/test_repo_stands_alone.py"}  # (this file: its examples)
RELATIVE = re.compile(r"(?<![\w./-])((?:\.\./)+[\w.-]+(?:/[\w.-]+)*)")


def tracked_text_files() -> list[tuple[str, str]]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    out = []
    for name in names:
        path = ROOT / name
        if not name or name in ALLOWED or not path.is_file():
            continue
        try:
            out.append((name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def escapes_repo(name: str, relative: str) -> bool:
    target = ((ROOT / name).parent / relative).resolve()
    return not target.is_relative_to(ROOT)


def test_no_relative_path_climbs_out_of_the_repo() -> None:
    offenders = [
        f"{name}: {rel}"
        for name, text in tracked_text_files()
        for rel in RELATIVE.findall(text)
        if escapes_repo(name, rel)
    ]
    assert offenders == []


def test_no_file_holds_the_absolute_path_of_this_checkout() -> None:
    here = str(ROOT) + "/"
    assert [name for name, text in tracked_text_files() if here in text] == []


def test_the_check_catches_a_link_out_of_the_repo() -> None:
    assert escapes_repo("docs/simulator.md", "../../elsewhere/contract.md")
    assert not escapes_repo("docs/simulator.md", "../orchestration/dagster.yaml")
    assert RELATIVE.findall("see [x](../../elsewhere/a.md) and ../b") == ["../../elsewhere/a.md", "../b"]
