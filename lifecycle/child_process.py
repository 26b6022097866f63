"""Run a long-lived child (the dashboard's streamlit, the Dagster UI) as part of this process.

A supervisor that stops `lifecycle dashboard` with SIGTERM (systemd, a container runtime, a test
fixture) must stop its server too: `subprocess.run` leaves the child running when the parent is
terminated. `run_child` forwards SIGTERM and SIGHUP to the child, waits for it (SIGKILL when it has
not exited after a grace period) and returns its exit code; Ctrl-C (SIGINT) reaches the child through the terminal's
process group and ends the call with exit code 0.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

#: seconds a child has to exit after a forwarded signal before it is killed
GRACE_SECONDS = 5.0
#: how often the wait checks whether a stopped child must be killed
POLL_SECONDS = 0.5
FORWARDED = (signal.SIGTERM, signal.SIGHUP)


def run_child(cmd: Sequence[str], *, env: Mapping[str, str], cwd: Path) -> int:
    """Run ``cmd`` until it exits; forward SIGTERM/SIGHUP to it; Ctrl-C ends it quietly."""
    child = subprocess.Popen(list(cmd), env=dict(env), cwd=cwd)
    stop_requested: list[float] = []  # when a forwarded signal or Ctrl-C arrived

    def forward(signum: int, _frame: FrameType | None) -> None:
        stop_requested.append(time.monotonic())
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        while True:
            try:
                code = child.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                # a child that ignores the forwarded signal (streamlit ignores SIGTERM) is killed
                if stop_requested and time.monotonic() - stop_requested[0] > GRACE_SECONDS:
                    child.kill()
            except KeyboardInterrupt:  # Ctrl-C: the terminal sent SIGINT to the child as well
                stop_requested.append(time.monotonic())
                try:
                    child.wait(timeout=GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    # stopped on request: the child's exit by a signal (a negative code) is not a failure
    return 0 if stop_requested and code < 0 else code
