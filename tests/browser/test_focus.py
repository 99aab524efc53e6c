"""Keyboard users (#16 item 7): the skip link is the first thing Tab reaches and Enter moves
focus to the page's main content; after an htmx save or a drill-down, focus is on the result
(rashinban/web/static/a11y.js), not lost on the body."""

from __future__ import annotations

import pytest

from rashinban.i18n import t
from tests.browser.conftest import Live, signed_in_page

pytestmark = pytest.mark.browser

ACTIVE = """() => {
  const a = document.activeElement;
  return {tag: a ? a.tagName.toLowerCase() : null, id: a ? a.id : null,
          testid: a ? a.getAttribute('data-testid') : null, text: a ? a.innerText : null};
}"""


def _active_inside(page: object, selector: str) -> bool:
    return bool(
        page.evaluate(  # type: ignore[attr-defined]
            "(sel) => { const box = document.querySelector(sel); const a = document.activeElement;"
            " return !!box && !!a && a !== document.body && box.contains(a); }",
            selector,
        )
    )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_first_tab_reaches_the_skip_link_and_enter_moves_to_main(browser, live: Live, lang: str) -> None:
    page = signed_in_page(browser, live, "admin")
    try:
        page.goto(f"/?lang={lang}")
        page.wait_for_load_state("networkidle")
        page.keyboard.press("Tab")
        first = page.evaluate(ACTIVE)
        assert first["testid"] == "skip-link", first
        assert first["text"].strip() == t("web.skip_to_content", lang)
        assert page.get_by_test_id("skip-link").is_visible()  # shown while it has focus
        page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
        assert page.evaluate(ACTIVE)["tag"] == "main"
        # the next Tab continues inside the main content, not back in the navigation
        page.keyboard.press("Tab")
        assert _active_inside(page, "main")
    finally:
        page.context.close()


def test_focus_moves_to_the_saved_message_after_logging_an_activity(browser, live: Live) -> None:
    page = signed_in_page(browser, live, "rep007")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/log")
        page.get_by_test_id("log-type-call").click()
        outcome = page.get_by_test_id("log-outcome-connected")
        outcome.wait_for()
        outcome.click()  # the htmx save replaces the form, which held focus
        saved = page.get_by_test_id("log-saved")
        saved.wait_for()
        page.wait_for_function("document.activeElement && document.activeElement !== document.body")
        assert _active_inside(page, "#log-box"), page.evaluate(ACTIVE)
        assert page.evaluate(ACTIVE)["testid"] == "log-saved"
        assert not errors, errors
    finally:
        page.context.close()


def test_focus_moves_to_the_detail_after_a_tree_drill_down(browser, live: Live) -> None:
    page = signed_in_page(browser, live, "admin")
    try:
        page.goto("/tree")
        button = page.locator("[data-testid=node-button][data-node=revenue]")
        button.focus()
        page.keyboard.press("Enter")
        page.locator("[data-testid=node-detail-body][data-node=revenue]").wait_for()
        page.wait_for_function("document.querySelector('#node-detail').contains(document.activeElement)")
        assert _active_inside(page, "#node-detail"), page.evaluate(ACTIVE)
    finally:
        page.context.close()
