"""Argon2 password hashing shared by the demo users and the web login."""

from __future__ import annotations

from rashinban.auth.passwords import hash_password, needs_rehash, verify_password


def test_hash_and_verify() -> None:
    h = hash_password("秘密のパスワード")
    assert h.startswith("$argon2id$")
    assert h != hash_password("秘密のパスワード")  # a fresh salt each time
    assert verify_password("秘密のパスワード", h)
    assert not verify_password("wrong", h)
    assert not needs_rehash(h)


def test_no_or_bad_hash_never_verifies() -> None:
    assert not verify_password("x", None)
    assert not verify_password("x", "")
    assert not verify_password("x", "not-a-hash")
    assert needs_rehash("not-a-hash")
