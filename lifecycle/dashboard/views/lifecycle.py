"""Lifecycle (url path `lifecycle`): the LAER funnel, time to first value, stage mix over time.

The funnel counts accounts that ever reached each stage in a land that started within the
filter (fct_lifecycle_spells; segment from dim_accounts): land (every land), adopt (reached
first value: an adopt or expand spell, as adopt is skipped when first value and adoption fall
on one day), expand (an expand spell: adopted), renew (a renew spell).
Tiles: Accounts landed (the funnel's land step), Adopted (its adopt step), Median time to first
value (fct_account_onboarding, lands with a first value).
The stage mix is the live accounts per stage at each month end (the as-of date for its month),
from the spells that cover that day - never a scan of the large fct_lifecycle_daily.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lifecycle.dashboard import charts, data, format, ui
from lifecycle.dashboard.filters import Filters, current

#: The marts this page reads (its dbt exposure's depends_on).
MARTS = ("fct_account_onboarding", "fct_lifecycle_spells", "dim_accounts")

FUNNEL = (
    ("land", "Landed"),
    ("adopt", "Reached first value (adopt)"),
    ("expand", "Adopted, expanding (expand)"),
    ("renew", "Reached a renewal (renew)"),
)


def funnel(filters: Filters) -> pd.DataFrame:
    segment, seg_params = filters.segment_sql("coalesce(a.segment, 'unknown')")
    period, period_params = filters.period_sql("l.land_start")
    frame = data.query(
        f"""
        with lands as (
            select
                account_id,
                land_number,
                min(valid_from) as land_start,
                max(case when stage in ('adopt', 'expand') then 1 else 0 end) as reached_adopt,
                max(case when stage = 'expand' then 1 else 0 end) as reached_expand,
                max(case when stage = 'renew' then 1 else 0 end) as reached_renew
            from marts.fct_lifecycle_spells
            group by account_id, land_number
        )
        select
            count(distinct l.account_id) as land,
            count(distinct case when l.reached_adopt = 1 then l.account_id end) as adopt,
            count(distinct case when l.reached_expand = 1 then l.account_id end) as expand,
            count(distinct case when l.reached_renew = 1 then l.account_id end) as renew
        from lands as l
        left join marts.dim_accounts as a on l.account_id = a.account_id
        where {segment} and {period}
        """,
        [*seg_params, *period_params],
    )
    row = frame.iloc[0]
    landed = int(row["land"])
    return pd.DataFrame(
        {
            "stage": [s for s, _ in FUNNEL],
            "step": [label for _, label in FUNNEL],
            "accounts": [int(row[s]) for s, _ in FUNNEL],
            "share": [int(row[s]) / landed if landed else None for s, _ in FUNNEL],
        }
    )


def first_value(filters: Filters) -> tuple[float | None, pd.DataFrame]:
    """Median days to first value over the filter, and the figures per segment."""
    segment, seg_params = filters.segment_sql("segment")
    period, period_params = filters.period_sql("land_date")
    where = f"where {segment} and {period}"
    params = [*seg_params, *period_params]
    median = data.scalar(
        f"select median(time_to_first_value_days) from marts.fct_account_onboarding {where}", params
    )
    by_segment = data.query(
        f"""
        select
            segment,
            count(*) as lands,
            count(first_value_date) as with_first_value,
            count(first_value_date) / count(*) as first_value_share,
            median(time_to_first_value_days) as median_days,
            quantile_cont(time_to_first_value_days, 0.75) as p75_days
        from marts.fct_account_onboarding
        {where}
        group by segment
        order by segment
        """,
        params,
    )
    return (None if pd.isna(median) else float(median)), by_segment


def stage_mix(filters: Filters) -> pd.DataFrame:
    segment, seg_params = filters.segment_sql("coalesce(a.segment, 'unknown')")
    return data.query(
        f"""
        with month_ends as (select unnest(?) as day)
        select d.day, s.stage, count(distinct s.account_id) as accounts
        from month_ends as d
        inner join marts.fct_lifecycle_spells as s
            on s.valid_from <= d.day and (s.valid_to is null or s.valid_to > d.day)
        left join marts.dim_accounts as a on s.account_id = a.account_id
        where s.stage <> 'churned' and {segment}
        group by d.day, s.stage
        order by d.day, s.stage
        """,
        [filters.month_ends(), *seg_params],
    )


def render() -> None:
    filters = current()
    st.title("Lifecycle")
    ui.filter_caption(filters)
    ui.not_built_note(MARTS)
    have_spells = ui.have(["fct_lifecycle_spells", "dim_accounts"])
    have_onboarding = ui.have(["fct_account_onboarding"])

    steps = funnel(filters) if have_spells else None
    median, by_segment = first_value(filters) if have_onboarding else (None, None)
    cols = ui.tile_row(3)
    with cols[0]:
        st.metric(
            "Accounts landed",
            format.count(None if steps is None else steps["accounts"].iloc[0]),
            help="Accounts with a land that started in the selected months",
            border=True,
            width="content",
        )
    with cols[1]:
        adopted = None if steps is None else steps.iloc[1]
        st.metric(
            "Adopted",
            format.count(None if adopted is None else adopted["accounts"]),
            delta=None if adopted is None else f"{format.percent(adopted['share'])} of landed",
            delta_color="off",
            help="Accounts that reached the adopt stage (first value) - the funnel's second step",
            border=True,
            width="content",
        )
    with cols[2]:
        st.metric(
            "Median time to first value",
            format.days(median),
            help="Median of time_to_first_value_days over the lands with a first value",
            border=True,
            width="content",
        )

    if steps is not None:
        st.subheader("Funnel: land → adopt → expand → renew")
        left, right = st.columns([3, 2])
        with left:
            st.altair_chart(
                charts.bars(
                    steps,
                    x="step",
                    y="accounts",
                    x_title=None,
                    y_title="Accounts",
                    color="stage",
                    pairs=charts.STAGES,
                    sort=list(steps["step"]),
                    horizontal=True,
                    height=200,
                ),
                width="stretch",
            )
        with right:
            ui.table(
                steps[["step", "accounts", "share"]],
                column_config={
                    "step": st.column_config.TextColumn("Stage reached"),
                    "accounts": st.column_config.NumberColumn("Accounts", format="localized"),
                    "share": st.column_config.NumberColumn("Of landed", format="percent", step=0.001),
                },
            )

    if by_segment is not None and not by_segment.empty:
        st.subheader("Time to first value by segment")
        left, right = st.columns([2, 3])
        with left:
            st.altair_chart(
                charts.bars(
                    by_segment.dropna(subset=["median_days"]),
                    x="segment",
                    y="median_days",
                    x_title="Segment",
                    y_title="Median days to first value",
                    y_format=",.1f",
                ),
                width="stretch",
            )
        with right:
            ui.table(
                by_segment,
                column_config={
                    "segment": "Segment",
                    "lands": st.column_config.NumberColumn("Lands", format="localized"),
                    "with_first_value": st.column_config.NumberColumn("With first value", format="localized"),
                    "first_value_share": st.column_config.NumberColumn("Share", format="percent", step=0.001),
                    "median_days": st.column_config.NumberColumn("Median days", format="%.1f"),
                    "p75_days": st.column_config.NumberColumn("75th percentile days", format="%.1f"),
                },
            )

    if have_spells and filters.months:
        mix = stage_mix(filters)
        st.subheader("Stage mix at each month end")
        if mix.empty:
            st.info("No live accounts in the selected months.")
        else:
            share = st.toggle("Show as shares", key="lifecycle_mix_share")
            st.altair_chart(
                charts.stacked_area(
                    mix,
                    x="day",
                    y="accounts",
                    color="stage",
                    pairs=charts.STAGES[:-1],
                    y_title="Live accounts",
                    x_title="Month end",
                    normalize=share,
                ),
                width="stretch",
            )


if __name__ == "__main__":  # Streamlit runs a page as __main__; tests import its queries
    render()
