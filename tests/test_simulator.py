"""The SaaS simulator: deterministic, contract-conforming, internally consistent, and with the
behaviour it claims (effects follow from latent drivers), on small runs."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lifecycle.cli import main
from lifecycle.contract import TABLES
from lifecycle.simulator import SCALES, LandingDirInUseError, SimulationSummary, simulate

INT = re.compile(r"^[+-]?[0-9]+$")
DEC = re.compile(r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$")
ENUMS = {
    ("crm", "contacts", "persona"): {"champion", "economic_buyer", "admin", "end_user"},
    ("crm", "users", "role"): {"account_executive", "customer_success_manager", "manager"},
    ("crm", "opportunities", "type"): {"new_business", "expansion", "renewal", "services"},
    ("crm", "opportunities", "stage"): {
        "prospecting",
        "qualification",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
    },
    ("crm", "cases", "priority"): {"low", "normal", "high", "urgent"},
    ("crm", "cases", "status"): {"new", "open", "pending", "solved", "closed"},
    ("crm", "activities", "type"): {"call", "email", "meeting", "qbr", "onboarding_session", "training"},
    ("billing", "products", "category"): {"plan", "addon", "services"},
    ("billing", "prices", "type"): {"recurring", "one_time"},
    ("billing", "prices", "recurring_interval"): {"day", "week", "month", "year"},
    ("billing", "subscriptions", "status"): {
        "trialing",
        "active",
        "past_due",
        "unpaid",
        "canceled",
        "incomplete",
        "incomplete_expired",
        "paused",
    },
    ("billing", "invoices", "status"): {"draft", "open", "paid", "void", "uncollectible"},
    ("billing", "invoices", "billing_reason"): {
        "subscription_create",
        "subscription_cycle",
        "subscription_update",
        "manual",
    },
    ("billing", "invoice_line_items", "type"): {"subscription", "invoiceitem"},
    ("billing", "refunds", "reason"): {"duplicate", "fraudulent", "requested_by_customer"},
    ("billing", "refunds", "status"): {"succeeded", "failed", "pending"},
    ("usage", "users", "role"): {"owner", "admin", "member", "viewer"},
}
BILLING_CURRENCIES = {"usd", "eur", "gbp", "jpy", "aud"}


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def read_file(path: Path) -> tuple[list[str], list[dict]]:
    """A batch file as (columns, rows of text values), the way a loader sees it."""
    name = path.name
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        header = rows[0]
        return header, [
            {c: (v if v != "" else None) for c, v in zip(header, r, strict=True)} for r in rows[1:]
        ]
    if name.endswith(".jsonl.gz"):
        objs = [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode().splitlines() if line]
        cols = list(objs[0]) if objs else []
        return cols, [{k: _text(v) for k, v in o.items()} for o in objs]
    t = pq.read_table(path)
    return t.column_names, [{k: _text(v) for k, v in r.items()} for r in t.to_pylist()]


def load(out: Path, source: str, table: str) -> list[dict]:
    rows = []
    for f in sorted((out / source / table).iterdir()):
        _cols, rs = read_file(f)
        for i, r in enumerate(rs, 1):
            r["_file"], r["_row"] = f.name, i
        rows.extend(rs)
    return rows


def ts(v: str) -> datetime:
    return datetime.fromisoformat(v.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path, SimulationSummary]:
    base = tmp_path_factory.mktemp("sim")
    out = base / "landing"
    summary = simulate(out, scale="small", seed=7, progress=None)
    return out, base / "landing_truth", summary


@pytest.fixture(scope="module")
def effects(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("effects")
    simulate(base / "landing", scale="small", seed=11, accounts=500, months=24, progress=None)
    return base / "landing_truth"


def test_api_and_summary(small) -> None:
    out, truth, s = small
    assert set(SCALES) >= {"small", "demo", "large"}
    assert s.accounts == SCALES["small"]["accounts"] and s.months == SCALES["small"]["months"]
    assert s.files == sum(1 for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert s.files < 300 and s.track_events > 0 and s.mrr_usd_end > 0
    assert all(isinstance(line, str) for line in s.lines()) and len(s.lines()) >= 3
    assert truth.is_dir() and not truth.resolve().is_relative_to(out.resolve())
    for name in ("account_months.parquet", "accounts.csv", "churn_events.csv", "faults.csv", "manifest.json"):
        assert (truth / name).exists(), name


def test_deterministic(tmp_path: Path, small) -> None:
    out, truth, _ = small
    again = tmp_path / "landing"
    simulate(again, scale="small", seed=7, progress=None)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel
    for name in ("account_months.parquet", "accounts.csv", "churn_events.csv"):
        assert (truth / name).read_bytes() == (tmp_path / "landing_truth" / name).read_bytes()
    other = tmp_path / "other"
    simulate(other, scale="small", seed=8, progress=None)
    assert (other / "crm/accounts").exists()
    assert sorted(p.read_bytes() for p in (other / "crm/accounts").iterdir()) != sorted(
        p.read_bytes() for p in (out / "crm/accounts").iterdir()
    )


def test_contract_conformance(small) -> None:
    out, _, _ = small
    formats = set()
    for t in TABLES:
        folder = out / t.source / t.name
        assert folder.is_dir() and any(folder.iterdir()), t.key
        for f in sorted(folder.iterdir()):
            formats.add(f.name.split(".", 1)[1])
            cols, rows = read_file(f)
            assert set(cols) == set(t.column_names), (f, set(cols) ^ set(t.column_names))
            for r in rows:
                for c in t.columns:
                    v = r.get(c.name)
                    if v is None:
                        assert c.nullable, (f, c.name)
                        continue
                    if c.type == "int":
                        assert INT.match(v), (f, c.name, v)
                    elif c.type == "decimal":
                        assert DEC.match(v), (f, c.name, v)
                    elif c.type == "bool":
                        assert v in ("true", "false"), (f, c.name, v)
                    elif c.type == "timestamp":
                        ts(v)
                    elif c.type == "date":
                        date.fromisoformat(v)
                    allowed = ENUMS.get((t.source, t.name, c.name))
                    if allowed:
                        assert v in allowed, (f, c.name, v)
                    if c.name == "currency" and t.source == "billing":
                        assert v in BILLING_CURRENCIES, (f, v)
                    if c.name == "_loaded_at":
                        for other in (
                            "updated_at",
                            "created_at",
                            "occurred_at",
                            "responded_at",
                            "received_at",
                        ):
                            if r.get(other) and other in t.column_names:
                                assert ts(r[other]) <= ts(v), (f, other, r[other], v)
    assert formats >= {"csv", "jsonl.gz", "parquet"}


def test_internal_consistency(small) -> None:
    out, _, _ = small
    subs = load(out, "billing", "subscriptions")
    items = load(out, "billing", "subscription_items")
    invoices = load(out, "billing", "invoices")
    lines = load(out, "billing", "invoice_line_items")
    prices = {p["id"]: p for p in load(out, "billing", "prices")}
    customers = {c["id"] for c in load(out, "billing", "customers")}
    sub_ids, item_ids = {s["id"] for s in subs}, {i["id"] for i in items}
    assert {s["customer_id"] for s in subs} <= customers
    assert {i["subscription_id"] for i in items} <= sub_ids
    assert {i["price_id"] for i in items} <= set(prices)
    latest = {}
    for inv in sorted(invoices, key=lambda r: ts(r["_loaded_at"])):
        latest[inv["id"]] = inv
    for ln in lines:
        assert ln["invoice_id"] in latest
        assert ln["price_id"] in prices
        if ln["type"] == "subscription":
            assert ln["subscription_id"] in sub_ids and ln["subscription_item_id"] in item_ids
        else:
            assert ln["subscription_id"] is None and prices[ln["price_id"]]["type"] == "one_time"
        assert int(ln["discount_amount"]) >= 0 and int(ln["quantity"]) > 0
        if int(ln["amount"]) < 0:
            assert ln["proration"] == "true"
    by_inv = defaultdict(list)
    for ln in lines:
        by_inv[ln["invoice_id"]].append(ln)
    assert any(int(ln["amount"]) < 0 for ln in lines), "no proration credits"
    for inv in latest.values():
        sub, disc, tax, total = (int(inv[k]) for k in ("subtotal", "discount_total", "tax", "total"))
        assert total == sub - disc + tax, inv["id"]
        assert sum(int(x["amount"]) for x in by_inv[inv["id"]]) == sub
        assert sum(int(x["discount_amount"]) for x in by_inv[inv["id"]]) == disc
        if inv["status"] == "paid":
            assert int(inv["amount_paid"]) == total and inv["paid_at"] is not None
    # versions: every version its own row, later versions later in updated_at and _loaded_at
    for rows in (subs, items):
        seen = defaultdict(list)
        for r in rows:
            seen[r["id"]].append(r)
        assert any(len(v) > 1 for v in seen.values())
        for versions in seen.values():
            keys = [(ts(v["_loaded_at"])) for v in versions]
            assert len(set(keys)) == len(keys)
            versions.sort(key=lambda v: ts(v["_loaded_at"]))
            upd = [ts(v["updated_at"]) for v in versions]
            assert upd == sorted(upd)
    # zero-decimal currency: yen amounts are whole yen at realistic magnitudes
    jpy = [p for p in prices.values() if p["currency"] == "jpy"]
    usd = {
        (p["product_id"], p["recurring_interval"], p["recurring_interval_count"]): int(p["unit_amount"])
        for p in prices.values()
        if p["currency"] == "usd"
    }
    assert jpy
    for p in jpy:
        amount = int(p["unit_amount"])
        assert amount >= 100 and amount % 100 == 0
        ratio = amount / (
            usd[(p["product_id"], p["recurring_interval"], p["recurring_interval_count"])] / 100
        )
        assert 100 <= ratio <= 200, (p, ratio)  # yen per dollar, not yen per cent


def test_subscription_lifecycle_is_visible(small) -> None:
    out, _, _ = small
    subs = load(out, "billing", "subscriptions")
    statuses = {s["status"] for s in subs}
    assert {"active", "trialing", "canceled"} <= statuses
    for s in subs:
        assert ts(s["current_period_start"]) < ts(s["current_period_end"])
        if s["status"] == "trialing":
            assert s["trial_start"] and s["trial_end"]
        if s["status"] in ("canceled", "incomplete_expired"):
            assert s["ended_at"] is not None
    invoices = load(out, "billing", "invoices")
    assert {"subscription_create", "subscription_cycle"} <= {i["billing_reason"] for i in invoices}
    contacts = load(out, "crm", "contacts")
    assert {"champion", "economic_buyer"} <= {c["persona"] for c in contacts}
    assert all("@" in c["email"] for c in contacts)
    tracks = load(out, "usage", "tracks")
    names = {t["event"] for t in tracks}
    assert {"Login", "Page Viewed", "Report Created"} <= names
    assert any(t["timestamp"][-6:] not in ("+00:00",) and not t["timestamp"].endswith("Z") for t in tracks)
    for t in tracks:
        json.loads(t["properties"])


def test_track_redeliveries_are_identical(small) -> None:
    out, _, _ = small
    by_id = defaultdict(list)
    for t in load(out, "usage", "tracks"):
        by_id[t["message_id"]].append(t)
    dups = [v for v in by_id.values() if len(v) > 1]
    assert dups, "expected some redeliveries"
    for v in dups:
        payload = {
            (r["user_id"], r["anonymous_id"], r["workspace_id"], r["event"], r["timestamp"], r["properties"])
            for r in v
        }
        assert len(payload) == 1
        assert len({r["_file"] for r in v}) == len(v)  # a later batch, never the same one


def test_identity_links_realistic_but_valid(effects) -> None:
    truth = effects
    with open(truth / "accounts.csv", encoding="utf-8") as fh:
        accts = list(csv.DictReader(fh))
    missing_meta = sum(1 for a in accts if not a["customer_crm_account_id"])
    missing_ws = sum(1 for a in accts if not a["workspace_crm_account_id"])
    assert 0 < missing_meta < 0.2 * len(accts) and 0 < missing_ws < 0.25 * len(accts)


def _account_months(truth: Path) -> list[dict]:
    return pq.read_table(truth / "account_months.parquet").to_pylist()


def test_effects_follow_latent_drivers(effects) -> None:
    """Churn is more likely without a champion and at low engagement (monthly hazards, fixed seed)."""
    rows = _account_months(effects)
    by_acct = defaultdict(list)
    for r in rows:
        by_acct[r["account_id"]].append(r)
    champ = {True: [0, 0], False: [0, 0]}
    eng_pairs = []
    for months in by_acct.values():
        months.sort(key=lambda r: r["month"])
        for prev, cur in itertools.pairwise(months):
            if prev["mrr_usd"] <= 0:
                continue
            champ[prev["champion_present"]][0] += 1
            champ[prev["champion_present"]][1] += int(cur["churned"])
            eng_pairs.append((prev["engagement"], int(cur["churned"])))
    rate = {k: v[1] / v[0] for k, v in champ.items()}
    assert champ[False][0] > 300 and champ[True][1] > 20
    assert rate[False] > 1.5 * rate[True], rate
    eng_pairs.sort()
    third = len(eng_pairs) // 3
    low = sum(c for _e, c in eng_pairs[:third]) / third
    high = sum(c for _e, c in eng_pairs[-third:]) / third
    assert low > 2.0 * high, (low, high)


def test_expansion_follows_engagement(effects) -> None:
    rows = _account_months(effects)
    by_acct = defaultdict(list)
    for r in rows:
        by_acct[r["account_id"]].append(r)
    grow = {"high": [0, 0], "low": [0, 0]}
    for months in by_acct.values():
        months.sort(key=lambda r: r["month"])
        for prev, cur in itertools.pairwise(months):
            if prev["mrr_usd"] > 0 and cur["mrr_usd"] > 0:
                band = "high" if prev["engagement"] > 0.5 else ("low" if prev["engagement"] < -0.5 else None)
                if band:
                    grow[band][0] += 1
                    grow[band][1] += int(cur["seats"] > prev["seats"])
    assert grow["high"][1] / grow["high"][0] > 2 * grow["low"][1] / grow["low"][0], grow


def test_faults_are_recorded_and_present(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    s = simulate(out, scale="small", seed=7, faults=0.02, progress=None)
    with open(tmp_path / "landing_truth" / "faults.csv", encoding="utf-8") as fh:
        faults = list(csv.DictReader(fh))
    assert s.faults == len(faults) > 20
    rules = {f["rule"] for f in faults}
    assert {
        "null_primary_key",
        "unparseable_timestamp",
        "orphan_foreign_key",
        "duplicate_key_conflict",
        "malformed_json",
    } <= rules
    cache: dict[str, list[dict]] = {}
    for f in faults:
        if f["batch_file"] not in cache:
            cache[f["batch_file"]] = read_file(out / f["batch_file"])[1]
        row = cache[f["batch_file"]][int(f["row_number"]) - 1]
        if f["rule"] == "null_primary_key":
            assert row[f["column"]] is None
        elif f["rule"] == "malformed_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(row["properties"])
        elif f["rule"] != "duplicate_key_conflict":
            assert (row[f["column"]] or "") == f["value"], f
        else:
            pk = next(t for t in TABLES if t.source == f["source"] and t.name == f["table"]).primary_key[0]
            assert row[pk] == f["key"]


def test_truth_dir_and_out_validation(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("user data")
    with pytest.raises(LandingDirInUseError):  # a FileExistsError
        simulate(tmp_path / "busy", scale="small", accounts=3, months=2, progress=None)
    assert (tmp_path / "busy" / "mine.txt").read_text() == "user data"
    with pytest.raises(ValueError):
        simulate(tmp_path / "x", scale="small", truth_dir=tmp_path / "x" / "truth", progress=None)
    out = tmp_path / "again"
    simulate(out, scale="small", accounts=3, months=2, progress=None)
    simulate(out, scale="small", accounts=3, months=2, progress=None)  # re-running replaces its own output


def test_cli_refuses_a_dir_of_real_data_in_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LIFECYCLE_AS_OF_DATE", raising=False)
    (tmp_path / "landing" / "crm" / "accounts").mkdir(parents=True)
    (tmp_path / "landing" / "crm" / "accounts" / "export.csv").write_text("id\n1\n")
    assert main(["simulate", "--out", str(tmp_path / "landing"), "--scale", "small"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert (tmp_path / "landing" / "crm" / "accounts" / "export.csv").exists()
    assert main(["simulate", "--out", str(tmp_path / "sim"), "--scale", "small", "--faults", "2"]) == 2
    out = tmp_path / "fresh"
    assert main(["simulate", "--out", str(out), "--scale", "small", "--accounts", "3", "--months", "2"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("MRR at the end") == 1 and (out / ".simulator.json").exists()


@pytest.mark.slow
def test_demo_scale_effects(tmp_path: Path) -> None:
    s = simulate(tmp_path / "landing", scale="demo", progress=None)
    assert s.accounts == 2000 and s.track_events > 1_000_000 and s.churned_accounts > 100


FX = {"usd": (2, 1.0), "eur": (2, 1.08), "gbp": (2, 1.27), "aud": (2, 0.66), "jpy": (0, 0.0067)}


def _state_at(rows: list[dict], when: datetime) -> dict[str, dict]:
    """Latest version with updated_at <= when (ties: latest _loaded_at), per id."""
    out: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: (ts(r["updated_at"]), ts(r["_loaded_at"]))):
        if ts(r["updated_at"]) <= when:
            out[r["id"]] = r
    return out


def test_landing_mrr_matches_simulator_state(small) -> None:
    """MRR recomputed from the landing files by the published rules equals the simulator's own."""
    out, _truth, summary = small
    when = ts("2025-12-31T23:59:59.999999Z")
    subs = _state_at(load(out, "billing", "subscriptions"), when)
    items = _state_at(load(out, "billing", "subscription_items"), when)
    prices = {p["id"]: p for p in load(out, "billing", "prices")}
    per_month = {"month": 1.0, "year": 12.0, "week": 12 / 52}
    total = 0.0
    for it in items.values():
        s = subs.get(it["subscription_id"])
        if s is None or s["status"] not in ("active", "past_due", "canceled"):
            continue
        if ts(s["start_date"]) > when or (s["trial_end"] and ts(s["trial_end"]) > when):
            continue
        if (s["ended_at"] and ts(s["ended_at"]) <= when) or (
            it["deleted_at"] and ts(it["deleted_at"]) <= when
        ):
            continue
        p = prices[it["price_id"]]
        exp, usd = FX[p["currency"]]
        months = per_month[p["recurring_interval"]] * int(p["recurring_interval_count"])
        disc = 1 - float(s["discount_percent_off"] or 0) / 100
        total += int(p["unit_amount"]) * int(it["quantity"]) * disc / months / 10**exp * usd
    assert total == pytest.approx(summary.mrr_usd_end, abs=0.05)
