"""The agency view (#16 item 2) attacked by role × scope, and its figures checked.

Who may read the agency report is decided here with plain SQL (``read_org``): admins, and
users whose readable teams include the agency team (its partner, its viewer — the client —
and the agency's own reps).  Everyone else — a manager of another branch, a rep of another
team — gets a 403/404 that names nothing of the agency and carries no figure.  The report's
figures (JSON, XLSX, PDF) equal a plain-SQL computation over the DuckDB file, and nothing of
the company's own (its revenue, another team) appears in the page, its JSON or the report.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from rashinban.i18n import t
from rashinban.store.users import find_user
from tests.security.conftest import Client, read_org
from tests.svc import facade

USERS = ("admin", "manager", "west", "partner", "viewer", "rep001")
MONTH = "2026-10"  # a whole month of the demo (its history ends 2026-11)


def _agency(web: Client) -> int:
    return int(web.sql("SELECT id FROM teams WHERE kind = 'agency' ORDER BY id LIMIT 1")[0][0])


def _may_read(web: Client, username: str, team: int) -> bool:
    seen = read_org(web.store).readable(username)
    return seen is None or team in seen[0]


def _refused(r: Any, agency_name: str) -> None:
    assert r.status_code in (403, 404), (r.status_code, r.text[:200])
    assert agency_name not in r.text
    assert "kpis" not in r.text and "trend" not in r.text


def _agency_rep(web: Client, team: int) -> str | None:
    rows = web.sql(
        "SELECT u.username FROM users u JOIN members m ON m.id = u.member_id WHERE m.team_id = :t ORDER BY 1",
        t=team,
    )
    return str(rows[0][0]) if rows else None


@pytest.mark.parametrize("username", USERS)
def test_agency_report_by_role(web: Client, username: str) -> None:
    team = _agency(web)
    name = str(web.sql("SELECT name FROM teams WHERE id = :t", t=team)[0][0])
    web.login(username)
    urls = [f"/api/agency/{team}?period={MONTH}", f"/agency/{team}?period={MONTH}"]
    urls += [f"/agency/{team}/report.xlsx?period={MONTH}", f"/api/agency/{team}/report?format=pdf"]
    for url in urls:
        r = web.get(url)
        if _may_read(web, username, team):
            assert r.status_code == 200, (username, url, r.status_code, r.text[:200])
        else:
            _refused(r, name)
    if _may_read(web, username, team):
        assert web.get(f"/api/agency/{team}").json()["team"]["id"] == team


def test_agency_rep_reads_own_agency_and_anonymous_nothing(web: Client) -> None:
    team = _agency(web)
    rep = _agency_rep(web, team)
    assert rep is not None  # the demo's agency has reps with users
    web.login(rep)
    assert web.get(f"/api/agency/{team}").status_code == 200
    web.login(None)
    for url in (f"/api/agency/{team}", f"/api/agency/{team}/report?format=xlsx"):
        r = web.get(url)
        assert r.status_code == 401 and "kpis" not in r.text


def test_in_house_team_is_no_agency(web: Client) -> None:
    """An in-house team has no agency report: 404 even for an admin; a partner gets no data."""
    team = int(web.sql("SELECT id FROM teams WHERE name = '東日本営業部'")[0][0])
    web.login("admin")
    r = web.get(f"/api/agency/{team}")
    assert r.status_code == 404 and "kpis" not in r.text
    web.login("partner")
    _refused(web.get(f"/api/agency/{team}"), "東日本営業部")
    _refused(web.get("/api/agency/999999"), "東日本営業部")


def test_agency_without_its_model(web: Client) -> None:
    """Unbound from the agency model, the agency has no report (404 naming the cause, no
    figure) and its partner lands on the ordinary home again."""
    team = _agency(web)
    svc = facade(web.store, find_user(web.store, "admin"))
    svc.models.bind(str(team), None)
    web.login("admin")
    r = web.get(f"/api/agency/{team}")
    assert r.status_code == 404 and r.json()["error"] == "agency_model_missing" and "kpis" not in r.text
    web.login("partner")
    assert web.get("/", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("username", ["partner", "viewer"])
def test_partner_and_viewer_land_on_agency(web: Client, username: str) -> None:
    team = _agency(web)
    web.login(username)
    r = web.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/agency/{team}"
    web.login("manager")
    assert web.get("/", follow_redirects=False).status_code == 200


def _sql_figures(web: Client, team: int, month: str) -> dict[str, float]:
    """The month's agency figures computed with plain SQL (members of the agency team)."""
    start, end = f"{month}-01", f"{month[:5]}{int(month[5:]) + 1:02d}-01"
    members = "SELECT id FROM members WHERE team_id = :t"
    p = {"t": team, "s": start, "e": end}

    def one(q: str) -> float:
        return float(web.sql(q, **p)[0][0] or 0)

    f = {
        "appointments": one(
            f"SELECT count(*) FROM activities WHERE outcome = 'appointment' AND member_id IN ({members})"
            " AND occurred_at >= :s AND occurred_at < :e"
        ),
        "calls": one(
            f"SELECT count(*) FROM activities WHERE type = 'call' AND member_id IN ({members})"
            " AND occurred_at >= :s AND occurred_at < :e"
        ),
        "handoffs": one(
            f"SELECT count(*) FROM leads WHERE sql_at IS NOT NULL AND owner_id IN ({members})"
            " AND sql_at >= :s AND sql_at < :e"
        ),
        "client_wins": one(
            f"SELECT count(*) FROM deals WHERE is_won AND source_member_id IN ({members})"
            " AND closed_at >= :s AND closed_at < :e"
        ),
        "client_revenue": one(
            f"SELECT sum(amount) FROM deals WHERE is_won AND source_member_id IN ({members})"
            " AND closed_at >= :s AND closed_at < :e"
        ),
        "fee": one(
            "SELECT sum(amount) FROM spend WHERE team_id = :t AND period_start >= :s AND period_start < :e"
        ),
    }
    if not (f["fee"] and f["appointments"] and f["client_wins"] and f["handoffs"]):
        return f
    f["roi"] = f["client_revenue"] / f["fee"]
    f["cost_per_appointment"] = f["fee"] / f["appointments"]
    f["cost_per_win"] = f["fee"] / f["client_wins"]
    f["cost_per_handoff"] = f["fee"] / f["handoffs"]
    f["client_win_rate"] = f["client_wins"] / f["handoffs"]
    return f


def _full_month(web: Client, team: int) -> tuple[str, dict[str, float]]:
    """The latest whole month of the demo in which the agency won something (every cost defined)."""
    for month in ("2026-10", "2026-09"):
        f = _sql_figures(web, team, month)
        if "cost_per_win" in f:
            return month, f
    raise AssertionError("the demo's agency won nothing in September or October")


def test_figures_json_xlsx_pdf_equal_sql(web: Client, tmp_path: Path) -> None:
    team = _agency(web)
    month_label, expected = _full_month(web, team)
    web.login("viewer")  # the client
    data = web.get(f"/api/agency/{team}?period={month_label}").json()
    got = {k["id"]: k for k in [data["kgi"], *data["kpis"]]}
    for key, value in expected.items():
        assert got[key]["actual"] == pytest.approx(value, rel=1e-9), key
    # targets: a derived cost's target is the cost target over the count target
    assert got["cost_per_win"]["target"] == pytest.approx(got["fee"]["target"] / got["client_wins"]["target"])
    month = next(m for m in data["trend"] if m["period"] == month_label)
    assert month["appointments"] == expected["appointments"] and month["cost_per_win"] == pytest.approx(
        expected["cost_per_win"]
    )

    xlsx = web.get(f"/agency/{team}/report.xlsx?period={month_label}")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxml")
    wb = load_workbook(io.BytesIO(xlsx.content), data_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    kpi_rows = next(rows for rows in sheets.values() if rows and "ID" in rows[0])
    head = kpi_rows[0]
    by_id = {r[head.index("ID")]: r for r in kpi_rows[1:]}
    col = next(
        i for i, h in enumerate(head) if h in (t("report.col_actual", "ja"), t("report.col_actual", "en"))
    )
    for key, value in expected.items():
        actual = by_id[key][col]
        assert actual == pytest.approx(value, rel=1e-9) and actual == pytest.approx(got[key]["actual"]), key

    pdf = web.get(f"/agency/{team}/report.pdf?period={month_label}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    path = tmp_path / "agency.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = text.replace(" ", "").replace("\n", "")
    for key in ("fee", "cost_per_win", "cost_per_appointment", "client_revenue"):
        assert f"{round(expected[key]):,}" in flat, key
    assert f"{expected['roi']:.2f}" in flat


def test_no_company_figures_for_the_client(web: Client, tmp_path: Path) -> None:
    """The company's revenue, other teams and members appear nowhere in the client's view."""
    team = _agency(web)
    org = read_org(web.store)
    foreign = org.foreign_names("viewer")
    assert foreign  # the company has other teams
    revenue = float(
        web.sql(
            "SELECT sum(amount) FROM deals WHERE is_won AND closed_at >= :s AND closed_at < :e",
            s=f"{MONTH}-01",
            e="2026-11-01",
        )[0][0]
    )
    web.login("viewer")
    body = web.get(f"/api/agency/{team}?period={MONTH}").text
    page = web.get(f"/agency/{team}?period={MONTH}").text
    xlsx = web.get(f"/agency/{team}/report.xlsx?period={MONTH}").content
    wb = load_workbook(io.BytesIO(xlsx), data_only=True)
    cells = json.dumps(
        [[c for c in r] for ws in wb.worksheets for r in ws.iter_rows(values_only=True)], default=str
    )
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(web.get(f"/agency/{team}/report.pdf?period={MONTH}").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for where, content in (("json", body), ("page", page), ("xlsx", cells), ("pdf", text)):
        for name in foreign:
            assert name not in content, (where, name)
        for shown in (f"{round(revenue):,}", str(round(revenue)), f"{revenue}"):
            assert shown not in content.replace(" ", ""), (where, "company revenue")
    ids = {k["id"] for k in json.loads(body)["kpis"]}
    assert not ids & {"revenue", "gross_margin", "margin", "sales"}


@pytest.mark.parametrize("username", USERS)
def test_agency_links_only_for_its_readers(web: Client, username: str) -> None:
    """The teams pages and the navigation link the agency report only for users who may read
    it (an admin, the agency's partner, its client); a manager of another branch or a rep of
    another team is shown no link, and its team page refuses them without naming the agency."""
    team = _agency(web)
    name = str(web.sql("SELECT name FROM teams WHERE id = :t", t=team)[0][0])
    web.login(username)
    link = f'href="/agency/{team}'
    teams = web.get("/teams")
    team_page = web.get(f"/teams/{team}")
    nav = web.get("/account")
    assert teams.status_code == 200 and nav.status_code == 200
    if _may_read(web, username, team):
        assert link in teams.text and link in team_page.text, username
        assert web.get(f"/agency/{team}").status_code == 200
    else:
        assert link not in teams.text and name not in teams.text, username
        _refused(team_page, name)
        assert link not in nav.text
    # the navigation: the agency's own view for its partner and client only
    confined = username in ("partner", "viewer")
    assert (f'<a href="/agency/{team}" data-nav="nav_agency"' in nav.text) == confined, username
