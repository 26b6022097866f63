"""The lifecycle dashboard: `make dashboard` (``lifecycle dashboard``) runs ``streamlit run`` on this.

Five pages, one script each in views/ (not `pages/`: Streamlit would take a directory of that
name for its older multipage mode and run a page without this script); url paths and titles
are an interface (dbt exposures and the browser test use them).
Everything is read from the published serving DB (``LIFECYCLE_SERVING``), read-only.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lifecycle.dashboard import data
from lifecycle.dashboard.filters import sidebar

HERE = Path(__file__).parent

#: (page file, title, url path, icon); the first is the default page.
PAGES = (
    ("views/revenue.py", "Revenue", "revenue", ":material/payments:"),
    ("views/lifecycle.py", "Lifecycle", "lifecycle", ":material/conversion_path:"),
    ("views/health.py", "Health", "health", ":material/monitor_heart:"),
    ("views/ltv.py", "LTV", "ltv", ":material/savings:"),
    ("views/worklist.py", "Worklist", "worklist", ":material/checklist:"),
)


def _home() -> None:
    """The app's root URL (Streamlit serves the default page there, never under its url_path)."""


def main() -> None:
    st.set_page_config(page_title="Lifecycle dashboard", page_icon=":material/monitoring:", layout="wide")
    pages = [st.Page(HERE / file, title=title, url_path=url, icon=icon) for file, title, url, icon in PAGES]
    # The root URL opens the first page at its own path (/revenue), so every page has its url path.
    home = st.Page(_home, title=PAGES[0][1], url_path="home", default=True, visibility="hidden")
    page = st.navigation([home, *pages])
    if page.url_path == home.url_path:
        st.switch_page(pages[0])
    try:
        data.file_key()
        st.session_state["filters"] = sidebar()
    except data.ServingError as exc:
        st.title(page.title)
        st.error(str(exc), icon=":material/database_off:")
        return
    try:
        page.run()
    except data.ServingError as exc:  # e.g. the file was replaced by something unreadable mid-run
        st.error(
            f"{exc}. Reload the page; if it persists, run `make run` again.", icon=":material/database_off:"
        )


main()
