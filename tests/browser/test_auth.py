"""Sign in / out, a wrong password, and the Japanese/English switch in a real browser."""

from __future__ import annotations

import pytest

from rashinban.i18n import t
from tests.browser.conftest import Live, assert_translated, login, shoot

pytestmark = pytest.mark.browser


def test_login_and_logout(page, live: Live) -> None:
    response = page.goto("/")
    assert "/login" in page.url, "an anonymous visitor is sent to the login page"
    assert response is not None
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "ja"  # Japanese browser → Japanese
    login(page, "rep001")
    assert page.url.rstrip("/") == live.url
    who = page.get_by_test_id("current-user").inner_text()
    assert "高橋 修" in who
    assert t("web.role_member", "ja") in who
    cookie = next(c for c in page.context.cookies() if c["name"] == "rashinban_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert_translated(page)
    with page.expect_navigation():
        page.get_by_role("button", name=t("web.logout", "ja")).click()
    assert "/login" in page.url
    assert page.get_by_test_id("current-user").count() == 0
    page.goto("/")
    assert "/login" in page.url, "after logout the pages need a sign-in again"


def test_wrong_password_shows_the_error(page, live: Live) -> None:
    page.goto("/login")
    page.fill("#username", "rep002")
    page.fill("#password", "not-the-password")
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as info:
        page.click("form[action='/login'] button[type=submit]")
    assert info.value.status == 401
    error = page.get_by_test_id("login-error")
    error.wait_for()
    assert error.inner_text().strip() == t("auth.bad_login", "ja")
    assert page.get_by_test_id("current-user").count() == 0
    assert page.input_value("#username") == "rep002", "the user name is kept for a second try"
    # a right password after a wrong one still works (one failure is far from the limit)
    login(page, "rep002")
    assert "高橋 蓮" in page.get_by_test_id("current-user").inner_text()


def test_language_switch(page, live: Live) -> None:
    login(page, "manager")
    nav = page.get_by_role("navigation")
    assert nav.get_by_role("link", name=t("web.nav_home", "ja"), exact=True).count() == 1
    assert t("web.role_manager", "ja") in page.get_by_test_id("current-user").inner_text()
    assert_translated(page)

    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    for key in ("nav_home", "nav_tree", "nav_teams", "nav_funnel", "nav_log", "nav_planning"):
        assert nav.get_by_role("link", name=t(f"web.{key}", "en"), exact=True).count() == 1, key
    assert t("web.role_manager", "en") in page.get_by_test_id("current-user").inner_text()
    assert page.get_by_role("button", name=t("web.logout", "en")).count() == 1
    assert_translated(page)
    nav_text = nav.inner_text()
    assert t("web.nav_planning", "ja") not in nav_text
    assert t("web.nav_home", "ja") not in nav_text

    # the choice sticks for the session: other pages come in English too
    page.goto("/tree")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_translated(page)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_translated(page)
    shoot(page, "lang_en_home")

    with page.expect_navigation():
        page.get_by_role("link", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert nav.get_by_role("link", name=t("web.nav_planning", "ja"), exact=True).count() == 1
