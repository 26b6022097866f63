"""LTV (url path `ltv`): by segment and billing interval, realised vs predicted, services impact.

Tiles: Average LTV (mean ltv_usd of fct_account_ltv over the accounts that have one: predicted
and not_live; insufficient_data has none) and Fitted groups (ltv_model_parameters rows with
fit_status 'fitted'). The segment filter applies; there is no month here (lifetime figures).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lifecycle.dashboard import charts, data, format, ui
from lifecycle.dashboard.filters import Filters, current

#: The marts this page reads (its dbt exposure's depends_on).
MARTS = ("fct_account_ltv", "ltv_model_parameters", "fct_services_impact")

MONEY = {"format": "dollar", "step": 1}


def _money(label: str) -> dict:
    return st.column_config.NumberColumn(label, **MONEY)


def by_group(filters: Filters) -> pd.DataFrame:
    segment, params = filters.segment_sql("segment")
    return data.query(
        f"""
        select
            segment,
            coalesce(billing_interval, 'not live') as billing_interval,
            count(*) as accounts,
            count(ltv_usd) as with_ltv,
            avg(ltv_usd) as avg_ltv_usd,
            avg(case when ltv_usd is not null then realised_total_usd end) as avg_realised_usd,
            avg(case when ltv_usd is not null then expected_residual_usd end) as avg_predicted_usd,
            sum(realised_total_usd) as realised_total_usd,
            sum(realised_services_usd) as realised_services_usd
        from marts.fct_account_ltv
        where {segment}
        group by segment, coalesce(billing_interval, 'not live')
        order by segment, billing_interval
        """,
        params,
    )


def render() -> None:
    filters = current()
    st.title("LTV")
    ui.filter_caption(filters, dates=False)
    ui.not_built_note(MARTS)
    have_ltv = ui.have(["fct_account_ltv"])
    have_params = ui.have(["ltv_model_parameters"])
    have_services = ui.have(["fct_services_impact"])

    groups = by_group(filters) if have_ltv else None
    average = None
    if have_ltv:
        segment, params = filters.segment_sql("segment")
        average = data.scalar(f"select avg(ltv_usd) from marts.fct_account_ltv where {segment}", params)
    fits = None
    if have_params:
        segment, params = filters.segment_sql("segment")
        fits = data.query(
            f"""
            select segment, billing_interval, fit_status, customers, churned_customers, live_customers,
                arpa_usd, geometric_churn_rate, simple_ltv_usd, sbg_new_customer_ltv_usd,
                geometric_new_customer_ltv_usd, alpha, beta, fit_message
            from marts.ltv_model_parameters
            where {segment}
            order by segment, billing_interval
            """,
            params,
        )
    cols = ui.tile_row(2)
    with cols[0]:
        st.metric(
            "Average LTV",
            format.money(average),
            help="Mean ltv_usd (realised revenue + the sBG's discounted expected residual) over the "
            "accounts that have one",
            border=True,
            width="content",
        )
    with cols[1]:
        fitted = None if fits is None else int((fits["fit_status"] == "fitted").sum())
        st.metric(
            "Fitted groups",
            format.count(fitted),
            delta=None if fits is None else f"of {format.count(len(fits))} segment × interval groups",
            delta_color="off",
            delta_arrow="off",
            help="Segment × billing-interval groups whose sBG retention model was fitted",
            border=True,
            width="content",
        )

    if groups is not None and not groups.empty:
        st.subheader("LTV by segment and billing interval")
        chart_rows = groups.dropna(subset=["avg_ltv_usd"])
        # one panel per segment with its own scale: enterprise LTVs would flatten every other bar
        chart = (
            alt.Chart(chart_rows)
            .mark_bar()
            .encode(
                x=alt.X("billing_interval:N", title=None, axis=alt.Axis(labelAngle=-30, ticks=False)),
                y=alt.Y("avg_ltv_usd:Q", title="Average LTV", axis=alt.Axis(format=charts.MONEY_AXIS)),
                # the legend below the panels: at the right it falls off the page with four segments
                color=alt.Color(
                    "billing_interval:N", title="Billing interval", legend=alt.Legend(orient="bottom")
                ),
                tooltip=[
                    "segment:N",
                    "billing_interval:N",
                    alt.Tooltip("avg_ltv_usd:Q", title="Average LTV", format=charts.MONEY_TIP),
                    alt.Tooltip("with_ltv:Q", title="Accounts", format=",d"),
                ],
            )
            .properties(height=220, width=150)
            .facet(column=alt.Column("segment:N", title=None))
            .resolve_scale(y="independent", x="independent")
        )
        st.altair_chart(chart, width="stretch")

        st.subheader("Realised vs predicted")
        realised = (
            groups.assign(
                realised=lambda f: f["avg_realised_usd"] * f["with_ltv"],
                predicted=lambda f: f["avg_predicted_usd"].fillna(0) * f["with_ltv"],
            )
            .groupby("segment", as_index=False)[["realised", "predicted", "with_ltv"]]
            .sum()
        )
        realised = realised[realised["with_ltv"] > 0]
        long = realised.melt(
            id_vars=["segment", "with_ltv"], value_vars=["realised", "predicted"], var_name="part"
        ).assign(average=lambda f: f["value"] / f["with_ltv"])
        left, right = st.columns([3, 2])
        with left:
            st.altair_chart(
                alt.Chart(long)
                .mark_bar()
                .encode(
                    y=alt.Y("segment:N", title=None),
                    x=alt.X(
                        "average:Q",
                        title="Share of the average LTV",
                        stack="normalize",
                        axis=alt.Axis(format=".0%"),
                    ),
                    color=alt.Color(
                        "part:N",
                        title=None,
                        scale=alt.Scale(domain=["realised", "predicted"], range=["#1565c0", "#90caf9"]),
                    ),
                    order=alt.Order("part:N", sort="descending"),
                    tooltip=[
                        "segment:N",
                        "part:N",
                        alt.Tooltip("average:Q", title="Average per account", format=charts.MONEY_TIP),
                    ],
                )
                .properties(height=200),
                width="stretch",
            )
        with right:
            ui.table(
                groups[
                    [
                        "segment",
                        "billing_interval",
                        "with_ltv",
                        "avg_ltv_usd",
                        "avg_realised_usd",
                        "avg_predicted_usd",
                    ]
                ],
                column_config={
                    "segment": "Segment",
                    "billing_interval": "Interval",
                    "with_ltv": st.column_config.NumberColumn("Accounts with LTV", format="localized"),
                    "avg_ltv_usd": _money("Average LTV"),
                    "avg_realised_usd": _money("Realised"),
                    "avg_predicted_usd": _money("Predicted residual"),
                },
            )
        st.caption(
            "Realised: revenue already paid (recurring, services, other). Predicted: the discounted "
            "revenue the sBG model expects after the current period; 0 for accounts no longer live. "
            "Accounts in groups too small to fit have no LTV and are left out."
        )

    if fits is not None and not fits.empty:
        st.subheader("Retention model per group (sBG)")
        ui.table(
            fits,
            column_config={
                "segment": "Segment",
                "billing_interval": "Interval",
                "fit_status": "Fit",
                "customers": st.column_config.NumberColumn("Customers", format="localized"),
                "churned_customers": st.column_config.NumberColumn("Churned", format="localized"),
                "live_customers": st.column_config.NumberColumn("Live", format="localized"),
                "arpa_usd": _money("ARPA per period"),
                "geometric_churn_rate": st.column_config.NumberColumn(
                    "Churn per period", format="percent", step=0.001
                ),
                "simple_ltv_usd": _money("Simple LTV"),
                "sbg_new_customer_ltv_usd": _money("New customer LTV (sBG)"),
                "geometric_new_customer_ltv_usd": _money("New customer LTV (constant churn)"),
                "alpha": st.column_config.NumberColumn("alpha", format="%.3f"),
                "beta": st.column_config.NumberColumn("beta", format="%.3f"),
                "fit_message": "Why not fitted",
            },
        )

    if have_services:
        impact = data.query(
            """
            select has_services, segment, accounts, services_revenue_usd, avg_realised_recurring_usd,
                base_accounts, ndr, grr, logo_retention, median_time_to_first_value_days
            from marts.fct_services_impact
            order by segment, has_services
            """
        )
        if filters.segments:
            impact = impact[impact["segment"].isin([*filters.segments, "all"])]
        if not impact.empty:
            st.subheader("Services impact")
            impact = impact.assign(
                services=impact["has_services"].map({True: "with services", False: "without"})
            )
            drawn = impact[impact["base_accounts"] >= charts.MIN_BASE_ACCOUNTS]
            left, right = st.columns(2)
            with left:
                if drawn.empty:
                    st.caption(
                        f"Nothing drawn: no group has {charts.MIN_BASE_ACCOUNTS} or more base accounts yet: too few "
                        "for an NDR worth drawing (the table has every group)."
                    )
                else:
                    st.altair_chart(
                        alt.Chart(drawn)
                        .mark_bar()
                        .encode(
                            x=alt.X("segment:N", title="Segment"),
                            xOffset="services:N",
                            y=alt.Y("ndr:Q", title="NDR", axis=alt.Axis(format=".0%")),
                            color=alt.Color("services:N", title=None),
                            tooltip=[
                                "segment:N",
                                "services:N",
                                alt.Tooltip("ndr:Q", title="NDR", format=".1%"),
                            ],
                        )
                        .properties(height=280),
                        width="stretch",
                    )
            with right:
                ui.table(
                    impact[
                        [
                            "segment",
                            "services",
                            "accounts",
                            "services_revenue_usd",
                            "avg_realised_recurring_usd",
                            "ndr",
                            "grr",
                            "median_time_to_first_value_days",
                        ]
                    ],
                    column_config={
                        "segment": "Segment",
                        "services": "Services",
                        "accounts": st.column_config.NumberColumn("Accounts", format="localized"),
                        "services_revenue_usd": _money("Services revenue"),
                        "avg_realised_recurring_usd": _money("Avg recurring revenue"),
                        "ndr": st.column_config.NumberColumn("NDR", format="percent", step=0.001),
                        "grr": st.column_config.NumberColumn("GRR", format="percent", step=0.001),
                        "median_time_to_first_value_days": st.column_config.NumberColumn(
                            "Median days to first value", format="%.1f"
                        ),
                    },
                )
            st.caption(
                "Do services help recurring revenue and retention, or only sell hours? NDR and GRR: "
                "trailing 12 months; groups with fewer than "
                f"{charts.MIN_BASE_ACCOUNTS} base accounts are not drawn."
            )


if __name__ == "__main__":  # Streamlit runs a page as __main__; tests import its queries
    render()
