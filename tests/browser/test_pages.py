"""The main pages at 1280×900 in Japanese: each opens with its agreed parts, shows no raw
catalogue key and no script error, fits the width, and leaves a screenshot in
artifacts/screenshots/page_<name>.png.  The home and KPI-tree shots are copied to
docs/screenshots/ for the README."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    SCREENSHOTS,
    Live,
    api_client,
    assert_translated,
    copy_to_docs,
    signed_in_page,
)

pytestmark = pytest.mark.browser

MAX_DOC_BYTES = 400_000
PAGES = {
    "home": ("/", ("kgi-card", "kgi-actual", "kgi-target", "kpi-card", "period-select")),
    "tree": ("/tree", ("tree-chart",)),
    "team": ("/teams/{team}", ("kpi-card", "ranking-table")),
    "funnel": ("/funnel", ("funnel-table",)),
    "log": ("/log", ("log-type-call", "log-type-email", "log-type-visit", "log-type-web_meeting")),
    "planning": ("/planning", ("plan-kgi-input", "plan-table", "plan-member-table", "plan-save")),
}
DOCS = {"home": "home.png", "tree": "tree.png"}


@pytest.mark.parametrize("name", list(PAGES))
def test_main_page(name: str, browser, live: Live) -> None:
    path, parts = PAGES[name]
    page = signed_in_page(browser, live, "admin")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        response = page.goto(path.format(team=live.teams["demo-team-east"]))
        assert response is not None
        assert response.status == 200
        for testid in parts:
            page.get_by_test_id(testid).first.wait_for()
        if name == "tree":
            page.locator("[data-testid=tree-chart] canvas, [data-testid=tree-chart] svg").first.wait_for()
            page.wait_for_timeout(1500)  # the chart's entry animation
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == "ja"
        assert_translated(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{path} is {width}px wide at 1280"
        assert not errors, f"script errors on {path}: {errors}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"page_{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        if name in DOCS:
            viewport_shot = SCREENSHOTS / f"page_{name}_1280x900.png"
            page.screenshot(path=str(viewport_shot))
            assert viewport_shot.stat().st_size < MAX_DOC_BYTES
            copy_to_docs(viewport_shot, DOCS[name])
    finally:
        page.context.close()


def test_home_shows_what_its_json_twin_says(browser, live: Live) -> None:
    with api_client(live) as admin:
        r = admin.get("/api/home")
        assert r.status_code == 200, r.text[:300]
        data = r.json()
    page = signed_in_page(browser, live, "admin")
    try:
        page.goto("/")
        kpis = page.get_by_test_id("kpi-card")
        kpis.first.wait_for()
        assert kpis.count() == len(data["kpis"])
        assert 3 <= kpis.count() <= 5
        text = page.get_by_test_id("kgi-card").inner_text()
        assert data["kgi"]["name"] in text
        for kpi, card in zip(data["kpis"], kpis.all(), strict=True):
            assert kpi["name"] in card.inner_text()
    finally:
        page.context.close()
