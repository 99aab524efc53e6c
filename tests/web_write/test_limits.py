"""Documented limits (kpi/limits.py) and error answers: a number or a period beyond them is a
clear 4xx (exit 2 on the command line) that writes nothing; a page answers with the app's
error page in the reader's language; an idempotency key reused for another activity is 409."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.store import Store
from tests.web_write.conftest import Web


def _targets(web: Web) -> int:
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT COUNT(*) FROM targets")).scalar_one())


@pytest.mark.parametrize("value", ["1e20", "1e400", "10000000000000000000000万", "1000兆"])
def test_a_huge_target_is_a_field_error(web: Web, value: str) -> None:
    web.login("admin")
    before = _targets(web)
    r = web.post("/api/planning/save", json={"values": {"revenue": value}, "reason": "x"})
    assert r.status_code == 422, r.text
    assert r.json()["codes"]["node.revenue"] == "too_large"
    assert _targets(web) == before


@pytest.mark.parametrize("period", ["1900-01..2100-12", "1990-01..2026-12", "0001-01", "2016-01..2026-12"])
def test_a_period_beyond_the_limits_is_refused(web: Web, period: str) -> None:
    web.login("admin")
    before = _targets(web)
    r = web.post(
        "/api/planning/save", json={"values": {"revenue": "4000万"}, "reason": "x", "period": period}
    )
    assert r.status_code == 422 and r.json()["codes"]["period"] == "bad_period"
    assert _targets(web) == before


def test_one_save_writes_a_bounded_number_of_targets(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from rashinban.app import planning

    web.login("admin")
    ok = web.post("/api/planning/save", json={"values": {"revenue": "4000万"}, "reason": "x"})
    assert ok.status_code == 200
    written = ok.json()["saved"]
    monkeypatch.setattr(planning, "MAX_TARGET_ROWS", 10)  # the real limit is 100,000
    before = _targets(web)
    r = web.post("/api/planning/save", json={"values": {"revenue": "5000万"}, "reason": "y"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "too_many_targets" and body["params"]["max"] == 10
    assert body["params"]["count"] >= written > 10
    assert _targets(web) == before


@pytest.mark.parametrize(
    ("lang", "title", "words"),
    [
        ("ja", "このアドレスは読めません", "ページが読めない値"),
        ("en", "Cannot read this address", "holds a value"),
    ],
)
def test_pages_answer_bad_addresses_with_the_error_page(web: Web, lang: str, title: str, words: str) -> None:
    web.login("admin")
    headers = {"accept": "text/html", "accept-language": lang}
    web.client.get(f"/lang/{lang}", headers=headers)
    for url, shown in (("/?period=bogus", "period = 'bogus'"), ("/teams/abc", "team_id = 'abc'")):
        r = web.client.get(url, headers=headers)
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
        assert 'data-testid="error-page"' in r.text and title in r.text and words in r.text
        assert shown in r.text.replace("&#39;", "'")
    # the JSON twins keep their machine-readable 422
    api = web.client.get("/api/home?period=bogus")
    assert api.status_code == 422 and api.json()["error"] == "validation"


def test_a_reused_idempotency_key_with_another_body_is_a_conflict(web: Web) -> None:
    web.login("rep001")
    key = {"Idempotency-Key": "retry-1"}
    first = web.post("/api/activities", json={"type": "call", "outcome": "connected"}, headers=key)
    again = web.post("/api/activities", json={"type": "call", "outcome": "connected"}, headers=key)
    other = web.post("/api/activities", json={"type": "call", "outcome": "no_answer"}, headers=key)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["error"] == "idempotency_conflict" and "different activity" in other.json()["message"]
    when = {"type": "visit", "outcome": "completed", "occurred_at": "2026-11-20T10:00"}
    key2 = {"Idempotency-Key": "retry-2"}
    assert web.post("/api/activities", json=when, headers=key2).status_code == 201
    moved = web.post("/api/activities", json={**when, "occurred_at": "2026-11-20T11:00"}, headers=key2)
    assert moved.status_code == 409


@pytest.mark.parametrize(
    ("argv", "must"),
    [
        (["status", "--period", "1990-01..2026-12"], "at most 10 years"),
        (["status", "--period", "1899-12"], "1900–2199"),
        (["period", "2026-11", "--target", "1e20"], "too large"),
        (["period", "1900-01..2100-12"], "at most 10 years"),
        (["plan", "{model}", "--set", "revenue=1e400"], "too large"),
    ],
)
def test_the_command_line_refuses_in_one_line(
    demo_db: Path, argv: list[str], must: str, capsys: pytest.CaptureFixture[str]
) -> None:
    model = str(demo_db.with_name("demo.model.yaml"))
    args = [a.replace("{model}", model) for a in argv]
    if args[0] == "status":
        args += ["--db", str(demo_db)]
    capsys.readouterr()
    assert main(["--lang", "en", *args]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and must in lines[0], lines
