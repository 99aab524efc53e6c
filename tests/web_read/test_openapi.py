"""The OpenAPI document describes the body of every JSON twin (dashboards, activities,
planning, admin) and of its refusals, and what the app answers — for every role — matches
both the document and the declared Pydantic models."""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest

from rashinban.analysis.pace import AT_RISK, BEHIND, NO_DATA, NO_TARGET, ON_TRACK
from rashinban.analysis.status import DATA_ISSUE
from rashinban.app.results import common as C
from rashinban.app.results import planning as P
from rashinban.kpi.findings import Severity
from rashinban.kpi.solve import Source
from rashinban.kpi.units import Direction, Period, Unit
from rashinban.org.roles import ROLES
from rashinban.service import (
    ErrorBody,
    FieldErrors,
    FindingView,
    HttpError,
    InconsistentTargetsFinding,
    PlanView,
    RequestInvalid,
)
from tests.web_read.conformance import OPERATIONS, Conformance, resolve
from tests.web_read.conftest import PERIOD, USERS, Web, org

AREAS = ("/api/home", "/api/tree", "/api/teams", "/api/members", "/api/funnel", "/api/activities")
AREAS += ("/api/planning", "/api/admin")


@pytest.fixture(scope="module")
def spec(web: Web) -> Conformance:
    return Conformance(web.client.app)  # type: ignore[arg-type]


def _described(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """A schema that says something: an object with properties, or a union of such."""
    schema = resolve(doc, schema)
    if "anyOf" in schema or "oneOf" in schema:
        return all(_described(doc, s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    return bool(schema.get("properties"))


def test_the_areas_list_every_operation(spec: Conformance) -> None:
    listed = {
        (method.upper(), path)
        for path, ops in spec.doc["paths"].items()
        if path.startswith(AREAS)
        for method in ops
    }
    assert listed == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_response_has_a_schema(spec: Conformance, method: str, path: str) -> None:
    responses = spec.operation(method, path)["responses"]
    ok = [code for code in responses if code.startswith("2")]
    assert ok, f"{method} {path}: no 2xx response"
    for code, response in responses.items():
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        assert schema, f"{method} {path} {code}: no JSON schema"
        assert _described(spec.doc, schema), f"{method} {path} {code}: an empty schema {schema}"
    for code in ("401", "422"):
        assert code in responses, f"{method} {path}: {code} not declared"


def test_error_bodies_are_named_models(spec: Conformance) -> None:
    schemas = spec.doc["components"]["schemas"]
    for model in (ErrorBody, FieldErrors, HttpError, RequestInvalid):
        assert model.__name__ in schemas
    assert set(schemas["ErrorBody"]["required"]) == {"error", "message", "params"}
    assert set(schemas["FieldErrors"]["required"]) == {"error", "fields", "codes"}


def _csrf(web: Web) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/log").text)
    assert m
    return m.group(1)


@pytest.mark.parametrize("user", USERS)
def test_reads_conform(web: Web, spec: Conformance, user: str) -> None:
    o = org(web.store)
    team, member = min(o.team_names), min(o.member_names)
    web.login(user)
    reads = [
        ("/api/home", f"/api/home?period={PERIOD}"),
        ("/api/home", "/api/home?scope=company"),
        ("/api/home", "/api/home?scope=team:999999"),
        ("/api/home", "/api/home?period=2026-13"),
        ("/api/tree", f"/api/tree?period={PERIOD}"),
        ("/api/tree/nodes/{node}", f"/api/tree/nodes/revenue?period={PERIOD}"),
        ("/api/tree/nodes/{node}", f"/api/tree/nodes/revenue?scope=team:{team}"),
        ("/api/tree/nodes/{node}", "/api/tree/nodes/no_such_node"),
        ("/api/teams", f"/api/teams?period={PERIOD}"),
        ("/api/teams/{team_id}", f"/api/teams/{team}?period={PERIOD}"),
        ("/api/teams/{team_id}", "/api/teams/999999"),
        ("/api/members/{member_id}", f"/api/members/{member}?period={PERIOD}"),
        ("/api/funnel", "/api/funnel"),
        ("/api/funnel", f"/api/funnel?scope=team:{team}&period=2026-06..2026-11"),
        ("/api/activities", "/api/activities"),
        ("/api/activities", "/api/activities?mine=false&limit=50"),
        ("/api/planning", "/api/planning?limit=5"),
        ("/api/admin", "/api/admin"),
        ("/api/admin/members", "/api/admin/members"),
    ]
    statuses = set()
    for path, url in reads:
        r = web.get(url)
        spec.check("GET", path, r)
        statuses.add(r.status_code)
    assert 200 in statuses and 422 in statuses and 404 in statuses


@pytest.mark.parametrize("user", USERS)
def test_refusals_and_field_errors_conform(web: Web, spec: Conformance, user: str) -> None:
    """Writes that change nothing: invalid bodies, refused roles, unknown ids, previews."""
    web.login(user)
    headers = {"X-CSRF-Token": _csrf(web)}
    posts = [
        ("POST", "/api/planning/preview", "/api/planning/preview", {}),
        ("POST", "/api/planning/preview", "/api/planning/preview", {"values": {"won_deals": "1"}}),
        ("POST", "/api/planning/preview", "/api/planning/preview", {"values": {"win_rate": "2"}}),
        ("POST", "/api/planning/save", "/api/planning/save", {"reason": ""}),
        ("POST", "/api/activities", "/api/activities", {"type": "nope"}),
        ("POST", "/api/admin/users", "/api/admin/users", {"username": ""}),
        ("POST", "/api/admin/users/{user_id}", "/api/admin/users/999999", {"role": "admin"}),
        ("POST", "/api/admin/teams", "/api/admin/teams", {}),
        ("POST", "/api/admin/teams/{team_id}", "/api/admin/teams/999999", {"name": "x"}),
        ("PUT", "/api/admin/funnel-stages", "/api/admin/funnel-stages", {"items": ["only one"]}),
        ("PUT", "/api/admin/holidays", "/api/admin/holidays", {"items": ["not a day"]}),
        ("PUT", "/api/admin/holidays", "/api/admin/holidays", {"items": 3}),
        ("POST", "/api/admin/members/{member_id}/rename", "/api/admin/members/999999/rename", {"name": "x"}),
        ("POST", "/api/admin/members/{member_id}/move", "/api/admin/members/999999/move", {"team_id": 1}),
        ("POST", "/api/admin/members/{member_id}/merge", "/api/admin/members/999999/merge", {"into": 1}),
    ]
    for method, path, url, body in posts:
        r = web.client.request(method, url, json=body, headers=headers)
        assert r.status_code in (200, 403, 404, 422), (url, r.status_code, r.text[:300])
        spec.check(method, path, r)
    # a body that is no JSON (422), not even text (400), and a write without the CSRF token
    bad = {**headers, "content-type": "application/json"}
    r = web.client.post("/api/planning/preview", content=b"{", headers=bad)
    assert r.status_code == 422 and isinstance(spec.check("POST", "/api/planning/preview", r), RequestInvalid)
    r = web.client.post("/api/planning/preview", content=b"\xff{", headers=bad)
    assert r.status_code == 400 and isinstance(spec.check("POST", "/api/planning/preview", r), HttpError)
    r = web.client.post("/api/activities", json={"type": "call"})
    assert r.status_code == 403 and isinstance(spec.check("POST", "/api/activities", r), HttpError)


def test_findings_keep_their_shape(web: Web) -> None:
    """An inconsistent-targets finding carries its gap; any other finding no extra key."""
    web.login("admin")
    r = web.client.post(
        "/api/planning/preview", json={"values": {"won_deals": "1"}}, headers={"X-CSRF-Token": _csrf(web)}
    )
    view = PlanView.model_validate_json(r.content)
    assert view.findings and all(isinstance(f, InconsistentTargetsFinding) for f in view.findings)
    plain = r.json()["findings"][0] | {"code": "zero_target", "params": {}}
    for key in ("stated", "implied", "gap", "gap_ratio", "unit"):
        del plain[key]
    found = PlanView.model_validate({**r.json(), "findings": [plain]}).findings[0]
    assert isinstance(found, FindingView)
    assert found.model_dump(mode="json") == plain


def test_anonymous_is_refused_as_declared(web: Web, spec: Conformance) -> None:
    web.login(None)
    for method, path in OPERATIONS:
        url = re.sub(r"\{node\}", "revenue", re.sub(r"\{\w+_id\}", "1", path))
        r = web.client.request(method, url, json={} if method != "GET" else None)
        assert r.status_code in (401, 403), (url, r.status_code)  # 403: a write without CSRF
        assert isinstance(spec.check(method, path, r), HttpError)


def test_closed_sets_match_the_domain() -> None:
    assert set(get_args(C.Status)) == {ON_TRACK, BEHIND, AT_RISK, NO_TARGET, NO_DATA, DATA_ISSUE}
    assert set(get_args(C.UnitName)) == {u.value for u in Unit}
    assert set(get_args(C.DirectionName)) == {d.value for d in Direction}
    assert set(get_args(C.PeriodKind)) == {p.value for p in Period}
    assert set(get_args(C.RoleName)) == set(ROLES)
    assert set(get_args(P.Source)) == {s.value for s in Source}
    assert set(get_args(P.SeverityName)) == {s.value for s in Severity}


def test_every_body_declares_the_http_layers_refusals(spec: Conformance) -> None:
    """An operation that takes a body may be refused before it runs: an unparsable body (400),
    a session write without the CSRF token (403), a body off the schema (422, RequestInvalid —
    FastAPI's HTTPValidationError is never named)."""
    assert "HTTPValidationError" not in str(spec.doc)
    with_body = [
        (m, p, op) for p, ops in spec.doc["paths"].items() for m, op in ops.items() if "requestBody" in op
    ]
    assert with_body
    for method, path, op in with_body:
        for code, name in (("400", "HttpError"), ("403", "HttpError"), ("422", "RequestInvalid")):
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            refs = [s["$ref"] for s in schema.get("anyOf", [schema])]
            assert f"#/components/schemas/{name}" in refs, (method, path, code, refs)
