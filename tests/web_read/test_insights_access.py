"""Insights endpoints: every role × in-scope / out-of-scope → 200 / 403 (no data in a refusal),
anonymous 401, unknown 404; writes (define, assign) by permission; pages render."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.web_read.conftest import PERIOD, USERS, Web, org
from tests.web_read.test_access import expected_visible, users_table

READS = [
    "/api/insights/bottleneck?period={p}&scope={s}",
    "/api/insights/explain?period={p}&scope={s}",
    "/api/insights/diagnosis?period={p}&scope={s}",
    "/api/insights/segments?scope={s}",
    "/api/customers/churn?scope={s}",
]


def test_anonymous_gets_401(web: Web) -> None:
    web.login(None)
    for url in [*READS, "/api/experiments", "/api/deals/1/next-actions", "/api/insights/review"]:
        r = web.get(url.format(p=PERIOD, s="company"))
        assert r.status_code == 401, url


@pytest.mark.parametrize("username", USERS)
def test_role_scope_matrix(web: Web, username: str) -> None:
    o = org(web.store)
    user = users_table(web)[username]
    visible = expected_visible(user, o)
    web.login(username)
    teams = [("team", t) for t in sorted(o.parent)][:4]
    members = [("member", m) for m in sorted(o.member_team)][:4]
    every = [("company", 0), *teams, *members]
    inside = sorted(visible)[:2]
    for key in dict.fromkeys([*every, *inside]):
        scope = "company" if key[0] == "company" else f"{key[0]}:{key[1]}"
        code = 200 if key in visible else 403
        urls = READS if key in inside or code == 403 else READS[:1]
        for url in urls:
            r = web.get(url.format(p=PERIOD, s=scope))
            assert r.status_code == code, (username, url, scope, r.text[:200])
            if code == 403:
                body = r.json()
                assert set(body) == {"error", "message", "params"}
    assert web.get(f"/api/insights/bottleneck?period={PERIOD}&scope=team:99999").status_code == 404


def test_no_foreign_scope_in_a_members_explain(web: Web) -> None:
    o = org(web.store)
    web.login("rep001")
    user = users_table(web)["rep001"]
    res = web.json(f"/api/insights/explain?period={PERIOD}&scope=team:{o.member_team[user.member_id]}")
    names = {c["scope"]["name"] for c in res["children"]}
    assert names <= {o.member_names[user.member_id]}


@pytest.mark.parametrize(
    ("username", "code"),
    [("admin", 200), ("manager", 200), ("rep001", 403), ("viewer", 403), ("partner", 403)],
)
def test_define_experiment_by_role(web: Web, username: str, code: int) -> None:
    web.login(username)
    page = web.get("/")
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token
    body = {
        "name": f"スクリプト {username}",
        "kpi": "appointment_rate",
        "target": "script",
        "variants": ["A", "B"],
    }
    r = web.client.post("/api/experiments", json=body, headers={"X-CSRF-Token": token.group(1)})
    assert r.status_code == code, r.text[:200]
    if code == 200:
        assert r.json()["target"] == "script"


def test_next_actions_respects_the_deal_owner_scope(web: Web) -> None:
    o = org(web.store)
    with web.store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, owner_id FROM deals WHERE owner_id IS NOT NULL ORDER BY id")
        ).all()
    web.login("rep001")
    user = users_table(web)["rep001"]
    own = next(int(r.id) for r in rows if r.owner_id == user.member_id)
    other = next(int(r.id) for r in rows if r.owner_id != user.member_id)
    assert web.get(f"/api/deals/{own}/next-actions").status_code == 200
    assert web.get(f"/api/deals/{other}/next-actions").status_code == 403
    assert web.get("/api/deals/999999999/next-actions").status_code == 404
    assert o.member_team


@pytest.mark.parametrize("url", ["/insights", "/insights/segments", "/experiments", "/customers/churn"])
def test_pages_render(web: Web, url: str) -> None:
    web.login("admin")
    r = web.get(f"{url}?period={PERIOD}" if url == "/insights" else url)
    assert r.status_code == 200 and "<h1>" in r.text


def test_bottleneck_card_and_waterfall_fragments(web: Web) -> None:
    web.login("manager")
    card = web.get(f"/insights/bottleneck-card?period={PERIOD}", headers={"HX-Request": "true"})
    assert card.status_code == 200 and 'data-testid="bottleneck-card"' in card.text
    api = web.json(f"/api/insights/bottleneck?period={PERIOD}")
    if api["bottleneck"]:
        assert api["bottleneck"]["text"] in card.text
    fall = web.get(f"/insights/waterfall?period={PERIOD}", headers={"HX-Request": "true"})
    assert fall.status_code == 200
    home = web.get(f"/?period={PERIOD}")
    assert "/insights/bottleneck-card" in home.text
