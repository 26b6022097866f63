"""Dagster wiring for lifecycle-warehouse: the asset graph, checks, schedule, sensor.

``orchestration.definitions`` is the code location (``dagster dev -m orchestration.definitions``).
This package imports :mod:`lifecycle` (loader, publishing, GX runner); :mod:`lifecycle` never
imports it. See docs/orchestration.md.
"""
