"""`lifecycle dashboard` and `lifecycle ui` stop their server when they are terminated.

A supervisor stops the command with SIGTERM; the server (streamlit, which ignores SIGTERM, or the
Dagster UI) must not outlive it. The child here is a Python process that ignores SIGTERM as
streamlit does, run through lifecycle.child_process.run_child in a process of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"
EXITS_ON_SIGTERM = "import time; time.sleep(120)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def _start(tmp_path: Path, child_code: str) -> tuple[subprocess.Popen, int]:
    """A parent running run_child(child); returns it and the child's pid (it writes the pid)."""
    pid_file = tmp_path / "child.pid"
    parent_code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from lifecycle import child_process
        child_process.GRACE_SECONDS = 1.0
        real_popen = child_process.subprocess.Popen
        def popen(*args, **kwargs):
            child = real_popen(*args, **kwargs)
            Path({str(pid_file)!r}).write_text(str(child.pid))
            return child
        child_process.subprocess.Popen = popen
        sys.exit(child_process.run_child([sys.executable, "-c", {child_code!r}], env={{}}, cwd=Path(".")))
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=Path(__file__).resolve().parent.parent)
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    time.sleep(0.3)  # the parent has installed its handlers once the child runs
    return parent, int(pid_file.read_text())


@pytest.mark.parametrize("child_code", [EXITS_ON_SIGTERM, IGNORES_SIGTERM], ids=["exits", "ignores-sigterm"])
def test_sigterm_to_the_command_stops_its_server(tmp_path: Path, child_code: str) -> None:
    parent, child_pid = _start(tmp_path, child_code)
    assert _alive(child_pid)
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=20) == 0  # stopped on request: not a failure
    deadline = time.monotonic() + 5
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid), "the server outlived the command"


def test_the_servers_own_exit_code_is_returned(tmp_path: Path) -> None:
    parent, _ = _start(tmp_path, "import sys, time; time.sleep(0.5); sys.exit(3)")
    assert parent.wait(timeout=20) == 3
