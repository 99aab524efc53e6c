"""Planning: live reverse calculation, saving targets with a reason, revision history."""

from __future__ import annotations

import re

from rashinban.store import Store
from rashinban.store.targets import history

from .conftest import Web


def test_live_preview_and_field_errors(web: Web) -> None:
    web.login("manager")
    page = web.client.get("/planning")
    assert page.status_code == 200
    for testid in (
        "plan-kgi-input",
        "plan-table",
        "plan-member-table",
        "plan-save",
        "plan-reason",
        "plan-history",
    ):
        assert f'data-testid="{testid}"' in page.text
    r = web.post(
        "/planning/preview", data={"node.revenue": "5000万", "mode": "equal"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "50,000,000" in r.text
    r = web.post(
        "/planning/preview",
        data={"node.revenue": "lots", "node.win_rate": "120%"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    assert re.search(r'id="err-node-0" class="field-error" hx-swap-oob="true">[^<]+</p>', r.text)
    assert re.search(r'id="err-period" class="field-error" hx-swap-oob="true"></p>', r.text)
    api = web.post("/api/planning/preview", json={"values": {"revenue": "6000万"}})
    assert api.status_code == 200 and api.json()["kgi_target"] == 60_000_000
    bad = web.post("/api/planning/preview", json={"values": {"win_rate": "2"}})
    assert bad.status_code == 422 and "node.win_rate" in bad.json()["fields"]


def test_save_creates_revisions_with_author_and_reason(web: Web) -> None:
    web.login("admin")  # the company-level plan (a manager plans their own teams: tests/security)
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    no_reason = web.post(
        "/planning/save", data={"node.revenue": "4000万", "reason": ""}, headers={"HX-Request": "true"}
    )
    assert no_reason.status_code == 422 and 'id="err-reason"' in no_reason.text
    first = web.post("/api/planning/save", json={"values": {"revenue": "4000万"}, "reason": "期初計画"})
    assert first.status_code == 200 and first.json()["saved"] > 0
    r = web.post(
        "/planning/save",
        data={"node.revenue": "4500万", "reason": "上方修正 <script>alert(1)</script>"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and 'data-testid="plan-saved"' in r.text
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text
    model = web.client.app.state.settings.model  # type: ignore[attr-defined]
    from rashinban.app.models import read_model_file as read_model

    revs = [h for h in history(store, read_model(model).name, "revenue") if h.scope_type == "company"]
    latest = revs[0]
    assert latest.author == "admin" and latest.reason and latest.reason.startswith("上方修正")
    assert latest.previous == 40_000_000 and latest.value == 45_000_000
    assert revs[1].value == 40_000_000 and latest.revision == revs[1].revision + 1
    hist = web.client.get("/api/planning").json()["history"]
    row = next(h for h in hist if h["node"] == "revenue" and h["scope_type"] == "company")
    assert (row["old"], row["new"], row["author"]) == (40_000_000, 45_000_000, "admin")
    page = web.client.get("/planning").text
    assert "40,000,000" in page and "45,000,000" in page and "期初計画" in page


def test_members_cannot_see_or_save_plans(web: Web) -> None:
    web.login("rep001")
    assert web.client.get("/planning").status_code == 403
    assert web.client.get("/api/planning").status_code == 403
    assert web.post("/api/planning/preview", json={"values": {}}).status_code == 403
    r = web.post("/api/planning/save", json={"values": {"revenue": "1億"}, "reason": "x"})
    assert r.status_code == 403
    r = web.post(
        "/planning/save", data={"node.revenue": "1億", "reason": "x"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 403
