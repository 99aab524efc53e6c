"""Issue #13 in the browser, in Japanese: a manager runs a weekly team meeting from its agenda
(built from the numbers) to an action item that lands in the owner's list, and holds a 1on1
with a rep.  Stored rows are read back with SQL from a copy of the live DuckDB file (the
server holds the file's lock; the copy carries its write-ahead log)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.browser.conftest import Live, api_client, assert_translated, login, shoot, signed_in_page
from tests.browser.conftest import live_sql as _sql
from tests.reviews.test_agenda import independent_ranking


def _model_of_team(live: Live, tmp: Path, team_id: int) -> dict[str, Any]:
    """The model a team's pages show, with plain SQL: the stored model bound to the team (or
    the nearest team above), else the company's model file next to the store."""
    bound = dict(_sql(live, tmp, "select team_id, model from model_bindings"))
    parent = dict(_sql(live, tmp, "select id, parent_id from teams"))
    team: int | None = team_id
    while team is not None and team not in bound:
        team = parent.get(team)
    if team is None:
        body = live.db.with_name("demo.model.yaml").read_text(encoding="utf-8")
    else:
        body = _sql(
            live, tmp, "select body from kpi_models where name = ? order by version desc limit 1", bound[team]
        )[0][0]
    model: dict[str, Any] = yaml.safe_load(body)
    return model


def _signed_in(browser: object, live: Live, username: str) -> Any:
    """A signed-in page that records uncaught script errors in ``js_errors``."""
    page = signed_in_page(browser, live, username)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def _team_rep(live: Live, tmp: Path, team_id: int, skip: set[str] | None = None) -> str:
    """A demo rep (role member) whose member sits in ``team_id`` or a team under it."""
    subtree = (
        "with recursive sub(id) as (select ?::bigint union all"
        " select t.id from teams t join sub on t.parent_id = sub.id)"
        " select m.id from members m join sub on m.team_id = sub.id"
    )
    in_team = {mid for (mid,) in _sql(live, tmp, subtree, team_id)}
    return next(
        u
        for u, row in sorted(live.users.items())
        if row["role"] == "member" and row["member_id"] in in_team and u not in (skip or set())
    )


def test_weekly_meeting_from_agenda_to_action_items(live: Live, browser: object, tmp_path: Path) -> None:
    manager = live.users["manager"]
    team_id = int(manager["team_id"])  # type: ignore[arg-type]
    rep = _team_rep(live, tmp_path, team_id)
    rep_user = int(live.users[rep]["id"])  # type: ignore[arg-type]
    page = _signed_in(browser, live, "manager")
    try:
        page.goto("/reviews")  # type: ignore[attr-defined]
        page.get_by_test_id("meeting-scope").select_option(f"team:{team_id}")  # type: ignore[attr-defined]
        page.get_by_test_id("meeting-cadence").select_option("weekly")  # type: ignore[attr-defined]
        with page.expect_navigation():  # type: ignore[attr-defined]
            page.get_by_test_id("meeting-create").click()  # type: ignore[attr-defined]
        meeting_id = int(page.url.rsplit("/", 1)[-1].split("#")[0])  # type: ignore[attr-defined]
        assert "週次" in page.get_by_test_id("meeting-title").inner_text()  # type: ignore[attr-defined]

        # the agenda is built from the numbers: one KPI item per off-pace KPI, as stored
        items = page.get_by_test_id("agenda-item")  # type: ignore[attr-defined]
        stored = _sql(
            live,
            tmp_path,
            "select id, kind, title from review_items where meeting_id = ? order by position",
            meeting_id,
        )
        assert items.count() == len(stored) > 0
        kpi_items = page.locator("[data-testid='agenda-item'][data-kind='kpi']")  # type: ignore[attr-defined]
        off_pace = page.get_by_test_id("off-pace-row")  # type: ignore[attr-defined]
        assert kpi_items.count() == off_pace.count() == sum(1 for _, kind, _ in stored if kind == "kpi")
        assert kpi_items.count() > 0, "the demo team should have off-pace KPIs"
        # ... in the order of an independent ranking (gap × elasticity, plain Python on the
        # model file and the tree's numbers as the API gives them)
        with api_client(live) as api:
            tree = api.get("/api/tree", params={"scope": f"team:{team_id}"})
            assert tree.status_code == 200, tree.text
        want = [n for n, _ in independent_ranking(_model_of_team(live, tmp_path, team_id), tree.json())]
        shown = [off_pace.nth(i).get_attribute("data-node") for i in range(off_pace.count())]
        assert shown == want[: len(shown)] and len(shown) == min(len(want), 8)
        (scope_type, scope_id, state, cadence) = _sql(
            live,
            tmp_path,
            "select scope_type, scope_id, state, cadence from review_meetings where id = ?",
            meeting_id,
        )[0]
        assert (scope_type, scope_id, state, cadence) == ("team", team_id, "draft", "weekly")

        # notes and a decision on the first KPI item
        item = kpi_items.nth(0)
        item_id = int(item.get_attribute("data-item-id"))
        item.get_by_test_id("item-notes").fill("新規商談の創出が計画比で遅れている")
        item.get_by_test_id("item-decision").fill("来週までに休眠顧客へ架電する")
        with page.expect_navigation():  # type: ignore[attr-defined]
            item.get_by_test_id("item-save").click()
        saved = page.locator(f"#item-{item_id}")  # type: ignore[attr-defined]
        assert saved.get_by_test_id("item-notes").input_value() == "新規商談の創出が計画比で遅れている"

        # an action item with an owner and a due date
        due = (date.today() + timedelta(days=7)).isoformat()
        form = page.get_by_test_id("action-form")  # type: ignore[attr-defined]
        form.get_by_test_id("action-title").fill("休眠顧客20社へ架電")
        form.get_by_test_id("action-owner").select_option(str(rep_user))
        form.get_by_test_id("action-due").fill(due)
        form.get_by_test_id("action-change").fill("3")
        form.get_by_test_id("action-unit").select_option("pt")
        form.locator("select[name='item_id']").select_option(str(item_id))
        with page.expect_navigation():  # type: ignore[attr-defined]
            form.get_by_test_id("action-submit").click()
        assert page.get_by_test_id("meeting-error").count() == 0  # type: ignore[attr-defined]
        rows = page.get_by_test_id("meeting-actions").get_by_test_id("action-row")  # type: ignore[attr-defined]
        assert rows.count() == 1
        assert "休眠顧客20社へ架電" in rows.nth(0).inner_text()

        # held, then frozen: nothing is editable any more
        with page.expect_navigation():  # type: ignore[attr-defined]
            page.get_by_test_id("meeting-hold").click()  # type: ignore[attr-defined]
        assert page.get_by_test_id("meeting-state").inner_text() == "開催済み"  # type: ignore[attr-defined]
        with page.expect_navigation():  # type: ignore[attr-defined]
            page.get_by_test_id("meeting-freeze").click()  # type: ignore[attr-defined]
        page.get_by_test_id("frozen-note").wait_for()  # type: ignore[attr-defined]
        assert page.get_by_test_id("item-notes").count() == 0  # type: ignore[attr-defined]
        frozen = page.locator(f"#item-{item_id}")  # type: ignore[attr-defined]
        assert "来週までに休眠顧客へ架電する" in frozen.get_by_test_id("item-decision-text").inner_text()
        assert_translated(page)
        shoot(page, "review-meeting-frozen")
        assert page.js_errors == []  # type: ignore[attr-defined]
    finally:
        page.context.close()  # type: ignore[attr-defined]

    state, held_at, frozen_at = _sql(
        live, tmp_path, "select state, held_at, frozen_at from review_meetings where id = ?", meeting_id
    )[0]
    assert state == "frozen" and held_at is not None and frozen_at is not None
    notes, decision = _sql(live, tmp_path, "select notes, decision from review_items where id = ?", item_id)[
        0
    ]
    assert (notes, decision) == ("新規商談の創出が計画比で遅れている", "来週までに休眠顧客へ架電する")
    actions = _sql(
        live,
        tmp_path,
        "select id, title, owner_user_id, due_on, status, item_id, scope_type, scope_id"
        " from action_items where meeting_id = ?",
        meeting_id,
    )
    assert len(actions) == 1
    action_id, title, owner, due_on, status, linked, a_scope_type, a_scope_id = actions[0]
    assert (title, owner, due_on.isoformat(), status, linked) == (
        "休眠顧客20社へ架電",
        rep_user,
        due,
        "open",
        item_id,
    )
    assert (a_scope_type, a_scope_id) == ("team", team_id)

    # the owner finds it in their own action list
    mine = _signed_in(browser, live, rep)
    try:
        mine.goto("/actions")  # type: ignore[attr-defined]
        row = mine.locator(f"[data-testid='inbox-actions'] [data-action-id='{action_id}']")  # type: ignore[attr-defined]
        assert "休眠顧客20社へ架電" in row.inner_text()
        assert due in row.inner_text()
        assert_translated(mine)
        shoot(mine, "review-actions-owner")
        assert mine.js_errors == []
    finally:
        mine.context.close()  # type: ignore[attr-defined]


def test_one_on_one_notes_are_for_the_two(live: Live, browser: object, page: object, tmp_path: Path) -> None:
    manager = live.users["manager"]
    team_id = int(manager["team_id"])  # type: ignore[arg-type]
    rep = _team_rep(live, tmp_path, team_id)
    other = _team_rep(live, tmp_path, team_id, skip={rep})
    member_id = int(live.users[rep]["member_id"])  # type: ignore[arg-type]
    note = "本人の志向: 大型案件を担当したい。提案書の型を一緒に作る"
    mgr = _signed_in(browser, live, "manager")
    try:
        mgr.goto("/one-on-ones")  # type: ignore[attr-defined]
        mgr.get_by_test_id("one-member").select_option(str(member_id))  # type: ignore[attr-defined]
        with mgr.expect_navigation():  # type: ignore[attr-defined]
            mgr.get_by_test_id("one-create").click()  # type: ignore[attr-defined]
        one_id = int(mgr.url.rsplit("/", 1)[-1].split("#")[0])  # type: ignore[attr-defined]
        points = mgr.get_by_test_id("talking-point")  # type: ignore[attr-defined]
        assert points.count() > 0, "a talking list from the member's numbers"
        talking = [points.nth(i).inner_text() for i in range(points.count())]
        mgr.get_by_test_id("one-notes").fill(note)  # type: ignore[attr-defined]
        with mgr.expect_navigation():  # type: ignore[attr-defined]
            mgr.get_by_test_id("one-notes-save").click()  # type: ignore[attr-defined]
        assert mgr.get_by_test_id("one-notes").input_value() == note  # type: ignore[attr-defined]
        assert_translated(mgr)
        assert mgr.js_errors == []
    finally:
        mgr.context.close()  # type: ignore[attr-defined]

    stored = _sql(
        live,
        tmp_path,
        "select manager_user_id, member_id, state, private_notes from one_on_ones where id = ?",
        one_id,
    )
    assert stored == [(manager["id"], member_id, "open", note)]

    # the rep sees their 1on1 with its talking list, and may comment (issue #13: the private
    # notes are visible to the two of them and admins, not to other members)
    login(page, rep, next_path="/one-on-ones")
    page.goto("/one-on-ones")  # type: ignore[attr-defined]
    assert page.get_by_test_id("one-new").count() == 0  # type: ignore[attr-defined]
    page.locator(f"a[href='/one-on-ones/{one_id}']").click()  # type: ignore[attr-defined]
    page.get_by_test_id("one-title").wait_for()  # type: ignore[attr-defined]
    shown = page.get_by_test_id("talking-point")  # type: ignore[attr-defined]
    assert [shown.nth(i).inner_text() for i in range(shown.count())] == talking
    assert page.get_by_test_id("one-notes").count() == 0  # type: ignore[attr-defined]
    assert page.get_by_test_id("one-notes-text").inner_text() == note  # type: ignore[attr-defined]
    page.get_by_test_id("one-comment").fill("提案書のレビューをお願いしたい")  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.get_by_test_id("one-comment-save").click()  # type: ignore[attr-defined]
    assert_translated(page)
    shoot(page, "one-on-one-rep")
    assert page.js_errors == []  # type: ignore[attr-defined]
    assert _sql(live, tmp_path, "select member_comment from one_on_ones where id = ?", one_id) == [
        ("提案書のレビューをお願いしたい",)
    ]

    # another rep of the same team sees neither the 1on1 nor its notes
    peer = _signed_in(browser, live, other)
    try:
        listing = peer.goto("/one-on-ones")  # type: ignore[attr-defined]
        assert listing.status == 200
        assert peer.locator(f"a[href='/one-on-ones/{one_id}']").count() == 0  # type: ignore[attr-defined]
        response = peer.goto(f"/one-on-ones/{one_id}")  # type: ignore[attr-defined]
        assert response.status == 404
        assert note not in peer.inner_text("body")  # type: ignore[attr-defined]
    finally:
        peer.context.close()  # type: ignore[attr-defined]
