"""Attacks on a live ``rashinban serve`` (loopback only, bounded in count and time): parallel
password guesses, oversized and chunked bodies, the header set."""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.svc import generate_demo

pytestmark = pytest.mark.live
PASSWORD = "rashinban-demo"
MB = 1024 * 1024


@dataclass
class Live:
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    db: Path

    def rss_mb(self) -> float:
        """Resident memory of the server and its children, in MB."""
        total = 0
        pids = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        pids.append(int(entry.name))
                except (OSError, ValueError, IndexError):
                    pass
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live_sec")
    db = folder / "demo.duckdb"
    generate_demo(db, scale="small", months=2, seed=7, end_month="2026-10")
    port = _port()
    env = {**os.environ, "RASHINBAN_UPLOAD_MB": "2", "RASHINBAN_LANG": "en"}
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rashinban", "serve", "--db", str(db), "--port", str(port), "--no-jobs"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError((folder / "server.log").read_text()[-3000:])
        yield Live(url, port, proc, db)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()


def _csrf(client: httpx.Client, url: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', client.get(url + "/login").text)
    assert m
    return m.group(1)


def test_parallel_guesses_get_at_most_the_limit_of_checks(live: Live) -> None:
    clients = [httpx.Client(timeout=60) for _ in range(30)]
    tokens = [_csrf(c, live.url) for c in clients]
    before = live.rss_mb()
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []
    lock = threading.Lock()

    def guess(i: int) -> None:
        barrier.wait()
        r = clients[i].post(
            live.url + "/login",
            data={"username": "manager", "password": f"guess-{i}", "csrf_token": tokens[i]},
        )
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(clients))]
    peak = before
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, live.rss_mb())
        time.sleep(0.02)
    for c in clients:
        c.close()
    checked = codes.count(401)
    assert len(codes) == 30 and checked <= 5 and checked >= 1, codes
    assert set(codes) <= {401, 429, 503}, codes
    assert peak - before < 200, (before, peak)  # two argon2 checks at a time, not thirty
    sys.stderr.write(f"\n30 parallel guesses: {checked} checked, RSS {before:.0f} → peak {peak:.0f} MB\n")


def _raw(live: Live, head: bytes, body_chunks: int, chunk: bytes) -> tuple[int, float, int]:
    """Send ``head``, then body chunks while the server reads; stop at its answer.  (status,
    seconds, body bytes sent)."""
    start = time.monotonic()
    sent = 0
    got = b""
    data = memoryview(chunk * 0)
    left = body_chunks
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as s:
        s.sendall(head)
        s.setblocking(False)
        while time.monotonic() - start < 60:
            readable, writable, _ = select.select([s], [s] if (left or data) else [], [], 1.0)
            if readable:
                try:
                    part = s.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    part = b""
                got += part
                if not part or b"\r\n" in got:
                    break
            elif writable:
                if not data:
                    data = memoryview(chunk)
                    left -= 1
                try:
                    n = s.send(data)
                except (BrokenPipeError, ConnectionResetError):
                    break
                except BlockingIOError:
                    n = 0
                sent += n
                data = data[n:]
    status = int(got.split(b" ", 2)[1]) if got.startswith(b"HTTP/") else 0
    return status, time.monotonic() - start, sent


def test_big_anonymous_bodies_are_refused_before_they_are_read(live: Live) -> None:
    before = live.rss_mb()
    head = (
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        + f"Content-Length: {200 * MB}\r\n\r\n".encode()
    )
    status, _seconds, sent = _raw(live, head, 200, b"x" * MB)
    assert status == 413 and sent < 50 * MB, (status, sent)
    chunked = (
        b"POST /log HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = f"{MB:x}\r\n".encode() + b"y" * MB + b"\r\n"
    status, _seconds, sent = _raw(live, chunked, 200, piece)
    assert status == 413 and sent < 50 * MB, (status, sent)
    assert live.rss_mb() - before < 100


def test_uploads_stop_at_the_cap_as_they_arrive(live: Live) -> None:
    with httpx.Client(timeout=60) as c:
        token = _csrf(c, live.url)
        r = c.post(live.url + "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
        assert r.status_code in (200, 303)
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', c.get(live.url + "/log").text)
        assert csrf
        cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
    head = (
        b"POST /api/imports HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        + f"Cookie: {cookie}\r\nX-CSRF-Token: {csrf.group(1)}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    )
    form = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    first = f"{len(form):x}\r\n".encode() + form + b"\r\n"
    piece = f"{MB:x}\r\n".encode() + b"a,b\n" * (MB // 4) + b"\r\n"
    before = live.rss_mb()
    status, _seconds, sent = _raw(live, head + first, 150, piece)
    assert status == 413 and sent < 60 * MB, (status, sent)
    spool = live.db.with_name(live.db.name + ".uploads")
    sizes = [p.stat().st_size for p in spool.rglob("*") if p.is_file()] if spool.exists() else []
    assert all(size <= 3 * MB for size in sizes), sizes
    assert live.rss_mb() - before < 100


def test_the_header_set(live: Live) -> None:
    r = httpx.get(live.url + "/login")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert httpx.get(live.url + "/api/openapi.json").status_code == 401
    spoofed = httpx.post(
        live.url + "/login", data={"username": "x", "password": "y"}, headers={"X-Forwarded-For": "1.2.3.4"}
    )
    assert spoofed.status_code == 403  # no CSRF token: refused, and the address is the peer's
