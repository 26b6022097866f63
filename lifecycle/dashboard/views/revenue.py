"""Revenue (url path `revenue`, the default page): MRR waterfall, ARR, NDR/GRR by segment.

Without a segment filter the waterfall is marts.mrr_waterfall_monthly as published; with one it
is the same sums over fct_mrr_monthly of the selected segments' accounts (dim_accounts.segment).
Tiles (labels are an interface, values from lifecycle.dashboard.format):
Closing MRR, ARR (12 x closing MRR), Customers, NDR, GRR - of the latest month in the filter;
NDR/GRR from fct_retention_monthly, segment 'all' (or the one segment selected).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lifecycle.dashboard import charts, data, format, ui
from lifecycle.dashboard.filters import Filters, current, month_label

#: The marts this page reads (its dbt exposure's depends_on).
MARTS = ("mrr_waterfall_monthly", "fct_retention_monthly", "fct_mrr_monthly", "dim_accounts")

WATERFALL_COLUMNS = """
    month, opening_mrr_usd, new_mrr_usd, expansion_mrr_usd, reactivation_mrr_usd,
    contraction_mrr_usd, churn_mrr_usd, closing_mrr_usd, closing_mrr_usd * 12 as arr_usd, customers
"""


def _movement(kind: str) -> str:
    return f"sum(case when m.movement_type = '{kind}' then m.mrr_change_usd else 0 end)"


def waterfall(filters: Filters) -> pd.DataFrame | None:
    """The waterfall by month in the filter, or None (with a note) when its marts are missing."""
    if not filters.segments:
        if not ui.have(["mrr_waterfall_monthly"]):
            return None
        period, params = filters.period_sql("month")
        return data.query(
            f"select {WATERFALL_COLUMNS} from marts.mrr_waterfall_monthly where {period} order by month",
            params,
        )
    if not ui.have(["fct_mrr_monthly", "dim_accounts"]):
        return None
    segment, seg_params = filters.segment_sql("a.segment")
    period, period_params = filters.period_sql("m.month")
    return data.query(
        f"""
        with by_month as (
            select
                m.month,
                sum(m.previous_mrr_usd) as opening_mrr_usd,
                {_movement("new")} as new_mrr_usd,
                {_movement("expansion")} as expansion_mrr_usd,
                {_movement("reactivation")} as reactivation_mrr_usd,
                {_movement("contraction")} as contraction_mrr_usd,
                {_movement("churn")} as churn_mrr_usd,
                sum(m.mrr_usd) as closing_mrr_usd,
                count(case when m.mrr_usd > 0 then 1 end) as customers
            from marts.fct_mrr_monthly as m
            inner join marts.dim_accounts as a on m.account_id = a.account_id
            where {segment} and {period}
            group by m.month
        )
        select {WATERFALL_COLUMNS} from by_month order by month
        """,
        [*seg_params, *period_params],
    )


def retention(filters: Filters) -> pd.DataFrame | None:
    if not ui.have(["fct_retention_monthly"]):
        return None
    period, params = filters.period_sql("month")
    return data.query(
        f"select month, segment, base_accounts, starting_mrr_usd, ending_mrr_usd, ndr, grr, logo_retention "
        f"from marts.fct_retention_monthly where {period} order by month, segment",
        params,
    )


def tiles(wf: pd.DataFrame | None, ret: pd.DataFrame | None, filters: Filters) -> None:
    latest = wf.iloc[-1] if wf is not None and not wf.empty else None
    previous = wf.iloc[-2] if wf is not None and len(wf) > 1 else None
    month = pd.Timestamp(latest["month"]).date() if latest is not None else filters.end_month
    retention_segment = filters.segments[0] if len(filters.segments) == 1 else "all"
    ret_row = None
    if ret is not None and month is not None:
        rows = ret[(ret["segment"] == retention_segment) & (pd.to_datetime(ret["month"]).dt.date == month)]
        ret_row = rows.iloc[0] if not rows.empty else None
    cols = ui.tile_row(5)
    with cols[0]:
        st.metric(
            "Closing MRR",
            format.money(None if latest is None else latest["closing_mrr_usd"]),
            delta=None
            if latest is None
            else format.signed_money(latest["closing_mrr_usd"] - latest["opening_mrr_usd"]),
            help="closing_mrr_usd of the month (delta: change over the month)",
            border=True,
            width="content",
        )
    with cols[1]:
        st.metric(
            "ARR",
            format.money(None if latest is None else latest["arr_usd"]),
            help="12 x closing MRR",
            border=True,
            width="content",
        )
    with cols[2]:
        delta = None
        if latest is not None and previous is not None:
            change = int(latest["customers"]) - int(previous["customers"])
            delta = ("+" if change > 0 else "") + format.count(change)
        st.metric(
            "Customers",
            format.count(None if latest is None else latest["customers"]),
            delta=delta,
            help="Accounts with MRR > 0 at the end of the month (delta: vs the month before)",
            border=True,
            width="content",
        )
    for col, label, column in ((cols[3], "NDR", "ndr"), (cols[4], "GRR", "grr")):
        with col:
            st.metric(
                label,
                format.percent(None if ret_row is None else ret_row[column]),
                help=f"fct_retention_monthly.{column}, segment {retention_segment}: trailing 12 months",
                border=True,
                width="content",
            )
    if month is not None:
        scope = f"segment {retention_segment}" if retention_segment != "all" else "all segments"
        st.caption(f"Key figures for **{month_label(month)}** (NDR and GRR: {scope}).")


def waterfall_table(wf: pd.DataFrame) -> None:
    ui.table(
        wf.sort_values("month", ascending=False),
        column_config={
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "opening_mrr_usd": st.column_config.NumberColumn("Opening", format="dollar", step=1),
            "new_mrr_usd": st.column_config.NumberColumn("New", format="dollar", step=1),
            "expansion_mrr_usd": st.column_config.NumberColumn("Expansion", format="dollar", step=1),
            "reactivation_mrr_usd": st.column_config.NumberColumn("Reactivation", format="dollar", step=1),
            "contraction_mrr_usd": st.column_config.NumberColumn("Contraction", format="dollar", step=1),
            "churn_mrr_usd": st.column_config.NumberColumn("Churn", format="dollar", step=1),
            "closing_mrr_usd": st.column_config.NumberColumn("Closing", format="dollar", step=1),
            "arr_usd": st.column_config.NumberColumn("ARR", format="dollar", step=1),
            "customers": st.column_config.NumberColumn("Customers", format="localized"),
        },
    )


def render() -> None:
    filters = current()
    st.title("Revenue")
    ui.filter_caption(filters)
    ui.not_built_note(MARTS)
    wf = waterfall(filters)
    ret = retention(filters)
    tiles(wf, ret, filters)

    if wf is not None:
        if wf.empty:
            st.info("No MRR months in the selected range.")
        else:
            st.subheader("MRR waterfall by month")
            st.altair_chart(charts.mrr_movements(wf), width="stretch")
            left, right = st.columns([3, 2])
            with left:
                latest = wf.iloc[-1]
                st.markdown(
                    f"**{month_label(pd.Timestamp(latest['month']).date())}: opening to closing MRR**"
                )
                st.altair_chart(charts.bridge(latest), width="stretch")
            with right:
                st.markdown("**The waterfall as numbers**")
                waterfall_table(wf)

    if ret is not None and not ret.empty:
        st.subheader("Net and gross revenue retention by segment")
        shown = ret if not filters.segments else ret[ret["segment"].isin([*filters.segments, "all"])]
        shown = shown[shown["base_accounts"] >= charts.MIN_BASE_ACCOUNTS]
        if shown.empty:
            st.caption(
                f"Nothing drawn: no segment-month has {charts.MIN_BASE_ACCOUNTS} or more base accounts (accounts paying "
                "12 months before) yet, too few for a retention rate worth drawing: the tiles above "
                "still show the month's NDR and GRR."
            )
        else:
            left, right = st.columns(2)
            with left:
                st.altair_chart(
                    charts.lines(shown, x="month", y="ndr", color="segment", y_title="NDR", x_title="Month"),
                    width="stretch",
                )
            with right:
                st.altair_chart(
                    charts.lines(shown, x="month", y="grr", color="segment", y_title="GRR", x_title="Month"),
                    width="stretch",
                )
        st.caption(
            "Trailing 12 months: MRR now of the accounts that paid 12 months ago, over their MRR then "
            "(GRR caps each account at its starting MRR). `all` is every segment together; a "
            f"segment-month with fewer than {charts.MIN_BASE_ACCOUNTS} base accounts is not drawn."
        )


if __name__ == "__main__":  # Streamlit runs a page as __main__; tests import its queries
    render()
