"""Altair charts the pages share. Each takes a small aggregated frame and returns a chart.

Axes and tooltips format money as dollars and ratios as percentages (d3 formats), so a chart
never shows a raw float either.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from lifecycle.dashboard import format

MONEY_AXIS = "$,.3~s"  # $4.2M
MONEY_TIP = "$,.0f"  # $4,239,464
PERCENT = ".1%"
#: A ratio over fewer base accounts than this is too noisy to draw (one account at 300% NDR).
MIN_BASE_ACCOUNTS = 10

#: Movement columns of mrr_waterfall_monthly, their labels and colours (gains green, losses red).
MOVEMENTS = (
    ("new_mrr_usd", "New", "#2e7d32"),
    ("expansion_mrr_usd", "Expansion", "#66bb6a"),
    ("reactivation_mrr_usd", "Reactivation", "#a5d6a7"),
    ("contraction_mrr_usd", "Contraction", "#ef9a9a"),
    ("churn_mrr_usd", "Churn", "#c62828"),
)
#: Health bands, best first, and their colours.
BANDS = (("green", "#2e7d32"), ("yellow", "#f9a825"), ("red", "#c62828"))
#: Segments (and `all`, the total, drawn dark) and their colours.
SEGMENTS = (
    ("all", "#263238"),
    ("enterprise", "#1565c0"),
    ("mid_market", "#ef6c00"),
    ("smb", "#2e7d32"),
    ("unknown", "#9e9e9e"),
)
#: LAER stages in funnel order and their colours.
STAGES = (
    ("land", "#90caf9"),
    ("adopt", "#42a5f5"),
    ("expand", "#1565c0"),
    ("renew", "#7e57c2"),
    ("churned", "#9e9e9e"),
)


def _scale(pairs: Sequence[tuple[str, str]]) -> alt.Scale:
    return alt.Scale(domain=[k for k, _ in pairs], range=[c for _, c in pairs])


def mrr_movements(waterfall: pd.DataFrame) -> alt.LayerChart:
    """Stacked bars of the month's movements (gains up, losses down) with the closing MRR line
    on its own axis on the right."""
    labels = {col: label for col, label, _ in MOVEMENTS}
    long = waterfall.melt(
        id_vars=["month"], value_vars=list(labels), var_name="movement", value_name="mrr_usd"
    ).assign(movement=lambda f: f["movement"].map(labels))
    colours = alt.Scale(domain=[lbl for _, lbl, _ in MOVEMENTS], range=[c for *_, c in MOVEMENTS])
    month = alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y"))
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=month,
            y=alt.Y("sum(mrr_usd):Q", title="MRR movement", axis=alt.Axis(format=MONEY_AXIS)),
            color=alt.Color("movement:N", scale=colours, title="Movement", sort=list(colours.domain)),
            order=alt.Order("movement_order:Q"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month", format="%b %Y"),
                alt.Tooltip("movement:N", title="Movement"),
                alt.Tooltip("sum(mrr_usd):Q", title="MRR", format=MONEY_TIP),
            ],
        )
        .transform_calculate(
            movement_order=" + ".join(
                f"(datum.movement == '{lbl}') * {i}" for i, (_, lbl, _) in enumerate(MOVEMENTS)
            )
        )
    )
    line = (
        alt.Chart(waterfall)
        .mark_line(point=True, color="#263238")
        .encode(
            x=month,
            y=alt.Y("closing_mrr_usd:Q", title="Closing MRR", axis=alt.Axis(format=MONEY_AXIS)),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month", format="%b %Y"),
                alt.Tooltip("closing_mrr_usd:Q", title="Closing MRR", format=MONEY_TIP),
            ],
        )
    )
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=340)


def bridge(row: pd.Series) -> alt.Chart:
    """One month's waterfall: opening, each movement as a floating bar, closing."""
    steps, level = [], float(row["opening_mrr_usd"])
    steps.append(("Opening", 0.0, level, "total"))
    for col, label, _ in MOVEMENTS:
        change = float(row[col])
        steps.append((label, level, level + change, "gain" if change >= 0 else "loss"))
        level += change
    steps.append(("Closing", 0.0, float(row["closing_mrr_usd"]), "total"))
    frame = pd.DataFrame(steps, columns=["step", "start", "end", "kind"])
    frame["change"] = frame["end"] - frame["start"]
    frame["label"] = [
        format.compact_money(e - s) if k != "total" else format.compact_money(e)
        for s, e, k in zip(frame["start"], frame["end"], frame["kind"], strict=True)
    ]
    order = list(frame["step"])
    # zoom on the movements: the axis starts below the lowest level reached, so the opening and
    # closing bars are cut at the bottom rather than dwarfing the month's changes
    levels = [*frame["start"][1:-1], *frame["end"][1:-1]]
    low, high = min(levels), max(max(levels), float(frame["end"].iloc[-1]))
    pad = max((high - low) * 0.6, abs(high) * 0.01, 1.0)
    domain = [max(0.0, low - pad), high + pad * 0.4]
    base = alt.Chart(frame).encode(x=alt.X("step:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(clip=True).encode(
        y=alt.Y("start:Q", title="MRR", axis=alt.Axis(format=MONEY_AXIS), scale=alt.Scale(domain=domain)),
        y2="end:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=["total", "gain", "loss"], range=["#546e7a", "#2e7d32", "#c62828"]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("step:N", title="Step"),
            alt.Tooltip("change:Q", title="Change", format="+$,.0f"),
            alt.Tooltip("end:Q", title="MRR after", format=MONEY_TIP),
        ],
    )
    text = base.mark_text(dy=-8).encode(y=alt.Y("max_y:Q"), text="label:N")
    text = text.transform_calculate(max_y="max(datum.start, datum.end)")
    return alt.layer(bars, text).properties(height=300)


def lines(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    y_title: str,
    y_format: str = PERCENT,
    x_title: str | None = None,
    height: int = 280,
    pairs: Sequence[tuple[str, str]] = SEGMENTS,
) -> alt.Chart:
    """One line per ``color`` value over time (colours from ``pairs``, others by default)."""
    known = set(frame[color].dropna()) <= {k for k, _ in pairs}
    scale = _scale([(k, c) for k, c in pairs if k in set(frame[color])]) if known else alt.Undefined
    return (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=20))
        .encode(
            x=alt.X(f"{x}:T", title=x_title),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format), scale=alt.Scale(zero=False)),
            color=alt.Color(f"{color}:N", title=color.replace("_", " ").capitalize(), scale=scale),
            tooltip=[
                alt.Tooltip(f"{x}:T", title=x_title or x),
                alt.Tooltip(f"{color}:N"),
                alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
            ],
        )
        .properties(height=height)
    )


def stacked_area(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    pairs: Sequence[tuple[str, str]],
    y_title: str,
    x_title: str | None = None,
    normalize: bool = False,
) -> alt.Chart:
    """Counts per category over time, stacked (as shares of the total when ``normalize``)."""
    return (
        alt.Chart(frame)
        .mark_area()
        .encode(
            x=alt.X(f"{x}:T", title=x_title),
            y=alt.Y(
                f"{y}:Q",
                title=y_title,
                stack="normalize" if normalize else "zero",
                axis=alt.Axis(format=".0%" if normalize else ",d"),
            ),
            color=alt.Color(f"{color}:N", scale=_scale(pairs), sort=[k for k, _ in pairs], title=None),
            order=alt.Order(f"{color}_order:Q"),
            tooltip=[
                alt.Tooltip(f"{x}:T", title=x_title or x),
                alt.Tooltip(f"{color}:N"),
                alt.Tooltip(f"{y}:Q", title="Accounts", format=",d"),
            ],
        )
        .transform_calculate(
            **{
                f"{color}_order": " + ".join(
                    f"(datum.{color} == '{k}') * {i}" for i, (k, _) in enumerate(pairs)
                )
            }
        )
        .properties(height=300)
    )


def bars(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str | None,
    y_title: str,
    y_format: str = ",d",
    color: str | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    sort: Sequence[str] | str | None = None,
    horizontal: bool = False,
    height: int = 260,
) -> alt.Chart:
    """Simple bars of ``y`` per category ``x`` (horizontal bars when ``horizontal``)."""
    cat_axis = alt.Axis(labelAngle=0, labelLimit=260)
    cat = (
        alt.X(f"{x}:N", title=x_title, sort=sort, axis=cat_axis)
        if not horizontal
        else alt.Y(f"{x}:N", title=x_title, sort=sort, axis=cat_axis)
    )
    val_axis = alt.Axis(format=y_format)
    val = (
        alt.Y(f"{y}:Q", title=y_title, axis=val_axis)
        if not horizontal
        else alt.X(f"{y}:Q", title=y_title, axis=val_axis)
    )
    encoding = {"x": cat, "y": val} if not horizontal else {"y": cat, "x": val}
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            **encoding,
            tooltip=[
                alt.Tooltip(f"{x}:N", title=x_title),
                alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
            ],
        )
    )
    if color:
        chart = chart.encode(
            color=alt.Color(f"{color}:N", scale=_scale(pairs) if pairs else alt.Undefined, legend=None)
        )
    return chart.properties(height=height)
