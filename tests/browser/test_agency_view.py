"""Client views the agency report (#16 item 2), in a real browser at 1280 and 390 px.

The agency's client (demo user ``client``: a viewer of the agency team) and its partner land
on /agency/{id} from /; its cards show the JSON twin's figures as people read them
(1,000万円 / ¥10.0M), the trend table has a row per month, the PDF and Excel buttons download
the report, nothing of the company's other teams shows, the phone has no sideways scroll and
the English page has no Japanese outside user data (the agency's, the client's and the model's
names).  The client's first screen shows a hand-off acceptance ≤ 100 % (not 要確認) and a
navigation of the agency's report and downloads only; an admin reaches the report from the
teams list and the agency's team page.
"""

from __future__ import annotations

from typing import Any

import pytest

from rashinban.i18n import format as fmt
from rashinban.i18n import t
from tests.browser.conftest import Live, _context, assert_translated, login, session_client, shoot
from tests.browser.test_english import _japanese_left, _store_copy, user_data

pytestmark = pytest.mark.browser
__all__ = ["user_data"]  # the English test's fixture: the store's user-written texts

AGENCY = "demo-team-agency"
IDS = {"appointments", "handoffs", "handoff_rate", "client_win_rate", "client_wins", "calls"}
IDS |= {"connected_calls", "fee", "cost_per_appointment", "cost_per_handoff", "cost_per_win"}
IDS |= {"client_revenue"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _json(live: Live, username: str, url: str) -> Any:
    with session_client(live, username) as client:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        return r.json()


@pytest.fixture(scope="module")
def foreign_teams(live: Live, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The names of the company's own teams (read from a copy: the server holds the file)."""
    import duckdb

    copy = _store_copy(live, tmp_path_factory.mktemp("agency"))
    con = duckdb.connect(str(copy), read_only=True)
    try:
        rows = con.execute("select name from teams where kind <> 'agency'").fetchall()
    finally:
        con.close()
    return [str(n) for (n,) in rows]


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("username", ["client", "partner"])
def test_client_views_the_agency_report(
    browser: Any, live: Live, foreign_teams: list[str], username: str, size: str
) -> None:
    team = live.teams[AGENCY]
    ctx = _context(browser, live, VIEWPORTS[size])
    try:
        page = ctx.new_page()  # type: ignore[attr-defined]
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, username)
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"/agency/{team}"), page.url  # landed on the agency, not the company home
        data = _json(live, username, f"/api/agency/{team}")
        kgi = page.locator("[data-testid=agency-kgi]")
        assert kgi.get_attribute("data-status") == data["kgi"]["status"]
        want = fmt.short_value(data["kgi"]["actual"], "number", "ja")
        assert page.inner_text("[data-testid=agency-kgi-actual]").strip() == want
        cards = page.locator("[data-testid=agency-kpi]")
        shown = {cards.nth(i).get_attribute("data-node") for i in range(cards.count())}
        assert shown == IDS
        for k in data["kpis"]:
            card = page.locator(f"[data-testid=agency-kpi][data-node={k['id']}]")
            text = card.locator("[data-testid=agency-kpi-actual]").inner_text().strip()
            assert text == fmt.short_value(k["actual"], k["unit"], "ja"), k["id"]
            assert card.get_attribute("data-status") == k["status"]
        rows = page.locator("[data-testid=agency-trend] tbody tr")
        assert rows.count() == len(data["trend"]) == 12
        body = page.inner_text("body")
        assert "万円" in body  # money as read: 万円 on the cards
        leaked = [n for n in foreign_teams if n in body]
        assert not leaked, f"the agency page shows {leaked}"
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"sideways scroll at {size}: {width}"
        for fmt_name, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
            link = page.locator(f"[data-testid=agency-{fmt_name}]")
            with page.expect_download() as info:
                link.click()
            path = info.value.path()
            assert path.read_bytes().startswith(magic)
        assert_translated(page)
        assert not errors, errors
        shoot(page, f"agency_{username}_{size}")
    finally:
        ctx.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", VIEWPORTS)
def test_agency_report_in_english(browser: Any, live: Live, user_data: list[str], size: str) -> None:
    team = live.teams[AGENCY]
    ctx = _context(browser, live, VIEWPORTS[size], locale="en-US")
    try:
        page = ctx.new_page()  # type: ignore[attr-defined]
        login(page, "client")
        page.goto(f"/lang/en?next=/agency/{team}")
        page.wait_for_load_state("networkidle")
        assert f"/agency/{team}" in page.url
        assert_translated(page)
        left = _japanese_left(page, user_data)
        assert not left, "Japanese on the English agency page:\n" + "\n".join(left)
        data = _json(live, "client", f"/api/agency/{team}")
        fee = next(k for k in data["kpis"] if k["id"] == "fee")
        card = page.locator("[data-testid=agency-kpi][data-node=fee] [data-testid=agency-kpi-actual]")
        assert card.inner_text().strip() == fmt.short_value(fee["actual"], "yen", "en")
        assert card.inner_text().strip().startswith("¥")
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"sideways scroll at {size}: {width}"
        shoot(page, f"agency_client_en_{size}")
    finally:
        ctx.close()  # type: ignore[attr-defined]


def test_client_first_screen_and_nav(browser: Any, live: Live) -> None:
    """The client's first screen (this month, cut yesterday): hand-off acceptance ≤ 100 % and
    not flagged 要確認; the navigation offers the agency's report and its downloads only, each
    answering (the downloads download)."""
    team = live.teams[AGENCY]
    ctx = _context(browser, live, VIEWPORTS["desktop"])
    try:
        page = ctx.new_page()  # type: ignore[attr-defined]
        login(page, "client")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"/agency/{team}"), page.url
        data = _json(live, "client", f"/api/agency/{team}")
        rate = next(k for k in data["kpis"] if k["id"] == "handoff_rate")
        assert rate["actual"] is not None and rate["actual"] <= 1.0, rate
        card = page.locator("[data-testid=agency-kpi][data-node=handoff_rate]")
        assert card.get_attribute("data-status") not in ("data_issue", None)
        assert "要確認" not in card.inner_text()
        shown = card.locator("[data-testid=agency-kpi-actual]").inner_text().strip()
        assert shown == fmt.short_value(rate["actual"], "ratio", "ja")
        hrefs = page.eval_on_selector_all("nav.nav a", "els => els.map(e => e.getAttribute('href'))")
        base = f"/agency/{team}"
        assert hrefs == [base, f"{base}/report.pdf", f"{base}/report.xlsx"], hrefs
        for href in hrefs[1:]:
            with page.expect_download() as info:
                page.locator(f"nav.nav a[href='{href}']").click()
            assert info.value.path().read_bytes()[:2] in (b"%P", b"PK")
        page.locator(f"nav.nav a[href='{base}']").click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(base) and page.get_by_test_id("agency-name").is_visible()
    finally:
        ctx.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_admin_reaches_the_agency_from_the_teams_list(browser: Any, live: Live, lang: str) -> None:
    """An admin finds the agency report on the teams list (its row's KGI is no yen figure) and
    on the agency's team page, in both languages."""
    team = live.teams[AGENCY]
    ctx = _context(browser, live, VIEWPORTS["desktop"])
    try:
        page = ctx.new_page()  # type: ignore[attr-defined]
        login(page, "admin")
        page.goto(f"/lang/{lang}?next=/teams")
        page.wait_for_load_state("networkidle")
        row = page.locator(f"[data-testid=teams-table] tr[data-team='{team}']")
        cell = row.get_by_test_id("agency-kgi-cell").inner_text()
        assert "ROI" in cell and not any(c in cell for c in ("¥", "円", "万", "億")), cell
        link = row.get_by_test_id("agency-link")
        assert link.inner_text().strip() == t("web.nav_agency", lang)
        link.click()
        page.wait_for_load_state("networkidle")
        assert f"/agency/{team}" in page.url and page.get_by_test_id("agency-kgi").is_visible()
        assert_translated(page)
        page.goto(f"/teams/{team}")
        page.get_by_test_id("agency-link").click()
        page.wait_for_load_state("networkidle")
        assert f"/agency/{team}" in page.url and page.get_by_test_id("agency-kgi").is_visible()
    finally:
        ctx.close()  # type: ignore[attr-defined]
