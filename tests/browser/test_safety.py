"""Names with markup or quotes render as text: a team named like a script tag shows its
name literally on the pages that list teams, and nothing of it runs."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Live, api_client, shoot, signed_in_page

pytestmark = pytest.mark.browser

NASTY = "<script>window.__xss=1</script>\"'&<b>太字</b>"


def test_markup_in_a_team_name_is_text(browser, live: Live) -> None:
    with api_client(live) as admin:
        r = admin.post("/api/admin/teams", json={"name": NASTY, "parent_id": live.teams["demo-team-hq"]})
        assert r.status_code == 201, r.text[:300]
    page = signed_in_page(browser, live, "admin")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for path in ("/teams", "/tree", "/admin"):
            response = page.goto(path)
            assert response is not None
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            assert NASTY in page.inner_text("body"), f"{path} does not show the name as text"
            assert page.evaluate("window.__xss") is None, f"script from a team name ran on {path}"
            assert page.locator("b", has_text="太字").count() == 0, f"markup from a team name on {path}"
        assert not dialogs
        shoot(page, "safety_team_name")
    finally:
        page.context.close()
