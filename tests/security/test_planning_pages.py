"""The planning page's new ways in — ``/planning?period=…`` (a period's saved revision) and
``/planning/history?page=N`` (the grouped history, a page at a time) — role × scope.

The demo's ``manager`` runs 東日本営業部, ``west`` runs 西日本営業部.  Each saves a plan for next
month through the API; then admin, each manager, a rep, a partner and a viewer open both
pages.  Admins see every save; a manager sees their branch's saves and values only (never the
other department's reason, author, values or members); the others get a 403 that names no
team, member, reason or figure.  What is stored is read back with plain SQL."""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import Client, read_org

EAST_REASON = "東日本の来月計画（攻撃テスト）"
WEST_REASON = "西日本の来月計画（攻撃テスト）"
EAST_KGI, WEST_KGI = 31_660_000, 27_770_000


def _next_period(web: Client) -> str:
    page = web.get("/planning?period=next")
    assert page.status_code == 200, page.text[:300]
    m = re.search(r'<option value="([^"]+)" selected', page.text)
    assert m, "the chosen period is selected"
    return m.group(1)


def _save(web: Client, who: str, kgi: str, reason: str, period: str) -> None:
    web.login(who)
    r = web.post("/api/planning/save", json={"values": {"revenue": kgi}, "reason": reason, "period": period})
    assert r.status_code == 200 and r.json()["saved"] > 0, r.text


def _team(web: Client, name: str) -> int:
    return int(web.sql("SELECT id FROM teams WHERE name = :n", n=name)[0][0])


@pytest.fixture
def saved(web: Client) -> tuple[Client, str]:
    web.login("admin")
    period = _next_period(web)
    _save(web, "manager", "3,166万", EAST_REASON, period)
    _save(web, "west", "¥27,770,000", WEST_REASON, period)
    return web, period


def test_admin_sees_every_save(saved: tuple[Client, str]) -> None:
    web, period = saved
    web.login("admin")
    hist = web.get("/planning/history?page=1")
    assert hist.status_code == 200
    assert EAST_REASON in hist.text and WEST_REASON in hist.text
    page = web.get(f"/planning?period={period}")
    assert page.status_code == 200 and f'value="{period}" selected' in page.text


@pytest.mark.parametrize(
    ("who", "mine", "theirs", "kgi", "other_kgi", "team", "other_team"),
    [
        ("manager", EAST_REASON, WEST_REASON, EAST_KGI, WEST_KGI, "東日本営業部", "西日本営業部"),
        ("west", WEST_REASON, EAST_REASON, WEST_KGI, EAST_KGI, "西日本営業部", "東日本営業部"),
    ],
)
def test_a_manager_sees_only_their_branch(
    saved: tuple[Client, str],
    who: str,
    mine: str,
    theirs: str,
    kgi: int,
    other_kgi: int,
    team: str,
    other_team: str,
) -> None:
    web, period = saved
    org = read_org(web.store)
    other = _team(web, other_team)
    foreign_members = [n for m, n in org.member_names.items() if org.member_team.get(m) in org.subtree(other)]
    stored = web.sql(  # the stored team KGI, by SQL
        "SELECT value FROM targets WHERE scope_type = 'team' AND scope_id = :t AND node = 'revenue' "
        "AND period = :p ORDER BY revision DESC LIMIT 1",
        t=_team(web, team),
        p=period,
    )
    assert int(stored[0][0]) == kgi
    web.login(who)
    for url in (f"/planning?period={period}", "/planning?period=next", "/planning/history?page=1"):
        r = web.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert theirs not in r.text, url  # the other department's reason
        assert f"{other_kgi:,}" not in r.text, url  # …its figures
        assert not [n for n in foreign_members if len(n) > 2 and n in r.text], url  # …its people
    page = web.get(f"/planning?period={period}").text
    assert f'value="{kgi:,}"' in page  # the page opens on the branch's saved revision
    assert mine in page and mine in web.get("/planning/history?page=1").text


@pytest.mark.parametrize("who", [None, "rep001", "partner", "viewer"])
def test_non_planners_get_nothing(saved: tuple[Client, str], who: str | None) -> None:
    web, period = saved
    foreign = read_org(web.store).foreign_names(who) if who else []
    web.login(who)
    for url in (f"/planning?period={period}", "/planning/history?page=1", "/planning/history?page=2"):
        r = web.get(url, follow_redirects=False)
        assert r.status_code in ((401, 303, 302) if who is None else (403,)), (url, r.status_code)
        for secret in (EAST_REASON, WEST_REASON, f"{EAST_KGI:,}", f"{WEST_KGI:,}", "plan-revision", period):
            assert secret not in r.text, (url, secret)
        assert not [n for n in foreign if n in r.text], url


def test_history_pages_cover_every_save_once(web: Client) -> None:
    """No cap: 23 saves make three pages of 10, 10 and 3, newest first, each save once."""
    web.login("admin")
    period = _next_period(web)
    for i in range(23):
        r = web.post(
            "/api/planning/save",
            json={"values": {"revenue": f"{3000 + i}万"}, "reason": f"改訂 {i:02d}", "period": period},
        )
        assert r.status_code == 200, r.text
    count = web.sql("SELECT count(DISTINCT reason) FROM targets WHERE reason LIKE '改訂 %'")[0][0]
    assert count == 23
    seen: list[str] = []
    for page in (1, 2, 3):
        text = web.get(f"/planning/history?page={page}").text
        seen += re.findall(r"改訂 (\d\d)", text)
    assert seen == [f"{i:02d}" for i in reversed(range(23))]
    last = web.get("/planning/history?page=99")  # past the end: the last page
    assert last.status_code == 200 and re.findall(r"改訂 (\d\d)", last.text) == ["02", "01", "00"]
    assert web.get("/planning/history?page=0").status_code == 422
