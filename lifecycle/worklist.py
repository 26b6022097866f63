"""`lifecycle worklist`: one owner's CSM worklist as a readable table.

Reads the ``marts.csm_worklist`` mart (the same rows BI reads) from the warehouse over a read-only
connection, takes the latest worklist date on or before the date asked for (default: the latest),
and formats the owner's rows in rank order: rank, account, play, priority, ARR at stake and the
reasons, wrapped to the terminal.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb

MART = "marts.csm_worklist"

#: How many known owners an "unknown owner" error lists.
KNOWN_OWNERS_SHOWN = 5

#: Narrowest reasons column, however narrow the terminal.
MIN_REASONS_WIDTH = 30

#: Longest account name shown in full (longer ones end in "...").
MAX_ACCOUNT_WIDTH = 32


class WorklistError(RuntimeError):
    """The worklist cannot be read or the request cannot be met; the message says why.

    ``exit_code``: 2 for a request or setting to fix (no warehouse, mart not built, unknown owner,
    a date before the first worklist), 1 for a warehouse that is busy (locked by a build).
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UnknownOwnerError(WorklistError):
    """No row of the worklist names the owner asked for."""


@dataclass(frozen=True)
class WorklistRow:
    """One row of an owner's list, in the mart's rank order."""

    priority_rank: int
    account_id: str
    account_name: str | None
    play: str
    priority_score: float
    arr_at_stake_usd: float
    reasons: str


@dataclass(frozen=True)
class OwnerWorklist:
    """An owner's list at one worklist date."""

    owner_name: str
    owner_roles: tuple[str, ...]
    worklist_date: dt.date
    latest_date: dt.date
    rows: tuple[WorklistRow, ...]
    total_rows: int


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse holding the built mart, or a clear WorklistError."""
    if not warehouse.exists():
        raise WorklistError(
            f"warehouse {warehouse} does not exist (set LIFECYCLE_WAREHOUSE, or run `lifecycle build`)"
        )
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise WorklistError(
                f"warehouse {warehouse} is locked by another process (a build still running?): try again when it ends",
                exit_code=1,
            ) from exc
        raise WorklistError(f"cannot open warehouse {warehouse}: {exc}") from exc
    built = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'csm_worklist'"
    ).fetchone()
    if not built or built[0] == 0:
        con.close()
        raise WorklistError(f"{MART} is not built in {warehouse}: run `lifecycle build`")
    return con


def choose_date(con: duckdb.DuckDBPyConnection, on_or_before: dt.date | None) -> tuple[dt.date, dt.date]:
    """(the latest worklist date <= on_or_before, or the latest of all; the latest of all)."""
    first, latest = con.execute(f"select min(worklist_date), max(worklist_date) from {MART}").fetchone() or (
        None,
        None,
    )
    if latest is None:
        raise WorklistError(f"{MART} has no rows: no live account has a health snapshot")
    if on_or_before is None:
        return latest, latest
    row = con.execute(
        f"select max(worklist_date) from {MART} where worklist_date <= ?", [on_or_before]
    ).fetchone()
    if row is None or row[0] is None:
        raise WorklistError(f"no worklist on or before {on_or_before}: the first is {first}")
    return row[0], latest


def known_owners(con: duckdb.DuckDBPyConnection, like: str = "") -> list[str]:
    """Owner names of the worklist: those containing ``like`` (any case) first, then those with
    the most rows at the latest date, then by name."""
    rows = con.execute(
        f"select owner_name from {MART} where owner_name is not null group by owner_name "
        "order by max(case when ? <> '' and contains(lower(owner_name), lower(?)) then 1 else 0 end) desc, "
        f"sum(case when worklist_date = (select max(worklist_date) from {MART}) then 1 else 0 end) desc, "
        "owner_name",
        [like, like],
    ).fetchall()
    return [r[0] for r in rows]


def owner_worklist(
    con: duckdb.DuckDBPyConnection, owner: str, on_or_before: dt.date | None = None, limit: int | None = None
) -> OwnerWorklist:
    """The owner's rows at the chosen date, rank order, at most ``limit``.

    The owner matches ``owner_name`` ignoring case and surrounding blanks; an owner named on no row
    at any date raises UnknownOwnerError (its message lists a few known owners).
    """
    wanted = owner.strip()
    match = con.execute(
        f"select min(owner_name) from {MART} where lower(owner_name) = lower(?)", [wanted]
    ).fetchone()
    if match is None or match[0] is None:
        shown = known_owners(con, wanted)[:KNOWN_OWNERS_SHOWN]
        listing = ", ".join(shown) if shown else "none (every account is unassigned)"
        raise UnknownOwnerError(f"unknown owner {wanted!r}; known owners include: {listing}")
    owner_name = match[0]
    worklist_date, latest_date = choose_date(con, on_or_before)
    where = f"from {MART} where owner_name = ? and worklist_date = ?"
    total = con.execute(f"select count(*) {where}", [owner_name, worklist_date]).fetchone()
    roles = con.execute(
        f"select distinct owner_role {where} order by owner_role", [owner_name, worklist_date]
    ).fetchall()
    rows = con.execute(
        "select priority_rank, account_id, account_name, play, priority_score, arr_at_stake_usd, reasons "
        f"{where} order by priority_rank" + (" limit ?" if limit is not None else ""),
        [owner_name, worklist_date] + ([limit] if limit is not None else []),
    ).fetchall()
    return OwnerWorklist(
        owner_name=owner_name,
        owner_roles=tuple(r[0] for r in roles),
        worklist_date=worklist_date,
        latest_date=latest_date,
        rows=tuple(
            WorklistRow(
                priority_rank=int(r[0]),
                account_id=r[1],
                account_name=r[2],
                play=r[3],
                priority_score=float(r[4]),
                arr_at_stake_usd=float(r[5]),
                reasons=r[6],
            )
            for r in rows
        ),
        total_rows=int(total[0]) if total else 0,
    )


ROLE_WORDS = {"csm": "CSM", "account_executive": "account executive", "unassigned": "unassigned"}


def header_line(worklist: OwnerWorklist, asked: dt.date | None) -> str:
    """``Worklist of Yuki Novak (CSM) on 2025-12-31: 12 plays, 9 accounts``, and why that date."""
    roles = " and ".join(ROLE_WORDS.get(r, r) for r in worklist.owner_roles)
    accounts = len({r.account_id for r in worklist.rows})
    who = f"Worklist of {worklist.owner_name}" + (f" ({roles})" if roles else "")
    when = f" on {worklist.worklist_date}"
    if asked is not None and asked != worklist.worklist_date:
        when += f" (the latest worklist on or before {asked})"
    elif asked is None:
        when += " (the latest)"
    shown = len(worklist.rows)
    count = f"{worklist.total_rows} play{'s' if worklist.total_rows != 1 else ''}"
    if shown < worklist.total_rows:
        count += f", the first {shown} shown"
    else:
        count += f" for {accounts} account{'s' if accounts != 1 else ''}"
    return f"{who}{when}: {count}"


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _shortened(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def format_table(rows: tuple[WorklistRow, ...] | list[WorklistRow], width: int = 120) -> list[str]:
    """The rows as an aligned table, the reasons wrapped to fit ``width`` characters."""
    headings = ("rank", "account", "play", "priority", "ARR at stake")
    cells = [
        (
            str(r.priority_rank),
            _shortened(r.account_name or r.account_id, MAX_ACCOUNT_WIDTH),
            r.play,
            _money(r.priority_score),
            _money(r.arr_at_stake_usd),
        )
        for r in rows
    ]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headings)]
    right = (True, False, False, True, True)

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        )

    lead = len(line(headings)) + 2
    reasons_width = max(MIN_REASONS_WIDTH, width - lead)
    out = [line(headings) + "  reasons", "-" * min(width, lead + reasons_width)]
    for row, values in zip(rows, cells, strict=True):
        wrapped = textwrap.wrap(row.reasons, reasons_width, break_on_hyphens=False) or [""]
        out.append(line(values) + "  " + wrapped[0])
        out.extend(" " * lead + more for more in wrapped[1:])
    return out


def worklist_lines(worklist: OwnerWorklist, asked: dt.date | None, width: int = 120) -> list[str]:
    """The header line and the table (or a line saying the list is empty)."""
    lines = [header_line(worklist, asked)]
    if not worklist.rows:
        lines.append("nothing on the list at this date")
        return lines
    return lines + format_table(worklist.rows, width)
