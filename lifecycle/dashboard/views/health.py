"""Health (url path `health`): band mix over time, the backtest, the weakest components.

Tiles: AUC (health_backtest, the `all` row: the score's AUC for churn within 90 days) and
Accounts in red (fct_health_weekly: accounts in the red band in the latest week of the filter,
segment from dim_accounts). The backtest covers every account and week (not filtered).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lifecycle.dashboard import charts, data, format, ui
from lifecycle.dashboard.filters import Filters, current

#: The marts this page reads (its dbt exposure's depends_on).
MARTS = ("fct_health_weekly", "health_backtest", "dim_accounts")

COMPONENTS = ("usage", "breadth", "support", "sentiment", "relationship", "billing")


def _where(filters: Filters) -> tuple[str, list[object]]:
    segment, seg_params = filters.segment_sql("coalesce(a.segment, 'unknown')")
    period, period_params = filters.period_sql("h.week")
    return f"where {segment} and {period}", [*seg_params, *period_params]


FROM_HEALTH = (
    "from marts.fct_health_weekly as h left join marts.dim_accounts as a on h.account_id = a.account_id"
)


def band_mix(filters: Filters) -> pd.DataFrame:
    where, params = _where(filters)
    return data.query(
        f"select h.week, h.health_band, count(*) as accounts {FROM_HEALTH} {where} "
        "group by h.week, h.health_band order by h.week, h.health_band",
        params,
    )


def components(filters: Filters, week: object) -> pd.DataFrame:
    """Per component: mean score in ``week``, accounts it is the primary driver of in ``week``,
    and its share of the primary drivers over every week in the filter."""
    where, params = _where(filters)
    score_cols = ", ".join(
        f"avg(case when h.week = ? then h.{c}_score end) as score_{c}, "
        f"count(case when h.week = ? and h.primary_driver = '{c}' then 1 end) as latest_{c}, "
        f"count(case when h.primary_driver = '{c}' then 1 end) as driver_{c}"
        for c in COMPONENTS
    )
    week_params = [week, week] * len(COMPONENTS)
    row = data.query(
        f"select {score_cols}, count(h.primary_driver) as drivers {FROM_HEALTH} {where}",
        [*week_params, *params],
    ).iloc[0]
    drivers = int(row["drivers"])
    return pd.DataFrame(
        {
            "component": list(COMPONENTS),
            "mean_score": [row[f"score_{c}"] for c in COMPONENTS],
            "primary_latest": [int(row[f"latest_{c}"]) for c in COMPONENTS],
            "primary_share": [int(row[f"driver_{c}"]) / drivers if drivers else None for c in COMPONENTS],
        }
    ).sort_values("mean_score")


def render() -> None:
    filters = current()
    st.title("Health")
    ui.filter_caption(filters)
    ui.not_built_note(MARTS)
    have_weekly = ui.have(["fct_health_weekly", "dim_accounts"])
    have_backtest = ui.have(["health_backtest"])

    mix = band_mix(filters) if have_weekly else None
    latest_week = mix["week"].max() if mix is not None and not mix.empty else None
    red = None
    if latest_week is not None:
        rows = mix[(mix["week"] == latest_week) & (mix["health_band"] == "red")]
        red = int(rows["accounts"].sum())
    backtest = (
        data.query(
            "select band, account_weeks, churned_90d, churn_rate_90d, auc, band_order "
            "from marts.health_backtest order by band_order"
        )
        if have_backtest
        else None
    )
    auc = None
    if backtest is not None:
        all_rows = backtest[backtest["band"] == "all"]
        auc = all_rows["auc"].iloc[0] if not all_rows.empty else None

    week_text = pd.Timestamp(latest_week).strftime("%d %b %Y") if latest_week is not None else None
    cols = ui.tile_row(2)
    with cols[0]:
        st.metric(
            "AUC",
            format.number(auc, 2),
            help="Area under the ROC curve of the health score for churn within 90 days "
            "(0.5 = no better than chance; every account-week)",
            border=True,
            width="content",
        )
    with cols[1]:
        st.metric(
            "Accounts in red",
            format.count(red),
            help=f"Accounts in the red band in the week of {week_text}" if week_text else None,
            border=True,
            width="content",
        )

    if mix is not None and not mix.empty:
        st.subheader("Health band mix by week")
        share = st.toggle("Show as shares", key="health_mix_share")
        st.altair_chart(
            charts.stacked_area(
                mix,
                x="week",
                y="accounts",
                color="health_band",
                pairs=charts.BANDS,
                y_title="Accounts scored",
                x_title="Week",
                normalize=share,
            ),
            width="stretch",
        )

    if backtest is not None and not backtest.empty:
        st.subheader("Backtest: churn within 90 days by band")
        bands = backtest[backtest["band"] != "all"]
        left, right = st.columns([2, 3])
        with left:
            st.altair_chart(
                charts.bars(
                    bands,
                    x="band",
                    y="churn_rate_90d",
                    x_title="Band",
                    y_title="Churned within 90 days",
                    y_format=".0%",
                    color="band",
                    pairs=charts.BANDS,
                    sort=list(bands["band"]),
                ),
                width="stretch",
            )
        with right:
            ui.table(
                backtest[["band", "account_weeks", "churned_90d", "churn_rate_90d"]],
                column_config={
                    "band": "Band",
                    "account_weeks": st.column_config.NumberColumn("Account-weeks", format="localized"),
                    "churned_90d": st.column_config.NumberColumn("Churned in 90 days", format="localized"),
                    "churn_rate_90d": st.column_config.NumberColumn(
                        "Churn rate", format="percent", step=0.001
                    ),
                },
            )
            st.caption("Every scored account-week of the history: not filtered by segment or month.")

    if latest_week is not None:
        comps = components(filters, latest_week)
        st.subheader(f"Weakest components (week of {week_text})")
        left, right = st.columns([2, 3])
        with left:
            st.altair_chart(
                charts.bars(
                    comps,
                    x="component",
                    y="mean_score",
                    x_title="Component",
                    y_title="Mean score (0-100)",
                    y_format=",.0f",
                    sort=list(comps["component"]),
                    horizontal=True,
                ),
                width="stretch",
            )
        with right:
            ui.table(
                comps,
                column_config={
                    "component": "Component",
                    "mean_score": st.column_config.NumberColumn("Mean score", format="%.1f"),
                    "primary_latest": st.column_config.NumberColumn(
                        "Primary driver (accounts)", format="localized"
                    ),
                    "primary_share": st.column_config.NumberColumn(
                        "Primary driver share (weeks in range)", format="percent", step=0.001
                    ),
                },
            )
            st.caption("The primary driver is the component that cost an account's score the most points.")


if __name__ == "__main__":  # Streamlit runs a page as __main__; tests import its queries
    render()
