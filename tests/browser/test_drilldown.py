"""Drill-down everywhere (issue #16 item 1), in the browser at 1280 px and 390 px: a manager
opens a red KPI of their team, lands on the deals behind it — as many as the figure says and
as plain SQL on a copy of the store counts — opens one deal (its stage history as stored) and
from it the customer; the funnel's stage counts open the same number of deals.  No page
scrolls sideways on the phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import Live, api_client, assert_translated, shoot, signed_in_page
from tests.browser.conftest import live_sql as _sql
from tests.browser.conftest import live_team_members as _team_members
from tests.browser.test_axe import _violations
from tests.browser.test_english import _japanese_left, user_data  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

# the deal measures of the demo model whose rows plain SQL can select (metrics/builtin.yaml):
# the time column and the filter of each, counted per owner
DEAL_COUNTS = {
    "won_deals": ("closed_at", "is_won"),
    "lost_deals": ("closed_at", "is_closed and not is_won"),
    "closed_deals": ("closed_at", "is_closed"),
    "deals_created": ("created_at", "true"),
}
VIEWPORTS = {1280: {"width": 1280, "height": 900}, 390: {"width": 390, "height": 844}}


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} scrolls sideways: {width} > {inner}"


@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_manager_drills_from_a_red_kpi_to_a_deal_and_its_customer(
    browser: object, live: Live, tmp_path: Path, width: int
) -> None:
    team = int(live.users["manager"]["team_id"])  # type: ignore[call-overload]
    scope = f"team:{team}"
    page: Any = signed_in_page(browser, live, "manager", VIEWPORTS[width])
    try:
        page.goto(f"/teams/{team}")
        red = page.locator("[data-testid=kpi-card][data-status=at_risk]")
        nodes = [red.nth(i).get_attribute("data-node") for i in range(red.count())]
        assert nodes, "the manager's team shows no red KPI"
        with api_client(live) as api:
            period = api.get(f"/api/teams/{team}").json()["period"]
            listed = {
                n: api.get("/api/records", params={"node": n, "scope": scope, "period": period}).json()
                for n in nodes
            }
            tree = api.get("/api/tree", params={"scope": scope, "period": period}).json()
        node = next(n for n in nodes if listed[n].get("measure") in DEAL_COUNTS)
        measure = listed[node]["measure"]
        with page.expect_navigation():
            page.locator(f"[data-testid=kpi-card][data-node={node}]").get_by_test_id("drill").click()
        url = urlparse(page.url)
        assert url.path == "/records" and parse_qs(url.query)["scope"] == [scope]
        summary = page.get_by_test_id("records-summary").inner_text()
        shown = int(re.sub(r"[^\d]", "", summary.split("·")[0]))
        # the figure, the list and plain SQL agree
        time_col, where = DEAL_COUNTS[measure]
        start, end = listed[node]["start"], listed[node]["end"]
        members = _team_members(live, tmp_path, team)
        by_sql = _sql(
            live,
            tmp_path,
            f"SELECT count(*) FROM deals WHERE ({where}) AND {time_col} >= ?::DATE"
            f" AND {time_col} < ?::DATE + INTERVAL 1 DAY AND owner_id IN ({','.join(map(str, members))})",
            start,
            end,
        )[0][0]
        if measure == node:  # the card's own figure (a derived KPI lists a measure behind it)
            figure = next(n for n in tree["nodes"] if n["id"] == node)["actual"]
            assert shown == figure
        assert shown == listed[node]["total"] == by_sql > 0
        if width == 390:
            _no_sideways_scroll(page)
        # every row names its deal and its customer with links to their pages
        assert page.get_by_test_id("deal-link").count() == min(shown, 50)
        assert page.get_by_test_id("customer-link").count() == min(shown, 50)
        # a deal of the list opens its page: owner, account, the stored stage history
        link = page.get_by_test_id("deal-link").first
        deal = int(link.inner_text())
        with page.expect_navigation():
            link.click()
        assert urlparse(page.url).path == f"/records/deals/{deal}"
        history = _sql(
            live,
            tmp_path,
            "SELECT stage FROM deal_stage_history WHERE deal_id = ? ORDER BY entered_at, id",
            deal,
        )
        rows = page.get_by_test_id("history-row")
        assert rows.count() == len(history) > 0
        owner, account, account_name = _sql(
            live,
            tmp_path,
            "SELECT m.name, d.account_id, a.name FROM deals d JOIN members m ON m.id = d.owner_id"
            " JOIN accounts a ON a.id = d.account_id WHERE d.id = ?",
            deal,
        )[0]
        assert page.get_by_test_id("deal-owner").inner_text().strip() == owner
        assert_translated(page)
        if width == 390:
            _no_sideways_scroll(page)
        shoot(page, f"drill_deal_{width}")
        with page.expect_navigation():
            page.get_by_test_id("deal-account").click()
        assert urlparse(page.url).path == f"/customers/{account}"
        assert page.get_by_test_id("customer-name").inner_text().startswith(account_name)
        assert page.locator(f"[data-testid=customer-deal-row] a[href='/records/deals/{deal}']").count() == 1
        assert_translated(page)
        if width == 390:
            _no_sideways_scroll(page)
        shoot(page, f"drill_customer_{width}")
    finally:
        page.context.close()


def test_funnel_stage_counts_open_the_deals_behind_them(browser: object, live: Live) -> None:
    page: Any = signed_in_page(browser, live, "manager", VIEWPORTS[390])
    try:
        page.goto("/funnel")
        links = page.get_by_test_id("funnel-drill")
        assert links.count() > 0
        with api_client(live) as api:
            team = live.users["manager"]["team_id"]
            funnel = api.get("/api/funnel", params={"scope": f"team:{team}"}).json()
        # the total table's third stage (deals that reached it) — its figure and its list agree
        stage = funnel["total"][2]
        link = page.locator(f"[data-testid=funnel-drill][data-stage='2'][data-period='{funnel['period']}']")
        assert int(re.sub(r"[^\d]", "", link.inner_text())) == stage["count"]
        with page.expect_navigation():
            link.click()
        assert urlparse(page.url).path == "/records/funnel"
        summary = page.get_by_test_id("records-summary").inner_text()
        assert int(re.sub(r"[^\d]", "", summary.split("·")[0])) == stage["count"]
        assert page.get_by_test_id("record-row").count() == min(stage["count"], 50)
        assert_translated(page)
        _no_sideways_scroll(page)
    finally:
        page.context.close()


def test_deal_customer_and_funnel_records_pages_read_in_english_and_pass_axe(
    browser: object,
    live: Live,
    tmp_path: Path,
    user_data: list[str],  # noqa: F811 - test_english's fixture
) -> None:
    team = int(live.users["manager"]["team_id"])  # type: ignore[call-overload]
    members = ",".join(map(str, _team_members(live, tmp_path, team)))
    deal, account = _sql(
        live,
        tmp_path,
        "SELECT d.id, d.account_id FROM deals d WHERE d.owner_id IN (" + members + ") AND d.is_closed"
        " AND EXISTS (SELECT 1 FROM activities a WHERE a.deal_id = d.id)"
        " AND (SELECT count(*) FROM deal_stage_history h WHERE h.deal_id = d.id) >= 4 ORDER BY d.id LIMIT 1",
    )[0]
    paths = (f"/records/deals/{deal}", f"/customers/{account}", f"/records/funnel?stage=1&scope=team:{team}")
    page: Any = signed_in_page(browser, live, "manager")
    try:
        problems: list[str] = []
        for lang in ("ja", "en"):
            for path in paths:
                problems += _violations(page, path, lang)
        assert not problems, "\n".join(problems)
        page.goto("/lang/en?next=/")
        for path in paths:
            assert page.goto(path).status == 200
            assert page.evaluate("document.documentElement.lang") == "en"
            assert_translated(page)
            left = _japanese_left(page, user_data)
            assert not left, (path, left[:10])
        shoot(page, "drill_deal_en")
    finally:
        page.context.close()
