"""Checks a live response against what the app declares for it: the status is one the
operation lists, the body validates against the OpenAPI document's schema for that status
and against the Pydantic model the document names for it."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Union

import httpx
import jsonschema_rs
from fastapi import FastAPI
from pydantic import TypeAdapter

from rashinban import service

# the JSON twins whose bodies are typed results: (method, path template)
OPERATIONS: list[tuple[str, str]] = [
    ("GET", "/api/home"),
    ("GET", "/api/tree"),
    ("GET", "/api/tree/nodes/{node}"),
    ("GET", "/api/teams"),
    ("GET", "/api/teams/{team_id}"),
    ("GET", "/api/members/{member_id}"),
    ("GET", "/api/funnel"),
    ("GET", "/api/activities"),
    ("POST", "/api/activities"),
    ("GET", "/api/activities/targets"),
    ("POST", "/api/activities/{activity_id}/undo"),
    ("GET", "/api/home/activity"),
    ("GET", "/api/planning"),
    ("POST", "/api/planning/preview"),
    ("POST", "/api/planning/save"),
    ("GET", "/api/admin"),
    ("POST", "/api/admin/users"),
    ("POST", "/api/admin/users/{user_id}"),
    ("POST", "/api/admin/teams"),
    ("POST", "/api/admin/teams/{team_id}"),
    ("PUT", "/api/admin/funnel-stages"),
    ("PUT", "/api/admin/holidays"),
    ("GET", "/api/admin/tokens"),
    ("POST", "/api/admin/users/{user_id}/tokens"),
    ("POST", "/api/admin/users/{user_id}/tokens/revoke"),
    ("POST", "/api/admin/tokens/{token_id}/revoke"),
    ("POST", "/api/admin/users/{user_id}/password"),
    ("POST", "/api/admin/users/{user_id}/sessions/revoke"),
    ("GET", "/api/admin/members"),
    ("POST", "/api/admin/members/{member_id}/rename"),
    ("POST", "/api/admin/members/{member_id}/move"),
    ("POST", "/api/admin/members/{member_id}/merge"),
]


# the facade re-exports some areas' result types as one module each (service.trust_results …)
RESULT_MODULES = ("alert_results", "forecast_results", "record_results", "review_results", "trust_results")


def _facade_type(name: str) -> Any:
    """The result class the facade exports as ``name``, directly or in an area's result module."""
    if name in service.__all__:
        return getattr(service, name)
    for module in RESULT_MODULES:
        found = getattr(getattr(service, module), name, None)
        if found is not None:
            return found
    raise AssertionError(f"{name} is not a type the facade exports")


class Conformance:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    @cached_property
    def doc(self) -> dict[str, Any]:
        return self.app.openapi()

    def operation(self, method: str, path: str) -> dict[str, Any]:
        op: dict[str, Any] = self.doc["paths"][path][method.lower()]
        return op

    def schema(self, method: str, path: str, status: int) -> dict[str, Any]:
        """The JSON schema the document declares for ``status`` (its $refs resolvable)."""
        responses = self.operation(method, path)["responses"]
        assert str(status) in responses, f"{method} {path} answered {status}, declared {sorted(responses)}"
        content = responses[str(status)].get("content", {})
        assert "application/json" in content, f"{method} {path} {status}: no JSON schema"
        schema: dict[str, Any] = content["application/json"]["schema"]
        return schema

    def model(self, method: str, path: str, status: int) -> Any:
        """The Python type the document names for ``status``: the class (of those the facade
        re-exports) each $ref names, or their union."""
        schema = self.schema(method, path, status)
        refs = [s["$ref"] for s in schema.get("anyOf", [schema])]
        classes = [_facade_type(ref.removeprefix("#/components/schemas/")) for ref in refs]
        return classes[0] if len(classes) == 1 else Union[tuple(classes)]  # noqa: UP007

    def check(self, method: str, path: str, response: httpx.Response) -> Any:
        """Validate ``response`` for the operation; returns the body as the declared type."""
        status = response.status_code
        assert response.headers["content-type"].startswith("application/json"), response.text[:200]
        body = response.json()
        schema = self.schema(method, path, status)
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": self.doc["components"]})
        errors = [str(e) for e in validator.iter_errors(body)]
        assert not errors, f"{method} {path} {status}: " + "\n".join(errors[:5])
        return TypeAdapter(self.model(method, path, status)).validate_json(response.content)


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its top-level $ref followed."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema
