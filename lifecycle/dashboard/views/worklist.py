"""Worklist (url path `worklist`): today's ranked plays of one owner, and an account's history.

Reads marts.csm_worklist at the current date (`is_current`). Tile: Plays today (the current rows
of the chosen owner, in the selected segments). Clicking a row (or picking the account in the
"Account" box below the table) shows that account's MRR by month, health by week and
lifecycle spells. The segment filter applies; the month filter does not (today's list).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lifecycle.dashboard import charts, data, format, ui
from lifecycle.dashboard.filters import Filters, current

#: The marts this page reads (its dbt exposure's depends_on).
MARTS = ("csm_worklist", "fct_mrr_monthly", "fct_health_weekly", "fct_lifecycle_spells")

ALL_OWNERS = "All owners"
ACCOUNT_KEY = "worklist_account"
LAST_PICK_KEY = "worklist_last_pick"
PLAY_LABELS = {
    "saving": "Saving",
    "renewal_prep": "Renewal prep",
    "champion_left": "Champion left",
    "onboarding": "Onboarding",
    "expansion": "Expansion",
}


def owners(filters: Filters) -> list[str]:
    segment, params = filters.segment_sql("segment")
    frame = data.query(
        f"select distinct owner_name from marts.csm_worklist where is_current and {segment} order by owner_name",
        params,
    )
    return list(frame["owner_name"].dropna())


def plays(filters: Filters, owner: str | None) -> pd.DataFrame:
    segment, params = filters.segment_sql("segment")
    owner_sql = "true" if owner is None else "owner_name = ?"
    owner_params = [] if owner is None else [owner]
    return data.query(
        f"""
        select
            priority_rank, account_id, account_name, segment, play, priority_score, arr_at_stake_usd,
            urgency, health_band, health_score, days_to_renewal, owner_name, owner_role, reasons
        from marts.csm_worklist
        where is_current and {segment} and {owner_sql}
        order by priority_score desc, urgency desc, arr_at_stake_usd desc, account_id, play
        """,
        [*params, *owner_params],
    )


def _picked_account(table: pd.DataFrame, rows: list[int]) -> str | None:
    """The account chosen by a click on the table, else the one in the Account box."""
    accounts = list(dict.fromkeys(table["account_id"]))
    clicked = table["account_id"].iloc[rows[0]] if rows and rows[0] < len(table) else None
    if clicked is not None and st.session_state.get(LAST_PICK_KEY) != clicked:
        st.session_state[ACCOUNT_KEY] = clicked  # a new click wins over the box
    st.session_state[LAST_PICK_KEY] = clicked
    if st.session_state.get(ACCOUNT_KEY) not in accounts:
        st.session_state.pop(ACCOUNT_KEY, None)
    names = dict(zip(table["account_id"], table["account_name"].fillna(table["account_id"]), strict=True))
    return st.selectbox(
        "Account",
        accounts,
        format_func=lambda a: f"{names.get(a, a)} ({a})",
        key=ACCOUNT_KEY,
        help="Click a row of the table, or pick the account here",
    )


def history(account_id: str, name: str) -> None:
    st.subheader(f"History: {name}")
    left, right = st.columns(2)
    with left:
        st.markdown("**MRR by month**")
        if ui.have(["fct_mrr_monthly"]):
            mrr = data.query(
                "select month, mrr_usd, movement_type, mrr_change_usd from marts.fct_mrr_monthly "
                "where account_id = ? order by month",
                [account_id],
            )
            if mrr.empty:
                st.info("No MRR months for this account.")
            else:
                st.altair_chart(
                    alt.Chart(mrr)
                    .mark_area(line=True, opacity=0.3, interpolate="step-after")
                    .encode(
                        x=alt.X("month:T", title=None),
                        y=alt.Y("mrr_usd:Q", title="MRR", axis=alt.Axis(format=charts.MONEY_AXIS)),
                        tooltip=[
                            alt.Tooltip("month:T", format="%b %Y"),
                            alt.Tooltip("mrr_usd:Q", title="MRR", format=charts.MONEY_TIP),
                            alt.Tooltip("movement_type:N", title="Movement"),
                        ],
                    )
                    .properties(height=240),
                    width="stretch",
                )
                last = mrr.iloc[-1]
                st.caption(
                    f"MRR now: {format.money(last['mrr_usd'])} (ARR {format.money(last['mrr_usd'] * 12)})."
                )
    with right:
        st.markdown("**Health by week**")
        if ui.have(["fct_health_weekly"]):
            health = data.query(
                "select week, health_score, health_band, primary_driver from marts.fct_health_weekly "
                "where account_id = ? order by week",
                [account_id],
            )
            if health.empty:
                st.info("No health scores for this account.")
            else:
                line = alt.Chart(health).encode(
                    x=alt.X("week:T", title=None),
                    y=alt.Y("health_score:Q", title="Health score", scale=alt.Scale(domain=[0, 100])),
                )
                st.altair_chart(
                    alt.layer(
                        line.mark_line(color="#90a4ae"),
                        line.mark_circle(size=30).encode(
                            color=alt.Color(
                                "health_band:N",
                                scale=alt.Scale(
                                    domain=[b for b, _ in charts.BANDS], range=[c for _, c in charts.BANDS]
                                ),
                                title=None,
                            ),
                            tooltip=[
                                alt.Tooltip("week:T", format="%d %b %Y"),
                                alt.Tooltip("health_score:Q", format=".1f"),
                                "health_band:N",
                                alt.Tooltip("primary_driver:N", title="Primary driver"),
                            ],
                        ),
                    ).properties(height=240),
                    width="stretch",
                )
    st.markdown("**Lifecycle spells**")
    if ui.have(["fct_lifecycle_spells"]):
        spells = data.query(
            "select land_number, stage, phase, provider_play, valid_from, valid_to "
            "from marts.fct_lifecycle_spells where account_id = ? order by valid_from",
            [account_id],
        )
        if spells.empty:
            st.info("No lifecycle spells for this account.")
        else:
            ui.table(
                spells,
                column_config={
                    "land_number": st.column_config.NumberColumn("Land", format="%d"),
                    "stage": "Stage",
                    "phase": "Phase",
                    "provider_play": "Play",
                    "valid_from": st.column_config.DateColumn("From"),
                    "valid_to": st.column_config.DateColumn("Until (exclusive; empty: still)"),
                },
            )


def render() -> None:
    filters = current()
    st.title("Worklist")
    ui.filter_caption(filters, dates=False)
    ui.not_built_note(MARTS)
    if not ui.have(["csm_worklist"]):
        return
    choices = [ALL_OWNERS, *owners(filters)]
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    owner = left.selectbox(
        "Owner", choices, key="worklist_owner", help="The account's CSM, else its account executive"
    )
    chosen = None if owner == ALL_OWNERS else owner
    table = plays(filters, chosen)
    right.metric(
        "Plays today",
        format.count(len(table)),
        help="Current worklist rows (is_current) of the owner: one row per account and play",
        border=True,
        width="content",
    )
    if table.empty:
        st.info("No plays today for this owner in the selected segments.")
        return
    shown = table.assign(play=table["play"].map(lambda p: PLAY_LABELS.get(p, p)))
    if chosen is None:
        shown = shown.assign(priority_rank=range(1, len(shown) + 1))
    columns = ["priority_rank", "account_name", "play", "reasons", "priority_score", "arr_at_stake_usd"]
    columns += ["health_band", "health_score", "days_to_renewal", "segment"]
    if chosen is None:
        columns.append("owner_name")
    event = ui.table(
        shown,
        column_order=columns,
        key="worklist_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "priority_rank": st.column_config.NumberColumn("Rank", format="%d"),
            "account_name": "Account",
            "owner_name": "Owner",
            "segment": "Segment",
            "play": "Play",
            "priority_score": st.column_config.NumberColumn(
                "Priority", format="dollar", step=1, help="ARR at stake × urgency"
            ),
            "arr_at_stake_usd": st.column_config.NumberColumn("ARR at stake", format="dollar", step=1),
            "health_band": "Band",
            "health_score": st.column_config.NumberColumn("Health", format="%.1f"),
            "days_to_renewal": st.column_config.NumberColumn("Days to renewal", format="%d"),
            "reasons": st.column_config.TextColumn("Why", width="large"),
            "owner_role": None,
        },
    )
    account = _picked_account(table, list(event.selection.rows) if event else [])
    if account is not None:
        rows = table[table["account_id"] == account]
        name = str(rows["account_name"].fillna(account).iloc[0])
        st.markdown(
            "\n".join(
                f"- **{PLAY_LABELS.get(r.play, r.play)}** (priority {format.money(r.priority_score)}): {r.reasons}"
                for r in rows.itertuples()
            )
        )
        history(account, name)


if __name__ == "__main__":  # Streamlit runs a page as __main__; tests import its queries
    render()
