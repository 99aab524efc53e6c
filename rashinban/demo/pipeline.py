"""Generate the demo organisation and its history into a store, chunk by chunk."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from rashinban.auth.names import username_key
from rashinban.auth.passwords import demo_hashes
from rashinban.demo import activities, contracts, deals, leads, sourcing
from rashinban.demo.config import DemoConfig
from rashinban.demo.context import COUNTED, Ctx, Ids, make_calendar, month_starts_array
from rashinban.demo.days import MONTH_WEIGHT
from rashinban.demo.model import write_model
from rashinban.demo.org import CHANNELS, PRODUCTS, Accounts, Org, build_accounts, build_org
from rashinban.demo.spend import month_spend
from rashinban.demo.stats import Stats
from rashinban.demo.util import ext_ids, labels
from rashinban.demo.writer import demo_rows_exist, existing_users, next_ids, open_sink
from rashinban.errors import UsageError
from rashinban.store.db import Store

Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)``: called after each step; never prints."""

MONTHLY_GROWTH = 1.012


@dataclass
class DemoResult:
    db: str
    config: DemoConfig
    rows: dict[str, int]
    seconds: float
    model_path: Path | None
    users: list[str] = field(default_factory=list)
    monthly: dict[str, list[float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        cfg = self.config
        return {
            "db": self.db,
            "scale": cfg.scale.value,
            "reps": cfg.reps,
            "months": cfg.months,
            "seed": cfg.seed,
            "start": cfg.start.isoformat(),
            "cutoff": cfg.cutoff.isoformat(sep=" "),
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "model": str(self.model_path) if self.model_path else None,
            "users": self.users,
        }


def usernames(cfg: DemoConfig, org: Org | None = None) -> list[str]:
    width = max(3, len(str(cfg.reps)))
    reps = [r.external_id for r in org.reps] if org else [f"rep{i:0{width}d}" for i in range(1, cfg.reps + 1)]
    return ["admin", "manager", "partner", "client", *reps]


def generate(
    store: Store,
    cfg: DemoConfig,
    *,
    replace: bool = False,
    model_out: Path | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Write the demo organisation and ``cfg.months`` months of history into ``store``."""
    t0 = time.perf_counter()
    report = progress or (lambda label, done, total: None)
    store.create_all()
    names = usernames(cfg)
    if not replace:
        if demo_rows_exist(store):
            raise UsageError("demo_exists", db=store.url)
        taken = existing_users(store, names)
        if taken:
            raise UsageError("demo_users_exist", users=", ".join(taken[:5]))

    sink = open_sink(store, replace=names if replace else None)  # one transaction: all or nothing
    try:
        # ids after the replaced demo is deleted: a replaced demo has the rows of a fresh one
        base = next_ids(sink.conn, ["teams", "members", "accounts", "products", "users", *COUNTED])
        org = build_org(cfg, base["teams"], base["members"])
        accounts = build_accounts(cfg, base["accounts"])
        product_ids = base["products"] + np.arange(len(PRODUCTS), dtype=np.int64)
        bd = make_calendar(cfg)
        ctx = Ctx(cfg, org, accounts, PRODUCTS, product_ids, bd, Ids({k: base[k] for k in COUNTED}))
        stats = Stats(month_starts_array(cfg))
        plan = _chunks(ctx)
        total = len(plan) + 2

        def put(table: str, data: pa.Table) -> None:
            stats.observe(table, data)
            sink.write(table, data)

        put("teams", _teams_table(org))
        put("members", _members_table(org))
        put("products", _products_table(product_ids))
        put("accounts", _accounts_table(accounts))
        put("users", _users_table(cfg, org, base["users"]))
        acts = activities.Acts()
        base_contracts, base_surveys = contracts.installed_base(
            ctx, np.random.default_rng([cfg.seed, 3]), acts
        )
        put("contracts", base_contracts)
        put("surveys", base_surveys)
        put("activities", acts.table(ctx, np.random.default_rng([cfg.seed, 4])))
        report("org", 1, total)
        done = 1
        for month_no, (month_start, parts) in enumerate(plan_by_month(plan)):
            by_channel = np.zeros(len(CHANNELS))
            for part_no, (n, lo, hi) in enumerate(parts):
                rng = np.random.default_rng([cfg.seed, 1, month_no, part_no])
                lb = leads.generate(ctx, rng, n, lo, hi)
                db = deals.generate(ctx, rng, lb)
                acts = activities.Acts()
                activities.lead_touches(ctx, rng, lb, acts)
                activities.declined_appointments(ctx, lb, acts)
                activities.deal_touches(ctx, rng, db, acts)
                contract_t, survey_t = contracts.generate(ctx, rng, db, acts)
                put("leads", lb.table(ctx))
                put("experiments", leads.experiment_table(ctx, lb))
                put("deals", sourcing.with_sources(ctx, db.table(ctx), db, lb))
                put("deal_stage_history", db.history_table(ctx))
                put("contracts", contract_t)
                put("surveys", survey_t)
                act_t = acts.table(ctx, rng)
                del acts
                put("activities", act_t)
                del act_t
                by_channel += np.bincount(lb.channel, minlength=len(CHANNELS))
                done += 1
                report(f"{month_start:%Y-%m}", done, total)
            if month_start >= cfg.start:
                rng = np.random.default_rng([cfg.seed, 2, month_no])
                put("spend", month_spend(ctx, rng, month_start, by_channel))
        sink.commit()  # the whole demo, and the data version, at once
    finally:
        sink.close()  # not committed (an error, Ctrl-C): rolled back, the store as it was
    path = None
    if model_out is not None:
        path = write_model(model_out, cfg, org, stats)
    report("model", total, total)
    return DemoResult(
        db=store.display,
        config=cfg,
        rows={k: stats.rows.get(k, 0) for k in _ROW_ORDER},
        seconds=time.perf_counter() - t0,
        model_path=path,
        users=usernames(cfg, org),
        monthly={k: v.tolist() for k, v in stats.monthly.items()},
    )


_ROW_ORDER = (
    "teams",
    "members",
    "users",
    "products",
    "accounts",
    "leads",
    "deals",
    "deal_stage_history",
    "activities",
    "contracts",
    "surveys",
    "spend",
    "experiments",
)


def _chunks(ctx: Ctx) -> list[tuple[date, int, int, int]]:
    """(month start, leads, first business day, end business day) per chunk, oldest first.

    The number of leads per month follows the season (年度末 peak in March, slower August
    and 年末年始), a steady growth, and the business days the month has (up to the cutoff).
    """
    cfg = ctx.cfg
    out = []
    for m, month_start in enumerate(cfg.warmup_starts + cfg.month_starts):
        lo, hi = ctx.bd.month_range(month_start)
        hi = min(hi, ctx.cut_idx)
        if hi <= lo:
            continue
        rng = np.random.default_rng([cfg.seed, 0, m])
        lam = (
            leads.LEADS_PER_REP_MONTH
            * cfg.intensity
            * cfg.reps
            * MONTH_WEIGHT[month_start.month]
            * MONTHLY_GROWTH**m
            * (hi - lo)
            / 20.0
        )
        n = int(rng.poisson(lam))
        parts = max(1, -(-n // cfg.chunk_leads))
        # split the month's business days into consecutive slices of about equal leads
        edges = np.linspace(lo, hi, parts + 1).round().astype(int)
        sizes = np.diff(np.linspace(0, n, parts + 1).round().astype(int))
        for p in range(parts):
            if edges[p + 1] > edges[p]:
                out.append((month_start, int(sizes[p]), int(edges[p]), int(edges[p + 1])))
    return out


def plan_by_month(plan: list[tuple[date, int, int, int]]) -> list[tuple[date, list[tuple[int, int, int]]]]:
    out: list[tuple[date, list[tuple[int, int, int]]]] = []
    for month_start, n, lo, hi in plan:
        if not out or out[-1][0] != month_start:
            out.append((month_start, []))
        out[-1][1].append((n, lo, hi))
    return out


# organisation tables -------------------------------------------------------------------


def _demo(n: int) -> pa.Array:
    return labels(["demo"], np.zeros(n, np.int32))


def _teams_table(org: Org) -> pa.Table:
    ts = org.teams
    return pa.table(
        {
            "id": pa.array([t.id for t in ts], pa.int64()),
            "source": _demo(len(ts)),
            "external_id": pa.array([t.external_id for t in ts]),
            "name": pa.array([t.name for t in ts]),
            "parent_id": pa.array([t.parent_id for t in ts], pa.int64()),
            "kind": pa.array([t.kind for t in ts]),
            "client": pa.array([t.client for t in ts], pa.string()),
        }
    )


def _members_table(org: Org) -> pa.Table:
    ms = org.members
    return pa.table(
        {
            "id": pa.array([m.id for m in ms], pa.int64()),
            "source": _demo(len(ms)),
            "external_id": pa.array([m.external_id for m in ms]),
            "name": pa.array([m.name for m in ms]),
            "email": pa.array([m.email for m in ms]),
            "team_id": pa.array([m.team_id for m in ms], pa.int64()),
            "role": pa.array([m.role for m in ms]),
            "active": pa.array([True] * len(ms)),
            "joined_on": pa.array([m.joined_on for m in ms], pa.date32()),
        }
    )


def _products_table(ids: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "id": ids,
            "source": _demo(len(ids)),
            "external_id": pa.array([f"demo-product-{p.key}" for p in PRODUCTS]),
            "name": pa.array([p.name for p in PRODUCTS]),
            "series": pa.array([p.series for p in PRODUCTS]),
            "list_price": pa.array([p.list_price for p in PRODUCTS], pa.int64()),
        }
    )


def _accounts_table(acc: Accounts) -> pa.Table:
    n = len(acc)
    return pa.table(
        {
            "id": acc.ids,
            "source": _demo(n),
            "external_id": ext_ids("demo-account-", np.arange(1, n + 1), 7),
            "name": pa.array(acc.names, pa.string()),
            "industry": pa.array(acc.industry, pa.string()),
            "employees": acc.employees,
            "revenue": acc.revenue,
            "region": pa.array(acc.region, pa.string()),
            "created_at": acc.created_at,
        }
    )


def _users_table(cfg: DemoConfig, org: Org, base: int) -> pa.Table:
    """admin, manager (東日本営業部), partner (the agency), client (a viewer of the agency team:
    the agency's client) and one member user per rep.

    They share one (printed) password; each gets a hash with its own salt.
    """
    created = datetime.combine(cfg.start, datetime.min.time()).replace(hour=9)
    managers = [m for m in org.members if m.role == "manager"]
    agency_id = org.team_by_key["agency"].id
    rows: list[tuple[str, str, str, int | None, int | None]] = [
        ("admin", "管理者", "admin", None, None),
        (
            "manager",
            f"{managers[0].name}（東日本営業部長）",
            "manager",
            managers[0].id,
            org.team_by_key["east"].id,
        ),
        ("partner", org.team_by_key["agency"].name, "partner", None, agency_id),
        # the agency's client: reads the agency's own report, read-only (#16 item 2)
        ("client", f"{org.team_by_key['agency'].client}（発注担当）", "viewer", None, agency_id),
    ]
    rows += [(r.external_id, r.name, "member", r.id, r.team_id) for r in org.reps]
    n = len(rows)
    return pa.table(
        {
            "id": pa.array(range(base, base + n), pa.int64()),
            "username": pa.array([r[0] for r in rows]),
            "username_key": pa.array([username_key(r[0]) for r in rows]),
            "display_name": pa.array([r[1] for r in rows]),
            "password_hash": pa.array(demo_hashes(cfg.password, n)),
            "password_changed_at": pa.array([created] * n, pa.timestamp("s")),
            "security_stamp": pa.array([0] * n, pa.int32()),
            "role": pa.array([r[2] for r in rows]),
            "member_id": pa.array([r[3] for r in rows], pa.int64()),
            "team_id": pa.array([r[4] for r in rows], pa.int64()),
            "locale": pa.array([None] * n, pa.string()),  # none chosen: the first sign-in takes the browser's
            "active": pa.array([True] * n),
            "created_at": pa.array([created] * n, pa.timestamp("s")),
        }
    )
