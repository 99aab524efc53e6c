"""A small demo store per test worker, copied per test; a TestClient signed in as anyone."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.svc import generate_demo

PASSWORD = "rashinban-demo"
DEMO_USERS = {"admin", "manager", "partner", *(f"rep{i:03d}" for i in range(1, 11))}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    generate_demo(db, scale="small", months=3, seed=3, end_month="2026-11")
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, db)
    shutil.copy(demo_template.with_name("demo.model.yaml"), tmp_path / "demo.model.yaml")
    return db


class Web:
    """A TestClient with sign-in and the CSRF token at hand."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def token(self) -> str:
        page = self.client.get("/login")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m, page.text[:500]
        self.csrf = m.group(1)
        return self.csrf

    def login(self, username: str, password: str = PASSWORD) -> Web:
        """Sign in: a session in this test's store (the demo users' hashes are light, so a
        real sign-in per test costs milliseconds)."""
        self.client.cookies.clear()
        token = self.token()
        r = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:500]
        page = self.client.get("/log")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m
        self.csrf = m.group(1)
        return self

    def post(self, url: str, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        headers.setdefault("X-CSRF-Token", self.csrf)
        response: httpx.Response = self.client.post(url, headers=headers, **kw)
        return response


@pytest.fixture
def web(demo_db: Path) -> Iterator[Web]:
    settings = WebSettings(
        db=str(demo_db), model=str(demo_db.with_name("demo.model.yaml")), secret_key="t" * 32
    )
    with TestClient(create_app(settings)) as client:
        yield Web(client)
