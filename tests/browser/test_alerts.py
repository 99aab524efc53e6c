"""The alerts inbox on a phone: a rep evaluates nothing, sees the badge, acknowledges one
alert and snoozes another with a date and a reason — HTMX swaps the card in place."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from tests.browser.conftest import Live, api_client, assert_translated, login, shoot


def test_inbox_acknowledge_and_snooze_on_a_phone(live: Live, phone: object) -> None:
    with api_client(live) as api:
        run = api.post("/api/alerts/run")
        assert run.status_code == 200, run.text
        alerts = api.get("/api/alerts", params={"state": "open", "limit": 1000}).json()["alerts"]
        members = Counter(
            a["scope"]["id"] for a in alerts if a["scope"]["type"] == "member" and a["state"] == "open"
        )
        member, count = members.most_common(1)[0]
        assert count >= 2
        username = next(
            u for u, row in live.users.items() if row["member_id"] == member and row["role"] == "member"
        )
        page = phone
        login(page, username, next_path="/alerts")
        page.goto("/alerts")  # type: ignore[attr-defined]
        badge = page.get_by_test_id("nav-alert-count")  # type: ignore[attr-defined]
        assert int(badge.inner_text()) == count
        cards = page.get_by_test_id("alert-card")  # type: ignore[attr-defined]
        assert cards.count() == count
        first, second = cards.nth(0), cards.nth(1)
        first_id, second_id = first.get_attribute("data-alert-id"), second.get_attribute("data-alert-id")
        first.get_by_test_id("alert-ack").click()
        page.locator(f"#alert-{first_id}[data-state='acknowledged']").wait_for()  # type: ignore[attr-defined]
        assert int(badge.inner_text()) == count - 1  # the badge follows (an out-of-band swap)
        second = page.locator(f"#alert-{second_id}")  # type: ignore[attr-defined]
        second.get_by_test_id("alert-snooze-open").click()
        second.get_by_test_id("alert-snooze").click()  # nothing filled in: messages next to the fields
        page.locator(f"#alert-{second_id} [data-testid='error-reason']").wait_for()  # type: ignore[attr-defined]
        second = page.locator(f"#alert-{second_id}")  # type: ignore[attr-defined]
        until = (date.today() + timedelta(days=3)).isoformat()
        second.get_by_test_id("alert-snooze-until").fill(until)
        second.get_by_test_id("alert-snooze-reason").fill("商談準備のため来週対応")
        second.get_by_test_id("alert-snooze").click()
        page.locator(f"#alert-{second_id}[data-state='snoozed']").wait_for()  # type: ignore[attr-defined]
        assert "商談準備のため来週対応" in page.locator(f"#alert-{second_id}").inner_text()  # type: ignore[attr-defined]
        width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        assert width <= 375, "the inbox must not scroll sideways on a phone"
        assert_translated(page)
        shoot(page, "alerts-inbox-phone")
        assert page.js_errors == []  # type: ignore[attr-defined]
        one = api.get(f"/api/alerts/{first_id}").json()["alert"]
        two = api.get(f"/api/alerts/{second_id}").json()["alert"]
        assert (one["state"], one["acknowledged_by"]) == ("acknowledged", username)
        assert (two["state"], two["snoozed_until"], two["snooze_reason"]) == (
            "snoozed",
            until,
            "商談準備のため来週対応",
        )
