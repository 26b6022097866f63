"""`lifecycle bench`: how close the build gets to reading its input once, in one run.

Modules, one job each: :mod:`.dataset` (the cached simulated set and its split into the landing
dir and "the next day"), :mod:`.measure` (a step as a subprocess: wall time, peak RSS of its
process tree), :mod:`.floor` (the floor: one DuckDB scan of every landing file, all columns),
:mod:`.dbt_log` (the slowest dbt models from a step's log), :mod:`.report` (ratios, goals, the
JSON and Markdown reports, the machine) and :mod:`.runner` (the steps in order). docs/performance.md
says what each step measures and how to read the ratios.
"""

from .runner import BenchError, BenchOptions, run_bench

__all__ = ["BenchError", "BenchOptions", "run_bench"]
