"""One bench step as a subprocess: wall seconds, exit code and peak memory.

Two memory figures per step:

- ``peak_rss_bytes``: the largest sum of resident set sizes over the step's whole process tree
  (the step and every descendant alive at the moment), sampled every ``interval`` seconds from
  ``/proc``. Shared pages (libraries, a forked parent's memory) are counted in every process
  that maps them, so it is an upper bound of what the step needs; a peak shorter than the
  interval can be missed.
- ``max_process_rss_bytes``: the kernel's own high-water mark (``ru_maxrss`` from ``os.wait4``)
  of the largest single process of the tree: exact, never missed, but per process.

Linux only for the tree sum (``/proc``); elsewhere it is None and only the kernel's figure is kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class StepResult:
    seconds: float
    exit_code: int
    peak_rss_bytes: int | None  # largest RSS sum over the process tree (sampled)
    max_process_rss_bytes: int  # ru_maxrss of the largest single process (kernel)
    log: Path


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process visible in /proc."""
    out: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2 :].split()
        out[int(entry.name)] = int(fields[1])
    return out


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants now alive."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_rss_bytes(root: int) -> int:
    """Sum of the resident set sizes of ``root``'s process tree now (0 if it is gone)."""
    total = 0
    for pid in tree_pids(root):
        try:
            total += int((PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


class TreeRssSampler:
    """Samples :func:`tree_rss_bytes` of a process in a thread; ``peak`` is the largest seen."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.supported = PROC.joinpath("self", "statm").exists()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def __enter__(self) -> TreeRssSampler:
        if self.supported:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)


def run_step(
    argv: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    interval: float = 0.2,
) -> StepResult:
    """Run ``argv`` with stdout and stderr to ``log``; measure it (see the module docstring)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        with TreeRssSampler(proc.pid, interval) as sampler:
            _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    # ru_maxrss is in kibibytes on Linux, bytes on macOS
    scale = 1 if sys.platform == "darwin" else 1024
    return StepResult(
        seconds=round(seconds, 2),
        exit_code=proc.returncode,
        peak_rss_bytes=sampler.peak if sampler.supported else None,
        max_process_rss_bytes=int(usage.ru_maxrss) * scale,
        log=log,
    )
