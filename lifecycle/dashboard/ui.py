"""Pieces every page uses: the "not built yet" note and the filter caption."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lifecycle.dashboard import data, format
from lifecycle.dashboard.filters import Filters

BUILD_HINT = (
    "Build and publish the marts with `make run` (or `lifecycle publish` after `make build`), then reload."
)


def have(marts: Sequence[str]) -> bool:
    """True when the serving DB has every mart in ``marts`` (the caller skips the part if not)."""
    return not data.missing_marts(marts)


def not_built_note(marts: Sequence[str]) -> None:
    """One note at the top of a page naming the marts it reads that are not published yet and
    how to build them; the parts of the page that need them are left out."""
    missing = data.missing_marts(marts)
    if missing:
        names = ", ".join(f"`{m}`" for m in missing)
        st.info(
            f"**Not built yet:** the serving DB has no {names}, so this page shows only what it can. "
            f"{BUILD_HINT}",
            icon=":material/construction:",
        )


def filter_caption(filters: Filters, *, dates: bool = True) -> None:
    st.caption(filters.describe(dates=dates))


def tile_row(n: int) -> list[DeltaGenerator]:
    """``n`` slots for key-figure tiles side by side, each as wide as its figure (wrapping on a
    narrow screen), so a long dollar figure is never cut off as in equal columns."""
    row = st.container(horizontal=True, gap="medium")
    return [row] * n


def _places(step: float) -> int:
    return max(0, -Decimal(str(step)).as_tuple().exponent)  # type: ignore[operator]


def table(frame: pd.DataFrame, column_config: dict[str, Any], **kwargs: Any) -> Any:
    """``st.dataframe`` the dashboard's way: no index, a dash for missing values, and the dollar
    and percent columns rounded (half away from zero) to the precision they display - the grid
    itself truncates, so $4,018,216.93 would read $4,018,216 next to a tile's $4,018,217."""
    shown = frame.copy()
    for column, config in column_config.items():
        number = config.get("type_config", {}) if isinstance(config, dict) else {}
        if column in shown and number.get("format") in ("dollar", "percent") and number.get("step"):
            places = _places(number["step"])
            shown[column] = [format.rounded(v, places) for v in shown[column]]
    return st.dataframe(
        shown, hide_index=True, placeholder=format.MISSING, column_config=column_config, **kwargs
    )
