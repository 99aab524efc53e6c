"""Demo data on DuckDB: determinism, referential sanity, calendar, seasonality, users, model.

Every check reads the tables back with DuckDB/pandas and recomputes independently.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import jpholiday
import pandas as pd
import pytest

from rashinban.auth.passwords import verify_password
from rashinban.demo import DemoResult, generate
from rashinban.demo.deals import LOST, STAGES
from rashinban.service import Rashinban
from rashinban.store.db import Store
from tests.demo.conftest import PASSWORD, content_hash, small_config

Demo = tuple[Path, DemoResult]


def read(path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).df()


def table(path: Path, name: str) -> pd.DataFrame:
    return read(path, f"select * from {name} order by id")


def _generate(path: Path, seed: int) -> dict[str, str]:
    store = Store.open(str(path))
    try:
        generate(store, small_config(seed=seed, reps=4, months=2))
        return content_hash(store)
    finally:
        store.dispose()


def test_same_seed_same_rows_other_seed_differs(tmp_path: Path) -> None:
    a = _generate(tmp_path / "a.duckdb", 7)
    b = _generate(tmp_path / "b.duckdb", 7)
    c = _generate(tmp_path / "c.duckdb", 8)
    assert a == b
    facts = ("leads", "deals", "activities", "deal_stage_history", "accounts", "members")
    assert all(a[t] != c[t] for t in facts)


def test_row_counts_and_volumes(demo_db: Demo) -> None:
    path, result = demo_db
    for name, count in result.rows.items():
        assert len(table(path, name)) == count, name
    rows = result.rows
    assert rows["members"] == 8 + 2  # reps and two department heads
    assert rows["leads"] > 3000 and rows["deals"] > 500 and rows["activities"] > 15_000
    assert rows["spend"] == 12 * 6  # channel × month
    assert rows["contracts"] > 50 and rows["surveys"] > 100


def test_every_fact_is_demo_with_stable_unique_external_ids(demo_db: Demo) -> None:
    path, _ = demo_db
    for name, prefix in (
        ("teams", "demo-team-"),
        ("leads", "demo-lead-"),
        ("deals", "demo-deal-"),
        ("activities", "demo-act-"),
        ("contracts", "demo-contract-"),
        ("spend", "demo-spend-"),
    ):
        df = read(path, f"select source, external_id from {name}")
        assert (df.source == "demo").all()
        assert df.external_id.is_unique
        assert df.external_id.str.startswith(prefix).all(), name


def test_organisation(demo_db: Demo) -> None:
    path, _ = demo_db
    teams = table(path, "teams")
    ids = set(teams.id)
    assert teams.parent_id.isna().sum() == 1  # one root: 営業本部
    assert set(teams.parent_id.dropna().astype(int)) <= ids
    assert {"営業本部", "東日本営業部", "インサイドセールス部", "カスタマーサクセス部"} <= set(teams.name)
    agency = teams[teams.kind == "agency"]
    assert len(agency) == 1 and agency.client.iloc[0]
    members = table(path, "members")
    assert set(members.team_id) <= ids
    assert members.external_id.str.match(r"^(rep\d{3}|mgr\d{2})$").all()
    assert members.name.str.contains(" ").all()  # 姓 名
    agency_reps = members[members.team_id == agency.id.iloc[0]]
    assert len(agency_reps) >= 1
    assert {"field_sales", "inside_sales", "cs", "manager"} == set(members.role)


def test_deals_reference_members_leads_accounts_products(demo_db: Demo) -> None:
    path, _ = demo_db
    deals = table(path, "deals")
    members = set(table(path, "members").id)
    assert deals.owner_id.isin(members).all()
    assert deals.lead_id.isin(set(table(path, "leads").id)).all()
    assert deals.account_id.isin(set(table(path, "accounts").id)).all()
    assert deals.product_id.isin(set(table(path, "products").id)).all()
    field = set(table(path, "members").query("role == 'field_sales'").id)
    assert deals.owner_id.isin(field).all()


def test_won_and_lost_deals(demo_db: Demo) -> None:
    path, result = demo_db
    deals = table(path, "deals")
    won = deals[deals.is_won]
    assert len(won) > 50
    assert won.closed_at.notna().all() and won.is_closed.all() and (won.amount > 0).all()
    assert (won.stage == "受注").all()
    lost = deals[deals.is_closed & ~deals.is_won]
    assert (lost.stage == LOST).all() and lost.lost_reason.notna().all()
    assert {"価格", "競合", "時期尚早", "予算なし"} <= set(lost.lost_reason)
    open_ = deals[~deals.is_closed]
    assert open_.closed_at.isna().all() and open_.lost_reason.isna().all()
    assert set(open_.stage) <= set(STAGES[:-1])
    assert (deals.closed_at.dropna() <= result.config.cutoff).all()
    closed = deals[deals.is_closed]
    assert (closed.created_at < closed.closed_at).all()
    rate = len(won) / deals.is_closed.sum()
    assert 0.1 < rate < 0.4


def test_stage_history_is_consistent_with_the_final_stage(demo_db: Demo) -> None:
    path, _ = demo_db
    deals = table(path, "deals").set_index("id")
    hist = read(
        path, "select deal_id, stage, entered_at, amount from deal_stage_history order by deal_id, id"
    )
    order = {s: i for i, s in enumerate([*STAGES, LOST])}
    for deal_id, rows in hist.groupby("deal_id"):
        stages = list(rows.stage)
        ranks = [order[s] for s in stages]
        funnel = [r for r in ranks if r < len(STAGES)]
        assert funnel == list(range(len(funnel))), (deal_id, stages)  # リード獲得 → … in order, no gaps
        assert rows.entered_at.is_monotonic_increasing
        assert stages[-1] == deals.at[deal_id, "stage"]
        assert rows.entered_at.iloc[0] == deals.at[deal_id, "created_at"]
        if deals.at[deal_id, "is_closed"]:
            assert rows.entered_at.iloc[-1] == deals.at[deal_id, "closed_at"]
    assert set(hist.deal_id) == set(deals.index)


def test_leads_move_new_mql_sql_converted(demo_db: Demo) -> None:
    path, _ = demo_db
    leads = table(path, "leads")
    assert set(leads.channel) == {"web", "seminar", "referral", "outbound", "ad", "partner"}
    assert set(leads.status) == {"new", "mql", "sql", "disqualified", "converted"}
    has = leads.notna()
    assert (leads.mql_at.dropna() >= leads.created_at[has.mql_at]).all()
    assert (leads.sql_at.dropna() >= leads.mql_at[has.sql_at]).all()
    assert has.mql_at[has.sql_at].all()  # no SQL without MQL
    conv = leads[leads.status == "converted"]
    assert conv.converted_deal_id.notna().all() and (conv.converted_at >= conv.sql_at).all()
    deals = table(path, "deals").set_index("id")
    assert (deals.loc[conv.converted_deal_id.astype(int), "lead_id"].to_numpy() == conv.id.to_numpy()).all()
    assert (leads[leads.status == "disqualified"].disqualified_at.notna()).all()
    assert not leads[~leads.valid.astype(bool)].mql_at.notna().any()  # invalid leads never become MQL


def _is_business_day(d: date) -> bool:
    year_end = (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)
    return d.weekday() < 5 and not jpholiday.is_holiday(d) and not year_end


def test_activities_on_business_days_with_entry_lag(demo_db: Demo) -> None:
    path, result = demo_db
    acts = table(path, "activities")
    days = acts.occurred_at.dt.date.unique()
    assert all(_is_business_day(d) for d in days)
    assert (acts.logged_at >= acts.occurred_at).all()
    lag = (acts.logged_at - acts.occurred_at).dt.total_seconds() / 3600
    assert lag.median() < 2  # most within hours …
    assert (lag > 24).mean() > 0.03  # … and a tail of days
    assert acts.occurred_at.min() >= pd.Timestamp(result.config.start)
    assert acts.logged_at.max() <= result.config.cutoff
    # some reps log late by habit: far more of their entries come days later
    per_rep = (lag > 24).groupby(acts.member_id).mean()
    assert per_rep.max() > 3 * per_rep.min()
    outcomes = acts.groupby("type").outcome.agg(set).to_dict()
    assert outcomes["call"] == {"connected", "no_answer", "appointment"}
    assert outcomes["email"] == {"sent", "opened", "replied"}
    assert {"visit", "web_meeting"} <= set(outcomes)
    members = set(table(path, "members").id)
    assert acts.member_id.isin(members).all()
    assert acts.deal_id.dropna().isin(set(table(path, "deals").id)).all()
    assert acts.lead_id.dropna().isin(set(table(path, "leads").id)).all()


def test_skill_drives_contact_rate(demo_db: Demo) -> None:
    path, _ = demo_db
    calls = read(
        path,
        """
        select a.member_id, avg(case when outcome in ('connected','appointment') then 1 else 0 end) rate,
               count(*) n
        from activities a where type = 'call' group by 1 having count(*) > 200""",
    )
    assert calls.rate.max() - calls.rate.min() > 0.05


def test_march_is_the_peak_of_the_fiscal_year(demo_db: Demo) -> None:
    path, _ = demo_db
    for sql in (
        "select date_trunc('month', occurred_at) m, count(*) n from activities group by 1",
        "select date_trunc('month', created_at) m, count(*) n from leads group by 1",
        "select date_trunc('month', closed_at) m, count(*) n from deals where is_won group by 1",
    ):
        monthly = read(path, sql).set_index("m").n.astype(float)
        monthly = monthly[monthly.index >= pd.Timestamp("2025-05-01")]
        assert len(monthly) == 12
        march = monthly[pd.Timestamp("2026-03-01")]
        assert march > monthly.mean(), sql
        assert monthly[pd.Timestamp("2025-08-01")] < march


def test_contracts_and_surveys(demo_db: Demo) -> None:
    path, result = demo_db
    c = table(path, "contracts")
    assert set(c.status) == {"active", "churned", "renewed"}
    assert (c.start_on <= c.end_on).all() and (c.mrr > 0).all()
    assert c[c.status == "churned"].churned_on.notna().all()
    assert c[c.status != "churned"].churned_on.isna().all()
    won = table(path, "deals").query("is_won").id
    assert c.deal_id.dropna().isin(set(won)).all()
    s = table(path, "surveys")
    nps, csat = s[s.kind == "nps"].score, s[s.kind == "csat"].score
    assert nps.between(0, 10).all() and csat.between(1, 5).all() and len(nps) > 20
    assert (s.answered_at <= result.config.cutoff).all()


def test_spend_per_channel_and_month(demo_db: Demo) -> None:
    path, _ = demo_db
    spend = table(path, "spend")
    assert (spend.amount > 0).all()
    assert spend.groupby("period_start").channel.nunique().eq(6).all()
    assert (spend.period_end > spend.period_start).all()


def test_login_users(demo_db: Demo) -> None:
    path, _ = demo_db
    users = table(path, "users").set_index("username")
    teams = table(path, "teams").set_index("id")
    members = table(path, "members").set_index("id")
    assert users.at["admin", "role"] == "admin"
    assert users.at["manager", "role"] == "manager"
    assert teams.at[int(users.at["manager", "team_id"]), "name"] == "東日本営業部"
    assert users.at["partner", "role"] == "partner"
    assert teams.at[int(users.at["partner", "team_id"]), "kind"] == "agency"
    # the agency's client: a read-only viewer of the same agency team (#16 item 2)
    assert users.at["client", "role"] == "viewer"
    assert users.at["client", "team_id"] == users.at["partner", "team_id"]
    # no language chosen for them: the first sign-in takes the browser's (#16 item 5)
    assert users["locale"].isna().all()
    reps = users[users.role == "member"]
    assert len(reps) == 8
    for username, row in reps.iterrows():
        assert members.at[int(row.member_id), "external_id"] == username
    # one printed password, but each user's hash has its own salt: all distinct, each verifies
    assert users.password_hash.nunique() == len(users)
    for username, hashed in users.password_hash.items():
        assert verify_password(PASSWORD, hashed), username
    assert not verify_password("wrong", users.at["admin", "password_hash"])


def test_model_file_plans_and_checks_without_errors(demo_db: Demo) -> None:
    path, result = demo_db
    assert result.model_path is not None and result.model_path.exists()
    with Rashinban.for_cli(str(path), lang="en") as svc:
        model, findings = svc.planning.check(result.model_path)
        plan = svc.planning.plan(result.model_path)
    assert [f.code for f in findings if f.severity.value == "error"] == []
    assert not [f for f in plan.findings if f.severity.value == "error"]
    field = set(table(path, "members").query("role == 'field_sales'").external_id)
    assert {m.name for m in model.members} == field
    measures = {n.measure for n in model.nodes.values() if n.measure}
    assert {"revenue", "won_deals", "deals_created", "leads", "calls", "appointments", "visits"} <= measures
    # the target is in the range of what the data shows (trailing months + 10%)
    revenue = read(path, "select sum(amount) s from deals where is_won and closed_at >= '2026-02-01'").s[0]
    monthly = float(revenue) / 3
    assert 0.8 * monthly < float(model.nodes["revenue"].target or 0) < 1.6 * monthly


def test_current_month_stops_yesterday() -> None:
    from rashinban.demo.config import DemoConfig

    now = datetime(2026, 11, 23, 10, 30)
    cfg = DemoConfig.build(now=now)
    assert (cfg.end_year, cfg.end_month) == (2026, 11)
    assert cfg.cutoff == datetime(2026, 11, 22, 23, 59, 59)
    assert cfg.start == date(2025, 12, 1)
    past = DemoConfig.build(end_month="2026-03", now=now)
    assert past.cutoff == datetime(2026, 3, 31, 23, 59, 59)
    assert past.cutoff - timedelta(days=365) < datetime.combine(past.start, datetime.min.time())


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reps": 2}, "demo_bad_reps"),
        ({"months": 0}, "demo_bad_months"),
        ({"scale": "huge"}, "demo_bad_scale"),
        ({"end_month": "2026-13"}, "demo_bad_end_month"),
        ({"seed": -1}, "demo_bad_seed"),
        ({"password": ""}, "demo_empty_password"),
        ({"end_month": "2099-01"}, "demo_future_end_month"),
    ],
)
def test_bad_settings_are_usage_errors(kwargs: dict[str, object], code: str) -> None:
    from rashinban.demo.config import DemoConfig
    from rashinban.errors import UsageError

    with pytest.raises(UsageError) as e:
        DemoConfig.build(**kwargs)  # type: ignore[arg-type]
    assert e.value.code == code
    assert "{" not in str(e.value)  # the message is in the catalogue


def test_a_month_just_begun_gives_tiny_chunks_without_errors(tmp_path: Path) -> None:
    """On 3 November the current month has one business day: chunks with no deals at all."""
    from rashinban.demo.config import DemoConfig

    cfg = DemoConfig.build(reps=5, months=2, now=datetime(2026, 11, 3, 9, 0), seed=2)
    store = Store.open(str(tmp_path / "t.duckdb"))
    try:
        result = generate(store, cfg, model_out=tmp_path / "t.model.yaml")
    finally:
        store.dispose()
    acts = table(tmp_path / "t.duckdb", "activities")
    assert acts.logged_at.max() <= datetime(2026, 11, 2, 23, 59, 59)
    assert result.rows["leads"] > 0
    with Rashinban.for_cli(str(tmp_path / "t.duckdb"), lang="en") as svc:
        _, findings = svc.planning.check(tmp_path / "t.model.yaml")
    assert not [f for f in findings if f.severity.value == "error"]


def test_ab_test_on_the_first_email(demo_db: Demo) -> None:
    path, result = demo_db
    exp = table(path, "experiments")
    assert set(exp.experiment) == {"初回メール件名テスト"} and set(exp.unit_type) == {"lead"}
    assert 0.4 < (exp.variant == "B").mean() < 0.6
    leads = table(path, "leads").set_index("id").loc[exp.unit_id]
    assert set(leads.channel) <= {"web", "seminar", "ad"}
    assert (leads.created_at.to_numpy() == exp.assigned_at.to_numpy()).all()
    assert exp.assigned_at.min() >= pd.Timestamp(result.config.cutoff) - pd.Timedelta(days=180)
