"""Import page: a bad row is reported by row and column and nothing is stored; a confirm
that skips invalid rows loads the good ones; only admins and managers import."""

from __future__ import annotations

import io
import re
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from rashinban.store import Store

from .conftest import Web

CSV = (
    "Id,OwnerId,Type,Subject,ActivityDate,CreatedDate,CallDisposition\n"
    "00T000000000001,005000000000001,Call,<script>alert(1)</script>,2026-11-02,2026-11-02T10:00:00,connected\n"
    "00T000000000002,005000000000001,Email,hello,not-a-date,,\n"
    "00T000000000003,005000000000002,Call,ok,2026-11-03,2026-11-03T11:00:00,no_answer\n"
)


def _salesforce_rows(web: Web) -> int:
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        return int(
            conn.execute(sa.text("select count(*) from activities where source = 'salesforce'")).scalar_one()
        )


def _owners(web: Web) -> dict[str, tuple[int, tuple[str, int | None] | None]]:
    """Each Salesforce activity: its member, and that member's (external id, team) when the
    import created it."""
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    sql = (
        "select a.external_id, a.member_id, m.source, m.external_id, m.team_id from activities a "
        "join members m on m.id = a.member_id where a.source = 'salesforce'"
    )
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    return {r[0]: (int(r[1]), (r[3], r[4]) if r[2] == "salesforce" else None) for r in rows}


def _wait(web: Web, job: str) -> str:
    for _ in range(200):
        r = web.client.get(f"/import/jobs/{job}")
        assert r.status_code == 200
        text: str = r.text
        if 'data-status="running"' not in text:
            return text
        time.sleep(0.05)
    raise AssertionError("import did not finish")


def test_bad_row_is_named_then_skip_invalid_loads_the_rest(web: Web) -> None:
    web.login("admin")
    page = web.client.get("/import")
    for testid in ("import-file", "import-preset"):
        assert f'data-testid="{testid}"' in page.text
    r = web.post(
        "/import/upload",
        files={"file": ("Task.csv", CSV.encode(), "text/csv")},
        data={"preset": ""},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 202 and 'data-testid="import-progress"' in r.text
    job = re.search(r'id="job-([0-9a-f]+)"', r.text)
    assert job
    report = _wait(web, job.group(1))
    assert 'data-status="rejected"' in report and 'data-testid="import-report"' in report
    rejects = re.search(r'data-testid="import-rejects".*?</table>', report, re.S)
    assert rejects and '<td class="num">3</td><td>ActivityDate</td><td>not-a-date</td>' in rejects.group(0)
    assert 'data-testid="import-preview"' in report and "&lt;script&gt;" in report
    assert _salesforce_rows(web) == 0  # the check stored nothing
    api = web.client.get(f"/api/imports/{job.group(1)}").json()
    assert (
        api["status"] == "rejected"
        and api["rejects"][0]["row"] == 3
        and api["rejects"][0]["column"] == "ActivityDate"
    )

    # the file's owners match no member: the preview asks for a member or a team for each
    mapping = re.search(r'data-testid="import-owner-mapping".*?</fieldset>', report, re.S)
    assert mapping, "the mapping step is shown"
    labels = dict(re.findall(r'name="(owner_label_\d+)" value="([^"]+)"', mapping.group(0)))
    owners = pd.read_csv(io.StringIO(CSV), dtype=str)["OwnerId"]
    assert sorted(labels.values()) == sorted(owners.unique())
    assert set(api["people"]["owners_unmatched"]) == set(owners.unique())
    members = re.findall(r'<option value="(\d+)">', mapping.group(0))
    teams = re.findall(r'<option value="new:(\d+)">', mapping.group(0))
    assert members and teams
    field = {v: k for k, v in labels.items()}
    mapped, created = "005000000000001", "005000000000002"
    # without a choice for every owner nothing is queued, and the step is shown again
    again = web.post(
        f"/import/jobs/{job.group(1)}/confirm",
        data={"skip_invalid": "on", **{field[mapped]: mapped}},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 422 and 'data-testid="import-mapping-error"' in again.text
    assert created in again.text and _salesforce_rows(web) == 0
    choices = {
        field[mapped]: mapped,
        field[mapped].replace("label", "choice"): members[0],
        field[created]: created,
        field[created].replace("label", "choice"): f"new:{teams[0]}",
    }
    confirm = web.post(
        f"/import/jobs/{job.group(1)}/confirm",
        data={"skip_invalid": "on", **choices},
        headers={"HX-Request": "true"},
    )
    assert confirm.status_code == 202
    done = _wait(web, job.group(1))
    assert 'data-status="done"' in done and 'data-testid="import-done"' in done
    assert _salesforce_rows(web) == 2
    # the mapped owner's activities are the member's; the created owner is in the chosen team
    loaded = _owners(web)
    good = pd.read_csv(io.StringIO(CSV), dtype=str)
    good = good[good["ActivityDate"] != "not-a-date"]
    for i in good["Id"][good["OwnerId"] == mapped]:
        assert loaded[i] == (int(members[0]), None)
    for i in good["Id"][good["OwnerId"] == created]:
        assert loaded[i][1] == (created, int(teams[0]))
    # the uploaded file is gone
    assert (
        web.client.post(
            f"/import/jobs/{job.group(1)}/confirm", headers={"X-CSRF-Token": web.csrf}
        ).status_code
        == 404
    )


def test_clean_file_checks_then_loads(web: Web) -> None:
    web.login("admin")  # its owners are new members: only an admin's import may add them
    good = "\n".join(line for line in CSV.splitlines() if "not-a-date" not in line) + "\n"
    r = web.post(
        "/api/imports",
        files={"file": ("Task.csv", good.encode(), "text/csv")},
        data={"preset": "salesforce-task"},
    )
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    for _ in range(200):
        state = web.client.get(f"/api/imports/{job}").json()
        if state["status"] != "running":
            break
        time.sleep(0.05)
    assert state["status"] == "checked" and state["result"]["inserted"] == 2 and state["can_confirm"]
    assert _salesforce_rows(web) == 0
    owners = set(pd.read_csv(io.StringIO(good), dtype=str)["OwnerId"])
    assert set(state["people"]["owners_unmatched"]) == owners
    # a confirm that leaves them unmapped is refused, naming them, and queues nothing
    refused = web.post(f"/api/imports/{job}/confirm")
    assert refused.status_code == 422 and set(refused.json()["owners"]) == owners
    assert web.client.get(f"/api/imports/{job}").json()["status"] == "checked"
    created = web.post("/api/admin/teams", json={"name": "Salesforce 取込"})
    assert created.status_code == 201
    team_id = created.json()["id"]
    assert web.post(f"/api/imports/{job}/confirm", json={"team": team_id}).status_code == 202
    for _ in range(200):
        state = web.client.get(f"/api/imports/{job}").json()
        if state["status"] != "running":
            break
        time.sleep(0.05)
    assert state["status"] == "done" and _salesforce_rows(web) == 2
    # every owner of the file became a member of the chosen team, and owns its rows
    loaded = _owners(web)
    assert {loaded[i][1] for i in loaded} == {(o, team_id) for o in owners}


def test_upload_limits_and_field_errors(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    web.login("admin")
    r = web.post(
        "/import/upload",
        files={"file": ("x.exe", b"MZ", "application/octet-stream")},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422 and re.search(
        r'id="err-file" class="field-error" hx-swap-oob="true">[^<]+<', r.text
    )
    r = web.post("/import/upload", data={"preset": "no-such"}, headers={"HX-Request": "true"})
    assert r.status_code == 422 and re.search(
        r'id="err-preset" class="field-error" hx-swap-oob="true">[^<]+<', r.text
    )
    monkeypatch.setenv("RASHINBAN_UPLOAD_MB", "1")
    big = CSV.encode() + b"00T9,005,Call,x,2026-11-02,,\n" * 60_000
    r = web.post(
        "/import/upload", files={"file": ("Task.csv", big, "text/csv")}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 413 and "1 MB" in r.text
    assert web.client.get("/import/jobs/doesnotexist").status_code == 404


def test_members_cannot_import(web: Web) -> None:
    web.login("rep001")
    assert web.client.get("/import").status_code == 403
    r = web.post("/import/upload", files={"file": ("Task.csv", CSV.encode(), "text/csv")})
    assert r.status_code == 403
    assert web.post("/api/imports", files={"file": ("Task.csv", CSV.encode(), "text/csv")}).status_code == 403


def test_unknown_stage_is_mapped_in_the_preview(web: Web) -> None:
    """A report whose owner is an existing rep (matched by name, nothing to choose) and whose
    stage is not in the funnel: the preview offers the funnel's stages and the load uses the
    one chosen."""
    web.login("admin")
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        member_id, name = conn.execute(
            sa.text("select id, name from members where team_id is not null")
        ).first()
        funnel = {r[0] for r in conn.execute(sa.text("select distinct stage from deals"))}
    report = (
        "商談名,取引先名,フェーズ,金額,完了予定日,商談 所有者\n"
        f"ヒアリング案件,取込商事,ヒアリング,500000,2026-11-20,{name.replace(' ', '　')}\n"
    )
    r = web.post(
        "/import/upload",
        files={"file": ("report.csv", report.encode(), "text/csv")},
        data={"preset": "salesforce-report-ja"},
        headers={"HX-Request": "true"},
    )
    job = re.search(r'id="job-([0-9a-f]+)"', r.text)
    assert r.status_code == 202 and job
    checked = _wait(web, job.group(1))
    assert 'data-testid="import-owner-mapping"' not in checked  # the rep was matched by name
    step = re.search(r'data-testid="import-stage-mapping".*?</fieldset>', checked, re.S)
    assert step and 'name="stage_value_1" value="ヒアリング"' in step.group(0)
    offered = set(re.findall(r'<option value="([^"]+)">', step.group(0)))
    assert offered == funnel
    chosen = sorted(offered)[0]
    confirm = web.post(
        f"/import/jobs/{job.group(1)}/confirm",
        data={"stage_value_1": "ヒアリング", "stage_choice_1": chosen},
        headers={"HX-Request": "true"},
    )
    assert confirm.status_code == 202 and 'data-status="done"' in _wait(web, job.group(1))
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("select stage, owner_id from deals where name = 'ヒアリング案件'")).one()
    assert tuple(row) == (chosen, member_id)
