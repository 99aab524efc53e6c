"""Issue #10 item 6 in the browser: a manager switches the team page to this week, this
quarter, this half and this fiscal year with the period selector, opens the previous half
(FY2026-H1 while the second half runs) and reads the still-needed amounts of the current
month.  The figures are checked against plain SQL on a copy of the server's store, the
half-year against the sum of its months (SQL and the JSON API), and the business days against
an independent count with ``jpholiday`` (the holiday calendar the product uses), weekends and
the model's company holidays.

The server runs on the real clock (Asia/Tokyo); the test reads the page's date from the JSON
API (``as_of``) and checks it is today in Tokyo.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jpholiday
import pytest
import yaml

from rashinban.i18n import t
from rashinban.i18n.format import short_value
from rashinban.i18n.format import value as value_text
from tests.browser.conftest import Live, api_client, login, session_client
from tests.browser.conftest import live_sql as _sql
from tests.browser.conftest import live_team_members as _team_members

pytestmark = pytest.mark.browser

# measures of the demo model that plain SQL selects: (time column, filter, what is summed)
SQL_MEASURES = {
    "revenue": ("closed_at", "is_won", "amount"),
    "won_deals": ("closed_at", "is_won", "1"),
}


# independent oracles -----------------------------------------------------------------------
def _model(live: Live) -> dict[str, Any]:
    path = live.db.with_name(live.db.stem + ".model.yaml")
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _company_holidays(live: Live) -> set[date]:
    return {date.fromisoformat(str(d)) for d in _model(live).get("holidays") or []}


def business_days(start: date, end: date, company: set[date]) -> int:
    """Monday–Friday from ``start`` to ``end``, both included, less Japanese public holidays
    (jpholiday) and the company's own holidays — counted day by day."""
    n, d = 0, start
    while d <= end:
        if d.weekday() < 5 and not jpholiday.is_holiday(d) and d not in company:
            n += 1
        d += timedelta(days=1)
    return n


def span(label: str, fy_start: int) -> tuple[date, date]:
    """First and last day of a month (2026-11), ISO week (2026-W48), fiscal quarter
    (FY2026-Q3), half (FY2026-H1) or fiscal year (FY2026); FY2026 starts in month
    ``fy_start`` of 2026."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        y, mo = int(m[1]), int(m[2])
        return date(y, mo, 1), date(y + mo // 12, mo % 12 + 1, 1) - timedelta(days=1)
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", label):
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return monday, monday + timedelta(days=6)
    m = re.fullmatch(r"FY(\d{4})(?:-([QH])([1-4]))?", label)
    assert m, label
    first, months = 0, 12
    if m[2] == "Q":
        first, months = 3 * (int(m[3]) - 1), 3
    elif m[2] == "H":
        first, months = 6 * (int(m[3]) - 1), 6

    def month_start(k: int) -> date:
        y, mo = divmod(int(m[1]) * 12 + fy_start - 1 + k, 12)
        return date(y, mo + 1, 1)

    return month_start(first), month_start(first + months) - timedelta(days=1)


def actual(
    live: Live, tmp: Path, measure: str, members: list[int], first: date, last: date
) -> dict[int, int]:
    """The measure per owner over [first, last] (owners without rows: 0)."""
    time_col, where, what = SQL_MEASURES[measure]
    rows = _sql(
        live,
        tmp,
        f"SELECT owner_id, SUM({what}) FROM deals WHERE {where} AND {time_col} >= ? AND {time_col} < ?"
        f" AND owner_id IN ({', '.join(str(m) for m in members)}) GROUP BY owner_id",
        datetime.combine(first, datetime.min.time()),
        datetime.combine(last + timedelta(days=1), datetime.min.time()),
    )
    out = dict.fromkeys(members, 0)
    out.update({int(o): int(v) for o, v in rows})
    return out


# page helpers --------------------------------------------------------------------------------
def _full_yen(text: str) -> int:
    """¥16,129,000 (a card's title: the full figure) → 16129000."""
    assert text.startswith("¥"), text
    return int(text[1:].replace(",", ""))


def _switch(page: Any, value: str) -> None:
    """Choose ``value`` in the period selector (it submits itself) and wait for the page."""
    with page.expect_navigation():
        page.get_by_test_id("period-select").select_option(value)
    assert f"period={value}" in page.url
    assert page.get_by_test_id("period-select").input_value() == value


def _api(live: Live, path: str) -> Any:
    with session_client(live, "manager") as client:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return r.json()


def _tokyo_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date()


@pytest.fixture
def team(live: Live) -> int:
    return int(live.users["manager"]["team_id"])  # type: ignore[call-overload]


def _check_page_figures(
    page: Any, live: Live, tmp: Path, team: int, label: str, as_of: date, lang: str = "ja"
) -> tuple[date, date, dict[int, int]]:
    """The KGI card, every ranking row and the business days of the period shown equal SQL
    and the day-by-day count."""
    fy_start = int(_model(live).get("fiscal_year_start", 4))
    first, last = span(label, fy_start)
    members = _team_members(live, tmp, team)
    revenue = actual(live, tmp, "revenue", members, first, last)
    kgi = page.get_by_test_id("kgi-actual")
    assert _full_yen(kgi.get_attribute("title")) == sum(revenue.values()), label
    rows = page.locator("[data-testid=ranking-table] tbody tr[data-member]")
    assert rows.count() > 0
    for i in range(rows.count()):
        row = rows.nth(i)
        member = int(row.get_attribute("data-member"))
        shown = row.locator("td").nth(3).inner_text().strip()
        assert _full_yen(shown) == revenue[member], (label, member)
    company = _company_holidays(live)
    total = business_days(first, last, company)
    left = business_days(max(first, as_of), last, company)  # today included when a business day
    assert page.get_by_test_id("days-left").inner_text().strip() == t(
        "dash.days_left", lang, left=left, total=total
    )
    return first, last, revenue


# tests -----------------------------------------------------------------------------------
def test_team_page_switches_to_week_quarter_half_and_fiscal_year(
    page: Any, live: Live, tmp_path: Path, team: int
) -> None:
    as_of = date.fromisoformat(_api(live, f"/api/teams/{team}")["as_of"])
    assert as_of == _tokyo_today()
    login(page, "manager")
    page.goto(f"/teams/{team}")
    select = page.get_by_test_id("period-select")
    fy_start = int(_model(live).get("fiscal_year_start", 4))
    offered = {
        o.get_attribute("data-kind"): o.get_attribute("value")
        for o in select.locator("option[data-kind]").all()
    }
    # this week, quarter, half and fiscal year hold today; the next month is offered for planning
    for kind in ("week", "quarter", "half", "fiscal_year"):
        first, last = span(offered[kind], fy_start)
        assert first <= as_of <= last, (kind, offered[kind])
    assert span(offered["half"], fy_start)[1] - span(offered["half"], fy_start)[0] > timedelta(days=180)
    assert span(offered["next_month"], fy_start)[0] == span(f"{as_of:%Y-%m}", fy_start)[1] + timedelta(days=1)
    for kind in ("week", "quarter", "half", "fiscal_year"):
        _switch(page, offered[kind])
        _check_page_figures(page, live, tmp_path, team, offered[kind], as_of)
    # and back to a month
    month = f"{as_of:%Y-%m}"
    _switch(page, month)
    _check_page_figures(page, live, tmp_path, team, month, as_of)
    # a period none of the options name (last year's fourth quarter) is shown, and named
    fy = int(offered["fiscal_year"][2:])
    past = f"FY{fy - 1}-Q4"
    page.goto(f"/teams/{team}?period={past}")
    assert select.input_value() == past
    assert select.locator("option:checked").inner_text() == t("dash.period_shown", "ja", label=past)
    _check_page_figures(page, live, tmp_path, team, past, as_of)
    assert page.js_errors == []


def test_previous_half_equals_the_sum_of_its_months(page: Any, live: Live, tmp_path: Path, team: int) -> None:
    """The half before the current one (FY2026-H1 in the second half of FY2026): the page
    names it in the selector, and its KGI, won deals and targets are the sums of its six
    months — in SQL and on the JSON API's month pages."""
    model = _model(live)
    fy_start = int(model.get("fiscal_year_start", 4))
    as_of = date.fromisoformat(_api(live, f"/api/teams/{team}")["as_of"])
    fy = as_of.year if as_of.month >= fy_start else as_of.year - 1
    current_h = 1 if span(f"FY{fy}-H1", fy_start)[0] <= as_of <= span(f"FY{fy}-H1", fy_start)[1] else 2
    label = f"FY{fy}-H1" if current_h == 2 else f"FY{fy - 1}-H2"
    login(page, "manager")
    page.goto(f"/teams/{team}")
    select = page.get_by_test_id("period-select")
    if current_h == 2:  # 上期 is offered beside this half: chosen in the selector
        option = select.locator("option[data-kind=first_half]")
        assert option.get_attribute("value") == label
        assert option.inner_text() == t("dash.period_first_half", "ja", label=label)
        _switch(page, label)
    else:  # last year's 下期 is not offered: opened by its address, the selector names it
        page.goto(f"/teams/{team}?period={label}")
        assert select.input_value() == label
        assert select.locator("option:checked").inner_text() == t("dash.period_shown", "ja", label=label)
    first, last, revenue = _check_page_figures(page, live, tmp_path, team, label, as_of)
    half = _api(live, f"/api/teams/{team}?period={label}")
    assert (half["period"], half["days_left"]) == (label, 0)
    months = []
    y, m = first.year, first.month
    for _ in range(6):
        months.append(f"{y:04d}-{m:02d}")
        y, m = y + m // 12, m % 12 + 1
    assert span(months[-1], fy_start)[1] == last
    per_month = [_api(live, f"/api/teams/{team}?period={mo}") for mo in months]
    members = _team_members(live, tmp_path, team)
    sql_months = [
        sum(actual(live, tmp_path, "revenue", members, *span(mo, fy_start)).values()) for mo in months
    ]
    assert sum(sql_months) == sum(revenue.values()) == half["kgi"]["actual"]
    assert [p["kgi"]["actual"] or 0 for p in per_month] == sql_months
    # targets: the half's is the sum of its months' (the plan shares a period by business days)
    assert half["kgi"]["target"] == pytest.approx(sum(p["kgi"]["target"] for p in per_month), abs=1)
    assert _full_yen(page.get_by_test_id("kgi-target").get_attribute("title")) == round(half["kgi"]["target"])
    won = {k["id"]: k for k in half["kpis"]}.get("won_deals")
    if won is not None:
        assert won["actual"] == sum(actual(live, tmp_path, "won_deals", members, first, last).values())
        by_month = [{k["id"]: k for k in p["kpis"]}["won_deals"] for p in per_month]
        assert won["actual"] == sum(k["actual"] or 0 for k in by_month)
        assert won["target"] == pytest.approx(sum(k["target"] for k in by_month), abs=1e-6)
    # the trend ends with the half's last month
    assert [p["period"] for p in half["trend"]][-6:] == months
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_current_month_shows_business_days_left_and_what_is_still_needed(
    page: Any, live: Live, tmp_path: Path, team: int, lang: str
) -> None:
    """残り○営業日 and, on every card below its target, あと○ (1営業日あたり○): the remaining
    amount is the target less the actual (SQL for revenue and won deals), per business day
    left counting today when it is one (jpholiday)."""
    d = _api(live, f"/api/teams/{team}")
    as_of = date.fromisoformat(d["as_of"])
    assert as_of == _tokyo_today()
    fy_start = int(_model(live).get("fiscal_year_start", 4))
    first, last = span(d["period"], fy_start)
    company = _company_holidays(live)
    left = business_days(as_of, last, company)  # today counts: its actuals are still arriving
    assert (d["business_days"], d["days_left"]) == (business_days(first, last, company), left)
    members = _team_members(live, tmp_path, team)
    login(page, "manager")
    page.goto(f"/lang/{lang}?next=/teams/{team}")  # this session's language
    assert page.evaluate("document.documentElement.lang") == lang
    _check_page_figures(page, live, tmp_path, team, d["period"], as_of, lang)
    label = page.locator("label[for=period-select]").inner_text().strip()
    assert label == t("status.col_period", lang)  # 期間 / Period: not only months are offered
    options = page.get_by_test_id("period-select").locator("option[data-kind]")
    for o in options.all():
        kind, value = o.get_attribute("data-kind"), o.get_attribute("value")
        assert o.inner_text() == t(f"dash.period_{kind}", lang, label=value)
    cards = [d["kgi"], *d["kpis"]]
    checked = 0
    for k in cards:
        if k["target"] is None or k["actual"] is None or k["unit"] == "ratio":
            continue
        if k["id"] in SQL_MEASURES:
            assert k["actual"] == sum(actual(live, tmp_path, k["id"], members, first, last).values())
        remaining = max(Fraction(k["target"]) - Fraction(k["actual"]), Fraction(0))
        assert k["remaining"] == pytest.approx(float(remaining)), k["id"]
        assert k["days_left"] == left
        card = page.locator(
            f"[data-testid=kgi-card][data-node='{k['id']}'], [data-testid=kpi-card][data-node='{k['id']}']"
        )
        text = card.inner_text()
        need = t("status.still_needed", lang, amount=short_value(remaining, k["unit"], lang))
        per_day = remaining / left if left else None
        if remaining > 0:
            assert need in text, (k["id"], text)
            if per_day is not None:
                assert k["per_day"] == pytest.approx(float(per_day))
                amount = value_text(per_day, k["unit"], lang)
                assert t("status.per_day", lang, amount=amount) in text, (k["id"], text)
            else:  # the last business day is over: nothing to divide by
                marker = max(t("status.per_day", lang, amount="\x00").split("\x00"), key=len)
                assert marker not in text  # 1営業日あたり / per business day
            checked += 1
    assert checked > 0, "no card below its target this month"
    assert page.js_errors == []


# access: the period pages refuse what a role may not read, whatever the period ----------------
@pytest.fixture
def viewer(live: Live, tmp_path: Path) -> str:
    """A viewer of the agency team (created once through the admin API)."""
    name = "periods-viewer"
    if name not in live.users:
        agency = _sql(live, tmp_path, "SELECT MIN(id) FROM teams WHERE kind = 'agency'")[0][0]
        with api_client(live) as client:
            r = client.post(
                "/api/admin/users",
                json={"username": name, "password": "periods-viewer-pw", "role": "viewer", "team_id": agency},
            )
            assert r.status_code == 201, r.text
        # the same fields as the users read at start (other tests walk them)
        live.users[name] = {
            "id": r.json().get("id"),
            "username": name,
            "role": "viewer",
            "member_id": None,
            "team_id": agency,
        }
    return name


def test_period_pages_refuse_other_scopes_without_data(
    live: Live, tmp_path: Path, team: int, viewer: str
) -> None:
    """A week, a half and a fiscal year of another branch's team and of a member outside the
    reader's scope: 403/404 for the manager of another branch, the partner, the viewer and a
    rep, naming no team or member and showing no figure of it; the admin reads it (= SQL)."""
    fy_start = int(_model(live).get("fiscal_year_start", 4))
    as_of = date.fromisoformat(_api(live, f"/api/teams/{team}")["as_of"])
    fy = as_of.year if as_of.month >= fy_start else as_of.year - 1
    iso = as_of.isocalendar()
    periods = [f"{iso.year}-W{iso.week:02d}", f"FY{fy}-H1", f"FY{fy}"]
    mine = set(_team_members(live, tmp_path, team))
    rows = _sql(
        live,
        tmp_path,
        "SELECT id, name FROM teams WHERE parent_id IS NOT NULL AND kind = 'in_house' ORDER BY id",
    )
    other = next(t for t, _ in rows if not set(_team_members(live, tmp_path, t)) & mine and t != team)
    other_members = _team_members(live, tmp_path, other)
    assert other_members
    names = [str(r[0]) for r in _sql(live, tmp_path, f"SELECT name FROM teams WHERE id = {other}")]
    names += [
        str(r[0])
        for r in _sql(
            live, tmp_path, f"SELECT name FROM members WHERE id IN ({', '.join(map(str, other_members))})"
        )
    ]
    readers = {"manager": "rashinban-demo", "partner": "rashinban-demo", "rep001": "rashinban-demo"}
    readers[viewer] = "periods-viewer-pw"
    for period in periods:
        first, last = span(period, fy_start)
        revenue = sum(actual(live, tmp_path, "revenue", other_members, first, last).values())
        with session_client(live, "admin") as admin:
            r = admin.get(f"/api/teams/{other}?period={period}")
            assert r.status_code == 200 and r.json()["kgi"]["actual"] == revenue, period
        figure = f"{revenue:,}"
        for username, password in readers.items():
            with session_client(live, username, password) as client:
                for path in (
                    f"/api/teams/{other}?period={period}",
                    f"/teams/{other}?period={period}",
                    f"/api/members/{other_members[0]}?period={period}",
                    f"/members/{other_members[0]}?period={period}",
                ):
                    r = client.get(path)
                    assert r.status_code in (403, 404), (username, path, r.status_code)
                    for name in names:
                        assert name not in r.text, (username, path, name)
                    if revenue >= 1000:
                        assert figure not in r.text, (username, path)
    # a rep reads their own member page for a half
    rep = live.users["rep001"]["member_id"]
    with session_client(live, "rep001") as client:
        r = client.get(f"/api/members/{rep}?period=FY{fy}-H1")
        assert r.status_code == 200 and r.json()["period"] == f"FY{fy}-H1"


def test_teams_list_shows_the_other_half_and_opens_a_team_in_it(
    page: Any, live: Live, tmp_path: Path
) -> None:
    """The teams list offers the same periods; in the fiscal year's other half every in-house
    team's revenue equals SQL over its sub-teams' members, and a team opens in that half."""
    fy_start = int(_model(live).get("fiscal_year_start", 4))
    as_of = date.fromisoformat(_api(live, "/api/teams")["as_of"])
    login(page, "admin")
    page.goto("/teams")
    option = page.get_by_test_id("period-select").locator("option[data-kind$=_half]")
    label = option.get_attribute("value")
    _switch(page, label)
    first, last = span(label, fy_start)
    company = _company_holidays(live)
    left = business_days(max(first, as_of), last, company)  # today included when a business day
    days = t("dash.days_left", "ja", left=left, total=business_days(first, last, company))
    assert page.get_by_test_id("days-left").inner_text().strip() == days
    in_house = [int(r[0]) for r in _sql(live, tmp_path, "SELECT id FROM teams WHERE kind = 'in_house'")]
    checked = 0
    for team in in_house:
        row = page.locator(f"[data-testid=teams-table] tr[data-team='{team}']")
        members = _team_members(live, tmp_path, team)
        revenue = sum(actual(live, tmp_path, "revenue", members, first, last).values()) if members else 0
        assert _full_yen(row.locator("td").nth(3).inner_text().strip()) == revenue, team
        checked += revenue > 0
    assert checked > 0
    with page.expect_navigation():
        page.locator(f"[data-testid=teams-table] tr[data-team='{in_house[0]}'] a").click()
    assert page.get_by_test_id("period-select").input_value() == label
    assert page.js_errors == []
