"""A deterministic simulator of a SaaS company's CRM, billing and product-usage exports.

``simulate(out)`` writes landing batch files in the raw contract's layout
(``out/<source>/<table>/<batch>``) and ground truth beside it (``<out>_truth``). Same seed and
parameters give byte-identical files. See docs/simulator.md.
"""

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
import pyarrow as pa

from lifecycle.contract import BY_KEY

from . import engagement as eng
from .catalog import Catalog, make_staff
from .config import PLANS, SCALES, SimConfig
from .engine import World, mrr_usd, new_account, simulate_month
from .faults import FaultInjector
from .truth import TruthWriter
from .usage import REDELIVERY_RATE, TRACK_LOAD_HOUR, UsageInput, generate_month
from .util import (
    STREAM_GLOBAL,
    STREAM_STAFF,
    STREAM_TRACKS,
    add_months,
    iso,
    month_start,
    next_month,
    rng_for,
    utc,
)
from .writer import BatchWriter, gzip_bytes, parquet_bytes

__all__ = ["SCALES", "SimulationSummary", "simulate"]

MARKER = ".simulator.json"


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


def _prepare_out(out: Path) -> None:
    """Refuse to mix with foreign files; replace a previous simulation's output."""
    if out.exists():
        entries = [p for p in out.iterdir() if not p.name.startswith(".")]
        if entries and not (out / MARKER).exists():
            raise FileExistsError(
                f"{out} is not empty and was not written by the simulator: choose an empty dir"
            )
        for p in entries:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("{}\n")  # claimed first, so an interrupted run can be replaced


def _arrivals(cfg: SimConfig, start: datetime, end: datetime) -> list[datetime]:
    """Sign-up instants: a growing business (intensity rising ~2x over the period), sorted."""
    rng = rng_for(cfg.seed, STREAM_GLOBAL)
    span = (end - start).total_seconds()
    u = rng.random(cfg.accounts)
    g = 1.0  # density ∝ 1 + g·x on [0, 1]; inverse CDF of x + g x²/2 normalised
    x = (-1 + np.sqrt(1 + 2 * g * u * (1 + g / 2))) / g
    secs = np.sort(x * span * 0.995)
    return [start + timedelta(seconds=float(s)) for s in secs]


class _TrackSink:
    """Writes tracks batches; re-delivers a few events in the following batch."""

    def __init__(self, writer: BatchWriter, faults: FaultInjector | None, seed: int) -> None:
        self.writer = writer
        self.faults = faults
        self.seed = seed
        self.carry: pa.Table | None = None
        self.events = 0
        self.redelivered = 0
        self.table = BY_KEY["usage__tracks"]

    def write(self, day: date, tbl: pa.Table) -> None:
        self.events += tbl.num_rows
        rng = rng_for(self.seed, STREAM_TRACKS, 10**6 + day.toordinal())
        combined = tbl if self.carry is None else pa.concat_tables([tbl, self.carry])
        self.redelivered += 0 if self.carry is None else self.carry.num_rows
        pick = np.nonzero(rng.random(tbl.num_rows) < REDELIVERY_RATE)[0]
        again = tbl.take(pa.array(pick))
        later = np.asarray(again.column("received_at").cast(pa.int64())) + (
            rng.uniform(3600, 12 * 3600, len(pick)) * 1e6
        ).astype(np.int64)
        self.carry = again.set_column(
            again.schema.get_field_index("received_at"),
            "received_at",
            pa.array(later, type=pa.timestamp("us", tz="UTC")),
        )
        loaded = utc(day.year, day.month, day.day, TRACK_LOAD_HOUR)
        combined = combined.append_column(
            "_loaded_at", pa.array([loaded] * combined.num_rows, type=pa.timestamp("us", tz="UTC"))
        )
        fmt = "jsonl.gz" if (day.day == 1 and day.month % 3 == 0) else "parquet"
        rel = f"usage/tracks/{day.isoformat()}T{TRACK_LOAD_HOUR:02d}.{fmt}"
        if self.faults is not None:
            combined = self.faults.tracks(self.table, combined, rel)
        data = parquet_bytes(combined) if fmt == "parquet" else _tracks_jsonl(combined)
        self.writer.write_blob(rel, data, combined.num_rows, "usage__tracks")


def _tracks_jsonl(tbl: pa.Table) -> bytes:
    lines = []
    names = tbl.column_names
    for row in tbl.to_pylist():
        obj = {}
        for c in names:
            v = row[c]
            obj[c] = v.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(v, datetime) else v
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return gzip_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def simulate(
    out: Path,
    *,
    scale: str = "demo",
    seed: int = 42,
    accounts: int | None = None,
    months: int | None = None,
    faults: float = 0.0,
    truth_dir: Path | None = None,
    progress: Callable[[str], None] | None = print,
) -> SimulationSummary:
    """Simulate the company and write landing files to ``out`` and ground truth to ``truth_dir``."""
    t0 = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    preset = SCALES[scale]
    cfg = SimConfig(
        accounts=int(accounts or preset["accounts"]),
        months=int(months or preset["months"]),
        seed=int(seed),
        cadence=preset["cadence"],
        track_cadence=preset["track_cadence"],
        faults=float(faults),
    )
    if cfg.accounts < 1 or cfg.months < 1:
        raise ValueError("accounts and months must be >= 1")
    out = Path(out)
    truth = Path(truth_dir) if truth_dir is not None else out.parent / (out.name + "_truth")
    if truth.resolve().is_relative_to(out.resolve()):
        raise ValueError("truth_dir must not be inside the landing dir")
    _prepare_out(out)
    if truth.exists():
        shutil.rmtree(truth)
    say = progress or (lambda _msg: None)

    end_month = month_start(cfg.end)
    first = add_months(end_month, -(cfg.months - 1))
    final = next_month(end_month)
    injector = FaultInjector(cfg.seed, cfg.faults) if cfg.faults > 0 else None
    writer = BatchWriter(out, cfg.cadence, injector)
    catalog = Catalog(cfg.seed, first - timedelta(days=400))
    staff = make_staff(cfg.seed, cfg.accounts)
    world = World(cfg, catalog, staff, writer)
    tw = TruthWriter(truth)
    sink = _TrackSink(writer, injector, cfg.seed)
    arrivals = _arrivals(cfg, first, final)
    world.month_end = next_month(first)
    boot = first + timedelta(minutes=5)
    for p in catalog.products:
        world.emit("billing__products", p, boot)
    for pr in catalog.price_rows():
        world.emit("billing__prices", pr, boot)
    for s in staff:
        world.emit("crm__users", s.row(), boot)

    live_accounts: list = []
    next_idx = 0
    ms = first
    say(
        f"simulating {cfg.accounts:,} accounts x {cfg.months} months ({first:%Y-%m} to {end_month:%Y-%m}), "
        f"seed {cfg.seed} -> {out}"
    )
    for k in range(cfg.months):
        me = next_month(ms)
        world.month_end = me
        _staff_turnover(world, live_accounts, k, ms)
        while next_idx < len(arrivals) and arrivals[next_idx] < me:
            live_accounts.append(new_account(world, next_idx, arrivals[next_idx]))
            live_accounts[-1].counters["_month0"] = k
            next_idx += 1
        usage_inputs = []
        truth_rows = []
        month_date = ms.date()
        for a in live_accounts:
            age = k - a.counters["_month0"]
            simulate_month(world, a, ms, me, age, live_accounts)
            if a.live_windows:
                usage_inputs.append(_usage_input(a, ms))
            truth_rows.append(_truth_row(a, month_date, me, age))
        trng = rng_for(cfg.seed, STREAM_TRACKS, k)
        for day, tbl in generate_month(trng, ms, me, usage_inputs, cfg.track_cadence, cfg.usage_intensity):
            sink.write(day, tbl)
        tw.month(truth_rows)
        writer.flush_until(me.date())
        elapsed = time.perf_counter() - t0
        say(
            f"  month {k + 1}/{cfg.months} {ms:%Y-%m}: {len(usage_inputs):,} live accounts, "
            f"{sink.events:,} track events so far ({sink.events / max(elapsed, 1e-9):,.0f}/s), "
            f"{writer.files:,} files"
        )
        ms = me
    writer.finish(final.date())
    tw.close()
    at_end = final - timedelta(microseconds=1)
    mrr_end = sum(mrr_usd(a, at_end) for a in live_accounts)
    churned = sum(1 for a in live_accounts if a.had_mrr and mrr_usd(a, at_end) == 0.0)
    _write_truth(tw, world, live_accounts, at_end, injector)
    seconds = time.perf_counter() - t0
    summary = SimulationSummary(
        accounts=len(live_accounts),
        months=cfg.months,
        churned_accounts=churned,
        mrr_usd_end=round(mrr_end, 2),
        files=writer.files,
        bytes=writer.bytes,
        track_events=sink.events,
        seconds=round(seconds, 2),
        out=str(out),
        truth_dir=str(truth),
        faults=len(injector.records) if injector else 0,
    )
    tw.json(
        "manifest.json",
        {
            "scale": scale,
            "seed": cfg.seed,
            "accounts": cfg.accounts,
            "months": cfg.months,
            "faults_rate": cfg.faults,
            "first_month": first.date().isoformat(),
            "last_month": end_month.date().isoformat(),
            "cadence": cfg.cadence,
            "track_cadence": cfg.track_cadence,
            "rows": dict(sorted(writer.rows.items())),
            "track_events": sink.events,
            "track_redeliveries": sink.redelivered,
            "files": writer.files,
            "bytes": writer.bytes,
            "mrr_usd_end": summary.mrr_usd_end,
            "churned_accounts": churned,
            "injected_faults": summary.faults,
        },
    )
    (out / MARKER).write_text(
        json.dumps(
            {
                "scale": scale,
                "seed": cfg.seed,
                "accounts": cfg.accounts,
                "months": cfg.months,
                "faults": cfg.faults,
            }
        )
        + "\n"
    )
    for line in summary.lines():
        say(line)
    return summary


def _usage_input(a, ms: datetime) -> UsageInput:
    lo = (a.live_windows[0][0] - ms).total_seconds()
    hi = (a.live_windows[-1][1] - ms).total_seconds()
    fv = math.inf if a.first_value_at is None else (a.first_value_at - ms).total_seconds()
    breadth = int(min(5, max(1, round(1 + 4 * eng._sig(1.2 * a.e)))))
    return UsageInput(
        a.workspace_id, a.tz, a.e, lo, hi, fv, breadth, a.feature_perm, PLANS[a.tier][0], list(a.users)
    )


def _truth_row(a, month: date, me: datetime, age: int) -> dict:
    s = a.sub
    t = me - timedelta(microseconds=1)
    return {
        "account_id": a.id,
        "month": month,
        "segment": a.segment,
        "plan": PLANS[a.tier][0],
        "billing_interval": a.interval,
        "status": s.status if s else None,
        "seats": a.seats,
        "users": len(a.users),
        "engagement": round(a.e, 6),
        "boost": round(a.boost, 6),
        "champion_present": a.champion() is not None,
        "engaged_contacts": a.threads(),
        "churn_probability": round(eng.monthly_churn_probability(a, t, age), 6),
        "mrr_usd": round(mrr_usd(a, t), 2),
        "first_value_reached": a.first_value_at is not None,
        "delinquent": a.delinquent,
        "services": a.services,
        "churned": bool(a.month_flags.get("churned")),
        "reactivated": bool(a.month_flags.get("reactivated")),
        "champion_left": bool(a.month_flags.get("champion_left")),
    }


def _staff_turnover(world: World, accounts: list, k: int, ms: datetime) -> None:
    """Staff leave now and then; their accounts move to a colleague (new account versions)."""
    rng = rng_for(world.seed, STREAM_STAFF, 1000 + k)
    t = ms + timedelta(hours=3)
    for role, field in (("account_executive", "owner_id"), ("customer_success_manager", "csm_id")):
        for st in world.staff_by_role(role):
            if rng.random() >= 0.006 or len(world.staff_by_role(role)) <= 2:
                continue
            st.is_active = False
            world.emit("crm__users", st.row(), t)
            pool = world.staff_by_role(role)
            for a in accounts:
                if a.arrived and getattr(a, field) == st.id:
                    setattr(a, field, pool[int(rng.integers(len(pool)))].id)
                    world.account_row(a, t)


def _write_truth(
    tw: TruthWriter, world: World, accounts: list, at_end: datetime, injector: FaultInjector | None
) -> None:
    rows = []
    for a in accounts:
        rows.append(
            {
                "account_id": a.id,
                "customer_id": a.customer_id,
                "workspace_id": a.workspace_id,
                "segment": a.segment,
                "employee_count": a.employees,
                "country": a.country,
                "currency": a.currency,
                "arrival": a.arrival,
                "plan": PLANS[a.tier][0],
                "billing_interval": a.interval,
                "latent_fit": round(a.mu, 6),
                "never_reaches_value": a.never_value,
                "first_value_at": a.first_value_at,
                "services": a.services,
                "had_mrr": a.had_mrr,
                "churn_count": sum(1 for _t, kind in a.churn_log if kind in ("voluntary", "involuntary")),
                "last_churn_at": a.churn_log[-1][0] if a.churn_log else None,
                "reactivations": a.reactivations,
                "champion_left_at": a.champion_left_at,
                "mrr_usd_end": round(mrr_usd(a, at_end), 2),
                "customer_crm_account_id": a.customer_crm_link,
                "crm_billing_customer_id": a.billing_link,
                "workspace_crm_account_id": a.workspace_crm_link,
                "crm_workspace_id": a.account_ws_link,
            }
        )
    tw.csv("accounts.csv", rows, list(rows[0]) if rows else ["account_id"])
    tw.csv(
        "churn_events.csv",
        world.churn_events,
        ["account_id", "subscription_id", "ended_at", "kind", "had_mrr", "segment"],
    )
    tw.csv(
        "faults.csv",
        injector.records if injector else [],
        ["source", "table", "batch_file", "row_number", "key", "rule", "column", "value"],
    )
    _ = iso
