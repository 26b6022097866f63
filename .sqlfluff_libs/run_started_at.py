"""sqlfluff's stand-in for dbt's `run_started_at` (a datetime) when linting with the jinja templater.

Only what the macros call on it: `run_started_at.strftime(fmt)` renders a fixed timestamp.
"""


def strftime(fmt: str) -> str:
    return "2026-01-01 00:00:00.000000"
