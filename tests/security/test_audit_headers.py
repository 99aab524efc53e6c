"""The audit trail records security and configuration events (old → new); the headers every
answer carries; the API docs; CSV cells that cannot start a formula."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from rashinban.cli import main
from rashinban.csvsafe import safe_cell
from tests.security.conftest import PASSWORD, Client, make_app


def _events(web: Client, **query: str) -> list[dict]:
    r = web.get("/api/audit", params={"limit": "1000", **query})
    assert r.status_code == 200, r.text
    entries: list[dict] = r.json()["entries"]
    return entries


def test_the_audit_trail_holds_every_change_with_old_and_new(web: Client) -> None:
    web.sign_in("admin", "wrong-password")
    web.login("admin")
    for i in range(10):
        role = "admin" if i < 2 else "member"
        body = {"username": f"user{i}", "password": PASSWORD, "role": role, "team_id": 2}
        assert web.post("/api/admin/users", json=body).status_code == 201
    ids = {r[0]: r[1] for r in web.sql("SELECT username, id FROM users")}
    assert web.post(f"/api/admin/users/{ids['user3']}", json={"role": "viewer"}).status_code == 200
    assert web.post(f"/api/admin/users/{ids['user4']}", json={"active": False}).status_code == 200
    assert web.post("/api/admin/teams/7", json={"name": "東京第一課（新）"}).status_code == 200
    assert (
        web.client.put(
            "/api/admin/holidays",
            json={"items": ["2026-12-29..2026-12-31"]},
            headers={"X-CSRF-Token": web.csrf},
        ).status_code
        == 200
    )
    stages = ["リード", "商談", "受注"]
    assert (
        web.client.put(
            "/api/admin/funnel-stages", json={"items": stages}, headers={"X-CSRF-Token": web.csrf}
        ).status_code
        == 200
    )
    made = web.post(f"/api/admin/users/{ids['user5']}/tokens", json={"name": "bi"}).json()
    web.post(f"/api/admin/tokens/{made['id']}/revoke")
    web.post("/api/planning/save", json={"values": {"revenue": "5000万"}, "reason": "audit"})
    other = Client(web.client.__class__(web.client.app))
    other.login("rep001")
    other.get("/admin")  # a refusal
    other.post("/logout", data={"csrf_token": other.csrf})

    events = _events(web)
    by = {}
    for e in events:
        by.setdefault(e["action"], []).append(e)
    created = [e for e in by["user_created"] if e["actor"] == "admin" and e["address"] == "testclient"]
    assert {e["after"]["username"] for e in created} == {f"user{i}" for i in range(10)} and len(created) == 10
    role = next(e for e in by["user_updated"] if e["key"] == str(ids["user3"]))
    assert (role["before"], role["after"]) == ({"role": "member"}, {"role": "viewer"})
    off = next(e for e in by["user_updated"] if e["key"] == str(ids["user4"]))
    assert (off["before"], off["after"]) == ({"active": True}, {"active": False})
    team = by["team_updated"][0]
    assert team["after"] == {"name": "東京第一課（新）"} and team["before"]["name"] != team["after"]["name"]
    settings = {e["key"]: e for e in by["setting_changed"]}
    assert settings["funnel_stages"]["after"] == {"value": stages}
    assert settings["company_holidays"]["after"]["value"][0] == "2026-12-29"
    assert by["token_created"] and by["token_revoked"] and by["targets_saved"]
    assert (
        by["login_failed"][0]["actor"] == "admin"
        and by["login_failed"][0]["detail"]["reason"] == "bad_password"
    )
    assert {e["actor"] for e in by["login"]} >= {"admin", "rep001"}
    assert by["logout"] and by["forbidden"][0]["detail"]["path"] == "/admin"
    assert all(e["address"] == "testclient" for e in by["login"])
    # filters
    assert {e["action"] for e in _events(web, category="security")} <= {
        "login",
        "login_failed",
        "login_throttled",
        "logout",
        "forbidden",
        "token_created",
        "token_revoked",
        "password_changed",
        "password_reset",
        "sessions_revoked",
    }
    assert {e["actor"] for e in _events(web, actor="rep001")} == {"rep001"}
    assert all(e["action"] == "user_created" for e in _events(web, action="user_created"))
    page = web.get("/admin/audit?action=user_updated")
    assert page.status_code == 200 and page.text.count('data-testid="audit-user_updated"') == 2
    assert other.sign_in("rep001").status_code == 303
    assert other.get("/api/audit").status_code == 403 and other.get("/admin/audit").status_code == 403


def test_rashinban_audit_prints_the_trail(web: Client, sec_db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    web.login("admin")
    web.post("/api/admin/users", json={"username": "cliuser", "password": PASSWORD, "role": "member"})
    web.client.app.state.store.dispose()  # type: ignore[attr-defined]  (DuckDB: one process)
    assert main(["--lang", "en", "audit", "--db", str(sec_db), "--event", "user_created", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entries"][0]["after"]["username"] == "cliuser"  # newest first
    assert main(["--lang", "en", "audit", "--db", str(sec_db), "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "Audit trail" in out and "admin" in out and "testclient" in out


def test_headers_on_every_answer(web: Client, sec_db: Path) -> None:
    anonymous = web.get("/login")
    csp = anonymous.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and anonymous.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in anonymous.headers
    web.login("manager")
    for url in ("/", "/api/home", "/planning"):
        r = web.get(url)
        assert r.headers["cache-control"] == "no-store", url
        assert "<script>" not in r.text and "onclick=" not in r.text  # no inline script to allow
    assert "no-store" not in web.get("/static/app.css").headers.get("cache-control", "")
    from fastapi.testclient import TestClient

    with TestClient(make_app(sec_db, https=True)) as client:
        r = client.get("/login")
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_api_docs_are_vendored_and_for_signed_in_users(web: Client) -> None:
    assert web.get("/api/docs", follow_redirects=False).status_code == 303
    assert web.get("/api/openapi.json").status_code == 401
    web.login("viewer")
    page = web.get("/api/docs")
    assert page.status_code == 200 and "/static/vendor/swagger/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower() and "http" not in page.text.split("<body>")[0].replace(
        "http-equiv", ""
    )
    assert web.get("/static/vendor/swagger/swagger-ui-bundle.js").status_code == 200
    assert "/api/home" in web.get("/api/openapi.json").json()["paths"]


def test_csv_cells_cannot_start_a_formula(tmp_path: Path, sec_db: Path) -> None:
    for cell in (
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "＝1",
    ):
        assert safe_cell(cell) == "'" + cell
    assert safe_cell("普通の値") == "普通の値" and safe_cell(-5) == -5
    bad = tmp_path / "Account.csv"
    bad.write_text(
        "Id,Name,Industry,NumberOfEmployees,CreatedDate\n"
        "001A,ミライ商事,IT,120,2026-11-02\n"
        "001B,x,IT,=cmd|' /C calc'!A0,2026-11-02\n"
        '001C,y,IT,"=HYPERLINK(""http://evil"")",2026-11-02\n'
        "001D,z,IT,@SUM(A1),2026-11-02\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    args = ["--lang", "en", "import", str(bad), "--db", str(sec_db), "--preset", "salesforce-account"]
    code = main([*args, "--skip-invalid", "--rejects", str(rejects)])
    assert code == 0 and rejects.exists()
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    values = [r[3] for r in rows[1:]]
    assert len(values) == 3 and all(v.startswith("'") for v in values), values
    assert not any(cell[:1] in "=+-@\t\r" for row in rows for cell in row), rows
