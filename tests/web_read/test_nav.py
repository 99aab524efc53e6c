"""The navigation bar offers each role only what it can use, and the teams pages reach the
agency report (#16 item 2 follow-ups).

* For every role — admin, manager, member (rep), partner and viewer of the agency team, a
  viewer of an in-house team — every link of the navigation answers that user 200 (a report
  link answers its file), in Japanese and in English, with its label translated.
* A partner or viewer of an agency team is offered their agency's report, its downloads and
  (partner) the activity log — none of the company's pages; the others keep the company's
  pages their role can use (a rep is offered no 取り込み, which answers them 403).
* /teams and /teams/{id} link an agency team's report when an agency model is bound to it; on
  the teams list that row's KGI (its own model's ROI, not the column's yen) is no yen figure.

The app runs on the store's own models (no model file), as ``rashinban serve --db`` does.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rashinban.i18n import t
from rashinban.store import Store
from rashinban.store.users import find_user
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.svc import facade
from tests.web_read.conftest import PASSWORD, Web, _scalar

# every page a navigation bar could offer (read from no product code)
COMPANY_PAGES = ["/", "/tree", "/teams", "/funnel", "/breakdown", "/forecast", "/insights", "/manual"]
COMPANY_PAGES += ["/import", "/planning", "/reviews", "/alerts", "/admin"]
USERS = ("admin", "manager", "rep001", "partner", "viewer", "inhouse")
AGENCY_SCOPE = ("partner", "viewer")
NAV = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>(.*?)</a>', re.S)
YEN = re.compile(r"[¥円]|\d万|\d億")


def _db(template: Path, folder: Path) -> Path:
    db = folder / "demo.duckdb"
    shutil.copy(template, db)
    return db


def _client(db: Path) -> TestClient:
    return TestClient(create_app(WebSettings(db=str(db), model=None, secret_key="n" * 32)))


@pytest.fixture(scope="module")
def nav_db(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The read suite's demo (with its agency viewer) plus a viewer of an in-house team."""
    db = _db(demo_template, tmp_path_factory.mktemp("nav"))
    store = Store.open(str(db))
    try:
        team = _scalar(store, "SELECT id FROM teams WHERE name = '東日本営業部'")
        facade(store, find_user(store, "admin")).admin.create_user(
            {"username": "inhouse", "password": PASSWORD, "role": "viewer", "team_id": team}
        )
    finally:
        store.dispose()
    return db


@pytest.fixture(scope="module")
def nweb(nav_db: Path) -> Iterator[Web]:
    with _client(nav_db) as client:
        yield Web(client)


def _agency(web: Web) -> int:
    return int(_scalar(web.store, "SELECT id FROM teams WHERE kind = 'agency' ORDER BY id LIMIT 1"))


def _nav(html: str) -> list[tuple[str, str]]:
    m = NAV.search(html)
    assert m, "no navigation bar"
    return [(href, re.sub(r"<[^>]+>", "", label).strip()) for href, label in LINK.findall(m.group(1))]


def _lang(web: Web, lang: str) -> None:
    web.client.get(f"/lang/{lang}?next=/account", follow_redirects=False)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("username", USERS)
def test_every_nav_link_answers(nweb: Web, username: str, lang: str) -> None:
    agency = _agency(nweb)
    nweb.login(username)
    _lang(nweb, lang)
    home = nweb.get("/")
    assert home.status_code == 200, (username, home.status_code)
    nav = _nav(home.text)
    hrefs = [h for h, _ in nav]
    assert hrefs, username
    for href, label in nav:
        r = nweb.get(href, follow_redirects=False)
        assert r.status_code == 200, (username, href, r.status_code)
        if href.endswith((".pdf", ".xlsx")):
            assert r.headers["content-type"].startswith(
                "application/pdf" if href.endswith(".pdf") else "application/vnd.openxml"
            ), href
        assert label and "nav_" not in label, (href, label)
        if lang == "en":
            assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", label), (href, label)
    # the same bar on another page (the account page every user has)
    assert [h for h, _ in _nav(nweb.get("/account").text)] == hrefs
    if username in AGENCY_SCOPE:
        # the agency's own view: its report first, its downloads, nothing of the company's
        base = f"/agency/{agency}"
        assert hrefs[:3] == [base, f"{base}/report.pdf", f"{base}/report.xlsx"], hrefs
        assert not set(hrefs) & set(COMPANY_PAGES), hrefs
        assert dict(nav)[base] == t("web.nav_agency", lang)
        assert ("/log" in hrefs) == (username == "partner")  # a partner logs the agency's activities
    else:
        assert {"/", "/tree", "/teams", "/funnel"} <= set(hrefs), hrefs
        assert not any(h.startswith("/agency") for h in hrefs)
        # the company pages offered are exactly those that answer the user (the rest refuse)
        answers = {h: nweb.get(h, follow_redirects=False).status_code for h in COMPANY_PAGES}
        assert {h for h, s in answers.items() if s == 200} == set(hrefs) & set(COMPANY_PAGES), answers
        assert all(s in (200, 403) for s in answers.values()), answers
        assert ("/log" in hrefs) == (username != "inhouse")  # a viewer logs nothing
    expected_admin = username == "admin"
    assert ("/admin" in hrefs) == expected_admin
    if username == "rep001":
        assert "/import" not in hrefs and "/planning" not in hrefs
        assert nweb.get("/import").status_code == 403


def _row(html: str, team: int) -> str:
    m = re.search(rf'<tr data-team="{team}">(.*?)</tr>', html, re.S)
    assert m, f"no row of team {team}"
    return m.group(1)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_teams_pages_link_the_agency_report(nweb: Web, lang: str) -> None:
    agency = _agency(nweb)
    nweb.login("admin")
    _lang(nweb, lang)
    page = nweb.get("/teams?period=2026-10")
    assert page.status_code == 200
    row = _row(page.text, agency)
    href = f"/agency/{agency}?period=2026-10"
    assert f'href="{href}"' in row and t("web.nav_agency", lang) in row
    assert nweb.get(href).status_code == 200
    # the row's KGI is the agency model's ROI: no yen figure, its own KGI named
    cell = re.search(r'data-testid="agency-kgi-cell">(.*?)</td>', row, re.S)
    assert cell, row
    assert not YEN.search(cell.group(1)) and "ROI" in cell.group(1)
    # the company's rows keep their KGI in yen (the column's unit), and no agency link
    company = int(_scalar(nweb.store, "SELECT id FROM teams WHERE parent_id IS NULL ORDER BY id LIMIT 1"))
    other = _row(page.text, company)
    assert YEN.search(other) and "/agency/" not in other
    team_page = nweb.get(f"/teams/{agency}?period=2026-10").text
    assert f'href="{href}"' in team_page and t("web.agency_link", lang) in team_page
    assert "/agency/" not in nweb.get(f"/teams/{company}?period=2026-10").text


@pytest.mark.parametrize("username", ["manager", "inhouse", "rep001"])
def test_no_agency_link_for_who_cannot_read_it(nweb: Web, username: str) -> None:
    agency = _agency(nweb)
    nweb.login(username)
    assert nweb.get(f"/agency/{agency}").status_code in (403, 404)
    assert "/agency/" not in nweb.get("/teams").text


def test_no_link_without_an_agency_model(demo_template: Path, tmp_path: Path) -> None:
    """Unbound from its agency model the agency team has no report: no link, and its row
    shows the KGI of the model it now uses, in its unit."""
    db = _db(demo_template, tmp_path)
    with _client(db) as client:
        web = Web(client)
        agency = _agency(web)
        facade(web.store, find_user(web.store, "admin")).models.bind(str(agency), None)
        for username in ("admin", "partner"):
            web.login(username)
            teams = web.get("/teams").text
            assert "/agency/" not in teams and 'data-testid="agency-kgi-cell"' not in teams
            assert "/agency/" not in web.get(f"/teams/{agency}").text
            assert not any(h.startswith("/agency") for h, _ in _nav(web.get("/account").text))
        web.login("admin")
        assert YEN.search(_row(web.get("/teams").text, agency))
