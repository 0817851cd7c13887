"""HTTP Basic authentication against stored credentials (xAPI 1.0.3 Part Three 4.0).

Checked credentials are remembered for a few seconds (`auth_cache_seconds`) so a busy client
does not cost a database read per request; a revocation takes effect within that time.
"""

from __future__ import annotations

import base64
import binascii
import time

from proficio.auth.credentials import authenticate, hash_secret
from proficio.auth.scopes import Caller
from proficio.errors import Unauthorized
from proficio.storage.database import Database


def parse_basic(header: str | None) -> tuple[str, str]:
    if not header:
        raise Unauthorized("this resource needs HTTP Basic credentials", field="Authorization")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorized("only HTTP Basic credentials are accepted", field="Authorization")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized(
            "the Basic credentials are not valid base64", field="Authorization"
        ) from None
    key, sep, secret = decoded.partition(":")
    if not sep:
        raise Unauthorized("the Basic credentials must be key:secret", field="Authorization")
    return key, secret


class Authenticator:
    def __init__(self, db: Database, *, ttl_seconds: float) -> None:
        self._db = db
        self._ttl = ttl_seconds
        self._recent: dict[tuple[str, str], tuple[float, Caller]] = {}

    async def caller(self, header: str | None) -> Caller:
        key, secret = parse_basic(header)
        cache_key = (key, hash_secret(secret))
        hit = self._recent.get(cache_key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        caller = await self._db.read(lambda conn: authenticate(conn, key=key, secret=secret))
        if len(self._recent) > 10_000:
            self._recent.clear()
        self._recent[cache_key] = (now, caller)
        return caller
