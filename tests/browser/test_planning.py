"""Planning: a manager raises the KGI, sees the reverse calculation and the per-member split
update live, saves with a reason, and finds the revision (who, when, why, old → new) in the
history — on the page and in its JSON twin."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Live, api_client, assert_translated, login, shoot

pytestmark = pytest.mark.browser

NEW_KGI = "48000000"  # 4,800万円
NEW_VALUE = 48_000_000.0
REASON = "ブラウザテスト: 下期に向けて KGI を引き上げ"


def _cell(page, node: str) -> str:
    return page.locator(f"[data-testid=plan-table] tr[data-node={node}] td.num").first.inner_text()


def test_plan_save_and_revision_history(page, live: Live) -> None:
    login(page, "admin")
    page.goto("/planning")
    kgi = page.get_by_test_id("plan-kgi-input")
    kgi.wait_for()
    page.get_by_test_id("plan-table").wait_for()
    members_before = page.get_by_test_id("plan-member-table").inner_text()
    leads_before = _cell(page, "leads")
    old_kgi = kgi.input_value()
    assert old_kgi and old_kgi != NEW_KGI

    # the reverse calculation follows the input (HTMX preview, no save yet)
    kgi.fill(NEW_KGI)
    page.wait_for_function(
        "([sel, before]) => { const c = document.querySelector(sel); return c && c.innerText !== before; }",
        arg=["[data-testid=plan-table] tr[data-node=leads] td.num", leads_before],
    )
    assert _cell(page, "revenue").replace(",", "").find("4800") >= 0 or "4,800" in _cell(page, "revenue")
    assert page.get_by_test_id("plan-member-table").inner_text() != members_before
    shoot(page, "planning_preview")

    page.get_by_test_id("plan-reason").fill(REASON)
    page.get_by_test_id("plan-save").click()
    saved = page.get_by_test_id("plan-saved")
    saved.wait_for()
    history = page.get_by_test_id("plan-history")
    row = history.get_by_test_id("plan-revision").filter(has_text=REASON).first  # one entry per save
    row.wait_for()
    text = row.inner_text()
    assert "admin" in text or "管理者" in text, text  # who
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text), text  # when
    assert "→" in text, text  # old → new
    assert_translated(page)
    shoot(page, "planning_saved")

    # reloading shows the same revision: it is stored, not only drawn
    page.reload()
    assert page.get_by_test_id("plan-revision").filter(has_text=REASON).count() == 1
    with api_client(live) as admin:
        data = admin.get("/api/planning", params={"limit": 1000}).json()
    revs = [h for h in data["history"] if h.get("reason") == REASON]
    assert revs, "the saved revision is in /api/planning's history"
    kgi_revs = [
        h for h in revs if "revenue" in (h.get("node"), h.get("node_id")) and h.get("new") == NEW_VALUE
    ]
    assert kgi_revs, f"no revision of the KGI to {NEW_KGI}: {revs[:2]}"
    assert all(h.get("author") in ("admin", "管理者") for h in kgi_revs), kgi_revs[0]
