"""Password hashing with Argon2id (argon2-cffi).

``hash_password`` returns the PHC string (``$argon2id$v=19$m=…``) stored in
``users.password_hash``; ``verify_password`` checks a password against it and never
raises for a wrong password or a malformed hash.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (a fresh random salt each call)."""
    return _hasher().hash(password)


@cache
def _demo_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def demo_hashes(password: str, count: int) -> list[str]:
    """``count`` hashes of the demo users' shared (public) password, each with its own salt,
    so no two users' hashes are alike.  A lighter Argon2id profile (8 MiB, one pass): the
    password is printed by ``demo generate`` anyway, and a demo of 40 reps is made in
    milliseconds.  A password change or reset stores the full profile."""
    hasher = _demo_hasher()
    return [hasher.hash(password) for _ in range(count)]


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches ``password_hash``; False otherwise (also for no hash)."""
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
