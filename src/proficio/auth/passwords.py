"""Passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommendation).

People choose passwords, so unlike API secrets (random, 256 bits, SHA-256 is enough) they get
a slow, memory-hard hash. Checking an unknown email still costs one verification, against a
dummy hash, so the time a sign-in takes does not tell whether the email exists.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from proficio.errors import BadRequest

MIN_LENGTH = 12


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise BadRequest(f"must be at least {MIN_LENGTH} characters long", field="password")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown email), as slow as a real check."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for a new account (about 120 bits), shown once."""
    return secrets.token_urlsafe(15)
