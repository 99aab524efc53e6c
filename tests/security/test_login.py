"""Sign-in throttling and user names (in-process; the parallel attack is in test_live.py)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rashinban.auth.names import skeleton, username_key
from rashinban.clock import FixedClock
from rashinban.web.security import DEVICE_COOKIE, client_address, parse_proxies
from tests.security.conftest import PASSWORD, Client, make_app

LOOKALIKES = ["manager ", "manager\t", "\u00a0manager", "ＭＡＮＡＧＥＲ", "Manager", " MANAGER\u3000"]


@pytest.fixture
def timed(sec_db: Path) -> Iterator[tuple[Client, FixedClock]]:
    clock = FixedClock(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    with TestClient(make_app(sec_db, clock)) as client:
        yield Client(client), clock


@pytest.mark.parametrize("name", LOOKALIKES)
def test_names_are_normalised_before_lookup(web: Client, name: str) -> None:
    r = web.sign_in(name)
    assert r.status_code == 303
    assert web.get("/api/account").json()["username"] == "manager"


def test_spellings_share_one_counter_and_the_lock_is_a_short_delay(timed: tuple[Client, FixedClock]) -> None:
    web, clock = timed
    for i, name in enumerate(LOOKALIKES[:5]):  # five wrong guesses under five spellings
        assert web.sign_in(name, f"wrong-{i}").status_code == 401, name
    # the account is held: neither spelling nor the right password gets a check now
    r = web.sign_in("manager ", PASSWORD)
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert web.sign_in("manager", PASSWORD).status_code == 429
    checked = web.sql("SELECT count(*) FROM audit_log WHERE action = 'login_failed'")[0][0]
    assert checked == 5
    # a short delay, not a five-minute lockout: the owner is in after it
    clock.advance(timedelta(seconds=int(r.headers["Retry-After"])))
    assert web.sign_in("manager", PASSWORD).status_code == 303


def test_delays_grow_and_stay_short(timed: tuple[Client, FixedClock]) -> None:
    web, clock = timed
    waits = []
    for i in range(9):
        r = web.sign_in("rep003", f"wrong-{i}")
        if r.status_code == 429:
            wait = int(r.headers["Retry-After"])
            waits.append(wait)
            clock.advance(timedelta(seconds=wait))
            assert web.sign_in("rep003", f"again-{i}").status_code == 401
    assert waits == sorted(waits) and waits[0] <= 6 and max(waits) <= 61 and len(set(waits)) > 1


def test_a_known_device_gets_in_while_the_account_is_held(timed: tuple[Client, FixedClock]) -> None:
    web, _ = timed
    owner = Client(TestClient(web.client.app))
    owner.login("rep004")  # the owner's browser: a device cookie
    device = owner.client.cookies.get(DEVICE_COOKIE)
    assert device
    for i in range(6):
        web.sign_in("rep004", f"guess-{i}")
    assert web.sign_in("rep004", PASSWORD).status_code == 429  # a stranger's browser waits
    owner.client.cookies.clear()
    owner.client.cookies.set(DEVICE_COOKIE, device)
    assert owner.sign_in("rep004", PASSWORD, keep_cookies=True).status_code == 303
    # a device cookie is the user's own: it does not help with another account
    for i in range(6):
        web.sign_in("rep005", f"guess-{i}")
    other = owner.sign_in("rep005", PASSWORD, keep_cookies=True)
    assert other.status_code == 429


def test_wrong_guesses_from_one_address_are_capped(timed: tuple[Client, FixedClock]) -> None:
    web, _ = timed
    codes = [web.sign_in(f"nobody{i}", "x" * 12).status_code for i in range(24)]
    assert codes[:20] == [401] * 20 and codes[20] == 429  # 20 per address, then a wait


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = parse_proxies(["10.0.0.0/8", "127.0.0.1"])
    assert client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"  # not a proxy
    assert client_address("127.0.0.1", "1.2.3.4", proxies) == "1.2.3.4"
    assert client_address("127.0.0.1", "6.6.6.6, 1.2.3.4, 10.1.1.1", proxies) == "1.2.3.4"
    assert client_address("127.0.0.1", "garbage", proxies) == "127.0.0.1"
    assert client_address("127.0.0.1", "1.2.3.4", ()) == "127.0.0.1"  # none configured


def test_forged_forwarded_for_does_not_dodge_the_address_limit(timed: tuple[Client, FixedClock]) -> None:
    web, _ = timed
    codes = [
        web.client.post(
            "/login",
            data={"username": f"ghost{i}", "password": "x" * 12, "csrf_token": web.token()},
            headers={"X-Forwarded-For": f"198.51.100.{i}"},
            follow_redirects=False,
        ).status_code
        for i in range(21)
    ]
    assert codes[-1] == 429
    addresses = {r[0] for r in web.sql("SELECT address FROM audit_log WHERE action = 'login_failed'")}
    assert addresses == {"testclient"}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("аdmin", "mixed_script"),
        ("ａｄｍｉｎ", "taken"),
        ("Admin", "taken"),
        ("ADMIN ", "taken"),
        ("аdmіn", "mixed_script"),
    ],
)
def test_lookalike_names_are_refused(web: Client, name: str, code: str) -> None:
    web.login("admin")
    r = web.post("/api/admin/users", json={"username": name, "password": "x" * 12, "role": "admin"})
    assert r.status_code == 422 and r.json()["codes"]["username"] == code, r.text


def test_an_all_cyrillic_lookalike_is_refused(web: Client) -> None:
    web.login("admin")
    ok = web.post("/api/admin/users", json={"username": "ace", "password": "x" * 12, "role": "admin"})
    assert ok.status_code == 201
    r = web.post("/api/admin/users", json={"username": "асе", "password": "x" * 12, "role": "admin"})
    assert r.status_code == 422 and r.json()["codes"]["username"] == "lookalike"
    assert skeleton("асе") == skeleton("ace") and username_key("асе") != username_key("ace")
    fine = web.post(
        "/api/admin/users", json={"username": "田中たろう", "password": "x" * 12, "role": "admin"}
    )
    assert fine.status_code == 201  # one writing system (kanji and kana) is fine


def test_store_file_is_private_and_demo_users_have_distinct_salts(web: Client, sec_db: Path) -> None:
    assert stat.S_IMODE(os.stat(sec_db).st_mode) == 0o600
    hashes = [r[0] for r in web.sql("SELECT password_hash FROM users WHERE member_id IS NOT NULL")]
    salts = [h.split("$")[4] for h in hashes]
    assert len(hashes) >= 10 and len(set(hashes)) == len(hashes) and len(set(salts)) == len(salts)
    assert all(h.startswith("$argon2id$") for h in hashes)
