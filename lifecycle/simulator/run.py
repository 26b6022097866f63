"""One simulation run: the landing dir, the calendar, the month loop over all accounts, the
product usage of each month, and the ground truth and summary at the end."""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from . import engagement as eng
from .account_month import simulate_account_month
from .accounts import create_account, staff_turnover
from .catalog import Catalog, make_staff
from .config import PLANS, SCALES, SimConfig
from .dates import add_months, month_start, next_month
from .faults import FaultInjector
from .ids import STREAM_GLOBAL, STREAM_TRACKS, rng_for
from .revenue import MrrLedger, mrr_at, revenue_accounts
from .state import Account
from .truth import CHURN_COLUMNS, FAULT_COLUMNS, TruthWriter, account_month_row, account_row
from .usage import UsageInput, generate_month
from .world import World
from .writer import BatchWriter, TrackWriter

MARKER = ".simulator.json"


class LandingDirInUseError(FileExistsError):
    """The output dir holds files the simulator did not write: it refuses to touch them."""


#: the marker's keys that define the simulated world (``until`` only limits what is written)
WORLD_KEYS = ("scale", "seed", "accounts", "months", "faults")


@dataclass
class SimulationSummary:
    accounts: int
    months: int
    churned_accounts: int
    mrr_usd_end: float
    files: int
    bytes: int
    track_events: int
    seconds: float
    out: str = ""
    truth_dir: str = ""
    faults: int = 0

    def lines(self) -> list[str]:
        rate = self.track_events / self.seconds * 60 if self.seconds else 0.0
        return [
            f"simulated {self.accounts:,} accounts over {self.months} months in {self.seconds:,.1f} s",
            f"  MRR at the end: ${self.mrr_usd_end:,.2f} (ARR ${12 * self.mrr_usd_end:,.0f}); "
            f"churned accounts: {self.churned_accounts:,}",
            f"  {self.track_events:,} track events ({rate:,.0f} a minute); "
            f"{self.files:,} files, {self.bytes / 1e6:,.1f} MB in {self.out}",
            f"  ground truth in {self.truth_dir}"
            + (f"; {self.faults:,} injected faults" if self.faults else ""),
        ]


def simulate(
    out: Path,
    *,
    scale: str = "demo",
    seed: int = 42,
    accounts: int | None = None,
    months: int | None = None,
    faults: float | None = None,
    truth_dir: Path | None = None,
    until: date | None = None,
    progress: Callable[[str], None] | None = print,
) -> SimulationSummary:
    """Simulate the company and write landing files to ``out`` and ground truth to ``truth_dir``
    (default: ``<out>_truth`` beside it). ``faults`` defaults to the preset's rate; 0 is clean.

    ``until``: write only the batch files whose batch date is on or before it (the whole world is
    still simulated, so the files written are byte-identical to a run without it). Re-running
    into a dir this simulator wrote with the same world (scale, seed, accounts, months, faults)
    keeps the files that are unchanged and adds the new ones: a later ``until`` is "the next day"
    of the data set. With another world the dir's previous output is replaced."""
    started = time.perf_counter()
    cfg = _config(scale, seed, accounts, months, faults)
    out = Path(out)
    truth = Path(truth_dir) if truth_dir is not None else out.parent / (out.name + "_truth")
    if truth.resolve().is_relative_to(out.resolve()):
        raise ValueError("truth_dir must not be inside the landing dir")
    world_marker = dict(zip(WORLD_KEYS, (scale, cfg.seed, cfg.accounts, cfg.months, cfg.faults), strict=True))
    _prepare_out(out, world_marker)
    if truth.exists():
        shutil.rmtree(truth)
    say = progress or (lambda _msg: None)

    last_month = month_start(cfg.end)
    first_month = add_months(last_month, -(cfg.months - 1))
    after_last = next_month(last_month)
    injector = FaultInjector(cfg.seed, cfg.faults) if cfg.faults > 0 else None
    writer = BatchWriter(out, cfg.cadence, injector, until)
    catalog = Catalog(cfg.seed, first_month - timedelta(days=400))
    staff = make_staff(cfg.seed, cfg.accounts)
    world = World(cfg, catalog, staff, writer)
    truth_writer = TruthWriter(truth)
    tracks = TrackWriter(writer, injector, cfg.seed)
    ledger = MrrLedger()
    arrivals = _arrivals(cfg, first_month, after_last)
    world.month_end = next_month(first_month)
    _write_catalogue_and_staff(world, first_month + timedelta(minutes=5))

    live_accounts: list[Account] = []
    say(
        f"simulating {cfg.accounts:,} accounts x {cfg.months} months "
        f"({first_month:%Y-%m} to {last_month:%Y-%m}), seed {cfg.seed} -> {out}"
    )
    current = first_month
    for k in range(cfg.months):
        end = next_month(current)
        world.month_end = end
        staff_turnover(world, live_accounts, k, current)
        while len(live_accounts) < len(arrivals) and arrivals[len(live_accounts)] < end:
            account = create_account(world, len(live_accounts), arrivals[len(live_accounts)])
            account.first_month_index = k
            live_accounts.append(account)
        usage_inputs, truth_rows = [], []
        last_instant = end - timedelta(microseconds=1)
        for account in live_accounts:
            account.age_months = k - account.first_month_index
            simulate_account_month(world, account, current, end)
            if account.live_windows:
                usage_inputs.append(usage_input(account, current))
            truth_rows.append(account_month_row(account, current.date(), end))
        ledger.record_month(current.date(), {a.customer_id: mrr_at(a, last_instant) for a in live_accounts})
        month_rng = rng_for(cfg.seed, STREAM_TRACKS, k)
        for day, batch in generate_month(
            month_rng, current, end, usage_inputs, cfg.track_cadence, cfg.usage_intensity
        ):
            tracks.write(day, batch)
        truth_writer.month(truth_rows)
        writer.flush_until(end.date())
        elapsed = time.perf_counter() - started
        say(
            f"  month {k + 1}/{cfg.months} {current:%Y-%m}: {len(usage_inputs):,} live accounts, "
            f"{tracks.events:,} track events so far ({tracks.events / max(elapsed, 1e-9):,.0f}/s), "
            f"{writer.files:,} files"
        )
        current = end
    writer.finish(after_last.date())
    truth_writer.close()
    remove_unwritten(out, writer.written)

    at_end = after_last - timedelta(microseconds=1)
    revenue_account = revenue_accounts(live_accounts)
    mrr_rows = ledger.account_months(revenue_account)
    mrr_end = sum(r["mrr_usd"] for r in mrr_rows if r["month"] == last_month.date())
    churned = sum(1 for a in live_accounts if a.had_mrr and mrr_at(a, at_end) == 0)
    truth_writer.account_mrr(mrr_rows)
    _write_truth_tables(truth_writer, world, live_accounts, at_end, revenue_account, injector)
    summary = SimulationSummary(
        accounts=len(live_accounts),
        months=cfg.months,
        churned_accounts=churned,
        mrr_usd_end=float(mrr_end),
        files=writer.files,
        bytes=writer.bytes,
        track_events=tracks.events,
        seconds=round(time.perf_counter() - started, 2),
        out=str(out),
        truth_dir=str(truth),
        faults=len(injector.records) if injector else 0,
    )
    truth_writer.json(
        "manifest.json",
        {
            "scale": scale,
            "seed": cfg.seed,
            "accounts": cfg.accounts,
            "months": cfg.months,
            "faults_rate": cfg.faults,
            "first_month": first_month.date().isoformat(),
            "last_month": last_month.date().isoformat(),
            "cadence": cfg.cadence,
            "track_cadence": cfg.track_cadence,
            "rows": dict(sorted(writer.rows.items())),
            "track_events": tracks.events,
            "track_redeliveries": tracks.redelivered,
            "files": writer.files,
            "bytes": writer.bytes,
            "until": until.isoformat() if until else None,
            "mrr_usd_end": summary.mrr_usd_end,
            "churned_accounts": churned,
            "injected_faults": summary.faults,
        },
    )
    marker = {**world_marker, "until": until.isoformat() if until else None}
    (out / MARKER).write_text(json.dumps(marker) + "\n")
    for line in summary.lines():
        say(line)
    return summary


def _config(
    scale: str, seed: int, accounts: int | None, months: int | None, faults: float | None
) -> SimConfig:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    preset = SCALES[scale]
    cfg = SimConfig(
        accounts=int(accounts or preset["accounts"]),
        months=int(months or preset["months"]),
        seed=int(seed),
        cadence=preset["cadence"],
        track_cadence=preset["track_cadence"],
        faults=float(preset["faults"] if faults is None else faults),
    )
    if cfg.accounts < 1 or cfg.months < 1:
        raise ValueError("accounts and months must be >= 1")
    if not 0.0 <= cfg.faults < 1.0:
        raise ValueError("faults must be a rate in [0, 1)")
    return cfg


def _prepare_out(out: Path, world: dict) -> None:
    """Refuse to mix with foreign files; replace a previous simulation's output of another world,
    keep that of the same world (its files are rewritten only where their bytes differ)."""
    if out.exists():
        entries = [p for p in out.iterdir() if not p.name.startswith(".")]
        marker = out / MARKER
        if entries and not marker.exists():
            raise LandingDirInUseError(
                f"{out} holds files the simulator did not write: simulate into an empty dir "
                "(or move your data elsewhere)"
            )
        if _marker_world(marker) != world:
            for p in entries:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    out.mkdir(parents=True, exist_ok=True)
    # claimed first: an interrupted run leaves the world's marker (its files are checked byte by
    # byte on the next run) and ``until`` "unfinished"
    (out / MARKER).write_text(json.dumps({**world, "until": "unfinished"}) + "\n")


def _marker_world(marker: Path) -> dict | None:
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    return {k: data.get(k) for k in WORLD_KEYS} if isinstance(data, dict) else None


def remove_unwritten(out: Path, written: set[str]) -> None:
    """Remove batch files a previous run of the same world left that this run did not write
    (dated after this run's ``until``), and folders left empty: ``out`` holds this run's output."""
    for path in sorted(out.rglob("*"), reverse=True):  # children before their folder
        rel = path.relative_to(out).as_posix()
        if any(part.startswith(".") for part in path.relative_to(out).parts):
            continue
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel not in written:
            path.unlink()


def _arrivals(cfg: SimConfig, start: datetime, end: datetime) -> list[datetime]:
    """Sign-up instants: a growing business (intensity rising ~2x over the period), sorted."""
    rng = rng_for(cfg.seed, STREAM_GLOBAL)
    span = (end - start).total_seconds()
    u = rng.random(cfg.accounts)
    g = 1.0  # density ∝ 1 + g·x on [0, 1]; inverse CDF of x + g x²/2 normalised
    x = (-1 + np.sqrt(1 + 2 * g * u * (1 + g / 2))) / g
    secs = np.sort(x * span * 0.995)
    return [start + timedelta(seconds=float(s)) for s in secs]


def _write_catalogue_and_staff(world: World, at: datetime) -> None:
    for product in world.catalog.products:
        world.emit("billing__products", product, at)
    for price in world.catalog.price_rows():
        world.emit("billing__prices", price, at)
    for member in world.staff:
        world.emit("crm__users", member.row(), at)


def usage_input(account: Account, current_month: datetime) -> UsageInput:
    """What the month's product usage of ``account`` depends on."""
    live_from = (account.live_windows[0][0] - current_month).total_seconds()
    live_until = (account.live_windows[-1][1] - current_month).total_seconds()
    first_value = (
        math.inf
        if account.first_value_at is None
        else (account.first_value_at - current_month).total_seconds()
    )
    return UsageInput(
        account.workspace_id,
        account.utc_offset_hours,
        account.engagement,
        live_from,
        live_until,
        first_value,
        eng.feature_breadth(account),
        account.feature_order,
        PLANS[account.plan_tier][0],
        list(account.users),
    )


def _write_truth_tables(
    truth_writer: TruthWriter,
    world: World,
    accounts: list[Account],
    at_end: datetime,
    revenue_account: dict[str, str],
    injector: FaultInjector | None,
) -> None:
    rows = [account_row(a, at_end, revenue_account[a.customer_id]) for a in accounts]
    truth_writer.csv("accounts.csv", rows, list(rows[0]) if rows else ["account_id"])
    truth_writer.csv("churn_events.csv", world.churn_events, CHURN_COLUMNS)
    truth_writer.csv("faults.csv", injector.records if injector else [], FAULT_COLUMNS)
