"""A deterministic simulator of a SaaS company's CRM, billing and product-usage exports.

``simulate(out)`` writes landing batch files in the raw contract's layout
(``out/<source>/<table>/<batch>``) and ground truth beside it (``<out>_truth``). Same seed and
options give byte-identical files. See docs/simulator.md for the module layout.
"""

from __future__ import annotations

from .config import SCALES
from .run import LandingDirInUseError, SimulationSummary, simulate

__all__ = ["SCALES", "LandingDirInUseError", "SimulationSummary", "simulate"]
