"""Issue #16 item 4, a rep's day: rep001 (field sales, a visits target) opens home, logs a visit
with a deal picked by name from the search-as-you-type list, sees today's count, this month's
count and the pace move on the home page, then undoes it and sees them back — at 390 px
(tapping) and 1280 px (keyboard only in the picker).

Every figure is checked against plain SQL on a copy of the live store and business days from
numpy with Japan's public holidays and the company's own."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jpholiday
import numpy as np
import pytest

from rashinban.clock import default_clock
from tests.browser.conftest import Live, assert_translated, login, shoot
from tests.browser.conftest import live_sql as _sql
from tests.browser.test_axe import AXE, BLOCKING, RUN_AXE

pytestmark = pytest.mark.browser


def _holidays(live: Live, tmp: Path, year: int, month: int) -> list[date]:
    rows = _sql(live, tmp, "SELECT value_json FROM app_settings WHERE key = 'company_holidays'")
    company = [date.fromisoformat(d) for d in json.loads(rows[0][0])] if rows and rows[0][0] else []
    return [*(d for d, _ in jpholiday.month_holidays(year, month)), *company]


def _visits(live: Live, tmp: Path, member: int, today: date) -> tuple[int, int]:
    """(today's, this month's) visits of the member, by plain SQL on occurred_at."""
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    row = _sql(
        live,
        tmp,
        "SELECT count(*) FILTER (WHERE CAST(occurred_at AS DATE) = ?), "
        "count(*) FILTER (WHERE occurred_at >= ? AND occurred_at < ?) "
        "FROM activities WHERE member_id = ? AND type = 'visit'",
        today,
        start,
        end,
        member,
    )[0]
    return int(row[0]), int(row[1])


def _shown(page: Any) -> dict[str, float | None]:
    item = page.locator("[data-testid=my-activity-kpi][data-node=visits]")
    item.wait_for()
    out: dict[str, float | None] = {}
    for key in ("today", "actual", "target", "expected", "pace"):
        raw = item.get_attribute(f"data-{key}")
        out[key] = float(raw) if raw not in (None, "", "None") else None
    # the visible figures say the same as the data attributes
    assert item.get_by_test_id("act-today").inner_text().split()[0] == f"{out['today']:,.0f}"
    assert item.get_by_test_id("act-actual").inner_text().split()[0] == f"{out['actual']:,.0f}"
    if out["pace"] is not None:
        assert item.get_by_test_id("act-pace").inner_text() == f"{round(out['pace'] * 100)}%"
    return out


def _fits(page: Any) -> None:
    sw, w = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert sw <= w, f"{page.url} scrolls sideways: {sw} > {w}"


@pytest.mark.parametrize("width", [390, 1280])
def test_rep_logs_and_sees_own_pace_move(browser: object, live: Live, tmp_path: Path, width: int) -> None:
    ctx = browser.new_context(  # type: ignore[attr-defined]
        base_url=live.url, viewport={"width": width, "height": 900}, locale="ja-JP"
    )
    ctx.set_default_timeout(15_000)
    try:
        page = ctx.new_page()
        login(page, "rep001")
        member = int(live.users["rep001"]["member_id"])  # type: ignore[arg-type]
        today = default_clock().today()
        before = _shown(page)
        _fits(page)

        # the block's counts are the activities table's
        sql_today, sql_month = _visits(live, tmp_path, member, today)
        assert (before["today"], before["actual"]) == (sql_today, sql_month)
        # due by today: the target prorated by business days elapsed (numpy, holidays)
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        hol = _holidays(live, tmp_path, start.year, start.month)
        total = int(np.busday_count(start, end, holidays=hol))
        elapsed = int(np.busday_count(start, today + timedelta(days=1), holidays=hol))
        assert before["target"] is not None and before["target"] > 0
        expected = before["target"] * elapsed / total
        assert before["expected"] == pytest.approx(expected)
        if expected:
            assert before["pace"] == pytest.approx(sql_month / expected)

        # log a visit, picking one of the rep's deals by a part of its account's name
        deal, account = _sql(
            live,
            tmp_path,
            "SELECT d.id, a.name FROM deals d JOIN accounts a ON a.id = d.account_id "
            "WHERE d.owner_id = ? AND d.name IS NOT NULL ORDER BY d.created_at DESC, d.id DESC LIMIT 1",
            member,
        )[0]
        mine = {int(r[0]) for r in _sql(live, tmp_path, "SELECT id FROM deals WHERE owner_id = ?", member)}
        query = account.replace("株式会社", "")[:4]
        page.goto("/log")
        page.get_by_test_id("log-type-visit").click()
        page.get_by_test_id("log-outcome-completed").wait_for()
        box = page.get_by_test_id("log-target")
        box.click()
        box.press_sequentially(query, delay=30)
        option = page.locator(f"#log-target-list [role=option][data-id='{deal}']")
        option.wait_for()
        offered = [
            int(x)
            for x in page.locator("#log-target-list [role=option]").evaluate_all(
                "els => els.map(e => e.dataset.id)"
            )
        ]
        assert offered and set(offered) <= mine, "the picker offers only the rep's own deals"
        assert box.get_attribute("aria-expanded") == "true"
        # the open combobox and its listbox pass axe (ARIA combobox pattern)
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
        serious = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
        assert not serious, serious
        if width == 390:
            option.click()  # a tap
        else:  # keyboard only: arrow down to the deal, Enter picks it (and does not submit)
            for _ in range(offered.index(deal) + 1):
                box.press("ArrowDown")
            assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
            box.press("Enter")
        assert page.locator("input[name=deal_id]").input_value() == str(deal)
        assert page.get_by_test_id("log-saved").count() == 0, "Enter in the picker saved nothing"
        assert str(deal) in page.get_by_test_id("log-target-picked").inner_text()
        _fits(page)
        page.get_by_test_id("log-outcome-completed").click()
        saved = page.get_by_test_id("log-saved")
        saved.wait_for()
        assert "訪問" in saved.inner_text() and "実施した" in saved.inner_text()
        assert_translated(page)
        _fits(page)
        shoot(page, f"rep_day_saved_{width}")
        row = _sql(
            live,
            tmp_path,
            "SELECT id, type, outcome, deal_id FROM activities WHERE member_id = ? AND source = 'rashinban' "
            "ORDER BY logged_at DESC, id DESC LIMIT 1",
            member,
        )[0]
        assert row[1:] == ("visit", "completed", deal)
        # the recent list shows it first (by when it happened)
        assert page.get_by_test_id("log-recent-row").first.get_attribute("data-id") == str(row[0])

        # home: today's and this month's counts +1, the pace up
        home = ctx.new_page()
        home.goto("/")
        after = _shown(home)
        assert (after["today"], after["actual"]) == (before["today"] + 1, before["actual"] + 1)
        assert _visits(live, tmp_path, member, today) == (sql_today + 1, sql_month + 1)
        if expected:
            assert after["pace"] == pytest.approx((sql_month + 1) / expected)
            assert after["pace"] > before["pace"]  # type: ignore[operator]
        _fits(home)
        shoot(home, f"rep_day_home_after_{width}")

        # undo from the log page: the row is gone, home is back where it was
        page.get_by_test_id("log-undo").click()
        page.get_by_test_id("log-undone").wait_for()
        gone = _sql(live, tmp_path, "SELECT count(*) FROM activities WHERE id = ?", row[0])
        assert gone == [(0,)]
        home.reload()
        back = _shown(home)
        assert back == before
        assert _visits(live, tmp_path, member, today) == (sql_today, sql_month)
    finally:
        ctx.close()  # type: ignore[attr-defined]
