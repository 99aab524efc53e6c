"""Issue 10 on the demo organisation, every figure against an independent pandas/SQL count:
whose number a KPI is (the agency credited with its hand-offs), rates within bounds, targets
only for the KPIs a team owns, every template computing on the canonical store, manual KPI
values, relative targets (前年比), tiers, Golden Week, range totals (累計), whole counts and
one split for the CLI and the page."""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import jpholiday
import pandas as pd
import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.errors import ForbiddenError
from rashinban.store import Store
from rashinban.store.users import find_user
from rashinban.templates import ORDER
from tests.svc import facade, generate_demo

AS_OF = "2026-11-20"
MONTHS = [f"2026-{m:02d}" for m in range(6, 12)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trust_demo")
    db = folder / "demo.duckdb"
    generate_demo(db, scale="small", seed=7, end_month="2026-11")
    return db


@pytest.fixture(scope="module")
def frames(demo: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(demo), read_only=True)
    try:
        return {
            t: con.execute(f"select * from {t}").df()
            for t in ("teams", "members", "deals", "leads", "activities", "spend")
        }
    finally:
        con.close()


@pytest.fixture
def store(demo: Path) -> Any:
    s = Store.open(str(demo))
    yield s
    s.dispose()


def _month(col: pd.Series) -> pd.Series:
    return pd.to_datetime(col).dt.strftime("%Y-%m")


# --- attribution ---------------------------------------------------------------------------
def test_the_agency_is_credited_with_its_hand_offs(store: Any, frames: dict[str, pd.DataFrame]) -> None:
    teams, members = frames["teams"], frames["members"]
    agency = int(teams.loc[teams.kind == "agency", "id"].iloc[0])
    mine = set(members.loc[members.team_id == agency, "id"].astype(int))
    leads, deals = frames["leads"], frames["deals"]
    handoffs = leads[leads.owner_id.isin(mine) & leads.sql_at.notna()].assign(m=lambda d: _month(d.sql_at))
    won = deals[deals.is_won & deals.source_member_id.isin(mine) & deals.closed_at.notna()]
    won = won.assign(m=lambda d: _month(d.closed_at))
    # the agency's deals are owned by field reps: by owner it closes nothing …
    assert not deals[deals.owner_id.isin(mine)].shape[0]
    # … but it is credited with what it handed off, through the model bound to its team
    report = facade(store).tracking.status(None, "2026-06..2026-11", team=str(agency), as_of=AS_OF)
    assert report.model.name.startswith("営業代行")
    got = {(r.node, r.period): r for r in report.rows if r.scope_type == "team" and r.scope_id == agency}
    checked = 0
    for month in MONTHS:
        n_hand = int((handoffs.m == month).sum())
        n_won = int((won.m == month).sum())
        assert got[("handoffs", month)].actual == n_hand
        assert got[("client_wins", month)].actual == n_won
        revenue = Fraction(str(won.loc[won.m == month, "amount"].sum()))
        assert got[("client_revenue", month)].actual == revenue
        rate = got[("client_win_rate", month)].actual
        assert rate == (Fraction(n_won, n_hand) if n_hand else None)
        checked += n_hand > 0
    assert checked >= 4
    total = got[("handoffs", "2026-06..2026-11")]
    assert total.total and total.actual == int(handoffs.m.isin(MONTHS).sum())


def test_team_rates_come_from_one_side_and_a_rate_above_100_percent_is_a_finding(
    store: Any, demo: Path, tmp_path: Path
) -> None:
    svc = facade(store)
    report = svc.tracking.status(None, "2026-06..2026-11", as_of=AS_OF)
    rates = [
        r for r in report.rows if r.node == "deal_rate" and r.actual is not None and r.scope_type == "team"
    ]
    assert rates and all(0 <= r.actual <= 1 for r in rates)
    # a (deliberately wrong) rate of deals over wins exceeds 100 %: never graded green
    text = demo.with_name("demo.model.yaml").read_text(encoding="utf-8")
    odd_measure = "measures:\n  odd: {agg: ratio, numerator: deals_created, denominator: won_deals}\n"
    odd_node = (
        "  odd_rate: {name: 検算, unit: ratio, measure: odd, assume: 0.5, definition: 商談数 ÷ 受注件数}\n"
    )
    text = text.replace("nodes:\n", odd_measure + "nodes:\n" + odd_node, 1)
    odd = tmp_path / "odd.yaml"
    odd.write_text(text, encoding="utf-8")
    rows = [r for r in svc.tracking.status(str(odd), "2026-10", as_of=AS_OF).rows if r.node == "odd_rate"]
    above = [r for r in rows if r.actual is not None and r.actual > 1]
    assert above and all(r.status == "data_issue" and r.note == "rate_above_one" for r in above)


def test_each_team_gets_targets_only_for_the_kpis_it_owns(
    store: Any, frames: dict[str, pd.DataFrame]
) -> None:
    teams = frames["teams"].set_index("name")
    report = facade(store).tracking.status(None, "2026-10", as_of=AS_OF)
    target = {(r.scope, r.node): r.target for r in report.rows if r.scope_type in ("team", "company")}
    for field in ("東日本営業部", "西日本営業部"):
        assert target[(field, "leads")] is None and target[(field, "calls")] is None
        assert target[(field, "revenue")] is not None and target[(field, "visits")] is not None
    assert target[("インサイドセールス部", "leads")] is not None
    assert target[("インサイドセールス部", "revenue")] is None
    # the owners' targets add up to the company's
    owners = ("東日本営業部", "西日本営業部")
    company = next(
        r.scope for r in report.rows if r.scope_type == "company"
    )  # named in the reader's language
    assert sum(target[(t, "revenue")] for t in owners) == target[(company, "revenue")]
    assert "カスタマーサクセス部" in teams.index and target[("カスタマーサクセス部", "leads")] is None


# --- templates -------------------------------------------------------------------------------
@pytest.mark.parametrize("template", ORDER)
def test_every_template_computes_on_the_demo_store(store: Any, template: str) -> None:
    path = Path(__file__).resolve().parents[2] / "rashinban" / "templates" / f"{template}.yaml"
    report = facade(store).tracking.status(str(path), "FY2025", as_of="2026-04-10")
    company = {r.node: r for r in report.rows if r.scope_type == "company"}
    measured = [nid for nid, n in report.model.nodes.items() if n.measure]
    assert measured
    missing = {nid: company[nid].reason for nid in measured if company[nid].actual is None}
    assert missing == {}


@pytest.mark.parametrize(("period", "start"), [("FY2025", date(2025, 4, 1)), ("2026-10", date(2026, 10, 1))])
def test_contracts_at_start_are_the_stock_the_day_before(store: Any, period: str, start: date) -> None:
    """期首契約数 is what was active the day before the period starts (renewals are new contract
    rows, so "at the end − new + churned" is not it), and 契約継続率 = 1 − 解約数 ÷ 期首契約数."""
    path = Path(__file__).resolve().parents[2] / "rashinban" / "templates" / "customer_success.yaml"
    report = facade(store).tracking.status(str(path), period, as_of=AS_OF)
    company = {r.node: r for r in report.rows if r.scope_type == "company" and not r.total}
    with store.engine.connect() as conn:  # the test's own SQL (the store is open in this process)
        c = pd.read_sql(sa.text("SELECT start_on, end_on, churned_on FROM contracts"), conn)
    c = c.apply(pd.to_datetime)
    day = pd.Timestamp(start - timedelta(days=1))
    stock = int(((c.start_on <= day) & (c.end_on.isna() | (c.end_on > day))).sum())
    assert stock > 0 and company["customers_start"].actual == stock
    last = pd.Timestamp(date(2026, 3, 31) if period == "FY2025" else date(2026, 10, 31))
    churned = int(((c.churned_on >= pd.Timestamp(start)) & (c.churned_on <= last)).sum())
    assert company["retention_rate"].actual == 1 - Fraction(churned, stock)


# --- manual KPIs ------------------------------------------------------------------------------
def test_manual_values_flow_into_status_with_who_and_when(store: Any) -> None:
    admin = find_user(store, "admin")
    path = str(Path(__file__).resolve().parents[2] / "rashinban" / "templates" / "agency.yaml")
    svc = facade(store, admin)
    saved = svc.manual.enter({"node": "fee", "scope": "company", "period": "2026-10", "value": "150万"}, path)
    assert saved.changed and saved.value.value == 1_500_000 and saved.value.author == "admin"
    again = svc.manual.enter(
        {"node": "fee", "scope": "company", "period": "2026-10-15", "value": "1500000"}, path
    )
    assert not again.changed  # a day inside the month names the month; the same value stores nothing
    svc.manual.enter(
        {"node": "fee", "scope": "company", "period": "2026-10", "value": "160万", "note": "請求書"}, path
    )
    rows = {
        r.node: r
        for r in facade(store).tracking.status(path, "2026-10", as_of=AS_OF).rows
        if r.scope_type == "company"
    }
    assert rows["fee"].actual == 1_600_000
    assert rows["roi"].actual == rows["client_revenue"].actual / 1_600_000
    assert rows["cost_per_handoff"].actual == Fraction(1_600_000) / rows["handoffs"].actual
    history = svc.manual.values(path).history
    assert [(h.value, h.previous, h.note) for h in history[:2]] == [
        (1_600_000, 1_500_000, "請求書"),
        (1_500_000, None, None),
    ]
    # a quarter with a month not entered has no value (not two months passed off as three)
    q = {
        r.node: r
        for r in facade(store).tracking.status(path, "FY2026-Q3", as_of=AS_OF).rows
        if r.scope_type == "company"
    }
    assert q["fee"].actual is None and q["fee"].reason == "manual_missing"
    # roles: a rep may not enter a team's value, a viewer nothing
    rep = find_user(store, "rep001")
    with pytest.raises(ForbiddenError):
        facade(store, rep).manual.enter(
            {"node": "fee", "scope": "company", "period": "2026-10", "value": "1"}, path
        )


# --- relative targets, tiers -------------------------------------------------------------------
def test_a_yoy_target_is_resolved_per_scope_from_last_years_actual(
    store: Any, demo: Path, tmp_path: Path, frames: dict[str, pd.DataFrame]
) -> None:
    text = demo.with_name("demo.model.yaml").read_text(encoding="utf-8")
    text = re.sub(
        r"(  revenue:\n(?:    .*\n)*?)    target: \d+\n",
        r"\1    target: 前年比120%\n    stretch: 前年比130%\n",
        text,
        count=1,
    )
    path = tmp_path / "yoy.yaml"
    path.write_text(text, encoding="utf-8")
    report = facade(store).tracking.status(str(path), "2026-10", as_of=AS_OF)
    deals = frames["deals"]
    won = deals[deals.is_won & deals.closed_at.notna()].assign(m=lambda d: _month(d.closed_at))
    last_year = Fraction(str(won.loc[won.m == "2025-10", "amount"].sum()))
    company = next(r for r in report.rows if r.scope_type == "company" and r.node == "revenue")
    assert company.target == last_year * Fraction(6, 5)
    assert company.stretch == last_year * Fraction(13, 10)
    members = frames["members"]
    rep = int(members.loc[members.external_id == "rep001", "id"].iloc[0])
    mine = Fraction(str(won.loc[(won.m == "2025-10") & (won.owner_id == rep), "amount"].sum()))
    row = next(
        r for r in report.rows if r.scope_type == "member" and r.scope_id == rep and r.node == "revenue"
    )
    assert row.target == mine * Fraction(6, 5)
    # before the data starts there is nothing to compare with: no target, and the reason
    early = facade(store).tracking.status(str(path), "2025-02", as_of="2025-02-20")
    first = next(r for r in early.rows if r.scope_type == "company" and r.node == "revenue")
    assert first.target is None and first.note == "relative_no_basis"


# --- periods -------------------------------------------------------------------------------------
def business_days(start: date, end: date) -> int:
    n, d = 0, start
    while d <= end:
        n += d.weekday() < 5 and not jpholiday.is_holiday(d)
        d += timedelta(days=1)
    return n


def test_a_golden_week_week_gets_its_business_days_share(store: Any, demo: Path) -> None:
    report = facade(store).tracking.status(None, "2026-W19", as_of="2026-05-31")
    company = {r.node: r for r in report.rows if r.scope_type == "company"}
    monthly = company["calls"]  # calls: a stated monthly target
    text = demo.with_name("demo.model.yaml").read_text(encoding="utf-8")
    calls = int(re.search(r"  calls:\n(?:    .*\n)*?    target: (\d+)", text).group(1))  # type: ignore[union-attr]
    total = business_days(date(2026, 5, 1), date(2026, 5, 31))

    def due(day: date) -> int:  # the whole calls due by the end of ``day`` (rounded up)
        return math.ceil(Fraction(calls) * business_days(date(2026, 5, 1), day) / total)

    want = due(date(2026, 5, 10)) - due(date(2026, 5, 3))
    assert business_days(date(2026, 5, 4), date(2026, 5, 10)) == 2
    assert monthly.target == want
    full = facade(store).tracking.status(None, "2026-W21", as_of="2026-05-31")
    w21 = next(r for r in full.rows if r.scope_type == "company" and r.node == "calls")
    assert w21.target == due(date(2026, 5, 24)) - due(date(2026, 5, 17))
    assert w21.target > 2 * monthly.target


def test_first_half_total_equals_the_sum_of_its_months(store: Any) -> None:
    report = facade(store).tracking.status(None, "FY2026-H1", as_of="2026-10-01", by="month")
    company = [
        r for r in report.rows if r.scope_type == "company" and r.node in ("revenue", "calls", "won_deals")
    ]
    for node in ("revenue", "calls", "won_deals"):
        months = [r for r in company if r.node == node and not r.total]
        (total,) = [r for r in company if r.node == node and r.total]
        assert len(months) == 6 and total.period == "FY2026-H1"
        assert total.actual == sum(r.actual for r in months)
        assert total.target == sum(r.target for r in months)


# --- whole counts, one split, check ------------------------------------------------------------------
def test_counts_are_whole_and_the_cli_splits_like_the_page(
    store: Any, demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = demo.with_name("demo.model.yaml")
    admin = find_user(store, "admin")
    plan = facade(store).planning.plan(str(model))
    counts = [nid for nid, n in plan.model.nodes.items() if n.unit.value == "count"]
    for a in plan.allocations:
        if a.node in counts:
            assert a.target.denominator == 1, a
    assert all(plan.values[n].value is None or plan.values[n].value.denominator == 1 for n in counts)
    page, errors = facade(store, admin).planning.live(str(model), {}, {})
    assert errors == {} and page is not None
    cli = {(a.member, a.node): a.target for a in plan.allocations}
    assert cli == {(a.member, a.node): a.target for a in page.allocations}
    capsys.readouterr()
    assert main(["check", str(model)]) == 0
    capsys.readouterr()
    bad = Path(__file__).resolve().parents[2] / "examples" / "seed-004.yaml"
    assert main(["check", str(bad), "--json"]) == 1  # an error finding fails the check
    assert "inconsistent_targets" in json.loads(capsys.readouterr().out)["findings"][0]["code"]
