"""Web benchmark: the home dashboard under concurrent readers, activity logging under writers.

    python -m bench.web_bench --db /tmp/large.duckdb            # the `large` demo store
    python -m bench.web_bench --db … --clients 20 --seconds 60 --write-seconds 30

It starts ``rashinban serve`` on a free loopback port, signs in ``--clients`` users through
the login form (session cookie + CSRF token, as a browser does) and then

1. *read phase*: every client alternates the home page (``/``) and its JSON twin for
   ``--seconds``; latency percentiles and errors per endpoint (target: p95 < 300 ms, 0 errors);
2. *write phase*: every member client logs activities through ``POST /api/activities`` for
   ``--write-seconds``; writes/s acknowledged (target ≥ 300/s), then the server is stopped and
   the activities carrying this run's marker are counted in the store: the count must equal
   the number acknowledged (no lost writes, no duplicates).

The load generator is an asyncio httpx client (one connection per client), bounded in time
and in count, loopback only.  Results are printed and written as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "rashinban-demo"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')
ACTIVITY_TYPES = ("call", "email", "visit", "web_meeting")
OUTCOMES = {"call": "connected", "email": "sent", "visit": "completed", "web_meeting": "completed"}


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, seconds: float, ok: bool) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if ok:
            self.latencies.append(seconds)
        else:
            self.errors += 1

    def summary(self, wall: float) -> dict[str, object]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not lat:
                return None
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1)

        return {
            "requests": len(lat) + self.errors,
            "ok": len(lat),
            "errors": self.errors,
            "statuses": self.statuses,
            "rps": round((len(lat) + self.errors) / wall, 1) if wall else None,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 1) if lat else None,
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def db_users(db: Path) -> list[dict[str, object]]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select username, role, member_id from users where active order by id").fetchall()
    finally:
        con.close()
    return [{"username": u, "role": r, "member_id": m} for u, r, m in rows]


def count_marked(db: Path, marker: str) -> tuple[int, int]:
    """Rows whose note (stored as ``subject``) carries this run's marker, and distinct notes."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select count(*), count(distinct subject) from activities where subject like ?", [f"{marker}-%"]
        ).fetchone()
    finally:
        con.close()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("RASHINBAN_SECRET", "web-bench-secret")
    cmd = [sys.executable, "-m", "rashinban", "serve", "--db", str(db), "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"rashinban serve exited ({proc.returncode}); see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("rashinban serve did not answer in 180 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def start_profile(
    proc: subprocess.Popen[bytes], out: Path | None, seconds: float
) -> subprocess.Popen[bytes] | None:
    """py-spy (if asked for) samples the server for one phase: collapsed stacks in ``out``."""
    if out is None:
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    cmd = [str(spy), "record", "-p", str(proc.pid), "-d", str(int(seconds)), "-r", "100", "-f", "raw"]
    return subprocess.Popen([*cmd, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def end_profile(spy: subprocess.Popen[bytes] | None) -> None:
    if spy is not None:
        spy.wait(timeout=120)


def _csrf(html: str) -> str:
    m = CSRF_RE.search(html)
    if not m:
        raise RuntimeError("no CSRF token in the page")
    return m[1] or m[2]


async def sign_in(base: str, username: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(
        base_url=base,
        timeout=30,
        # uvicorn closes a keep-alive connection idle for 5 s: never reuse one idle for 4 s
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=4.0),
    )
    token = _csrf((await client.get("/login")).text)
    r = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if r.status_code != 303:
        raise RuntimeError(f"sign-in of {username} failed: {r.status_code}")
    for path in ("/", "/log"):  # any signed-in page carries the session's CSRF token
        page = await client.get(path)
        if page.status_code == 200:
            return client, _csrf(page.text)
    raise RuntimeError(f"no signed-in page answered for {username}")


async def read_phase(
    clients: list[tuple[httpx.AsyncClient, str]], paths: list[str], seconds: float
) -> tuple[dict[str, Samples], float]:
    samples = {p: Samples() for p in paths}
    stop = time.perf_counter() + seconds

    async def worker(i: int, client: httpx.AsyncClient) -> None:
        n = i  # clients start on different endpoints
        while time.perf_counter() < stop:
            path = paths[n % len(paths)]
            n += 1
            t0 = time.perf_counter()
            try:
                r = await client.get(path)
                ok = r.status_code == 200
                status = str(r.status_code)
            except httpx.HTTPError as e:
                ok, status = False, type(e).__name__
            samples[path].add(status, time.perf_counter() - t0, ok)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i, c) for i, (c, _) in enumerate(clients)))
    return samples, time.perf_counter() - t0


def activity_payload(kind: str, note: str, key: str) -> dict[str, object]:
    return {"type": kind, "outcome": OUTCOMES[kind], "note": note, "idempotency_key": key}


async def write_phase(
    clients: list[tuple[httpx.AsyncClient, str]], path: str, seconds: float, marker: str, max_writes: int
) -> tuple[Samples, float, int]:
    samples = Samples()
    acked = 0
    sent = 0
    stop = time.perf_counter() + seconds

    async def worker(i: int, client: httpx.AsyncClient, csrf: str) -> None:
        nonlocal acked, sent
        n = 0
        while time.perf_counter() < stop and sent < max_writes:
            sent += 1
            kind = ACTIVITY_TYPES[(i + n) % len(ACTIVITY_TYPES)]
            note = f"{marker}-{i}-{n}"
            n += 1
            t0 = time.perf_counter()
            try:
                r = await client.post(
                    path, json=activity_payload(kind, note, note), headers={"X-CSRF-Token": csrf}
                )
                ok = r.status_code in (200, 201)
                status = str(r.status_code)
            except httpx.HTTPError as e:
                ok, status = False, type(e).__name__
            samples.add(status, time.perf_counter() - t0, ok)
            if ok:
                acked += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i, c, csrf) for i, (c, csrf) in enumerate(clients)))
    return samples, time.perf_counter() - t0, acked


def pick_users(users: list[dict[str, object]], n: int, members_only: bool) -> list[str]:
    members = [str(u["username"]) for u in users if u["member_id"] is not None and u["role"] == "member"]
    if members_only:
        return members[:n]
    others = [str(u["username"]) for u in users if u["role"] in ("admin", "manager", "partner")]
    return (others + members)[:n]


async def run(args: argparse.Namespace) -> dict[str, object]:
    db = Path(args.db)
    if not db.exists():
        raise SystemExit(f"{db} missing: rashinban demo generate --scale large --db {db}")
    users = db_users(db)
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(args.log)
    started = time.perf_counter()
    proc = start_server(db, port, log)
    result: dict[str, object] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "db": str(db),
        "server_start_s": round(time.perf_counter() - started, 1),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    marker = f"bench-{uuid.uuid4().hex[:10]}"
    try:
        if args.seconds > 0:
            readers = [await sign_in(base, u) for u in pick_users(users, args.clients, members_only=False)]
            paths = ["/", args.api]
            # first request of each client: caches warm up (reported, not counted)
            t0 = time.perf_counter()
            for client, _ in readers[:1]:
                for p in paths:
                    r = await client.get(p)
                    if r.status_code != 200:
                        raise SystemExit(f"GET {p} answered {r.status_code}: {r.text[:300]}")
            result["first_request_s"] = round(time.perf_counter() - t0, 2)
            await asyncio.gather(*(c.get(p) for c, _ in readers for p in paths[:1]))
            await asyncio.gather(*(c.get(p) for c, _ in readers for p in paths[1:]))
            spy = start_profile(proc, args.profile and Path(args.profile) / "read.txt", args.seconds)
            samples, wall = await read_phase(readers, paths, args.seconds)
            end_profile(spy)
            result["read"] = {
                "clients": len(readers),
                "seconds": round(wall, 1),
                "endpoints": {p: s.summary(wall) for p, s in samples.items()},
            }
            for client, _ in readers:
                await client.aclose()

        if args.write_seconds > 0:
            writers = [
                await sign_in(base, u) for u in pick_users(users, args.write_clients, members_only=True)
            ]
            spy = start_profile(proc, args.profile and Path(args.profile) / "write.txt", args.write_seconds)
            wsamples, wwall, acked = await write_phase(
                writers, args.write_path, args.write_seconds, marker, args.max_writes
            )
            end_profile(spy)
            for client, _ in writers:
                await client.aclose()
            result["write"] = {
                "clients": len(writers),
                "seconds": round(wwall, 1),
                **wsamples.summary(wwall),
                "acknowledged": acked,
                "writes_per_s": round(acked / wwall, 1) if wwall else None,
                "marker": marker,
            }
    finally:
        result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        stop_server(proc)
    if "write" in result:
        stored, distinct = count_marked(db, marker)
        write = result["write"]
        assert isinstance(write, dict)
        write["stored"] = stored
        write["duplicates"] = stored - distinct
        write["lost"] = int(write["acknowledged"]) - distinct
    return result


def report(result: dict[str, object]) -> None:
    print(f"date {result['date']} · {result['machine']} · {result['db']}")
    first = result.get("first_request_s")
    print(f"server start {result['server_start_s']} s · first dashboard requests {first} s")
    print(f"load average before/after: {result.get('loadavg_before')} / {result.get('loadavg_after')}")
    read = result.get("read")
    if isinstance(read, dict):
        print(f"read: {read['clients']} clients for {read['seconds']} s")
        for path, s in read["endpoints"].items():
            print(
                f"  GET {path:<18} {s['requests']:>6} req  {s['rps']:>7} req/s  p50 {s['p50_ms']} ms  "
                f"p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms  max {s['max_ms']} ms  errors {s['errors']}"
            )
    write = result.get("write")
    if isinstance(write, dict):
        print(
            f"write: {write['clients']} clients for {write['seconds']} s: "
            f"{write['acknowledged']} acknowledged, "
            f"{write['writes_per_s']} writes/s, p50 {write['p50_ms']} ms, p95 {write['p95_ms']} ms, "
            f"errors {write['errors']} {write['statuses']}; stored {write['stored']}, "
            f"lost {write['lost']}, duplicates {write['duplicates']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="/tmp/large.duckdb", help="demo store (rashinban demo generate)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--api", default="/api/home", help="the home dashboard's JSON twin")
    parser.add_argument("--write-path", default="/api/activities")
    parser.add_argument("--write-clients", type=int, default=20)
    parser.add_argument("--write-seconds", type=float, default=30)
    parser.add_argument("--max-writes", type=int, default=100_000, help="upper bound on writes sent")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", default="/tmp/web_bench_serve.log")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--profile", default=None, help="folder for py-spy samples of each phase")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    report(result)
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    ok = True
    read = result.get("read")
    if isinstance(read, dict):
        ok &= all(s["errors"] == 0 for s in read["endpoints"].values())
    write = result.get("write")
    if isinstance(write, dict):
        ok &= write["lost"] == 0 and write["duplicates"] == 0 and write["errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
