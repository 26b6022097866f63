"""Refuse a lock file that does not pin every package with hashes (run by make before pip).

    python3 scripts/check_lock.py requirements.lock requirements/duckdb1-client.lock
    python3 scripts/check_lock.py requirements.lock --pyproject pyproject.toml

Each requirement of a lock file must be ``name==version`` followed by at least one
``--hash=sha256:...``; nothing else may appear in it (no ``>=``, no URL or local path, no ``-e``,
no index or find-links option: where packages come from is the machine's pip configuration, never
the repository's). With ``--pyproject``, every dependency the project declares (``dependencies``
and every optional group) must be pinned in the first lock file, at a version its specifier
allows. pip's ``--require-hashes`` checks hashes when it installs, but it accepts an unpinned
requirement that is already installed; this check does not. Standard library only: it runs before
the virtual environment exists. Exit 1 with one line per problem.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(?P<version>[A-Za-z0-9.+!_-]+)$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")
SPEC = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?P<specs>[^;]*)")


@dataclass
class Requirement:
    name: str
    version: str
    line: int
    hashes: int = 0


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each requirement: continuations joined, comments dropped."""
    out: list[tuple[int, str]] = []
    current, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not current:
            start = number
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            out.append((start, current.strip()))
        current = ""
    if current.strip():
        out.append((start, current.strip()))
    return out


def check_lock(path: Path) -> tuple[dict[str, Requirement], list[str]]:
    """The pinned requirements of a lock file, and its problems."""
    problems: list[str] = []
    pins: dict[str, Requirement] = {}
    text = path.read_text(encoding="utf-8")
    if "://" in text:
        problems.append(f"{path}: holds a URL; a lock file names packages, never where they come from")
    for number, line in logical_lines(text):
        first, *options = line.split()
        match = PINNED.match(first)
        if match is None:
            problems.append(f"{path}:{number}: `{first}` is not pinned as name==version")
            continue
        bad = [o for o in options if not HASH.match(o)]
        if bad:
            problems.append(
                f"{path}:{number}: `{first}` has options other than --hash=sha256: {' '.join(bad)}"
            )
        hashes = len(options) - len(bad)
        if hashes == 0:
            problems.append(f"{path}:{number}: `{first}` has no --hash=sha256")
        pins[normalise(match["name"])] = Requirement(match["name"], match["version"], number, hashes)
    if not pins:
        problems.append(f"{path}: pins no package")
    return pins, problems


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group(0)))
        if digits.group(0) != part:
            break
    return tuple(parts)


def _allows(spec: str, version: str) -> bool:
    """Whether ``version`` satisfies one ``op version`` clause (>=, <=, >, <, ==, !=, ~=)."""
    match = re.match(r"^(~=|==|!=|>=|<=|>|<)\s*([0-9][0-9a-zA-Z.*]*)$", spec.strip())
    if match is None:
        return True  # a clause this check does not understand is left to pip
    op, bound = match.groups()
    have, want = _version(version), _version(bound.rstrip(".*"))
    width = max(len(have), len(want))
    have, want = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
    if op == "~=":
        prefix = _version(bound)[:-1]
        return have >= want and have[: len(prefix)] == prefix
    return {
        "==": have == want,
        "!=": have != want,
        ">=": have >= want,
        "<=": have <= want,
        ">": have > want,
        "<": have < want,
    }[op]


def check_pyproject(pyproject: Path, pins: dict[str, Requirement], lock: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    declared = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        declared += group
    problems = []
    for requirement in declared:
        match = SPEC.match(requirement.strip())
        if match is None:
            problems.append(f"{pyproject}: cannot read the dependency `{requirement}`")
            continue
        pin = pins.get(normalise(match["name"]))
        if pin is None:
            problems.append(f"{pyproject}: `{requirement}` is not pinned in {lock} (run `make lock`)")
            continue
        specs = [s for s in match["specs"].split(",") if s.strip()]
        if not all(_allows(s, pin.version) for s in specs):
            problems.append(
                f"{pyproject}: `{requirement}` does not allow {pin.name}=={pin.version} pinned in "
                f"{lock}:{pin.line} (run `make lock`)"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("locks", nargs="+", type=Path, help="lock files (the first is the project's)")
    parser.add_argument(
        "--pyproject", type=Path, help="also check that this project's dependencies are pinned"
    )
    args = parser.parse_args(argv)
    problems: list[str] = []
    first_pins: dict[str, Requirement] = {}
    for i, lock in enumerate(args.locks):
        pins, found = check_lock(lock)
        problems += found
        if i == 0:
            first_pins = pins
    if args.pyproject:
        problems += check_pyproject(args.pyproject, first_pins, args.locks[0])
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print("error: refusing to install: every package must be pinned with == and hashes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
