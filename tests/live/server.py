"""A live ``rashinban serve`` (one or more uvicorn worker processes) on a demo store.

* :func:`demo_store` fills a store (DuckDB file or PostgreSQL database) with the small demo.
* :func:`serving` runs ``python -m rashinban serve`` on a free loopback port as a subprocess,
  with no ``RASHINBAN_SECRET`` (the signing key comes from the store), waits until it answers
  and always stops it — its whole process group — at the end, also when the test fails.
* :class:`Pinned` is an HTTP client that talks to one chosen worker process.  Nothing in the
  product names the worker: the test asks the kernel instead.  The server side of a loopback
  connection is the socket whose local/remote ports are the client's remote/local ports
  (``/proc/net/tcp``); the worker is the child of the server whose fd table holds that socket.
* :data:`FIGURES` collects measured latencies; they are printed at the end of the run.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.svc import generate_demo

PASSWORD = "rashinban-demo"
END_MONTH = "2026-10"  # the demo's last month; the server's clock stands in it (RASHINBAN_NOW)
PERIOD = "2026-10"
NOW = "2026-10-20T10:00:00+09:00"  # a Tuesday: October still has business days ahead
START_TIMEOUT = 90.0  # a loaded 2-core machine takes its time to start two workers
KEPT_ALIVE = 2.0  # seconds a kept connection is trusted to stay open (uvicorn's limit: 5)
FIGURES: list[str] = []
SERVERS: list[Server] = []  # every server started in this run (their logs)


def note(text: str) -> None:
    """A measured figure for the end-of-run summary."""
    FIGURES.append(text)


# the store ---------------------------------------------------------------------------------
def demo_store(db: str, folder: Path) -> None:
    """``rashinban demo generate --scale small --months 3 --end-month 2026-10`` into ``db``
    (its model is pushed into the store; the model file goes to ``folder``)."""
    generate_demo(db, scale="small", months=3, end_month=END_MONTH, model_out=folder / "demo.model.yaml")


def cli(*args: str) -> str:
    """``rashinban ARGS`` — the command's own entry point, run in this process (a new Python
    process would add seconds of start-up); its standard output."""
    from rashinban.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    assert code == 0, f"rashinban {' '.join(args)} exited {code}:\n{out.getvalue()}"
    return out.getvalue()


# the server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def workers(self) -> list[int]:
        """The pids of the server's child processes (uvicorn's workers, and with several
        workers also multiprocessing's resource tracker)."""
        out = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                out.append(int(entry.name))
        return out

    def worker_of(self, response: httpx.Response) -> int:
        """The pid of the process holding the server end of ``response``'s connection (the
        connection must still be open: a keep-alive client's)."""
        stream = response.extensions["network_stream"]
        client_port = int(stream.get_extra_info("client_addr")[1])
        inode = _server_socket(self.port, client_port)
        assert inode, f"no server socket for client port {client_port}"
        target = f"socket:[{inode}]"
        for pid in [self.proc.pid, *self.workers()]:
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    with contextlib.suppress(OSError):
                        if os.readlink(fd) == target:
                            return pid
        raise AssertionError(f"no process of the server holds {target}")


def _server_socket(server_port: int, client_port: int) -> int | None:
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if f[1] == local and f[2] == remote and f[9] != "0":
            return int(f[9])
    return None


@contextlib.contextmanager
def serving(db: str, folder: Path, workers: int = 1) -> Iterator[Server]:
    """``rashinban serve --db DB --workers N`` on a free port (no RASHINBAN_SECRET); stopped,
    with every process it started, when the block ends."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "RASHINBAN_LANG": "en"}
    # every worker runs the one clock that reads NOW at this moment (not at its own start)
    env |= {"RASHINBAN_NOW": NOW, "RASHINBAN_NOW_AT": repr(time.time())}
    env["RASHINBAN_SPOOL"] = str(folder / "spool")
    # the server runs the code the tests run (this tree), whatever the cwd
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    for name in ("RASHINBAN_SECRET", "RASHINBAN_DB", "RASHINBAN_MODEL", "RASHINBAN_HTTPS"):
        env.pop(name, None)
    log_path = folder / f"serve-{port}.log"
    args = ["serve", "--db", db, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rashinban", *args],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
    server = Server(f"http://127.0.0.1:{port}", port, proc, log_path)
    SERVERS.append(server)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(proc)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.proc.poll() is not None:
            pytest.fail(f"rashinban serve exited ({server.proc.returncode}):\n{server.tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/login", timeout=5).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"rashinban serve did not answer in {START_TIMEOUT:.0f}s:\n{server.tail()}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server (uvicorn stops its workers and waits for them), SIGKILL if it
    hangs; then SIGKILL, one by one, to any process left in its process group (the group this
    test made with ``start_new_session``: its workers, multiprocessing's resource tracker)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    for pid in _group(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _group(pgid: int) -> list[int]:
    """The processes whose process group is ``pgid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    out.append(int(entry.name))
    return out


# clients -----------------------------------------------------------------------------------
def login(client: httpx.Client | Pinned, username: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the login form; returns the session's CSRF token."""
    form = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match, "no CSRF token on the login form"
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": match[1]})
    assert r.status_code == 303 and r.headers["location"] == "/", (r.status_code, r.text[:300])
    return csrf_of(client)


def csrf_of(client: httpx.Client | Pinned) -> str:
    """The signed-in session's CSRF token (from a signed page's form)."""
    page = client.get("/log")
    assert page.status_code == 200, page.status_code
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on /log"
    return match[1]


@dataclass
class Pinned:
    """An httpx client whose requests are all served by the worker process ``pid``.

    It opens fresh connections until one is accepted by that worker, then keeps it (one
    keep-alive connection; checked again after a pause, as uvicorn closes idle connections
    after 5 s); every response is checked to come from ``pid``.  Cookies set by ``pid`` (or
    by the test) and the headers persist across reconnections."""

    server: Server
    pid: int
    headers: dict[str, str] = field(default_factory=dict)
    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)
    _client: httpx.Client | None = None
    _last: float = 0.0  # when the kept connection last answered

    def _new(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.url,
            headers=self.headers,
            cookies=self.cookies,
            timeout=30,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    def connect(self) -> None:
        """Make sure the kept connection is open and held by ``pid``."""
        for _ in range(200):
            if self._client is None:
                self._client = self._new()
            r = self._client.get("/static/app.css")
            if self.server.worker_of(r) == self.pid:
                self._last = time.monotonic()
                return
            self._client.close()  # and forget any cookie another worker set
            self._client = None
        raise AssertionError(f"worker {self.pid} accepted none of 200 connections")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._client is None or time.monotonic() - self._last > KEPT_ALIVE:
            self.connect()
        assert self._client is not None
        r = self._client.request(method, path, **kwargs)
        self._last = time.monotonic()
        got = self.server.worker_of(r)
        self.cookies.update(self._client.cookies)
        assert got == self.pid, f"{method} {path} was served by {got}, not by {self.pid}"
        return r

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def poll_until(read: Callable[[], Any], done: Callable[[Any], bool], limit: float) -> tuple[float, int, Any]:
    """Read at once, then again until ``done(value)`` or ``limit`` seconds have passed.
    Returns (seconds until a read returned the awaited value — inf if none did, how many
    reads, the last value)."""
    start = time.monotonic()
    reads = 0
    while True:
        value = read()
        reads += 1
        elapsed = time.monotonic() - start
        if done(value):
            return elapsed, reads, value
        if elapsed > limit:
            return float("inf"), reads, value
        time.sleep(0.02)
