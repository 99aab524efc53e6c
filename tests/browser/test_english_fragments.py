"""Fragments htmx loads into a page speak the page's language (#16 item 5 follow-up).

A page opened with ``?lang=en`` by a user whose session is Japanese is English; the pieces
htmx loads into it afterwards (the home's bottleneck card and own-activity block, the tree's
waterfall and a node's detail, the log's outcome choices) must be English too.  Each one is
waited for, then the whole page is scanned for Japanese outside user data with the English
suite's scan (``tests/browser/test_english.py``: names read with SQL from a copy of the
store, elements marked ``data-user``)."""

from __future__ import annotations

from typing import Any

import pytest

from rashinban.i18n import t
from tests.browser.conftest import DESKTOP, Live, _context, login
from tests.browser.test_english import _japanese_left, user_data

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}  # the tree is a list of buttons there (htmx, no chart)
__all__ = ["user_data"]  # the scan's fixture, shared with the English suite


def _japanese_session(browser: Any, live: Live, username: str, viewport: dict[str, int] = PHONE) -> Any:
    """A page of a new session of ``username`` whose own language is Japanese."""
    page = _context(browser, live, viewport).new_page()
    login(page, username)
    page.goto("/lang/ja?next=/")
    assert page.evaluate("document.documentElement.lang") == "ja"
    return page


def _english(page: Any, href: str) -> None:
    response = page.goto(href + ("&" if "?" in href else "?") + "lang=en")
    assert response is not None and response.status == 200, href
    assert page.evaluate("document.documentElement.lang") == "en", href


def _scan(page: Any, user_data: list[str], where: str) -> None:
    page.wait_for_load_state("networkidle")
    found = _japanese_left(page, user_data)
    assert not found, f"Japanese in the English page's fragments on {where}:\n    " + "\n    ".join(
        found[:15]
    )


def test_home_fragments_follow_the_pages_language(browser: Any, live: Live, user_data: list[str]) -> None:
    """The bottleneck card (manager) and the own-activity block (rep) load in English on
    /?lang=en while the session is Japanese — and in Japanese on the same session's /."""
    for username in ("manager", "rep001"):
        page = _japanese_session(browser, live, username)
        try:
            card = page.get_by_test_id("bottleneck-card")
            card.wait_for()
            assert t("insights.bottleneck_title", "ja") in card.inner_text()
            _english(page, "/")
            card.wait_for()
            assert t("insights.bottleneck_title", "en") in card.inner_text(), username
            if username == "rep001":
                block = page.get_by_test_id("my-activity")
                block.wait_for()
                assert t("dash.my_activity.title", "en") in block.inner_text()
            _scan(page, user_data, f"/ ({username})")
        finally:
            page.context.close()


def test_tree_fragments_follow_the_pages_language(browser: Any, live: Live, user_data: list[str]) -> None:
    """On /tree?lang=en the waterfall (loaded on load) and a node's detail (loaded on a
    click) are English; the detail opened on the Japanese page is Japanese."""
    page = _japanese_session(browser, live, "manager")
    try:
        _english(page, "/tree")
        page.get_by_test_id("waterfall-card").wait_for()
        nodes = page.get_by_test_id("tree-list").locator("[data-depth] > button")
        assert nodes.count() >= 5
        opened = 0
        for i in (0, 1, nodes.count() - 1):  # the KGI, a KPI below it, the last node
            nodes.nth(i).click()
            body = page.get_by_test_id("node-detail-body")
            body.wait_for()
            page.wait_for_load_state("networkidle")
            assert t("dash.node_trend", "en") in body.inner_text(), i
            _scan(page, user_data, f"/tree node {i}")
            opened += 1
        assert opened == 3
        # the same session's own language is still Japanese: the detail there is Japanese
        page.goto("/tree")
        assert page.evaluate("document.documentElement.lang") == "ja"
        page.get_by_test_id("tree-list").locator("[data-depth] > button").first.click()
        body = page.get_by_test_id("node-detail-body")
        body.wait_for()
        assert t("dash.node_trend", "ja") in body.inner_text(), "the Japanese page's detail"
    finally:
        page.context.close()


def test_log_outcomes_follow_the_pages_language(browser: Any, live: Live, user_data: list[str]) -> None:
    """The log's outcome choices, loaded when a type is picked, are English on /log?lang=en."""
    page = _japanese_session(browser, live, "rep001")
    try:
        _english(page, "/log")
        with page.expect_response(lambda r: "/log/outcomes" in r.url) as info:
            page.get_by_test_id("log-type-call").click()
        assert info.value.status == 200
        assert info.value.request.headers.get("x-rashinban-lang") == "en"
        page.wait_for_load_state("networkidle")
        assert page.locator("#log-outcomes").inner_text().strip()
        _scan(page, user_data, "/log outcomes")
    finally:
        page.context.close()


def test_the_tree_charts_json_follows_the_pages_language(browser: Any, live: Live) -> None:
    """On a desktop the tree is a chart drawn from /api/tree (fetch): on /tree?lang=en of a
    Japanese session it reads the English labels — the same as /api/tree?lang=en — and on
    /tree the Japanese ones."""

    def labels(tree: dict[str, Any]) -> list[str]:
        out: list[str] = []

        def walk(n: Any) -> None:
            if isinstance(n, dict):
                if isinstance(n.get("label"), str):
                    out.append(n["label"])
                for v in n.values():
                    walk(v)
            elif isinstance(n, list):
                for v in n:
                    walk(v)

        walk(tree)
        return out

    page = _japanese_session(browser, live, "manager", DESKTOP)
    try:
        for lang in ("en", "ja"):
            expected = labels(page.request.get(f"/api/tree?lang={lang}").json())
            assert expected and expected != labels(
                page.request.get(f"/api/tree?lang={'ja' if lang == 'en' else 'en'}").json()
            )
            with page.expect_response(lambda r: "/api/tree" in r.url) as info:
                page.goto("/tree?lang=en" if lang == "en" else "/tree")
            assert page.evaluate("document.documentElement.lang") == lang
            assert info.value.request.headers.get("x-rashinban-lang") == lang
            assert labels(info.value.json()) == expected, lang
    finally:
        page.context.close()
