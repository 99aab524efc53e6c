"""Drill-down in the browser (issue #16 item 1): a manager clicks a KPI figure on the team page
and lands on the records behind it — as many as the figure says — then sorts them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import SCREENSHOTS, Live, api_client, signed_in_page

pytestmark = pytest.mark.browser


def test_manager_clicks_a_kpi_figure_to_its_records(browser: object, live: Live) -> None:
    team = live.users["manager"]["team_id"]
    page = signed_in_page(browser, live, "manager")
    try:
        page.goto(f"/teams/{team}")  # type: ignore[attr-defined]
        card = page.locator("[data-testid=kpi-card][data-node=won_deals]")  # type: ignore[attr-defined]
        if card.count() == 0:  # won deals may be the KGI's input rather than a main KPI
            card = page.locator("[data-testid=kpi-card]").first  # type: ignore[attr-defined]
        node = card.get_attribute("data-node")
        with page.expect_navigation():  # type: ignore[attr-defined]
            card.get_by_test_id("drill").click()
        url = urlparse(page.url)  # type: ignore[attr-defined]
        assert url.path == "/records"
        query = parse_qs(url.query)
        assert query["node"] == [node] and query["scope"] == [f"team:{team}"]
        period = query["period"][0]
        with api_client(live) as api:
            tree = api.get("/api/tree", params={"period": period, "scope": f"team:{team}"}).json()
            listed = api.get(
                "/api/records", params={"node": node, "period": period, "scope": f"team:{team}"}
            ).json()
        figure = next(n for n in tree["nodes"] if n["id"] == node)
        summary = page.get_by_test_id("records-summary").inner_text()  # type: ignore[attr-defined]
        shown_total = int(re.sub(r"[^\d]", "", summary.split("·")[0]))
        assert shown_total == listed["total"]
        if listed["agg"] == "count":
            assert shown_total == (figure["actual"] or 0)
        rows = page.get_by_test_id("record-row")  # type: ignore[attr-defined]
        assert rows.count() == min(shown_total, 50)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "records_drill.png"), full_page=True)  # type: ignore[attr-defined]
        if shown_total > 1:  # sorting by a column keeps every row and reorders them
            first = rows.first.inner_text()
            with page.expect_navigation():  # type: ignore[attr-defined]
                page.locator("thead th[aria-sort] a").click()  # type: ignore[attr-defined]
            assert page.locator("thead th[aria-sort]").get_attribute("aria-sort") == "ascending"  # type: ignore[attr-defined]
            assert page.get_by_test_id("record-row").count() == min(shown_total, 50)  # type: ignore[attr-defined]
            assert page.get_by_test_id("record-row").first.inner_text() != first or shown_total == 1  # type: ignore[attr-defined]
    finally:
        page.context.close()  # type: ignore[attr-defined]
