"""Client views the agency report (#16 item 2), in a real browser at 1280 and 390 px.

The agency's client (demo user ``client``: a viewer of the agency team) and its partner land
on /agency/{id} from /; its cards show the JSON twin's figures as people read them
(1,000万円 / ¥10.0M), the trend table has a row per month, the PDF and Excel buttons download
the report, nothing of the company's other teams shows, the phone has no sideways scroll and
the English page has no Japanese outside user data (the agency's, the client's and the model's
names).
"""

from __future__ import annotations

from typing import Any

import pytest

from rashinban.i18n import format as fmt
from tests.browser.conftest import Live, _context, assert_translated, login, session_client, shoot
from tests.browser.test_english import _japanese_left, _store_copy, user_data

pytestmark = pytest.mark.browser
__all__ = ["user_data"]  # the English test's fixture: the store's user-written texts

AGENCY = "demo-team-agency"
IDS = {"appointments", "handoffs", "handoff_rate", "client_win_rate", "client_wins", "calls"}
IDS |= {"connected_calls", "fee", "cost_per_appointment", "cost_per_handoff", "cpa", "client_revenue"}
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
