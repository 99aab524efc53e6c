"""A rep logs a call on a phone-width screen in at most three interactions, and the home
dashboard's 架電数 (calls) card counts it at once."""

from __future__ import annotations

import re

import pytest

from rashinban.i18n import t
from tests.browser.conftest import Live, assert_translated, login, shoot

pytestmark = pytest.mark.browser
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def kpi_card(page, label: str):
    cards = page.get_by_test_id("kpi-card").filter(has_text=label)
    assert cards.count() >= 1, f"no kpi-card for {label} on {page.url}"
    return cards.first


def card_actual(page, label: str) -> float:
    """The actual shown on the KPI card named ``label`` (its kpi-actual element if it has one)."""
    card = kpi_card(page, label)
    value = card.get_by_test_id("kpi-actual")
    text = value.first.inner_text() if value.count() else card.inner_text().replace(label, "", 1)
    m = NUMBER.search(text)
    assert m, f"no number on the {label} card: {text!r}"
    return float(m[0].replace(",", ""))


def test_log_a_call_on_a_phone_and_see_the_dashboard_change(phone, live: Live) -> None:
    page = phone
    login(page, "rep007")  # インサイドセールス: calls are one of the main KPIs on the home page
    label = t("web.nav_home", "ja")
    assert page.get_by_role("link", name=label, exact=True).count() >= 1
    before = card_actual(page, "架電数")

    page.goto("/log")
    assert page.viewport_size == {"width": 375, "height": 812}
    # nothing wider than the phone: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    interactions = 0
    page.get_by_test_id("log-type-call").click()
    interactions += 1
    outcome = page.get_by_test_id("log-outcome-connected")
    outcome.wait_for()
    outcome.click()
    interactions += 1
    saved = page.get_by_test_id("log-saved")
    saved.wait_for()  # the outcome tap saves: type → outcome → saved
    assert interactions <= 3
    assert t("forms.type.call", "ja") in saved.inner_text()
    assert_translated(page)
    shoot(page, "phone_log_saved")

    page.goto("/")
    after = card_actual(page, "架電数")
    assert after == before + 1, f"calls card {before} → {after}"
    shoot(page, "phone_home_after_log")
