"""Product usage (``usage.tracks``), generated a month at a time with vectorised numpy/pyarrow.

Per account-month the engine hands over the live window, the latent engagement, the product users
(with their own activity propensity) and when the account reached first value. Then:
active days per user ~ Binomial(live days, p(engagement, propensity)); events per active day ~
1 + Poisson(λ(engagement)) in a short session; the first event of a session is often ``Login``;
value events (``Report Created``...) only from the first-value instant on, over the features the
account's engagement has unlocked (breadth). Client clocks carry the account's UTC offset, some are
hours off, a few are in the future; ``received_at`` is the server clock. A small share of events is
delivered again in the next batch (same message id and payload, later ``received_at``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .config import PAGE_PATHS, VALUE_EVENT_WEIGHTS, VALUE_EVENTS
from .dates import batch_date
from .state import ProductUser

EVENTS = ("Login", "Page Viewed", "User Invited", "Settings Updated", *VALUE_EVENTS)
_N_BASE = 4  # Login, Page Viewed, User Invited, Settings Updated
_WEIGHTS_BASE = np.array([0.0, 3.0, 0.05, 0.12])
_VALUE_PATHS = ("/reports", "/dashboards", "/integrations", "/workflows", "/exports")
_PATHS = ("/login", "", "/settings/users", "/settings", *_VALUE_PATHS)
_HEX = np.frombuffer(b"0123456789abcdef", dtype="S1")
#: the hour (UTC) a day's tracks batch is written
TRACK_LOAD_HOUR = 6
#: share of track events delivered again in the next batch
REDELIVERY_RATE = 0.004


@dataclass(slots=True)
class UsageInput:
    """What one account's month of product usage depends on (times in seconds since month start)."""

    workspace_id: str
    utc_offset_hours: int
    engagement: float
    live_from: float  # the live window within the month
    live_until: float
    first_value: float  # the first-value instant (inf: not reached)
    n_features: int
    feature_order: tuple[int, ...]
    plan: str
    users: list[ProductUser]


def uuid_strings(rng: np.random.Generator, n: int) -> pa.Array:
    """n random uuid4-style strings, vectorised."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hx = np.empty((n, 32), dtype="S1")
    hx[:, 0::2] = _HEX[b >> 4]
    hx[:, 1::2] = _HEX[b & 0x0F]
    out = np.full((n, 36), b"-", dtype="S1")
    for src, dst in (
        (slice(0, 8), slice(0, 8)),
        (slice(8, 12), slice(9, 13)),
        (slice(12, 16), slice(14, 18)),
        (slice(16, 20), slice(19, 23)),
        (slice(20, 32), slice(24, 36)),
    ):
        out[:, dst] = hx[:, src]
    return pa.array(out.view("S36").ravel(), type=pa.binary()).cast(pa.string())


def _offset_label(tz: int, rng_bit: bool) -> str:
    if tz == 0:
        return "Z" if rng_bit else "+00:00"
    return f"{'+' if tz > 0 else '-'}{abs(tz):02d}:00"


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def generate_month(
    rng: np.random.Generator,
    month_start: datetime,
    month_end: datetime,
    inputs: list[UsageInput],
    cadence: str,
    intensity: float = 1.0,
) -> Iterator[tuple[date, pa.Table]]:
    """Yield (batch day, tracks table without ``_loaded_at``) for the month, batches in order."""
    ms = month_start
    inputs = [u for u in inputs if u.users and u.live_until > u.live_from]
    if not inputs:
        return
    A = len(inputs)
    month_secs = (month_end - ms).total_seconds()
    lo = np.array([u.live_from for u in inputs])
    hi = np.array([u.live_until for u in inputs])
    fv = np.array([u.first_value for u in inputs])
    e = np.array([u.engagement for u in inputs])
    tz = np.array([u.utc_offset_hours for u in inputs], dtype=np.int64)
    lo_day = np.floor(lo / 86400).astype(np.int64)
    ndays = np.maximum(1, np.ceil(hi / 86400).astype(np.int64) - lo_day)
    lam = intensity * (0.3 + 1.0 * _sig(e))
    # per-account event-type weights once value is reached (breadth grows with engagement)
    W = np.zeros((A, len(EVENTS)))
    W[:, :_N_BASE] = _WEIGHTS_BASE
    for i, u in enumerate(inputs):
        for f in u.feature_order[: u.n_features]:
            W[i, _N_BASE + f] = VALUE_EVENT_WEIGHTS[f]
    # users
    sizes = np.array([len(u.users) for u in inputs])
    u_acct = np.repeat(np.arange(A), sizes)
    u_prop = np.array([p.propensity for u in inputs for p in u.users])
    user_ids = pa.array([p.id for u in inputs for p in u.users], type=pa.string())
    devices = pa.array([p.device for u in inputs for p in u.users], type=pa.string())
    emails = pa.array([p.email for u in inputs for p in u.users], type=pa.string())
    u_first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    u_lo = np.maximum(
        lo[u_acct], np.array([(p.created_at - ms).total_seconds() for u in inputs for p in u.users])
    )
    p_day = 0.015 + 0.14 * _sig(e[u_acct] + u_prop)
    d_u = rng.binomial(ndays[u_acct], p_day)
    ud_user = np.repeat(np.arange(len(u_acct)), d_u)
    ud_acct = u_acct[ud_user]
    ud_day = lo_day[ud_acct] + np.floor(rng.random(len(ud_user)) * ndays[ud_acct]).astype(np.int64)
    ud_sec = np.mod((13 - tz[ud_acct]) * 3600 + rng.normal(0, 3 * 3600, len(ud_user)), 86400)
    ud_k = 1 + rng.poisson(lam[ud_acct])
    if len(ud_user) == 0:
        return
    first_day = ms.date()
    bday_idx = np.array(
        [
            (batch_date(ms + timedelta(days=d), cadence) - first_day).days
            for d in range(int(ud_day.max()) + 1)
        ],
        dtype=np.int64,
    )
    ud_batch = bday_idx[ud_day]
    ctx = _MonthContext(
        ms,
        month_secs,
        lo,
        hi,
        fv,
        e,
        tz,
        W,
        sizes,
        u_first,
        u_acct,
        u_lo,
        user_ids,
        devices,
        emails,
        pa.array([u.workspace_id for u in inputs], type=pa.string()),
        pa.array([u.plan for u in inputs], type=pa.string()),
        _offset_labels(tz),
    )
    for b in np.unique(ud_batch):  # one batch at a time: memory is bounded by a batch, not a month
        sel = np.nonzero(ud_batch == b)[0]
        load_s = int(b) * 86400 + TRACK_LOAD_HOUR * 3600 - 60
        yield (
            first_day + timedelta(days=int(b)),
            _events(rng, ctx, ud_user[sel], ud_acct[sel], ud_day[sel], ud_sec[sel], ud_k[sel], load_s),
        )


@dataclass(slots=True)
class _MonthContext:
    ms: datetime
    month_secs: float
    lo: np.ndarray
    hi: np.ndarray
    fv: np.ndarray
    e: np.ndarray
    tz: np.ndarray
    W: np.ndarray
    sizes: np.ndarray
    u_first: np.ndarray
    u_acct: np.ndarray
    u_lo: np.ndarray
    user_ids: pa.Array
    devices: pa.Array
    emails: pa.Array
    workspaces: pa.Array
    plans: pa.Array
    labels: np.ndarray


def _offset_labels(tz: np.ndarray) -> np.ndarray:
    return np.array([_offset_label(int(t), i % 2 == 0) for i, t in enumerate(tz)], dtype=object)


def _events(
    rng: np.random.Generator,
    c: _MonthContext,
    ud_user: np.ndarray,
    ud_acct: np.ndarray,
    ud_day: np.ndarray,
    ud_sec: np.ndarray,
    k: np.ndarray,
    load_s: int,
) -> pa.Table:
    """Expand one batch's user-days into events: a tracks table sorted by received_at."""
    ev_ud = np.repeat(np.arange(len(ud_user)), k)
    E = len(ev_ud)
    pos = np.arange(E) - np.repeat(np.cumsum(k) - k, k)
    ev_acct = ud_acct[ev_ud]
    ev_user = ud_user[ev_ud]
    gaps = rng.exponential(80.0, E)
    # seconds since month start: a session of events a minute or two apart, inside the live window
    day_end = (ud_day[ev_ud] + 1) * 86400.0 - 1.0
    inst = np.minimum(ud_day[ev_ud] * 86400.0 + ud_sec[ev_ud] + _session_offsets(gaps, pos), day_end)
    inst = np.clip(inst, c.u_lo[ev_user], np.minimum(c.hi[ev_acct], c.month_secs) - 1.0)
    # event types: the first of a session is often a login; value events only after first value
    w = c.W[ev_acct]
    w[:, _N_BASE:] *= (inst >= c.fv[ev_acct])[:, None]
    cum = np.cumsum(w, axis=1)
    ev_type = (cum < (rng.random(E) * cum[:, -1])[:, None]).sum(axis=1)
    ev_type[(pos == 0) & (rng.random(E) < 0.6)] = 0
    ev_type = np.minimum(ev_type, len(EVENTS) - 1)
    # clocks: the client's local time with its offset (some hours off, a few in the future)
    epoch0 = int(c.ms.timestamp())
    true_us = ((epoch0 + inst) * 1e6).astype(np.int64)
    skew = np.zeros(E, dtype=np.int64)
    r = rng.random(E)
    off = r < 0.03
    skew[off] = (rng.choice([-1, 1], off.sum()) * rng.uniform(3600, 6 * 3600, off.sum()) * 1e6).astype(
        np.int64
    )
    future = r > 0.999
    skew[future] = (rng.uniform(1, 45, future.sum()) * 86400 * 1e6).astype(np.int64)
    local = (true_us + skew + c.tz[ev_acct] * 3_600_000_000) // 1000
    local_str = np.datetime_as_string(local.astype("datetime64[ms]"), unit="ms")
    ts = pc.binary_join_element_wise(
        pa.array(local_str, type=pa.string()), pa.array(c.labels[ev_acct], type=pa.string()), ""
    )
    latency = rng.exponential(1.5, E)
    offline = rng.random(E) < 0.01
    latency[offline] = rng.uniform(60, 6 * 3600, offline.sum())
    recv_us = np.minimum(true_us + (latency * 1e6).astype(np.int64), (epoch0 + load_s) * 1_000_000)
    # ids and payloads
    message_id = uuid_strings(rng, E)
    names = pa.array(EVENTS, type=pa.string()).take(pa.array(ev_type))
    g_user = pa.array(ev_user)
    anon = (ev_type == 1) & (rng.random(E) < 0.02)
    uid = pc.if_else(pa.array(anon), pa.nulls(E, pa.string()), c.user_ids.take(g_user))
    ws = pc.if_else(
        pa.array(rng.random(E) < 0.005), pa.nulls(E, pa.string()), c.workspaces.take(pa.array(ev_acct))
    )
    page = np.array(PAGE_PATHS, dtype=object)[rng.integers(0, len(PAGE_PATHS), E)]
    path = np.array(_PATHS, dtype=object)[ev_type]
    path[ev_type == 1] = page[ev_type == 1]
    plans = c.plans.take(pa.array(ev_acct))
    # a recipient (another user of the same workspace: PII) for shares and invitations
    other = c.u_first[ev_acct] + np.floor(rng.random(E) * c.sizes[ev_acct]).astype(np.int64)
    recipient = c.emails.take(pa.array(other))
    is_share = pa.array((ev_type == _N_BASE + 1) | (ev_type == 2))
    is_value = pa.array(ev_type >= _N_BASE)
    obj = pc.cast(pa.array(rng.integers(1000, 10_000_000, E)), pa.string())
    empty = pa.array(np.full(E, "", dtype=object), type=pa.string())
    extra = pc.if_else(is_share, pc.binary_join_element_wise(',"recipient":"', recipient, '"', ""), empty)
    extra = pc.if_else(is_value, pc.binary_join_element_wise(extra, ',"object_id":', obj, ""), extra)
    method = pc.if_else(pa.array(rng.random(E) < 0.3), ',"method":"sso"', ',"method":"password"')
    extra = pc.if_else(pa.array(ev_type == 0), method, extra)
    props = pc.binary_join_element_wise(
        '{"path":"', pa.array(path, type=pa.string()), '","plan":"', plans, '"', extra, "}", ""
    )
    table = pa.table(
        {
            "message_id": message_id,
            "user_id": uid,
            "anonymous_id": c.devices.take(g_user),
            "workspace_id": ws,
            "event": names,
            "timestamp": ts,
            "received_at": pa.array(recv_us, type=pa.timestamp("us", tz="UTC")),
            "properties": props,
        }
    )
    return table.take(pa.array(np.lexsort((np.arange(E), recv_us))))


def _session_offsets(gaps: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Cumulative gaps within each session (pos resets to 0 at a session's first event)."""
    c = np.cumsum(gaps)
    start = np.maximum.accumulate(np.where(pos == 0, np.arange(len(pos)), 0))
    return c - c[start]
