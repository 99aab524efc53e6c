"""A partner (営業代行 agency user) sees only the agency: no link to another team, and an edited
URL or API call for another team or member answers 403/404 without its data.

Every URL tried is first checked with the admin (200), so a mistyped route cannot make the
test pass by answering 404 to everyone.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Live, api_client, login, session_client, shoot

pytestmark = pytest.mark.browser

AGENCY = "demo-team-agency"
OTHER_TEAM = "demo-team-east-1"  # 東京第一課
OTHER_TEAM_NAME = "東京第一課"
OTHER_MEMBER = "rep001"  # 高橋 修 of 東京第一課
OTHER_MEMBER_NAME = "高橋 修"
# names of the in-house organisation the partner must never see
FOREIGN_NAMES = (
    "東京第一課",
    "大阪第一課",
    "東日本営業部",
    "西日本営業部",
    "インサイドセールス課",
    "藤田 さくら",
    "松本 修",
)
PAGES = ("/", "/tree", "/teams", "/funnel")


def _foreign_urls(live: Live) -> dict[str, list[str]]:
    team = live.teams[OTHER_TEAM]
    member = live.members[OTHER_MEMBER]
    return {
        "pages": [
            f"/teams/{team}",
            f"/members/{member}",
            f"/?scope=team:{team}",
            f"/funnel?scope=team:{team}",
        ],
        "api": [
            f"/api/teams/{team}",
            f"/api/members/{member}",
            f"/api/home?scope=team:{team}",
            f"/api/tree?scope=team:{team}",
            f"/api/funnel?scope=team:{team}",
        ],
    }


def test_the_urls_tried_exist_for_the_admin(live: Live) -> None:
    urls = _foreign_urls(live)
    with api_client(live) as admin:
        for url in urls["api"]:
            r = admin.get(url)
            assert r.status_code == 200, f"admin GET {url}: {r.status_code} {r.text[:200]}"
    with session_client(live, "admin") as admin:
        for url in urls["pages"]:
            r = admin.get(url)
            assert r.status_code == 200, f"admin GET {url}: {r.status_code}"


def test_partner_has_no_link_to_another_team(page, live: Live) -> None:
    login(page, "partner")
    agency = live.teams[AGENCY]
    other_teams = {tid for ext, tid in live.teams.items() if ext != AGENCY}
    agency_members = {
        u["member_id"] for u in live.users.values() if u["team_id"] == agency and u["member_id"] is not None
    }
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            m = re.search(r"/teams/(\d+)|scope=team:(\d+)", href)
            if m:
                assert int(m[1] or m[2]) not in other_teams, f"{path} links to another team: {href}"
            m = re.search(r"/members/(\d+)|scope=member:(\d+)", href)
            if m:
                assert int(m[1] or m[2]) in agency_members, f"{path} links to a foreign member: {href}"
        body = page.inner_text("body")
        leaked = [name for name in FOREIGN_NAMES if name in body]
        assert not leaked, f"{path} shows {leaked} to the partner"
        shoot(page, f"partner{path.replace('/', '_') or '_home'}")


def test_partner_cannot_reach_another_team_by_url(page, live: Live) -> None:
    login(page, "partner")
    for url in _foreign_urls(live)["pages"]:
        response = page.goto(url)
        assert response is not None
        assert response.status in (403, 404), f"partner GET {url}: {response.status}"
        body = page.inner_text("body")
        assert OTHER_MEMBER_NAME not in body, url
        assert page.get_by_test_id("kpi-card").count() == 0, url
        assert page.get_by_test_id("kgi-card").count() == 0, url
        assert page.get_by_test_id("ranking-table").count() == 0, url
    shoot(page, "partner_forbidden_page")
    # and the partner's own agency opens
    response = page.goto(f"/teams/{live.teams[AGENCY]}")
    assert response is not None
    assert response.status == 200


def test_partner_cannot_reach_another_team_by_api(live: Live) -> None:
    with session_client(live, "partner") as partner:
        for url in _foreign_urls(live)["api"]:
            r = partner.get(url)
            assert r.status_code in (403, 404), f"partner GET {url}: {r.status_code} {r.text[:200]}"
            assert OTHER_MEMBER_NAME not in r.text, url
            assert "actual" not in r.text, f"{url} answered with data: {r.text[:200]}"
        own = partner.get(f"/api/teams/{live.teams[AGENCY]}")
        assert own.status_code == 200, own.text[:200]
        assert OTHER_TEAM_NAME not in own.text


def test_a_forbidden_page_is_a_page(page, live: Live) -> None:
    """An edited URL lands on an error page of the app (layout, navigation, the user's
    language), not on a raw JSON document."""
    login(page, "partner")
    response = page.goto(f"/teams/{live.teams[OTHER_TEAM]}")
    assert response is not None
    assert response.status in (403, 404)
    assert "text/html" in (response.headers.get("content-type") or "")
    assert page.get_by_test_id("current-user").count() == 1
    assert page.locator("html").get_attribute("lang") == "ja"
    shoot(page, "partner_forbidden_html")
