"""One small demo store per test worker (October 2026, data up to the 31st), copied per test;
the clock stands on Thursday 2026-10-22 10:00 Tokyo; facades for any demo user; loopback
receivers for SMTP and HTTP (Slack, Teams, webhooks)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user
from tests.svc import generate_demo

END_MONTH = "2026-10"
NOW = "2026-10-22T10:00:00"  # a Thursday, a business day; the demo's data runs to the 31st


@pytest.fixture(scope="session")
def alerts_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("alerts_demo") / "demo.duckdb"
    generate_demo(db, scale="small", months=4, seed=7, end_month=END_MONTH)
    return db


@pytest.fixture
def db_path(alerts_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.duckdb"
    shutil.copy(alerts_template, db)
    shutil.copy(alerts_template.with_name("demo.model.yaml"), tmp_path / "demo.model.yaml")
    return db


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(str(db_path))
    s.ready()
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture
def system(store: Store, clock: FixedClock) -> Rashinban:
    """The system's facade (what jobs and the CLI use)."""
    return Rashinban.for_job(store, "ja", clock)


def as_user(store: Store, clock: FixedClock, username: str, lang: str = "ja") -> Rashinban:
    user = find_user(store, username)
    assert user is not None, username
    return Rashinban.for_store(store, user, lang, clock)


# loopback receivers ----------------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # status codes to answer first


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    holder: dict[str, HttpReceiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = holder["r"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = rec.fail_next.pop(0) if rec.fail_next else 200
            if status == 200:
                rec.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["r"] = HttpReceiver(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["r"]
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost (the SMTP server's STARTTLS)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
