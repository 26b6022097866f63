"""Pieces every page uses: the "not built yet" note and the filter caption."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lifecycle.dashboard import data
from lifecycle.dashboard.filters import Filters

BUILD_HINT = (
    "Build and publish the marts with `make run` (or `lifecycle publish` after `make build`), then reload."
)


def have(marts: Sequence[str], what: str) -> bool:
    """True when the serving DB has every mart in ``marts``; else an info note saying which are
    not built yet and how to build them (the caller skips ``what``)."""
    missing = data.missing_marts(marts)
    if missing:
        names = ", ".join(f"`{m}`" for m in missing)
        st.info(f"**{what}: not built yet.** The serving DB has no {names}. {BUILD_HINT}", icon="🧱")
    return not missing


def filter_caption(filters: Filters, *, dates: bool = True) -> None:
    st.caption(filters.describe(dates=dates))


def tile_row(n: int) -> list[DeltaGenerator]:
    """``n`` slots for key-figure tiles side by side, each as wide as its figure (wrapping on a
    narrow screen), so a long dollar figure is never cut off as in equal columns."""
    row = st.container(horizontal=True, gap="medium")
    return [row] * n
