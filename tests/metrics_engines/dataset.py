"""A small but awkward canonical dataset, built in plain Python.

Teams form a three-level hierarchy (本部 → 部 → 課) next to a top-level agency team and a
team without members; one member has no team, one sits in a middle-level team.  Rows are
placed on period boundaries (2026-03-31 23:59:59 / 2026-04-01 00:00:00, the end of the
calendar year), outside the span asked (before 2025-04-01, after 2027-03-31), and carry
nulls in every nullable column that a measure reads.  One activity has no member; spend
exists for a team that is not the members' own and without any team.

The same rows are written through SQLAlchemy into any store (DuckDB or PostgreSQL) and
handed to the pandas oracle as data frames, so the oracle never reads the store.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from rashinban.store import Store
from rashinban.store import schema as s

# The span every test asks for: fiscal years 2025 and 2026 (April starts).
SPAN_START = date(2025, 4, 1)
SPAN_END = date(2027, 3, 31)

TEAMS = [
    # id, name, parent, kind
    (1, "営業本部", None, "in_house"),
    (2, "東日本営業部", 1, "in_house"),
    (3, "西日本営業部", 1, "in_house"),
    (4, "東京第一課", 2, "in_house"),
    (5, "大阪課", 3, "in_house"),
    (6, "パートナー営業", None, "agency"),
    (7, "新設課", 2, "in_house"),  # no members at all
]
MEMBERS = [
    # id, name, team
    (11, "佐藤", 4),
    (12, "鈴木", 4),
    (13, "高橋", 2),  # directly in a middle-level team
    (14, "田中", 5),
    (15, "伊藤", 6),
    (16, "渡辺", None),  # without a team: counts for herself and the company
    (17, "山本", 3),
]
MEMBER_IDS = [m[0] for m in MEMBERS]
EMPTY_TEAM = 7

# instants that sit exactly on period edges, and outside the span
EDGES = [
    datetime(2025, 3, 31, 23, 59, 59),  # before the span
    datetime(2025, 4, 1, 0, 0, 0),  # first instant of the span
    datetime(2025, 12, 31, 23, 59, 59),
    datetime(2026, 1, 1, 0, 0, 0),
    datetime(2026, 3, 31, 23, 59, 59),  # last second of FY2025
    datetime(2026, 4, 1, 0, 0, 0),  # first second of FY2026
    datetime(2027, 3, 31, 23, 59, 59),  # last instant of the span
    datetime(2027, 4, 1, 0, 0, 0),  # after the span
]
# the busy window: November 2025 to June 2026 (a fiscal year boundary in the middle)
BUSY_START = datetime(2025, 11, 1)
BUSY_SECONDS = int((datetime(2026, 7, 1) - BUSY_START).total_seconds())

CHANNELS = ["web", "seminar", "referral", "outbound", None]
STAGES = ["アポイント", "初回訪問", "提案・見積", "クロージング", "受注"]


@dataclass
class Dataset:
    rows: dict[str, list[dict[str, Any]]]

    def frame(self, table: str) -> pd.DataFrame:
        cols = [c.name for c in s.metadata.tables[table].columns]
        return pd.DataFrame(self.rows.get(table, []), columns=cols)


def _when(rng: random.Random) -> datetime:
    return BUSY_START + timedelta(seconds=rng.randrange(BUSY_SECONDS))


def _maybe(rng: random.Random, value: Any, p_null: float = 0.15) -> Any:
    return None if rng.random() < p_null else value


def _owner(rng: random.Random, p_null: float = 0.05) -> int | None:
    return None if rng.random() < p_null else rng.choice(MEMBER_IDS)


def build() -> Dataset:
    rng = random.Random(20260401)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in s.metadata.tables}

    next_id: dict[str, int] = {}

    def add(table: str, **values: Any) -> dict[str, Any]:
        n = next_id[table] = next_id.get(table, 0) + 1
        row = {"id": n, "source": "test", "external_id": f"{table}-{n}", **values}
        rows[table].append(row)
        return row

    for tid, name, parent, kind in TEAMS:
        rows["teams"].append(
            {"id": tid, "source": "test", "external_id": f"t{tid}", "name": name, "parent_id": parent}
            | {"kind": kind, "client": "取引先A" if kind == "agency" else None}
        )
    for mid, name, team in MEMBERS:
        rows["members"].append(
            {"id": mid, "source": "test", "external_id": f"m{mid}", "name": name, "team_id": team}
            | {"email": None, "role": "field_sales", "active": True, "joined_on": date(2024, 4, 1)}
        )

    # --- accounts and products (the related records measures filter and break down on) ---
    industries = ["製造業", "情報通信業", "小売業", None]
    for aid in range(1, 40):
        add(
            "accounts",
            name=f"取引先{aid}",
            industry=industries[aid % len(industries)],
            employees=[None, 30, 99, 100, 999, 1000, 5000][aid % 7],
            revenue=None,
            region=["関東", "近畿", None][aid % 3],
            created_at=None,
        )
    for name in ("羅針SFA", "導入支援", "研修"):
        add("products", name=name, series=None, list_price=None)

    # --- leads ------------------------------------------------------------------------
    def lead(created: datetime, owner: int | None, **kw: Any) -> None:
        status = kw.pop("status", "new")
        add(
            "leads",
            account_id=kw.pop("account_id", None),
            owner_id=owner,
            channel=kw.pop("channel", "web"),
            status=status,
            valid=kw.pop("valid", True),
            created_at=created,
            mql_at=kw.pop("mql_at", None),
            sql_at=kw.pop("sql_at", None),
            disqualified_at=None,
            converted_at=None,
            converted_deal_id=None,
        )

    for _ in range(160):
        created = _when(rng)
        mql = created + timedelta(days=rng.randrange(0, 40), seconds=rng.randrange(86400))
        mql_at = mql if rng.random() < 0.6 else None
        sql_at = mql + timedelta(days=rng.randrange(0, 20)) if mql_at and rng.random() < 0.5 else None
        lead(
            created,
            _owner(rng),
            channel=rng.choice(CHANNELS),
            valid=rng.choice([True, False, None]),
            mql_at=mql_at,
            sql_at=sql_at,
            status="sql" if sql_at else "mql" if mql_at else "new",
            account_id=_maybe(rng, rng.randrange(1, 40), 0.3),
        )
    for i, edge in enumerate(EDGES):
        lead(edge, MEMBER_IDS[i % len(MEMBER_IDS)], mql_at=edge, sql_at=EDGES[min(i + 1, len(EDGES) - 1)])

    # --- activities -----------------------------------------------------------------------
    outcomes = {
        "call": ["connected", "no_answer", "appointment", None],
        "email": ["sent", "opened", "replied", None],
        "visit": ["held", "appointment", None],
        "web_meeting": ["held", None],
        "other": [None],
    }

    def activity(at: datetime, member: int | None, typ: str, outcome: str | None, **kw: Any) -> None:
        add(
            "activities",
            member_id=member,
            type=typ,
            outcome=outcome,
            lead_id=None,
            deal_id=None,
            account_id=kw.pop("account_id", None),
            subject=None,
            contact_id=None,
            duration_minutes=kw.pop("duration_minutes", None),
            occurred_at=at,
            logged_at=kw.pop("logged_at", at),
        )

    for _ in range(700):
        typ = rng.choice(["call", "call", "call", "email", "email", "visit", "web_meeting", "other"])
        at = _when(rng)
        minutes = rng.choice([15, 30, 45, 60, 90, None]) if typ in ("visit", "web_meeting") else None
        lag = timedelta(seconds=rng.randrange(-600, 3 * 86400))  # a few logged before they happened
        activity(
            at,
            _owner(rng, 0.03),
            typ,
            rng.choice(outcomes[typ]),
            duration_minutes=minutes,
            logged_at=_maybe(rng, at + lag, 0.1),
            account_id=rng.randrange(1, 40),
        )
    for i, edge in enumerate(EDGES):
        activity(
            edge, MEMBER_IDS[i % len(MEMBER_IDS)], "call", "connected", logged_at=edge + timedelta(hours=i)
        )
        activity(edge, 15, "visit", "appointment", duration_minutes=30 + i)
    # member-less activities, one on a boundary
    activity(datetime(2026, 3, 31, 23, 59, 59), None, "call", "appointment", logged_at=None)
    activity(datetime(2026, 2, 10, 10, 0, 0), None, "email", "replied", account_id=3)
    # only emails for member 17 in June 2026 and no calls: contact_rate divides by zero there
    rows["activities"] = [
        r
        for r in rows["activities"]
        if not (r["member_id"] == 17 and r["occurred_at"] >= datetime(2026, 6, 1) and r["type"] == "call")
    ]
    activity(datetime(2026, 6, 15, 9, 30, 0), 17, "email", "opened", account_id=5)
    activity(datetime(2026, 6, 30, 23, 59, 59), 17, "email", None, account_id=6)

    # --- deals and their stage history ------------------------------------------------------
    for _ in range(90):
        created = _maybe(rng, _when(rng), 0.08)
        base = created or _when(rng)
        closed = rng.random() < 0.6
        won = closed and rng.random() < 0.5
        closed_at = (
            base + timedelta(days=rng.randrange(1, 120), seconds=rng.randrange(86400)) if closed else None
        )
        amount = _maybe(rng, Decimal(rng.randrange(50_000, 5_000_000)) / 100 * 100 + Decimal("0.25"), 0.1)
        deal = add(
            "deals",
            name=None,
            account_id=rng.randrange(1, 40),
            owner_id=_owner(rng),
            # who sourced it (another member than the owner, often), its product and lead
            source_member_id=_owner(rng, 0.2),
            product_id=_maybe(rng, rng.randrange(1, 4), 0.2),
            lead_id=_maybe(rng, rng.randrange(1, 160), 0.3),
            channel=rng.choice(CHANNELS),
            stage="受注" if won else "失注" if closed else rng.choice(STAGES[:4]),
            amount=amount,
            currency="JPY",
            probability=None,
            created_at=created,
            expected_close_on=_maybe(rng, (base + timedelta(days=rng.randrange(10, 200))).date(), 0.1),
            closed_at=closed_at,
            is_closed=closed,
            is_won=won,
            lost_reason=None,
            valid=rng.choice([True, False, None]),
        )
        at = base
        for stage in STAGES[: rng.randrange(1, len(STAGES) + 1)]:
            add("deal_stage_history", deal_id=deal["id"], stage=stage, entered_at=at, amount=amount)
            at += timedelta(days=rng.randrange(0, 30), seconds=rng.randrange(86400))
    for i, edge in enumerate(EDGES):
        won = i % 2 == 0
        deal = add(
            "deals",
            name=None,
            account_id=1,
            owner_id=MEMBER_IDS[i % len(MEMBER_IDS)],
            source_member_id=MEMBER_IDS[(i + 1) % len(MEMBER_IDS)],
            product_id=None,
            lead_id=None,
            channel="web",
            stage="受注" if won else "失注",
            amount=Decimal("1000000.50") * (i + 1),
            currency="JPY",
            probability=None,
            created_at=edge - timedelta(days=30, hours=i),
            expected_close_on=edge.date(),
            closed_at=edge,
            is_closed=True,
            is_won=won,
            lost_reason=None,
            valid=True,
        )
        add("deal_stage_history", deal_id=deal["id"], stage="提案・見積", entered_at=edge, amount=None)

    # --- contracts --------------------------------------------------------------------------
    def contract(start: date, end: date | None, owner: int | None, mrr: Decimal | None, **kw: Any) -> None:
        churned = kw.pop("churned_on", None)
        add(
            "contracts",
            account_id=kw.pop("account_id", None),
            deal_id=None,
            owner_id=owner,
            start_on=start,
            end_on=end,
            mrr=mrr,
            status="churned" if churned else "active",
            churned_on=churned,
            renewed=None,
            expansion=kw.pop("expansion", None),
        )

    for _ in range(50):
        start = _when(rng).date() - timedelta(days=rng.randrange(0, 200))
        end = start + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.6 else None
        churned = end if end is not None and rng.random() < 0.5 else None
        contract(
            start,
            end,
            _owner(rng),
            _maybe(rng, Decimal(rng.randrange(10_000, 300_000)), 0.1),
            churned_on=churned,
            expansion=rng.choice([True, False, None]),
            account_id=_maybe(rng, rng.randrange(1, 40), 0.3),
        )
    # ends exactly on a period end (not active at that end), starts on the first day
    contract(date(2026, 1, 1), date(2026, 3, 31), 11, Decimal("50000.00"), churned_on=date(2026, 3, 31))
    contract(date(2026, 4, 1), None, 12, Decimal("70000.00"), expansion=True)
    contract(date(2026, 3, 31), date(2026, 4, 1), 16, None)
    contract(date(2025, 3, 1), None, None, Decimal("1.01"))  # before the span, no owner

    # --- surveys ----------------------------------------------------------------------------
    for _ in range(90):
        kind = rng.choice(["nps", "nps", "csat"])
        add(
            "surveys",
            account_id=None,
            owner_id=_owner(rng, 0.1),
            kind=kind,
            score=rng.randrange(0, 11) if kind == "nps" else rng.randrange(1, 6),
            answered_at=_when(rng),
            referral=rng.choice([True, False, None]),
            complaint=rng.choice([True, False, False, None]),
        )
    for i, edge in enumerate(EDGES):
        add(
            "surveys",
            account_id=None,
            owner_id=MEMBER_IDS[i % len(MEMBER_IDS)],
            kind="nps",
            score=[10, 6, 9, 7, 0, 8, 9, 3][i],
            answered_at=edge,
            referral=True,
            complaint=None,
        )

    # --- spend (team-level) -----------------------------------------------------------------
    month = date(2025, 11, 1)
    while month <= date(2026, 6, 1):
        nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        for team in (4, 5, 6, 2, None):
            for channel in ("web", "seminar"):
                if rng.random() < 0.8:
                    add(
                        "spend",
                        channel=channel,
                        period_start=month,
                        period_end=nxt - timedelta(days=1),
                        amount=Decimal(rng.randrange(100_000, 900_000)) + Decimal("0.50"),
                        team_id=team,
                    )
        month = nxt
    add(
        "spend",
        channel="ad",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31),
        amount=Decimal("5"),
        team_id=4,
    )
    add(
        "spend",
        channel="ad",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 30),
        amount=Decimal("12345.67"),
        team_id=EMPTY_TEAM,
    )
    return Dataset(rows)


def write(store: Store, data: Dataset) -> None:
    """Create the schema and insert every row through SQLAlchemy."""
    store.create_all()
    with store.engine.begin() as conn:
        for table, values in data.rows.items():
            if values:
                conn.execute(sa.insert(s.metadata.tables[table]), values)
