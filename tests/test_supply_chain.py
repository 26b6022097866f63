"""Supply chain: every package is pinned with hashes, and make refuses to install anything else.

pip's ``--require-hashes`` checks the hashes of what it downloads, but it lets an unpinned
requirement through when a matching version is already installed; scripts/check_lock.py, which
make runs before pip, does not.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "scripts" / "check_lock.py"
LOCKS = [ROOT / "requirements.lock", ROOT / "requirements" / "duckdb1-client.lock"]
HASH = "    --hash=sha256:" + "a" * 64


def _check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), *map(str, args)], capture_output=True, text=True, timeout=60
    )


def test_the_committed_lock_files_pin_every_package_and_every_dependency() -> None:
    proc = _check(*LOCKS, "--pyproject", ROOT / "pyproject.toml")
    assert proc.returncode == 0, proc.stderr
    text = LOCKS[0].read_text(encoding="utf-8")
    assert len(re.findall(r"^\S+==\S+ \\$", text, re.MULTILINE)) > 100


@pytest.mark.parametrize(
    ("lock", "words"),
    [
        (f"requests>=2 \\\n{HASH}\n", "`requests>=2` is not pinned as name==version"),
        ("requests==2.32.3\n", "`requests==2.32.3` has no --hash=sha256"),
        (f"requests==2.32.3 \\\n    --hash=md5:abc \\\n{HASH}\n", "has options other than --hash=sha256"),
        (f"--index-url https://example.invalid/simple\nrequests==2.32.3 \\\n{HASH}\n", "holds a URL"),
        (f"-e .\nrequests==2.32.3 \\\n{HASH}\n", "`-e` is not pinned"),
        ("# only comments\n", "pins no package"),
    ],
)
def test_a_lock_with_an_unpinned_or_unhashed_package_is_refused(
    tmp_path: Path, lock: str, words: str
) -> None:
    path = tmp_path / "requirements.lock"
    path.write_text(lock, encoding="utf-8")
    proc = _check(path)
    assert proc.returncode == 1
    assert words in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: refusing to install")


def test_a_dependency_missing_from_the_lock_or_outside_its_pin_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"duckdb==1.4.2 \\\n{HASH}\n", encoding="utf-8")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\ndependencies = ["duckdb>=1.5"]\n'
        '[project.optional-dependencies]\ndev = ["pytest>=8"]\n',
        encoding="utf-8",
    )
    proc = _check(lock, "--pyproject", pyproject)
    assert proc.returncode == 1
    assert "`duckdb>=1.5` does not allow duckdb==1.4.2" in proc.stderr
    assert "`pytest>=8` is not pinned in" in proc.stderr


def test_make_checks_the_lock_before_pip_and_pip_installs_only_hashed_requirements() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    lines = [line.strip() for line in recipe.splitlines() if not line.strip().startswith("@#")]
    check_at = next(i for i, line in enumerate(lines) if "scripts/check_lock.py" in line)
    pip_lines = [i for i, line in enumerate(lines) if "pip install" in line]
    assert pip_lines and check_at < min(pip_lines)
    for i in pip_lines:
        command = lines[i] + (" " + lines[i + 1] if lines[i].endswith("\\") else "")
        # the project itself is the one install without hashes: from this checkout, no dependencies
        own = "--no-deps" in command and command.rstrip().endswith("-e .")
        assert "--require-hashes" in command or own, command
        assert "://" not in command and "--index-url" not in command
