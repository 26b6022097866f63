"""The shared context of a run: configuration, catalogue, staff, the landing writer, run records."""

from __future__ import annotations

from datetime import datetime

from .catalog import Catalog, Staff
from .config import SimConfig
from .writer import BatchWriter


class World:
    """What every account's month needs besides its own state, and the one way rows are written."""

    def __init__(self, cfg: SimConfig, catalog: Catalog, staff: list[Staff], writer: BatchWriter) -> None:
        self.cfg = cfg
        self.seed = cfg.seed
        self.catalog = catalog
        self.staff = staff
        self.writer = writer
        self.customer_ids: list[str] = []  # for (rare) wrong links typed by sales
        self.churn_events: list[dict] = []  # ground truth
        self.month_end: datetime | None = None

    def emit(self, key: str, row: dict, at: datetime) -> None:
        """Write ``row`` to table ``key`` as known at instant ``at`` (never after the month simulated)."""
        assert self.month_end is None or at < self.month_end, (key, at, self.month_end)
        self.writer.add(key, row, at)

    def staff_by_role(self, role: str) -> list[Staff]:
        return [s for s in self.staff if s.role == role and s.is_active]
